// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "log/jsonlineslog.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>

#include <spdlog/logger.h>
#include <spdlog/sinks/rotating_file_sink.h>

namespace relayrace::log {

Result<std::shared_ptr<JsonLinesLog>> JsonLinesLog::open(const QString &path, const QString &name, qsizetype maxBytes,
                                                         int maxFiles)
{
    if (path.isEmpty())
        return makeError(QStringLiteral("the %1 log needs a file path").arg(name));
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir))
        return makeError(QStringLiteral("%1: cannot create the directory").arg(dir));
    try {
        auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
            path.toStdString(), size_t(std::max<qsizetype>(maxBytes, 1024)), size_t(std::max(maxFiles, 1)));
        sink->set_pattern("%v");
        auto logger = std::make_shared<spdlog::logger>(name.toStdString(), std::move(sink));
        logger->set_level(spdlog::level::info);
        logger->flush_on(spdlog::level::info);
        return std::shared_ptr<JsonLinesLog>(new JsonLinesLog(path, std::move(logger)));
    } catch (const spdlog::spdlog_ex &e) {
        return makeError(QStringLiteral("%1: %2").arg(path, QString::fromLocal8Bit(e.what())));
    }
}

JsonLinesLog::JsonLinesLog(QString path, std::shared_ptr<spdlog::logger> logger)
    : m_path(std::move(path)), m_logger(std::move(logger))
{
}

JsonLinesLog::~JsonLinesLog()
{
    m_logger->flush();
}

void JsonLinesLog::write(const QJsonObject &object)
{
    writeLine(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

void JsonLinesLog::writeLine(const QByteArray &json)
{
    m_logger->info("{}", std::string_view(json.constData(), size_t(json.size())));
}

} // namespace relayrace::log
