// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "downsample.h"

#include <algorithm>
#include <cmath>

namespace relayrace::ui {

namespace {

// Columns sit on a fixed grid of the time axis (multiples of the column width since the epoch), not on
// the range's start: when "now" moves by less than a column, every column but the last keeps the same
// points, so a refresh finds most of a chart unchanged.
struct Grid
{
    double width = 1;
    double first = 0;
    qsizetype last = 0;

    Grid(double x0, double x1, int buckets)
        : width((x1 - x0) / buckets)
        , first(std::floor(x0 / width))
        , last(qsizetype(std::floor(x1 / width) - first))
    {
    }
    qsizetype column(double x) const { return std::clamp(qsizetype(std::floor(x / width) - first), qsizetype(0), last); }
};

} // namespace

QList<QPointF> downsampleMinMax(const QList<QPointF> &points, double x0, double x1, int buckets)
{
    if (buckets <= 0 || points.size() <= 2 * qsizetype(buckets) || !(x1 > x0))
        return points;
    const Grid grid(x0, x1, buckets);
    QList<QPointF> out;
    out.reserve(2 * (grid.last + 1));
    qsizetype i = 0;
    while (i < points.size()) {
        const qsizetype bucket = grid.column(points[i].x());
        qsizetype low = i;
        qsizetype high = i;
        qsizetype j = i + 1;
        for (; j < points.size() && grid.column(points[j].x()) == bucket; ++j) {
            if (points[j].y() < points[low].y())
                low = j;
            if (points[j].y() > points[high].y())
                high = j;
        }
        out.append(points[std::min(low, high)]);
        if (low != high)
            out.append(points[std::max(low, high)]);
        i = j;
    }
    return out;
}

QList<QPointF> downsamplePresence(const QList<QPointF> &points, double x0, double x1, int buckets)
{
    if (buckets <= 0 || points.size() <= qsizetype(buckets) || !(x1 > x0))
        return points;
    const Grid grid(x0, x1, buckets);
    QList<QPointF> out;
    qsizetype last = -1;
    for (const auto &point : points) {
        const qsizetype bucket = grid.column(point.x());
        if (bucket != last)
            out.append(point);
        last = bucket;
    }
    return out;
}

} // namespace relayrace::ui
