// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "topologyscene.h"

#include "model/raceresult.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsSimpleTextItem>
#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace relayrace::ui {

namespace {

constexpr double kGraticuleDegrees = 10.0;
constexpr double kNodeRadius = 7.0;
constexpr double kFlankDegrees = 8.0;   // how far beyond the regions the default edge/origin sit
constexpr double kMarginDegrees = 4.0;
constexpr double kDirectBow = 0.06;            // the direct route's apex beyond the regions, share of its length
constexpr double kViaLabelOffsetPx = 24.0;     // below the region's name
constexpr double kDirectLabelOffsetPx = 6.0;

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
    const auto it = m_providers.constFind(m_current);
    if (it == m_providers.constEnd()) {
        Q_EMIT contentChanged();
        return;
    }
    const ProviderState &state = *it;
    const QPointF edge = project(edgePosition());
    const QPointF origin = project(originPosition(m_current));

    // The direct route bows to the side where the regions reach least far from it, and past them, so
    // it never hides a via route's leg.
    const QLineF chord(edge, origin);
    const double length = std::max(chord.length(), 1.0);
    double reachPositive = 0; // the side where the cross product chord x (region - edge) is > 0
    double reachNegative = 0;
    for (const auto &region : state.map.regions) {
        const QPointF at = project({region.lat, region.lon}) - edge;
        const double distance = (chord.dx() * at.y() - chord.dy() * at.x()) / length;
        reachPositive = std::max(reachPositive, distance);
        reachNegative = std::max(reachNegative, -distance);
    }
    QPointF bow(-chord.dy() / length, chord.dx() / length); // unit normal toward the positive side
    if (reachNegative < reachPositive)
        bow = -bow;
    const double apex = std::min(reachNegative, reachPositive) + length * kDirectBow;
    const QPointF control = chord.pointAt(0.5) + bow * apex * 2; // a quadratic's apex is half way there

    for (const auto &id : routeIds(state)) {
        QPainterPath path(edge);
        QPointF labelAt;
        double labelOffset = kViaLabelOffsetPx;
        QPointF crossAt;
        if (const map::Region *region = viaRegion(state, id)) {
            labelAt = project({region->lat, region->lon});
            path.lineTo(labelAt);
            path.lineTo(origin);
            crossAt = QLineF(edge, labelAt).pointAt(0.5);
        } else {
            path.quadTo(control, origin);
            labelAt = path.pointAtPercent(0.5);
            labelOffset = bow.y() < 0 ? -kDirectLabelOffsetPx : kDirectLabelOffsetPx;
            crossAt = path.pointAtPercent(0.25);
        }
        auto *item = new RouteItem(id, path, labelAt, labelOffset, crossAt);
        addItem(item);
        m_routeItems.insert(id, item);
        item->setFigures(state.routes.value(id), state.optimalRoute == id, baselineRtt(state, id));
    }

    m_edgeItem = addNode(edge, QColor(0x15, 0x65, 0xc0), kNodeRadius + 1, QStringLiteral("edge"), m_edgeRegion,
                         tr("edge"), tr("<b>edge</b> (this console's engine)<br>alternates list: %1").arg(m_edgeRegion));
    const QString originUrl = state.map.origin.toString();
    m_originItem = addNode(origin, QColor(0x37, 0x47, 0x4f), kNodeRadius + 1, QStringLiteral("origin"), m_current,
                           tr("origin"), tr("<b>origin</b> of %1<br>%2").arg(m_current.toHtmlEscaped(), originUrl.toHtmlEscaped()));
    for (const auto &region : state.map.regions) {
        m_regionItems.insert(region.id, addNode(project({region.lat, region.lon}), QColor(0x7e, 0x57, 0xc2), kNodeRadius,
                                                QStringLiteral("region"), region.id,
                                                region.name.isEmpty() ? region.id : region.name,
                                                regionToolTip(state, region)));
    }
    Q_EMIT contentChanged();
}

void TopologyScene::refreshRoute(const QString &provider, const QString &routeId)
{
    if (provider != m_current || routeId.isEmpty())
        return;
    const ProviderState &state = m_providers[provider];
    if (auto *item = m_routeItems.value(routeId))
        item->setFigures(state.routes.value(routeId), state.optimalRoute == routeId, baselineRtt(state, routeId));
    if (const map::Region *region = viaRegion(state, routeId); region && m_regionItems.contains(region->id))
        m_regionItems[region->id]->setToolTip(regionToolTip(state, *region));
}

QGraphicsEllipseItem *TopologyScene::addNode(QPointF at, const QColor &color, double radius, const QString &kind,
                                             const QString &id, const QString &label, const QString &toolTip)
{
    auto *node = addEllipse(-radius, -radius, 2 * radius, 2 * radius, QPen(color.darker(150), 1.5), color);
    node->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    node->setPos(at);
    node->setZValue(4);
    node->setData(0, kind);
    node->setData(1, id);
    node->setToolTip(toolTip);
    auto *text = new QGraphicsSimpleTextItem(label, node);
    text->setPos(-text->boundingRect().width() / 2, radius + 2);
    text->setToolTip(toolTip);
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
    if (m_edgeItem)
        points.append(m_edgeItem->pos());
    if (m_originItem)
        points.append(m_originItem->pos());
    for (const auto *item : m_regionItems)
        points.append(item->pos());
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
    painter->fillRect(rect, QColor(0xfa, 0xfb, 0xfc));
    QPen pen(QColor(0xd8, 0xdd, 0xe3), 0);
    painter->setPen(pen);
    const double step = kGraticuleDegrees * kPixelsPerDegree;
    const QRectF world = sceneRect().intersected(rect);
    for (double x = std::ceil(world.left() / step) * step; x <= world.right(); x += step)
        painter->drawLine(QPointF(x, world.top()), QPointF(x, world.bottom()));
    for (double y = std::ceil(world.top() / step) * step; y <= world.bottom(); y += step)
        painter->drawLine(QPointF(world.left(), y), QPointF(world.right(), y));
    pen.setColor(QColor(0xb0, 0xb8, 0xc2)); // the equator and the prime meridian
    painter->setPen(pen);
    if (world.top() <= 0 && world.bottom() >= 0)
        painter->drawLine(QPointF(world.left(), 0), QPointF(world.right(), 0));
    if (world.left() <= 0 && world.right() >= 0)
        painter->drawLine(QPointF(0, world.top()), QPointF(0, world.bottom()));
}

} // namespace relayrace::ui
