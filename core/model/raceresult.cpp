// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "model/raceresult.h"

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

} // namespace relayrace::model
