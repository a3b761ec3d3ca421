// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "topologyscene.h"

#include "model/raceresult.h"
#include "ui/topology/labelitem.h"
#include "ui/topology/landoutline.h"
#include "ui/topology/nodeitem.h"
#include "ui/topology/routegain.h"

#include <QEvent>
#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace relayrace::ui {

namespace {

constexpr double kFlankDegrees = 8.0;   // how far beyond the regions the default edge/origin sit
constexpr double kMarginDegrees = 4.0;

GeoPoint meanOf(const QList<map::Region> &regions)
{
    GeoPoint mean;
    for (const auto &region : regions) {
        mean.lat += region.lat;
        mean.lon += region.lon;
    }
    if (!regions.isEmpty()) {
        mean.lat /= double(regions.size());
        mean.lon /= double(regions.size());
    }
    return mean;
}

// Without coordinates for the edge or the origin, they flank the regions (edge west, origin east) at
// the regions' mean latitude: every route then reads left to right and no node hides another.
GeoPoint flank(const QList<map::Region> &regions, bool east)
{
    GeoPoint point = meanOf(regions);
    if (regions.isEmpty())
        return GeoPoint{point.lat, east ? kFlankDegrees : -kFlankDegrees};
    double lon = regions.first().lon;
    for (const auto &region : regions)
        lon = east ? std::max(lon, region.lon) : std::min(lon, region.lon);
    point.lon = lon + (east ? kFlankDegrees : -kFlankDegrees);
    return point;
}

} // namespace

const map::Region *TopologyScene::viaRegion(const ProviderState &state, const QString &routeId)
{
    const QString regionId = map::regionOfRoute(routeId);
    return regionId.isEmpty() ? nullptr : state.map.region(regionId);
}

TopologyScene::TopologyScene(QObject *parent)
    : QGraphicsScene(parent)
{
    // The whole world, so panning never runs out of grid.
    setSceneRect(QRectF(project({90, -180}), project({-90, 180})));
    setItemIndexMethod(QGraphicsScene::NoIndex); // a few dozen items that move (progress dots)
}

QPointF TopologyScene::project(GeoPoint point)
{
    return QPointF(point.lon * kPixelsPerDegree, -point.lat * kPixelsPerDegree);
}

void TopologyScene::setMap(const map::RouteMap &map)
{
    auto &state = m_providers[map.provider];
    state.map = map;
    if (m_current.isEmpty())
        m_current = map.provider;
    if (m_current == map.provider)
        rebuild();
}

void TopologyScene::setProvider(const QString &provider)
{
    if (provider == m_current)
        return;
    m_current = provider;
    rebuild();
}

void TopologyScene::setEdgeRegion(const QString &edgeRegion)
{
    m_edgeRegion = edgeRegion;
    rebuild();
}

void TopologyScene::setEdgePosition(GeoPoint position)
{
    m_edge = position;
    rebuild();
}

void TopologyScene::setOriginPosition(const QString &provider, GeoPoint position)
{
    m_providers[provider].origin = position;
    if (provider == m_current)
        rebuild();
}

GeoPoint TopologyScene::edgePosition() const
{
    if (m_edge)
        return *m_edge;
    const auto it = m_providers.constFind(m_current);
    return flank(it == m_providers.constEnd() ? QList<map::Region>() : it->map.regions, false);
}

GeoPoint TopologyScene::originPosition(const QString &provider) const
{
    const auto it = m_providers.constFind(provider);
    if (it == m_providers.constEnd())
        return flank({}, true);
    return it->origin ? *it->origin : flank(it->map.regions, true);
}

void TopologyScene::setOptimalRoute(const QString &provider, const QString &routeId)
{
    auto &state = m_providers[provider];
    const QString previous = state.optimalRoute;
    state.optimalRoute = routeId;
    refreshRoute(provider, previous);
    refreshRoute(provider, routeId);
    if (provider == m_current)
        refreshCaption();
}

void TopologyScene::markRouteFailed(const QString &provider, const QString &routeId, const QString &reason)
{
    auto &figures = m_providers[provider].routes[routeId];
    figures.markedFailed = true;
    figures.failReason = reason;
    figures.health = RouteHealth::Failed;
    if (provider == m_current && !m_routeItems.contains(routeId))
        rebuild();
    else
        refreshRoute(provider, routeId);
}

void TopologyScene::applyRaceResult(const model::RaceResult &result)
{
    auto &state = m_providers[result.provider];
    state.raceId = 0;
    if (!result.winner.isEmpty())
        state.lastWinner = result.winner;
    state.recentRaces.add(result);
    const model::RouteOutcome *winner = result.route(result.winner);
    const double best = winner ? winner->timeToThresholdMs : -1;
    bool newRoute = false;
    for (const auto &outcome : result.routes) {
        newRoute = newRoute || !state.routes.contains(outcome.routeId);
        auto &figures = state.routes[outcome.routeId];
        figures.ttfbMs = outcome.ttfbMs;
        figures.timeToThresholdMs = outcome.timeToThresholdMs;
        figures.projectedMs = outcome.projectedMs;
        figures.state = model::stateName(outcome.state);
        figures.progress = -1;
        if (outcome.state == model::RouteOutcome::State::Failed) {
            figures.health = RouteHealth::Failed;
            figures.markedFailed = true;
            figures.failReason = outcome.error;
            continue;
        }
        figures.markedFailed = false;
        figures.failReason.clear();
        const double time = outcome.timeToThresholdMs >= 0 ? outcome.timeToThresholdMs : outcome.projectedMs;

        const bool slow = time < 0 || (best > 0 && time > best * kSlowFactor);
        figures.health = slow ? RouteHealth::Slow : RouteHealth::Ok;
    }
    if (result.provider != m_current)
        return;
    if (newRoute)
        rebuild();
    for (auto it = state.routes.cbegin(); it != state.routes.cend(); ++it)
        refreshRoute(result.provider, it.key());
    refreshCaption();
}

void TopologyScene::beginRace(const QString &provider, quint64 raceId, const QStringList &routes)
{
    auto &state = m_providers[provider];
    state.raceId = raceId;
    for (const auto &route : routes)
        state.routes[route].progress = 0;
    for (const auto &route : routes)
        refreshRoute(provider, route);
}

void TopologyScene::setProgress(const QString &provider, quint64 raceId, const QString &routeId, double fraction)
{
    const auto it = m_providers.find(provider);
    if (it == m_providers.end() || it->raceId != raceId || raceId == 0)
        return;
    it->routes[routeId].progress = std::max(0.0, fraction);
    refreshRoute(provider, routeId);
}

quint64 TopologyScene::runningRace(const QString &provider) const
{
    return m_providers.value(provider).raceId;
}

QStringList TopologyScene::routeIds(const ProviderState &state) const
{
    QStringList ids;
    for (const map::Route &route : map::routesFor(state.map, m_edgeRegion))
        ids.append(route.id);
    // Routes the engine raced that this edge region's list does not name (another edge region's list).
    for (auto it = state.routes.cbegin(); it != state.routes.cend(); ++it) {
        if (!ids.contains(it.key()) && (it.key() == map::directRouteId() || viaRegion(state, it.key())))
            ids.append(it.key());
    }
    return ids;
}

void TopologyScene::rebuild()
{
    clear();
    m_routeItems.clear();
    m_regionItems.clear();
    m_edgeItem = nullptr;
    m_originItem = nullptr;
    m_caption = nullptr;
    const auto it = m_providers.constFind(m_current);
    if (it == m_providers.constEnd()) {
        Q_EMIT contentChanged();
        return;
    }
    const ProviderState &state = *it;
    m_edgeItem = addNode(project(edgePosition()), int(NodeItem::Kind::Edge), m_edgeRegion, tr("edge"),
                         tr("<b>edge</b> (this console's engine)<br>alternates list: %1").arg(m_edgeRegion));
    const QString originUrl = state.map.origin.toString();
    m_originItem = addNode(project(originPosition(m_current)), int(NodeItem::Kind::Origin), m_current, tr("origin"),
                           tr("<b>origin</b> of %1<br>%2").arg(m_current.toHtmlEscaped(), originUrl.toHtmlEscaped()));
    for (const auto &region : state.map.regions) {
        m_regionItems.insert(region.id, addNode(project({region.lat, region.lon}), int(NodeItem::Kind::Region), region.id,
                                                region.name.isEmpty() ? region.id : region.name, regionToolTip(state, region)));
    }
    for (const auto &id : routeIds(state)) {
        auto *item = new RouteItem(id, QPainterPath(), QPointF());
        addItem(item);
        auto *label = new LabelItem(LabelItem::Kind::Route, QString());
        addItem(label);
        item->setLabel(label);
        m_routeItems.insert(id, item);
        item->setFigures(state.routes.value(id), state.optimalRoute == id, baselineRtt(state, id), palette());
    }
    layoutRoutes();
    m_caption = new LabelItem(LabelItem::Kind::Caption, QString());
    addItem(m_caption);
    m_caption->setColor(palette().color(QPalette::Text));
    QColor backdrop = palette().color(QPalette::Base);
    backdrop.setAlphaF(0.9f);
    m_caption->setBackdrop(backdrop);
    refreshCaption();
    Q_EMIT contentChanged();
}

QString TopologyScene::captionText() const
{
    return m_caption ? m_caption->text() : QString();
}

void TopologyScene::refreshCaption()
{
    const auto it = m_providers.constFind(m_current);
    if (!m_caption || it == m_providers.constEnd())
        return;
    const QString optimal = it->optimalRoute.isEmpty() ? it->lastWinner : it->optimalRoute;
    const QString text = gainCaption(optimal, it->routes, it->recentRaces);
    if (text == m_caption->text())
        return;
    m_caption->setText(text);
    Q_EMIT labelsChanged();
}

void TopologyScene::refreshRoute(const QString &provider, const QString &routeId)
{
    if (provider != m_current || routeId.isEmpty())
        return;
    const ProviderState &state = m_providers[provider];
    if (auto *item = m_routeItems.value(routeId)) {
        const QString before = item->labelText();
        const bool boldBefore = item->isBold();
        const bool crossBefore = item->isMarkedFailed();
        item->setFigures(state.routes.value(routeId), state.optimalRoute == routeId, baselineRtt(state, routeId), palette());
        if (item->labelText() != before || item->isBold() != boldBefore || item->isMarkedFailed() != crossBefore)
            Q_EMIT labelsChanged();
    }
    if (const map::Region *region = viaRegion(state, routeId); region && m_regionItems.contains(region->id))
        m_regionItems[region->id]->setToolTips(regionToolTip(state, *region));
}

NodeItem *TopologyScene::addNode(QPointF at, int kind, const QString &id, const QString &label, const QString &toolTip)
{
    auto *node = new NodeItem(NodeItem::Kind(kind), id, label, toolTip);
    addItem(node);
    node->setGeoPos(at);
    node->applyPalette(palette());
    return node;
}

QString TopologyScene::regionToolTip(const ProviderState &state, const map::Region &region) const
{
    QString tip = tr("<b>%1</b> (%2)<br>relay: %3<br>%4°, %5°<br>RTT to origin (map): %6 over %7 samples%8")
                      .arg(region.name.toHtmlEscaped(), region.id.toHtmlEscaped(), region.relay.toString().toHtmlEscaped())
                      .arg(region.lat, 0, 'f', 2).arg(region.lon, 0, 'f', 2)
                      .arg(formatMs(region.rttToOriginMs.value_or(-1))).arg(region.samples)
                      .arg(region.wellConnected ? QString() : tr("<br>not well connected"));
    const RouteFigures figures = state.routes.value(map::viaRouteId(region.id));
    if (!figures.state.isEmpty()) {
        tip += tr("<br>via this region, last race: %1, TTFB %2, time to threshold %3")
                   .arg(figures.state, formatMs(figures.ttfbMs), formatMs(figures.timeToThresholdMs));
    }
    return tip;
}

double TopologyScene::baselineRtt(const ProviderState &state, const QString &routeId) const
{
    const map::Region *region = viaRegion(state, routeId);
    return region ? region->rttToOriginMs.value_or(-1) : -1;
}

QRectF TopologyScene::contentRect() const
{
    QList<QPointF> points;
    for (const NodeItem *node : nodeItems())
        points.append(node->geoPos());
    for (const RouteItem *route : m_routeItems)
        points.append(route->path().pointAtPercent(0.5)); // the direct route's apex too
    if (points.isEmpty())
        return QRectF(project({10, -20}), project({-10, 20}));
    QPointF low = points.first();
    QPointF high = points.first();
    for (const auto &point : points) {
        low = QPointF(std::min(low.x(), point.x()), std::min(low.y(), point.y()));
        high = QPointF(std::max(high.x(), point.x()), std::max(high.y(), point.y()));
    }
    const QRectF rect(low, high);
    const double margin = kMarginDegrees * kPixelsPerDegree;
    return rect.adjusted(-margin - rect.width() * 0.1, -margin - rect.height() * 0.1, margin + rect.width() * 0.1,
                         margin + rect.height() * 0.1);
}

void TopologyScene::drawBackground(QPainter *painter, const QRectF &rect)
{
    drawMapBackground(painter, rect, sceneRect(), palette());
}

bool TopologyScene::event(QEvent *event)
{
    const bool handled = QGraphicsScene::event(event);
    if (event->type() == QEvent::PaletteChange)
        rebuild(); // every item takes its colours from the palette
    return handled;
}

} // namespace relayrace::ui
