// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/race/lanegeometry.h"

#include <algorithm>
#include <cmath>

namespace relayrace::ui::lanes {

namespace {
constexpr qreal kGap = 6;
constexpr qreal kMargin = 3;
} // namespace

qreal laneHeight(const QFontMetricsF &metrics)
{
    return std::ceil(metrics.height()) + 6;
}

LaneLayout layoutLane(const QRectF &lane, const QFontMetricsF &metrics)
{
    const qreal em = metrics.averageCharWidth();
    qreal label = 14 * em;
    qreal bytes = 26 * em;
    qreal status = 20 * em;
    const qreal minTrack = 16 * em;
    const qreal available = lane.width() - 2 * kMargin - 3 * kGap;
    const qreal fixed = label + bytes + status;
    if (available - fixed < minTrack) {
        // Narrow: the texts give way (elided) before the track does, down to nothing.
        const qreal scale = std::max(0.0, (available - std::min(minTrack, available)) / fixed);
        label *= scale;
        bytes *= scale;
        status *= scale;
    }
    const qreal track = std::max(0.0, available - label - bytes - status);
    LaneLayout l;
    l.lane = lane;
    const qreal top = lane.top() + 1;
    const qreal height = lane.height() - 2;
    qreal x = lane.left() + kMargin;
    l.swatch = QRectF(x, top + 2, std::min<qreal>(4, label), height - 4);
    l.label = QRectF(x + l.swatch.width() + 3, top, std::max<qreal>(0, label - l.swatch.width() - 3), height);
    x += label + kGap;
    l.track = QRectF(x, top, track, height);
    x += track + kGap;
    l.bytes = QRectF(x, top + 2, bytes, height - 4);
    x += bytes + kGap;
    l.status = QRectF(x, top, status, height);
    return l;
}

LanesLayout layoutLanes(const QRectF &cell, qsizetype laneCount, bool withAxis, const QFontMetricsF &metrics)
{
    LanesLayout layout;
    const qreal h = laneHeight(metrics);
    qreal y = cell.top() + 1;
    for (qsizetype i = 0; i < laneCount; ++i) {
        layout.lanes.append(layoutLane(QRectF(cell.left(), y, cell.width(), h), metrics));
        y += h;
    }
    const LaneLayout first = layout.lanes.isEmpty() ? layoutLane(QRectF(cell.left(), y, cell.width(), h), metrics)
                                                    : layout.lanes.constFirst();
    if (withAxis)
        layout.axis = QRectF(first.track.left(), y, first.track.width(), std::ceil(metrics.height()) + 4);
    const qreal bottom = withAxis ? layout.axis.bottom() : y;
    layout.tracks = QRectF(first.track.left(), cell.top() + 1, first.track.width(), bottom - cell.top() - 1);
    return layout;
}

QSizeF sizeFor(qsizetype laneCount, bool withAxis, const QFontMetricsF &metrics)
{
    const qreal em = metrics.averageCharWidth();
    const qreal height = 2 + qreal(std::max<qsizetype>(laneCount, 1)) * laneHeight(metrics)
                         + (withAxis ? std::ceil(metrics.height()) + 6 : 0);
    return {(14 + 26 + 20 + 36) * em + 2 * kMargin + 3 * kGap, height};
}

qreal xAt(const QRectF &track, double t, double endMs)
{
    if (endMs <= 0)
        return track.left();
    return track.left() + track.width() * std::clamp(t / endMs, 0.0, 1.0);
}

qsizetype laneAt(const LanesLayout &layout, const QPointF &point)
{
    for (qsizetype i = 0; i < layout.lanes.size(); ++i) {
        const QRectF &lane = layout.lanes.at(i).lane;
        if (point.y() >= lane.top() && point.y() < lane.bottom())
            return i;
    }
    return -1;
}

double tickStep(double endMs, int maxTicks)
{
    if (endMs <= 0 || maxTicks < 1)
        return 1;
    const double raw = endMs / maxTicks;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * power >= raw)
            return m * power;
    }
    return 10 * power;
}

} // namespace relayrace::ui::lanes
