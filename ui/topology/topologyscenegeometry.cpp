// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// TopologyScene's geometry: the routes drawn between the nodes' positions, and the nodes moved (spread
// apart by the view when places coincide on the screen).
#include "ui/topology/topologyscene.h"

#include "ui/topology/nodeitem.h"

#include <QPainterPath>

namespace relayrace::ui {

namespace {
constexpr double kDirectBow = 0.06; // the direct route's apex beyond the regions, share of its length
} // namespace

void TopologyScene::layoutRoutes()
{
    const auto it = m_providers.constFind(m_current);
    if (it == m_providers.constEnd() || !m_edgeItem || !m_originItem)
        return;
    const ProviderState &state = *it;
    const QPointF edge = m_edgeItem->pos();
    const QPointF origin = m_originItem->pos();
    // The direct route bows to the side where the regions reach least far from it, and past them, so
    // it never hides a via route's leg.
    const QLineF chord(edge, origin);
    const double length = std::max(chord.length(), 1.0);
    double reachPositive = 0; // the side where the cross product chord x (region - edge) is > 0
    double reachNegative = 0;
    for (const auto *region : std::as_const(m_regionItems)) {
        const QPointF at = region->pos() - edge;
        const double distance = (chord.dx() * at.y() - chord.dy() * at.x()) / length;
        reachPositive = std::max(reachPositive, distance);
        reachNegative = std::max(reachNegative, -distance);
    }
    QPointF bow(-chord.dy() / length, chord.dx() / length); // unit normal toward the positive side
    if (reachNegative < reachPositive)
        bow = -bow;
    const double apex = std::min(reachNegative, reachPositive) + length * kDirectBow;
    const QPointF control = chord.pointAt(0.5) + bow * apex * 2; // a quadratic's apex is half way there

    for (auto *item : std::as_const(m_routeItems)) {
        QPainterPath path(edge);
        QPointF crossAt;
        const map::Region *region = viaRegion(state, item->routeId());
        if (const NodeItem *node = region ? m_regionItems.value(region->id) : nullptr) {
            path.lineTo(node->pos());
            path.lineTo(origin);
            crossAt = QLineF(edge, node->pos()).pointAt(0.5);
        } else {
            path.quadTo(control, origin);
            crossAt = path.pointAtPercent(0.25);
        }
        item->setGeometry(path, crossAt);
    }
}

void TopologyScene::placeNodes(const QHash<NodeItem *, QPointF> &positions)
{
    bool moved = false;
    for (NodeItem *node : nodeItems()) {
        const QPointF to = positions.value(node, node->geoPos());
        if (to != node->pos()) {
            node->setPos(to);
            moved = true;
        }
    }
    if (moved)
        layoutRoutes();
}

QList<NodeItem *> TopologyScene::nodeItems() const
{
    QList<NodeItem *> nodes;
    if (m_edgeItem)
        nodes.append(m_edgeItem);
    if (m_originItem)
        nodes.append(m_originItem);
    const auto it = m_providers.constFind(m_current);
    if (it != m_providers.constEnd()) {
        for (const auto &region : it->map.regions) { // in the map's order: the same every time
            if (NodeItem *node = m_regionItems.value(region.id); node && !nodes.contains(node))
                nodes.append(node);
        }
    }
    return nodes;
}

} // namespace relayrace::ui
