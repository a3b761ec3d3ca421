// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <optional>

namespace relayrace::model {

// One failover during a delivery: a route failed and the next one took over (or nothing could). A
// value: the failover log (JSON lines), the history store and the console all take it as is.
struct FailoverEvent
{
    enum class Outcome { Resumed, Restarted, Failed };

    QDateTime at;              // UTC, when the failure was detected
    QString provider;
    QString request;           // method and URL path, e.g. "GET /big.bin"
    QString client;            // the edge's client address that asked for it; empty outside the edge
    QString requestId;         // the edge's id of that request (its access log line has the same)
    QString fromRoute;         // the route that failed
    QString toRoute;           // the route that took over; empty when none was left
    QString reason;            // a reason code: refused | reset | tls | timeout | stall | relay_error |
                               // dns | protocol | validator_changed | not_resumable
    QString detail;            // the error as the network stack or the check worded it
    qint64 bytesDelivered = 0; // body bytes the consumer had received when the route failed
    qint64 resumeOffset = -1;  // the Range start on the next route; -1 when restarted from 0 or failed
    double recoverMs = -1;     // failure detected -> first byte on the next route; -1 when it failed
    Outcome outcome = Outcome::Failed;
};

QString outcomeName(FailoverEvent::Outcome outcome); // "resumed" | "restarted" | "failed"
std::optional<FailoverEvent::Outcome> outcomeFromName(const QString &name);

// The event as JSON (the failover log's lines, `relayrace log --json`): the field names in snake_case
// (at, provider, request, client, request_id, from_route, to_route, reason, detail, bytes_delivered, resume_offset,
// recover_ms, outcome); at is ISO 8601 UTC with ms; a field that does not apply (no route took over,
// no detail, no resume offset, no recovery) is null rather than "" or -1.
QJsonObject toJson(const FailoverEvent &event);
// The inverse of toJson (a failover log line from any edge): provider, from_route, reason and outcome
// are required; the rest may be missing or null. An error names the offending field.
Result<FailoverEvent> fromJson(const QJsonObject &object);

} // namespace relayrace::model

Q_DECLARE_METATYPE(relayrace::model::FailoverEvent)
