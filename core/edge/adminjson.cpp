// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/adminjson.h"

#include <QJsonArray>

namespace relayrace::edge {

namespace {

QJsonValue time(const QDateTime &at)
{
    return at.isValid() ? QJsonValue(at.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

} // namespace

QJsonObject providerJson(const engine::ProviderSnapshot &s)
{
    return QJsonObject{
        {QStringLiteral("provider"), s.provider},
        {QStringLiteral("origin"), s.origin.toString()},
        {QStringLiteral("edge_region"), s.edgeRegion},
        {QStringLiteral("map_trust"), s.mapTrust},
        {QStringLiteral("map_expires_at"), time(s.mapExpiresAt)},
        {QStringLiteral("routes"), QJsonArray::fromStringList(s.routes)},
        {QStringLiteral("optimal_route"), s.optimalRoute.isEmpty() ? QJsonValue() : QJsonValue(s.optimalRoute)},
        {QStringLiteral("chosen_at"), time(s.chosenAt)},
        {QStringLiteral("next_retest_at"), time(s.nextRetestAt)},
        {QStringLiteral("last_trigger"), model::triggerName(s.lastTrigger)},
        {QStringLiteral("races"), s.races},
        {QStringLiteral("races_failed"), s.racesFailed},
        {QStringLiteral("races_skipped_by_budget"), s.racesSkippedByBudget},
        {QStringLiteral("requests"), s.requests},
        {QStringLiteral("request_bytes"), s.requestBytes},
    };
}

} // namespace relayrace::edge
