// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/raceresult.h"
#include "ui/providers/racewindow.h"
#include "ui/topology/routeitem.h"

#include <QHash>
#include <QList>
#include <QString>

namespace relayrace::ui {

// How many of a route's latest races the gain over direct is computed from: as many as the providers
// table's (RaceWindow), by the same rule, so that the map and the table say the same gain.
inline constexpr qsizetype kGainRaces = RaceWindow::kRaces;

// A provider's latest races (oldest first), each route's time to the threshold in it: measured, else
// projected; routes without either left out.
using RaceTimes = QList<QHash<QString, double>>;
// Adds a race (one with a winner) and keeps the latest kGainRaces.
void addRaceTimes(RaceTimes &times, const model::RaceResult &result);
// The median of a route's times over the races kept; -1 when it has none. count: how many it had.
double medianTime(const RaceTimes &times, const QString &routeId, qsizetype *count = nullptr);

// The optimal route and what it gains over the direct route, as the map's caption says it:
// "Optimal: via:tyo, 38% faster than direct" (1 - median(optimal) / median(direct)), then how (both
// medians and over how many races), then the lines' legend. `routes`: the latest race's figures.
QString gainCaption(const QString &optimalRoute, const QHash<QString, RouteFigures> &routes, const RaceTimes &times);

} // namespace relayrace::ui
