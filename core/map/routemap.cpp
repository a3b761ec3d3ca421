#include "routemap.h"

#include <algorithm>

namespace relayrace::map {

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
    return QStringLiteral("via:") + regionId;
}

} // namespace relayrace::map
