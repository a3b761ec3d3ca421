// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/failoverevent.h"
#include "util/result.h"

#include <QString>

#include <memory>

namespace relayrace::log {
class JsonLinesLog;
}

namespace relayrace::delivery {

// The failover log: one compact JSON object per line (toJson(FailoverEvent)), a log::JsonLinesLog
// named "failover" (rotating, the line exactly the JSON document). Every line is flushed as
// written: an event is rare and must survive a crash. Thread-safe.
class FailoverLog final
{
public:
    static constexpr qsizetype kDefaultMaxBytes = 5 * 1024 * 1024;
    static constexpr int kDefaultMaxFiles = 3;

    // Opens (creating its directory) or refuses with the reason.
    static Result<std::shared_ptr<FailoverLog>> open(const QString &path, qsizetype maxBytes = kDefaultMaxBytes,
                                                     int maxFiles = kDefaultMaxFiles);
    // failover.jsonl next to the application's log file (log::logFilePath()).
    static QString defaultPath(const QString &appName = QStringLiteral("relayrace"));

    ~FailoverLog();
    FailoverLog(const FailoverLog &) = delete;
    FailoverLog &operator=(const FailoverLog &) = delete;

    QString path() const { return m_path; }
    void write(const model::FailoverEvent &event);
    // The same line write() appends, for tools that print it.
    static QByteArray line(const model::FailoverEvent &event);

private:
    FailoverLog(QString path, std::shared_ptr<log::JsonLinesLog> lines);

    QString m_path;
    std::shared_ptr<log::JsonLinesLog> m_lines;
};

} // namespace relayrace::delivery
