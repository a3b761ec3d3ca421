// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/routemap.h"

#include <algorithm>

namespace relayrace::map {

namespace {
const QString kViaPrefix = QStringLiteral("via:");
} // namespace

const Region *RouteMap::region(const QString &id) const
{
    const auto it = std::find_if(regions.begin(), regions.end(), [&](const Region &r) { return r.id == id; });
    return it == regions.end() ? nullptr : &*it;
}

QStringList RouteMap::alternatesFor(const QString &edgeRegion) const
{
    if (const auto it = alternates.constFind(edgeRegion); it != alternates.constEnd())
        return *it;
    return alternates.value(QStringLiteral("default"));
}

QString directRouteId()
{
    return QStringLiteral("direct");
}

QString viaRouteId(const QString &regionId)
{
    return kViaPrefix + regionId;
}

QString regionOfRoute(const QString &routeId)
{
    return routeId.startsWith(kViaPrefix) ? routeId.mid(kViaPrefix.size()) : QString();
}

QList<Route> routesFor(const RouteMap &map, const QString &edgeRegion)
{
    QList<Route> routes;
    if (map.direct)
        routes.append(Route{directRouteId(), QString(), QUrl(), QString()});
    for (const QString &regionId : map.alternatesFor(edgeRegion)) {
        const Region *region = map.region(regionId);
        if (region && !region->relay.isEmpty())
            routes.append(Route{viaRouteId(regionId), regionId, region->relay, region->relayName});
    }
    return routes;
}

} // namespace relayrace::map
