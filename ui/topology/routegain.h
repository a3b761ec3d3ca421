// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "ui/topology/routeitem.h"

#include <QHash>
#include <QString>

namespace relayrace::ui {

// How many of a route's latest races the gain over direct is computed from.
inline constexpr qsizetype kGainRaces = 5;

double medianOf(QList<double> values); // -1 when empty

// The optimal route and what it gains over the direct route, as the map's caption says it:
// "Optimal: via:tyo, 38% faster than direct", then how (the medians of both routes' time to the
// threshold over their latest races, measured or else projected), then the lines' legend.
// gainPct: set to the gain in percent when there is one (else left alone).
QString gainCaption(const QString &optimalRoute, const QHash<QString, RouteFigures> &routes, double *gainPct = nullptr);

} // namespace relayrace::ui
