// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSizeF>

namespace relayrace::ui {

// Greedy label placement in view (device pixel) coordinates: each label takes the first candidate box
// that stays inside the bounds and meets no obstacle (nodes, the caption) nor a label placed before it.
// When none is free, nothing is kept: the caller may try a shorter text, or leave the label out.
// Candidates: around each anchor, right, left, above, below and the four diagonals, at growing
// distances; from the second distance on, the label gets a leader line back to its anchor.
class LabelPlacer
{
public:
    struct Request
    {
        QSizeF size;
        QList<QPointF> anchors; // by preference (a node's centre; points along a route)
        double clearance = 0;   // kept free around the anchor (a node's radius); 0: the box may sit on it
    };
    struct Placement
    {
        qsizetype anchor = 0;
        QRectF box;           // in view coordinates
        bool leader = false;
        bool free = false;    // false: no free candidate (box: the least covered one, not kept)
    };

    explicit LabelPlacer(const QRectF &bounds);

    void addObstacle(const QRectF &rect);
    QList<QRectF> obstacles() const { return m_obstacles; }
    // Places one label and, when free, keeps its box as an obstacle for the next ones.
    Placement place(const Request &request);

    // Spreads points closer than minDistance apart on a small circle around their centre (in the
    // order of their angles), so that places that coincide on the map stay distinct on the screen.
    static QList<QPointF> spread(const QList<QPointF> &points, double minDistance);

private:
    double covered(const QRectF &box) const;

    QRectF m_bounds;
    QList<QRectF> m_obstacles;
};

} // namespace relayrace::ui
