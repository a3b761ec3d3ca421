// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "delivery/failoverlogfile.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>

namespace relayrace::delivery {

Result<FailoverLogFile> FailoverLogFile::read(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("cannot open %1: %2").arg(path, file.errorString()));
    return parse(file, path);
}

Result<FailoverLogFile> FailoverLogFile::parse(QIODevice &device, const QString &name)
{
    FailoverLogFile log;
    const auto problem = [&log](int line, const QString &why) {
        ++log.malformedLines;
        if (log.problems.size() < kMaxProblemsKept)
            log.problems.append(QStringLiteral("line %1: %2").arg(line).arg(why));
    };
    int lineNumber = 0;
    while (!device.atEnd()) {
        QByteArray line = device.readLine();
        ++lineNumber;
        if (lineNumber == 1 && line.startsWith("\xEF\xBB\xBF"))
            line.remove(0, 3); // a UTF-8 byte order mark from an editor
        line = line.trimmed();
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError) {
            problem(lineNumber, QStringLiteral("not JSON (%1 at column %2)").arg(error.errorString()).arg(error.offset + 1));
            continue;
        }
        if (!document.isObject()) {
            problem(lineNumber, QStringLiteral("not a JSON object"));
            continue;
        }
        auto event = model::fromJson(document.object());
        if (!event) {
            problem(lineNumber, event.error());
            continue;
        }
        log.events.append(std::move(event).value());
    }
    if (log.events.isEmpty() && log.malformedLines > 0) {
        return makeError(QStringLiteral("%1 holds no failover event: %2 malformed %3 (%4)")
                             .arg(name)
                             .arg(log.malformedLines)
                             .arg(log.malformedLines == 1 ? QStringLiteral("line") : QStringLiteral("lines"),
                                  log.problems.join(QStringLiteral("; "))));
    }
    return log;
}

} // namespace relayrace::delivery
