// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QFontMetricsF>
#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSizeF>

namespace relayrace::ui::lanes {

// Where a lane's parts go, in logical coordinates (the painter scales them for the device pixel
// ratio): [swatch + glyph + route] [time track 0 .. end] [bytes bar] [state word and reason].
struct LaneLayout
{
    QRectF lane;
    QRectF swatch;      // the route's colour
    QRectF label;       // glyph and route id
    QRectF track;       // the shared time axis
    QRectF bytes;       // progress toward the goal, with its text
    QRectF status;      // the state's word and the reason (elided)
};

// A race's lanes stacked in one cell, with an axis strip under them (the race's row) or without it
// (a route's own row, one lane).
struct LanesLayout
{
    QList<LaneLayout> lanes;
    QRectF axis;        // empty without the strip
    QRectF tracks;      // the tracks' span over every lane (and the axis)
};

qreal laneHeight(const QFontMetricsF &metrics);
LaneLayout layoutLane(const QRectF &lane, const QFontMetricsF &metrics);
LanesLayout layoutLanes(const QRectF &cell, qsizetype laneCount, bool withAxis, const QFontMetricsF &metrics);
QSizeF sizeFor(qsizetype laneCount, bool withAxis, const QFontMetricsF &metrics);
// x of time t on a track whose span is 0 .. endMs (clamped to the track).
qreal xAt(const QRectF &track, double t, double endMs);
// The lane under a point, -1 when none.
qsizetype laneAt(const LanesLayout &layout, const QPointF &point);
// Round tick steps (1, 2, 5 x 10^n ms) giving at most `maxTicks` ticks up to endMs.
double tickStep(double endMs, int maxTicks);

} // namespace relayrace::ui::lanes
