// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "model/raceresult.h"

#include "util/jsonfields.h"

#include <QJsonArray>
#include <QJsonValue>

#include <cmath>

namespace relayrace::model {
namespace {

QJsonValue msOrNull(double ms)
{
    return ms < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(std::round(ms * 10.0) / 10.0);
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

} // namespace

const RouteOutcome *RaceResult::route(const QString &routeId) const
{
    for (const RouteOutcome &outcome : routes) {
        if (outcome.routeId == routeId)
            return &outcome;
    }
    return nullptr;
}

QString stateName(RouteOutcome::State state)
{
    switch (state) {
    case RouteOutcome::State::Connecting:
        return QStringLiteral("connecting");
    case RouteOutcome::State::Racing:
        return QStringLiteral("racing");
    case RouteOutcome::State::Won:
        return QStringLiteral("won");
    case RouteOutcome::State::Lost:
        return QStringLiteral("lost");
    case RouteOutcome::State::Failed:
        return QStringLiteral("failed");
    }
    return QStringLiteral("failed");
}

QJsonObject toJson(const RouteOutcome &outcome)
{
    return QJsonObject{
        {QStringLiteral("id"), outcome.routeId},
        {QStringLiteral("relay"), textOrNull(outcome.relay)},
        {QStringLiteral("state"), stateName(outcome.state)},
        {QStringLiteral("connect_ms"), msOrNull(outcome.connectMs)},
        {QStringLiteral("ttfb_ms"), msOrNull(outcome.ttfbMs)},
        {QStringLiteral("time_to_threshold_ms"), msOrNull(outcome.timeToThresholdMs)},
        {QStringLiteral("projected_ms"), msOrNull(outcome.projectedMs)},
        {QStringLiteral("bytes"), outcome.bytes},
        {QStringLiteral("error"), textOrNull(outcome.error)},
        {QStringLiteral("fresh_connection"), outcome.freshConnection},
        {QStringLiteral("queued_ms"), msOrNull(outcome.queuedMs)},
        {QStringLiteral("throughput_bps"), std::round(outcome.throughputBytesPerSec)},
        {QStringLiteral("http_status"), outcome.httpStatus > 0 ? QJsonValue(outcome.httpStatus)
                                                               : QJsonValue(QJsonValue::Null)},
    };
}

QString marginKindName(RaceResult::MarginKind kind)
{
    switch (kind) {
    case RaceResult::MarginKind::Measured: return QStringLiteral("measured");
    case RaceResult::MarginKind::Projected: return QStringLiteral("projected");
    case RaceResult::MarginKind::LowerBound: return QStringLiteral("lower_bound");
    case RaceResult::MarginKind::None: break;
    }
    return QStringLiteral("none");
}

std::optional<RaceResult::MarginKind> marginKindFromName(const QString &name)
{
    for (auto kind : {RaceResult::MarginKind::None, RaceResult::MarginKind::Measured,
                      RaceResult::MarginKind::Projected, RaceResult::MarginKind::LowerBound}) {
        if (marginKindName(kind) == name)
            return kind;
    }
    return std::nullopt;
}

QString marginText(const RaceResult &result)
{
    if (result.marginMs < 0)
        return QStringLiteral("-");
    const QString ms = QString::number(result.marginMs, 'f', 1);
    switch (result.marginKind) {
    case RaceResult::MarginKind::Measured: return QStringLiteral("%1 ms (measured)").arg(ms);
    case RaceResult::MarginKind::Projected: return QStringLiteral("about %1 ms (projected)").arg(ms);
    case RaceResult::MarginKind::LowerBound: return QStringLiteral("\u2265 %1 ms (lower bound)").arg(ms);
    case RaceResult::MarginKind::None: break;
    }
    return QStringLiteral("%1 ms").arg(ms);
}

QJsonObject toJson(const RaceResult &result)
{
    QJsonArray routes;
    for (const RouteOutcome &outcome : result.routes)
        routes.append(toJson(outcome));
    return QJsonObject{
        {QStringLiteral("provider"), result.provider},
        {QStringLiteral("trigger"), triggerName(result.trigger)},
        {QStringLiteral("winner"), textOrNull(result.winner)},
        {QStringLiteral("margin_ms"), msOrNull(result.marginMs)},
        {QStringLiteral("margin_kind"), result.marginKind == RaceResult::MarginKind::None
                                            ? QJsonValue(QJsonValue::Null)
                                            : QJsonValue(marginKindName(result.marginKind))},
        {QStringLiteral("wasted_bytes"), result.wastedBytes},
        {QStringLiteral("threshold_bytes"), result.thresholdBytes},
        {QStringLiteral("routes"), routes},
        {QStringLiteral("object"), result.object},
        {QStringLiteral("fairness"), result.fairness},
        {QStringLiteral("started_at"), result.startedAt.isValid()
                                           ? QJsonValue(result.startedAt.toUTC().toString(Qt::ISODateWithMs))
                                           : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("ok"), result.ok()},
        {QStringLiteral("error"), textOrNull(result.error)},
    };
}

namespace {

Result<RouteOutcome> routeFromJson(const QJsonObject &object)
{
    util::JsonFields read(object);
    RouteOutcome outcome;
    outcome.routeId = read.text(QStringLiteral("id"), true);
    outcome.relay = read.text(QStringLiteral("relay"));
    const QString state = read.text(QStringLiteral("state"), true);
    outcome.connectMs = read.number(QStringLiteral("connect_ms"), -1, false);
    outcome.ttfbMs = read.number(QStringLiteral("ttfb_ms"), -1, false);
    outcome.timeToThresholdMs = read.number(QStringLiteral("time_to_threshold_ms"), -1, false);
    outcome.projectedMs = read.number(QStringLiteral("projected_ms"), -1, false);
    outcome.bytes = read.integer(QStringLiteral("bytes"));
    outcome.error = read.text(QStringLiteral("error"));
    outcome.freshConnection = read.boolean(QStringLiteral("fresh_connection"));
    outcome.queuedMs = read.number(QStringLiteral("queued_ms"), 0, false);
    outcome.throughputBytesPerSec = read.number(QStringLiteral("throughput_bps"), 0, false);
    outcome.httpStatus = int(read.integer(QStringLiteral("http_status")));
    if (!read.ok())
        return makeError(read.error());
    for (const auto known : {RouteOutcome::State::Connecting, RouteOutcome::State::Racing, RouteOutcome::State::Won,
                             RouteOutcome::State::Lost, RouteOutcome::State::Failed}) {
        if (stateName(known) == state) {
            outcome.state = known;
            return outcome;
        }
    }
    return makeError(QStringLiteral("state: unknown \"%1\"").arg(state));
}

} // namespace

Result<RaceResult> raceResultFromJson(const QJsonObject &object)
{
    util::JsonFields read(object);
    RaceResult result;
    result.provider = read.text(QStringLiteral("provider"), true);
    const QString trigger = read.text(QStringLiteral("trigger"), true);
    result.winner = read.text(QStringLiteral("winner"));
    result.marginMs = read.number(QStringLiteral("margin_ms"), -1, false);
    const QString marginKind = read.text(QStringLiteral("margin_kind"));
    result.wastedBytes = read.integer(QStringLiteral("wasted_bytes"));
    result.thresholdBytes = read.integer(QStringLiteral("threshold_bytes"));
    result.object = read.text(QStringLiteral("object"));
    result.fairness = read.text(QStringLiteral("fairness"));
    result.startedAt = read.time(QStringLiteral("started_at"));
    result.error = read.text(QStringLiteral("error"));
    if (!read.ok())
        return makeError(read.error());
    const std::optional<Trigger> parsed = triggerFromName(trigger);
    if (!parsed)
        return makeError(QStringLiteral("trigger: unknown \"%1\"").arg(trigger));
    result.trigger = *parsed;
    // An older edge sends no margin_kind: its margin was a projection or a lower bound, unknown which.
    const std::optional<RaceResult::MarginKind> kind =
        marginKind.isEmpty() ? std::optional(result.marginMs >= 0 ? RaceResult::MarginKind::Projected
                                                                  : RaceResult::MarginKind::None)
                             : marginKindFromName(marginKind);
    if (!kind)
        return makeError(QStringLiteral("margin_kind: unknown \"%1\"").arg(marginKind));
    result.marginKind = *kind;
    const QJsonArray routes = object.value(QStringLiteral("routes")).toArray();
    for (qsizetype i = 0; i < routes.size(); ++i) {
        Result<RouteOutcome> route = routeFromJson(routes.at(i).toObject());
        if (!route)
            return makeError(QStringLiteral("routes[%1]: %2").arg(i).arg(route.error()));
        result.routes.append(std::move(route).value());
    }
    return result;
}

} // namespace relayrace::model
