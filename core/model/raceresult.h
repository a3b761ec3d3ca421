// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/trigger.h"
#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace relayrace::model {

// What one route did in one race. Times are milliseconds from the moment Qt started working on this
// route's request (its connection attempt or, on a kept-alive connection, the request write), so time
// a request spent queued inside the client is never route time; it is reported apart (queuedMs).
struct RouteOutcome
{
    enum class State { Connecting, Racing, Won, Lost, Failed };

    QString routeId;                    // "direct" | "via:<region>"
    QString relay;                      // the relay's URL; empty for the direct route
    State state = State::Connecting;
    bool freshConnection = false;       // a new connection (or a resend on one) carried the request
    double connectMs = -1;              // connect (+ CONNECT tunnel + TLS) when fresh; -1 reused/unknown
    double ttfbMs = -1;                 // first body byte; the response head when there is no body
    double timeToThresholdMs = -1;      // threshold (or the whole smaller body) reached; -1 never
    // The winner: timeToThresholdMs. A loser (aborted before the threshold): when it would have got
    // there, projected from its bytes and rate at the decision; a lower bound (see marginMs). -1 for a
    // failed route. What hysteresis compares.
    double projectedMs = -1;
    double queuedMs = 0;                // waited inside Qt before its request started (should be ~0)
    qint64 bytes = 0;                   // body bytes received during the race
    double throughputBytesPerSec = 0;   // body bytes / (last byte - first byte); 0 when not measurable
    int httpStatus = 0;                 // 0 when no response head arrived
    QString error;                      // why the route failed; empty otherwise
};

// The result of one race: the decision and what every route did. A value: crosses threads freely.
struct RaceResult
{
    QString provider;
    Trigger trigger = Trigger::None;    // what caused the race
    QString object;                     // the URL path (and query) raced
    qint64 thresholdBytes = 0;
    QString winner;                     // route id; empty when every route failed
    // How much earlier the winner reached the threshold than the runner-up (on equal terms). Losers
    // still receiving at the decision go on in overtime until they reach the threshold (measured),
    // or are stopped when the window ends: the runner-up's time is then projected from its bytes
    // and rate (its own rate, else the winner's), a lower bound when it had no byte or no rate was
    // measurable (docs/race-engine.md, "Margins"). -1 when there is no runner-up.
    double marginMs = -1;
    // How marginMs was obtained: Measured (the runner-up's own time to the threshold), Projected (from
    // its bytes and rate), LowerBound (it had no byte: the margin is at least marginMs), None (no
    // runner-up). See docs/race-engine.md.
    enum class MarginKind { None, Measured, Projected, LowerBound };
    MarginKind marginKind = MarginKind::None;
    qint64 wastedBytes = 0;             // body bytes every route but the winner received
    QString fairness;                   // "warm" | "cold"
    QDateTime startedAt;                // UTC, when the routes' requests were issued
    QList<RouteOutcome> routes;
    QString error;                      // when not ok(): every route's reason

    bool ok() const { return !winner.isEmpty(); }
    const RouteOutcome *route(const QString &routeId) const;
};

QString stateName(RouteOutcome::State state);
QString marginKindName(RaceResult::MarginKind kind); // "measured" | "projected" | "lower_bound" | "none"
std::optional<RaceResult::MarginKind> marginKindFromName(const QString &name);
// The margin for people: "12.3 ms (measured)", "about 12.3 ms (projected)", "≥ 40.0 ms (lower bound)";
// "-" without a runner-up.
QString marginText(const RaceResult &result);

// The race JSON of ../shared/DESIGN.md: provider, trigger, winner, margin_ms, wasted_bytes,
// threshold_bytes, routes[{id, relay, state (won|lost|failed), connect_ms, ttfb_ms,
// time_to_threshold_ms, bytes, error}], plus object, fairness, started_at, ok, error and per route
// fresh_connection, queued_ms, throughput_bps, http_status. Values that do not apply (no winner, no
// relay, no error, a time never reached or unknown) are null rather than -1 or "".
QJsonObject toJson(const RaceResult &result);
QJsonObject toJson(const RouteOutcome &outcome);
// The inverse of toJson (a race from an edge's admin API); times come back rounded to 0.1 ms.
Result<RaceResult> raceResultFromJson(const QJsonObject &object);

} // namespace relayrace::model

Q_DECLARE_METATYPE(relayrace::model::RouteOutcome)
Q_DECLARE_METATYPE(relayrace::model::RaceResult)
