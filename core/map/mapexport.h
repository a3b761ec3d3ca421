// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "map/routemap.h"

#include <QByteArray>

namespace relayrace::map {

// Graphviz DOT of a map: one node per edge region (each key of alternates, or a single "edge" when
// there are none), one per region and the origin; edge->region edges in alternates order ("1st",
// "2nd", ..., thicker first), region->origin edges labelled with the RTT when known, and the direct
// edge->origin edge when the map allows it. Deterministic, UTF-8; any name is quoted safely.
QByteArray routeMapToDot(const RouteMap &map);

} // namespace relayrace::map
