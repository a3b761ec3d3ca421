// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QPointF>

namespace relayrace::ui {

// Reduces points (sorted by x) to at most two per bucket of [x0, x1] split into buckets (the buckets lie
// on a fixed grid of x, so [x0, x1] can touch buckets + 1 of them): each bucket keeps its lowest and its
// highest point, in x order, so a spike survives any zoom level. Fewer points than 2 * buckets come back
// unchanged.
QList<QPointF> downsampleMinMax(const QList<QPointF> &points, double x0, double x1, int buckets);

// Keeps one point per bucket (the first): for markers where only presence matters.
QList<QPointF> downsamplePresence(const QList<QPointF> &points, double x0, double x1, int buckets);

} // namespace relayrace::ui
