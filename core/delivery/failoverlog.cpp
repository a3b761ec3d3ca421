// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "delivery/failoverlog.h"

#include "log/logging.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <spdlog/logger.h>
#include <spdlog/sinks/rotating_file_sink.h>

namespace relayrace::delivery {

Result<std::shared_ptr<FailoverLog>> FailoverLog::open(const QString &path, qsizetype maxBytes, int maxFiles)
{
    if (path.isEmpty())
        return makeError(QStringLiteral("the failover log needs a file path"));
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir))
        return makeError(QStringLiteral("%1: cannot create the directory").arg(dir));
    try {
        auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
            path.toStdString(), size_t(std::max<qsizetype>(maxBytes, 1024)), size_t(std::max(maxFiles, 1)));
        sink->set_pattern("%v");
        // Not registered: several logs (a test's, the app's) may live at once under the same name.
        auto logger = std::make_shared<spdlog::logger>("failover", std::move(sink));
        logger->set_level(spdlog::level::info);
        logger->flush_on(spdlog::level::info);
        return std::shared_ptr<FailoverLog>(new FailoverLog(path, std::move(logger)));
    } catch (const spdlog::spdlog_ex &e) {
        return makeError(QStringLiteral("%1: %2").arg(path, QString::fromLocal8Bit(e.what())));
    }
}

QString FailoverLog::defaultPath(const QString &appName)
{
    const QString appLog = QString::fromStdString(log::logFilePath(appName.toStdString()));
    return QFileInfo(appLog).absolutePath() + QStringLiteral("/failover.jsonl");
}

FailoverLog::FailoverLog(QString path, std::shared_ptr<spdlog::logger> logger)
    : m_path(std::move(path)), m_logger(std::move(logger))
{
}

FailoverLog::~FailoverLog()
{
    m_logger->flush();
}

QByteArray FailoverLog::line(const model::FailoverEvent &event)
{
    return QJsonDocument(toJson(event)).toJson(QJsonDocument::Compact);
}

void FailoverLog::write(const model::FailoverEvent &event)
{
    const QByteArray json = line(event);
    m_logger->info("{}", std::string_view(json.constData(), size_t(json.size())));
}

} // namespace relayrace::delivery
