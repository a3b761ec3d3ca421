// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// TopologyView::relayout: where the labels go at the current zoom and pan. Nodes closer on the screen
// than they can be told apart are spread on a small circle; the caption takes a corner free of nodes;
// then the labels are placed greedily (LabelPlacer): the nodes' names first (edge, origin, regions),
// then the routes' figures (the optimal route's first), each along its route in free space. Where no
// free space is left (a small view), a route's label shortens to its time to N, and a label that
// still finds none is left out (its figures stay in the tooltips).
#include "ui/topology/topologyview.h"

#include "ui/topology/labelitem.h"
#include "ui/topology/labelplacer.h"
#include "ui/topology/nodeitem.h"
#include "ui/topology/routeitem.h"
#include "ui/topology/topologyscene.h"

#include <QTimer>

#include <algorithm>
#include <array>

namespace relayrace::ui {

namespace {

constexpr double kNodeSeparationPx = 2 * NodeItem::kRadius + 10; // centre to centre, at least
constexpr double kInsetPx = 4;          // labels keep this far from the view's border
constexpr double kNodeMarginPx = 2;     // around a node's shape, kept free of labels

QRectF viewRectOf(const QGraphicsItem *item, const QTransform &viewportTransform)
{
    return item->deviceTransform(viewportTransform).mapRect(item->boundingRect());
}

} // namespace

void TopologyView::relayout()
{
    m_layoutTimer->stop();
    const QList<NodeItem *> nodes = m_scene->nodeItems();
    if (nodes.isEmpty())
        return;
    const QTransform toView = viewportTransform();
    const QTransform toScene = toView.inverted();

    // Places that coincide on the screen (an edge in its region's city) are spread apart.
    QList<QPointF> places;
    for (const NodeItem *node : nodes)
        places.append(toView.map(node->geoPos()));
    const QList<QPointF> spread = LabelPlacer::spread(places, kNodeSeparationPx);
    QHash<NodeItem *, QPointF> positions;
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        if (spread[i] != places[i])
            positions.insert(nodes[i], toScene.map(spread[i]));
    }
    m_scene->placeNodes(positions);

    const QRectF bounds = QRectF(viewport()->rect()).adjusted(kInsetPx, kInsetPx, -kInsetPx, -kInsetPx);
    LabelPlacer placer(bounds);
    QList<QRectF> nodeRects;
    for (const NodeItem *node : nodes) {
        nodeRects.append(viewRectOf(node, toView).adjusted(-kNodeMarginPx, -kNodeMarginPx, kNodeMarginPx, kNodeMarginPx));
        placer.addObstacle(nodeRects.last());
    }

    // A failed route's cross stays where it is: labels keep off it.
    for (const RouteItem *route : m_scene->routeItems()) {
        if (route->isMarkedFailed())
            placer.addObstacle(viewRectOf(route->crossItem(), toView));
    }

    // The caption: the first corner (top left, top right, bottom left, bottom right) free of nodes.
    if (LabelItem *caption = m_scene->captionItem(); caption && !caption->text().isEmpty()) {
        const QSizeF size = caption->boxSize();
        const std::array<QPointF, 4> corners{bounds.topLeft(), QPointF(bounds.right() - size.width(), bounds.top()),
                                             QPointF(bounds.left(), bounds.bottom() - size.height()),
                                             QPointF(bounds.right() - size.width(), bounds.bottom() - size.height())};
        QRectF chosen;
        int fewest = -1;
        for (const QPointF &corner : corners) {
            const QRectF box(corner, size);
            const int hits = int(std::count_if(nodeRects.cbegin(), nodeRects.cend(),
                                               [&box](const QRectF &node) { return node.intersects(box); }));
            if (fewest < 0 || hits < fewest) {
                fewest = hits;
                chosen = box;
            }
        }
        caption->setPos(toScene.map(chosen.topLeft()));
        caption->setOffset(QPointF(0, 0), false);
        // In a view too small for it, it gives way to the map.
        const bool fits = fewest == 0 && bounds.contains(chosen);
        caption->setVisible(fits);
        if (fits)
            placer.addObstacle(chosen);
    }

    for (NodeItem *node : nodes) {
        LabelItem *label = node->label();
        if (label->text().isEmpty())
            continue;
        const QPointF at = toView.map(node->pos());
        const QRectF shape = node->boundingRect();
        const LabelPlacer::Placement placed =
            placer.place({label->boxSize(), {at}, std::max(shape.width(), shape.height()) / 2});
        label->setOffset(placed.box.topLeft() - at, placed.leader);
        label->setVisible(placed.free);
    }

    QList<RouteItem *> routes = m_scene->routeItems();
    std::stable_sort(routes.begin(), routes.end(), [](const RouteItem *a, const RouteItem *b) {
        return a->isBold() != b->isBold() ? a->isBold() : a->routeId() < b->routeId();
    });
    for (RouteItem *route : std::as_const(routes)) {
        LabelItem *label = route->label();
        label->setText(route->labelText());
        if (label->text().isEmpty())
            continue;
        QList<QPointF> sceneAnchors;
        QList<QPointF> anchors;
        for (const QPointF &anchor : route->labelAnchors()) {
            if (bounds.contains(toView.map(anchor))) {
                sceneAnchors.append(anchor);
                anchors.append(toView.map(anchor));
            }
        }
        if (anchors.isEmpty()) { // the route runs outside the view (zoomed in): its label waits at its middle
            sceneAnchors.append(route->path().pointAtPercent(0.5));
            anchors.append(toView.map(sceneAnchors.last()));
        }
        LabelPlacer::Placement placed = placer.place({label->boxSize(), anchors, 0});
        if (!placed.free) {
            label->setText(route->shortLabelText());
            placed = placer.place({label->boxSize(), anchors, 0});
        }
        label->setPos(sceneAnchors[placed.anchor]);
        label->setOffset(placed.box.topLeft() - anchors[placed.anchor], placed.leader);
        label->setVisible(placed.free);
    }
}

} // namespace relayrace::ui
