// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QJsonObject>
#include <QString>

#include <memory>

namespace spdlog {
class logger;
}

namespace relayrace::log {

// A log of JSON documents, one compact object per line, written through a dedicated spdlog logger
// (not registered: several may live at once under one name) with a rotating file sink and the
// pattern "%v", so a line is exactly the document (QJsonDocument escapes it; spdlog does not). Each
// line is flushed as written. Thread-safe (the sink is the _mt one). The failover log and the edge's
// access log are two.
class JsonLinesLog final
{
public:
    static constexpr qsizetype kDefaultMaxBytes = 5 * 1024 * 1024;
    static constexpr int kDefaultMaxFiles = 3;

    // Opens (creating its directory) or refuses with the reason.
    static Result<std::shared_ptr<JsonLinesLog>> open(const QString &path, const QString &name,
                                                      qsizetype maxBytes = kDefaultMaxBytes,
                                                      int maxFiles = kDefaultMaxFiles);
    ~JsonLinesLog();
    JsonLinesLog(const JsonLinesLog &) = delete;
    JsonLinesLog &operator=(const JsonLinesLog &) = delete;

    QString path() const { return m_path; }
    void write(const QJsonObject &object);
    void writeLine(const QByteArray &compactJson);

private:
    JsonLinesLog(QString path, std::shared_ptr<spdlog::logger> logger);
    QString m_path;
    std::shared_ptr<spdlog::logger> m_logger;
};

} // namespace relayrace::log
