// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The failover log reader (JSON lines, possibly damaged or cut by a crash): bad lines are skipped and
// counted; an event that reads is written back as a line that reads as the same event.

#include "delivery/failoverlog.h"
#include "delivery/failoverlogfile.h"
#include "fuzzsupport.h"

#include <QBuffer>
#include <QJsonDocument>

#include <cstdlib>

using namespace relayrace;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::quietLogs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QBuffer device(&bytes);
    device.open(QIODevice::ReadOnly);
    const Result<delivery::FailoverLogFile> log = delivery::FailoverLogFile::parse(device, QStringLiteral("fuzz"));
    if (!log) {
        if (log.error().isEmpty())
            std::abort();
        return 0;
    }
    if (log->malformedLines < 0 || log->problems.size() > delivery::FailoverLogFile::kMaxProblemsKept)
        std::abort();
    for (const model::FailoverEvent &event : log->events) {
        const QByteArray line = delivery::FailoverLog::line(event);
        const Result<model::FailoverEvent> again = model::fromJson(QJsonDocument::fromJson(line).object());
        if (!again || delivery::FailoverLog::line(*again) != line)
            std::abort();
    }
    return 0;
}
