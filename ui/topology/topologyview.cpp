// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "topologyview.h"

#include "model/failoverevent.h"
#include "map/routemap.h"
#include "model/routechange.h"
#include "engine/racestart.h"
#include "model/raceresult.h"
#include "ui/topology/topologyscene.h"

#include <QFileInfo>
#include <QGraphicsItem>
#include <QImage>
#include <QKeyEvent>
#include <QPainter>
#include <QSvgGenerator>
#include <QTimer>
#include <QWheelEvent>

#include <cmath>

namespace relayrace::ui {

namespace {

constexpr double kZoomStep = 1.25;
constexpr double kMinScale = 0.05;
constexpr double kMaxScale = 200.0;
constexpr int kSvgWidth = 1200;
constexpr qsizetype kMaxTrackedRaces = 64;

} // namespace

TopologyView::TopologyView(QWidget *parent)
    : QGraphicsView(parent)
    , m_scene(new TopologyScene(this))
    , m_progressTimer(new QTimer(this))
    , m_layoutTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("topologyView"));
    setScene(m_scene);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    // The map is the view: dragged, not scrolled (the scroll bars' room goes to the map).
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    // The graticule only changes with zoom and pan, yet redrawing it under every progress update was
    // the largest part of the GUI thread's painting while racing (bench_console, perf).
    setCacheMode(QGraphicsView::CacheBackground);
    setToolTip(tr("Wheel or +/- to zoom, drag to pan, 0 to fit"));
    m_progressTimer->setSingleShot(true);
    m_progressTimer->setInterval(kProgressIntervalMs);
    connect(m_progressTimer, &QTimer::timeout, this, &TopologyView::flushProgress);
    m_layoutTimer->setSingleShot(true);
    m_layoutTimer->setInterval(0);
    connect(m_layoutTimer, &QTimer::timeout, this, &TopologyView::relayout);
    connect(m_scene, &TopologyScene::contentChanged, this, [this] {
        if (m_autoFit)
            fitAll();
        scheduleLayout();
    });
    connect(m_scene, &TopologyScene::labelsChanged, this, &TopologyView::scheduleLayout);
}

QString TopologyView::provider() const
{
    return m_scene->provider();
}

QString TopologyView::optimalRouteDrawn() const
{
    for (const auto *item : m_scene->routeItems()) {
        if (item->isBold())
            return item->routeId();
    }
    return QString();
}

bool TopologyView::isRouteMarkedFailed(const QString &routeId) const
{
    const auto *item = m_scene->routeItem(routeId);
    return item && item->isMarkedFailed();
}

void TopologyView::setMap(const map::RouteMap &map)
{
    m_scene->setMap(map);
}

void TopologyView::setProvider(const QString &provider)
{
    m_autoFit = true;
    m_scene->setProvider(provider);
}

void TopologyView::setEdgeRegion(const QString &edgeRegion)
{
    m_scene->setEdgeRegion(edgeRegion);
}

void TopologyView::setEdgePosition(double lat, double lon)
{
    m_scene->setEdgePosition(GeoPoint{lat, lon});
}

void TopologyView::setOriginPosition(const QString &provider, double lat, double lon)
{
    m_scene->setOriginPosition(provider, GeoPoint{lat, lon});
}

void TopologyView::setOptimalRoute(const QString &provider, const QString &routeId)
{
    m_scene->setOptimalRoute(provider, routeId);
}

void TopologyView::markRouteFailed(const QString &provider, const QString &routeId, const QString &reason)
{
    m_scene->markRouteFailed(provider, routeId, reason);
}

void TopologyView::onRaceStarted(const engine::RaceStart &start)
{
    if (m_raceProviders.size() >= kMaxTrackedRaces) {
        // Races whose end never arrived (refused mid-way, engine restarted): forget the oldest.
        const auto oldest = std::min_element(m_raceProviders.keyBegin(), m_raceProviders.keyEnd());
        m_raceProviders.remove(*oldest);
    }
    m_raceProviders.insert(start.raceId, start.provider);
    m_scene->beginRace(start.provider, start.raceId, start.routes);
}

void TopologyView::onRouteProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 thresholdBytes)
{
    if (!m_raceProviders.contains(raceId) || thresholdBytes <= 0)
        return;
    m_progress.insert({raceId, routeId}, std::min(1.0, double(bytes) / double(thresholdBytes)));
    if (!m_progressTimer->isActive())
        m_progressTimer->start();
}

void TopologyView::flushProgress()
{
    const auto pending = std::exchange(m_progress, {});
    for (auto it = pending.cbegin(); it != pending.cend(); ++it) {
        if (const auto provider = m_raceProviders.constFind(it.key().first); provider != m_raceProviders.constEnd())
            m_scene->setProgress(*provider, it.key().first, it.key().second, it.value());
    }
}

void TopologyView::onRaceFinished(const model::RaceResult &result)
{
    m_scene->applyRaceResult(result);
}

void TopologyView::onRaceFinished(quint64 raceId, const model::RaceResult &result)
{
    m_raceProviders.remove(raceId);
    m_progress.removeIf([raceId](const auto &entry) { return entry.key().first == raceId; });
    onRaceFinished(result);
}

void TopologyView::onRouteChanged(const model::RouteChange &change)
{
    m_scene->setOptimalRoute(change.provider, change.toRoute);
}

void TopologyView::onFailover(const model::FailoverEvent &event)
{
    m_scene->markRouteFailed(event.provider, event.fromRoute,
                             tr("failed over (%1) at %2").arg(event.reason, event.at.toString(Qt::ISODateWithMs)));
}

void TopologyView::zoomIn()
{
    zoomBy(kZoomStep);
}

void TopologyView::zoomOut()
{
    zoomBy(1.0 / kZoomStep);
}

void TopologyView::zoomBy(double factor)
{
    const double current = transform().m11();
    const double target = std::clamp(current * factor, kMinScale, kMaxScale);
    if (current <= 0 || qFuzzyCompare(target, current))
        return;
    m_autoFit = false;
    scale(target / current, target / current);
    scheduleLayout();
}

void TopologyView::fitAll()
{
    fitInView(m_scene->contentRect(), Qt::KeepAspectRatio);
    scheduleLayout();
}

void TopologyView::scheduleLayout()
{
    if (!m_layoutTimer->isActive())
        m_layoutTimer->start();
}

bool TopologyView::isLayoutPending() const
{
    return m_layoutTimer->isActive();
}

void TopologyView::scrollContentsBy(int dx, int dy)
{
    QGraphicsView::scrollContentsBy(dx, dy);
    scheduleLayout(); // the caption keeps its corner, the labels the inside of the view
}

void TopologyView::changeEvent(QEvent *event)
{
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_scene->setPalette(palette()); // the map and its items in the view's colours
        resetCachedContent();
    }
}

void TopologyView::wheelEvent(QWheelEvent *event)
{
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    zoomBy(std::pow(kZoomStep, delta / 120.0));
    event->accept();
}

void TopologyView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_0:
    case Qt::Key_Asterisk:
        m_autoFit = true;
        fitAll();
        break;
    default:
        QGraphicsView::keyPressEvent(event);
        return;
    }
    event->accept();
}

void TopologyView::mousePressEvent(QMouseEvent *event)
{
    m_autoFit = false; // the operator pans: keep the view where they put it
    QGraphicsView::mousePressEvent(event);
}

void TopologyView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    if (m_autoFit)
        fitAll();
    scheduleLayout();
}

QRectF TopologyView::exportSource() const
{
    // What the operator sees, labels placed as they are, when shown; else the whole topology.
    if (isVisible() && !viewport()->rect().isEmpty())
        return mapToScene(viewport()->rect()).boundingRect();
    return m_scene->contentRect();
}

bool TopologyView::renderTo(QPaintDevice *device, QSizeF size)
{
    QPainter painter(device);
    if (!painter.isActive())
        return false;
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    // Widen the source to the target's aspect ratio: the picture fills the image, nothing is distorted.
    QRectF source = exportSource();
    const double aspect = size.width() / size.height();
    if (source.width() / source.height() < aspect)
        source.adjust(-(source.height() * aspect - source.width()) / 2, 0, (source.height() * aspect - source.width()) / 2, 0);
    else
        source.adjust(0, -(source.width() / aspect - source.height()) / 2, 0, (source.width() / aspect - source.height()) / 2);
    // Exports are drawn as vectors: the on-screen pixmap caches (routes, progress dots) are left out.
    QList<std::pair<QGraphicsItem *, QGraphicsItem::CacheMode>> cached;
    for (auto *item : m_scene->items()) {
        if (item->cacheMode() != QGraphicsItem::NoCache) {
            cached.append({item, item->cacheMode()});
            item->setCacheMode(QGraphicsItem::NoCache);
        }
    }
    m_scene->render(&painter, QRectF(QPointF(0, 0), size), source, Qt::KeepAspectRatio);
    for (const auto &[item, mode] : cached)
        item->setCacheMode(mode);
    return painter.end();
}

bool TopologyView::exportSvg(const QString &path)
{
    const QRectF source = exportSource();
    const QSize size(kSvgWidth, std::max(1, qRound(kSvgWidth * source.height() / source.width())));
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    generator.setTitle(tr("relayrace topology: %1").arg(m_scene->provider()));
    generator.setDescription(tr("Edge, regions, origin and routes of %1").arg(m_scene->provider()));
    return renderTo(&generator, size) && QFileInfo(path).size() > 0;
}

bool TopologyView::exportPng(const QString &path, QSize size)
{
    if (size.isEmpty())
        return false;
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    return renderTo(&image, size) && image.save(path, "PNG");
}

} // namespace relayrace::ui
