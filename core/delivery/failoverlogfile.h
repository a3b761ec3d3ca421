// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/failoverevent.h"
#include "util/result.h"

#include <QList>
#include <QStringList>

class QIODevice;

namespace relayrace::delivery {

// A failover log (JSON lines, one toJson(FailoverEvent) per line), possibly from another edge and
// possibly damaged: a line that does not parse is skipped and counted, never fatal.
struct FailoverLogFile
{
    static constexpr int kMaxProblemsKept = 5;

    QList<model::FailoverEvent> events;
    int malformedLines = 0;
    QStringList problems; // "line N: why", the first kMaxProblemsKept

    // An error only when the file cannot be read, or it has lines and not one of them is an event.
    static Result<FailoverLogFile> read(const QString &path);
    static Result<FailoverLogFile> parse(QIODevice &device, const QString &name);
};

} // namespace relayrace::delivery
