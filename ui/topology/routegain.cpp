// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/topology/routegain.h"

#include "map/routemap.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>

namespace relayrace::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("relayrace::ui::TopologyScene", text);
}

const QString &legend()
{
    static const QString text = tr("lines: solid ok · dotted slow · dashed failed; bold optimal");
    return text;
}

} // namespace

QString gainCaption(const QString &optimalRoute, const QHash<QString, RouteFigures> &routes, const RaceWindow &races)
{
    if (optimalRoute.isEmpty())
        return tr("Optimal route: not raced yet") + QLatin1Char('\n') + legend();
    const QString direct = map::directRouteId();
    if (optimalRoute == direct)
        return tr("Optimal: direct (no relay is faster)") + QLatin1Char('\n') + legend();
    const RouteFigures straight = routes.value(direct);
    qsizetype optimalRaces = 0;
    qsizetype directRaces = 0;
    const double optimalMs = races.median(optimalRoute, &optimalRaces);
    const double directMs = races.median(direct, &directRaces);
    QString head = tr("Optimal: %1").arg(optimalRoute);
    QString how;
    if (!routes.contains(direct)) {
        head += tr(" (the map has no direct route)");
    } else if (straight.health == RouteHealth::Failed) {
        head += tr(", direct failed in the latest race");
    } else if (optimalMs > 0 && directMs > 0) { // (NaN when a route has no time: not compared)
        const double gain = (1.0 - optimalMs / directMs) * 100.0;
        head += gain >= 0 ? tr(", %1% faster than direct").arg(std::lround(gain))
                          : tr(", %1% slower than direct").arg(std::lround(-gain));
        const qsizetype compared = std::min(optimalRaces, directRaces);
        how = compared == 1 ? tr("time to N, latest race: %1 vs %2").arg(formatMs(optimalMs), formatMs(directMs))
                            : tr("median time to N, last %1 races: %2 vs %3").arg(compared).arg(formatMs(optimalMs), formatMs(directMs));
    } else {
        head += tr(" (not compared with direct yet)");
    }
    return head + QLatin1Char('\n') + (how.isEmpty() ? QString() : how + QLatin1Char('\n')) + legend();
}

} // namespace relayrace::ui
