// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "ui/providers/racewindow.h"
#include "ui/topology/routeitem.h"

#include <QHash>
#include <QString>

namespace relayrace::ui {

// The optimal route and what it gains over the direct route, as the map's caption says it:
// "Optimal: via:tyo, 38% faster than direct" (1 - median(optimal) / median(direct)), then how (both
// medians and over how many races), then the lines' legend. `routes`: the latest race's figures.
// The gain is the providers table's (RaceWindow: the same races, the same rule), so the two agree.
QString gainCaption(const QString &optimalRoute, const QHash<QString, RouteFigures> &routes, const RaceWindow &races);

} // namespace relayrace::ui
