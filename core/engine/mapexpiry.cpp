// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "engine/mapexpiry.h"

namespace relayrace::engine {

QString expiredMapPolicyName(ExpiredMapPolicy policy)
{
    switch (policy) {
    case ExpiredMapPolicy::Keep: return QStringLiteral("keep");
    case ExpiredMapPolicy::DirectOnly: return QStringLiteral("direct");
    case ExpiredMapPolicy::Refuse: return QStringLiteral("refuse");
    }
    return {};
}

std::optional<ExpiredMapPolicy> expiredMapPolicyFromName(const QString &name)
{
    for (const auto policy : {ExpiredMapPolicy::Keep, ExpiredMapPolicy::DirectOnly, ExpiredMapPolicy::Refuse}) {
        if (name == expiredMapPolicyName(policy))
            return policy;
    }
    return std::nullopt;
}

QStringList usableRoutes(const QStringList &routeIds, bool expired, ExpiredMapPolicy policy)
{
    if (!expired || policy == ExpiredMapPolicy::Keep)
        return routeIds;
    if (policy == ExpiredMapPolicy::DirectOnly && routeIds.contains(map::directRouteId()))
        return {map::directRouteId()};
    return {};
}

QString expiredMapNotice(const map::RouteMap &map, ExpiredMapPolicy policy)
{
    const QString what = policy == ExpiredMapPolicy::Keep        ? QStringLiteral("racing on it until a valid one arrives")
                         : policy == ExpiredMapPolicy::DirectOnly ? QStringLiteral("direct route only, no races, until a valid one arrives")
                                                                  : QStringLiteral("nothing served until a valid one arrives");
    return QStringLiteral("the map of %1 expired at %2 (expired_map=%3: %4)")
        .arg(map.provider, map.expiresAt().toUTC().toString(Qt::ISODate), expiredMapPolicyName(policy), what);
}

} // namespace relayrace::engine
