// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "delivery/failoverlog.h"

#include "log/jsonlineslog.h"
#include "log/logging.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>


namespace relayrace::delivery {

Result<std::shared_ptr<FailoverLog>> FailoverLog::open(const QString &path, qsizetype maxBytes, int maxFiles)
{
    Result<std::shared_ptr<log::JsonLinesLog>> lines = log::JsonLinesLog::open(path, QStringLiteral("failover"), maxBytes, maxFiles);
    if (!lines)
        return makeError(lines.error());
    return std::shared_ptr<FailoverLog>(new FailoverLog(path, std::move(lines).value()));
}

QString FailoverLog::defaultPath(const QString &appName)
{
    const QString appLog = QString::fromStdString(log::logFilePath(appName.toStdString()));
    return QFileInfo(appLog).absolutePath() + QStringLiteral("/failover.jsonl");
}

FailoverLog::FailoverLog(QString path, std::shared_ptr<log::JsonLinesLog> lines)
    : m_path(std::move(path)), m_lines(std::move(lines))
{
}

FailoverLog::~FailoverLog() = default;

QByteArray FailoverLog::line(const model::FailoverEvent &event)
{
    return QJsonDocument(toJson(event)).toJson(QJsonDocument::Compact);
}

void FailoverLog::write(const model::FailoverEvent &event)
{
    m_lines->writeLine(line(event));
}

} // namespace relayrace::delivery
