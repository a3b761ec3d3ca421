// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QGraphicsView>
#include <QHash>
#include <QPair>
#include <QSize>
#include <QString>

class QTimer;

namespace relayrace::map {
struct RouteMap;
}
namespace relayrace::engine {
struct RaceStart;
}
namespace relayrace::model {
struct RaceResult;
struct RouteChange;
struct FailoverEvent;
}

namespace relayrace::ui {

class TopologyScene;

// The network of the selected provider: edge, regions and origin, its routes coloured by health with
// their latest figures, the optimal route bold, live race progress and failed routes crossed out.
// Its slots take the engine's value structs, so engine signals connect straight to them.
class TopologyView final : public QGraphicsView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TopologyView)
public:
    static constexpr int kProgressIntervalMs = 33; // progress redraws at most ~30 times a second

    explicit TopologyView(QWidget *parent = nullptr);

    TopologyScene *topologyScene() const { return m_scene; }
    QString provider() const;

    // For tests and the window's status: the route drawn bold (empty: none) and the crossed-out ones.
    QString optimalRouteDrawn() const;
    bool isRouteMarkedFailed(const QString &routeId) const;

    // Places the labels for the current zoom and pan (and spreads apart places that coincide on the
    // screen); runs on its own, once the event loop is back, after every change of zoom, pan, size or
    // label text. pending: a layout is due and not run yet.
    void relayout();
    bool isLayoutPending() const;

    bool exportSvg(const QString &path);
    bool exportPng(const QString &path, QSize size);

public Q_SLOTS:
    void setMap(const relayrace::map::RouteMap &map);
    void setProvider(const QString &provider);
    void setEdgeRegion(const QString &edgeRegion);
    // The edge and origins have no coordinates in the maps (lab demo): by default they flank the regions.
    void setEdgePosition(double lat, double lon);
    void setOriginPosition(const QString &provider, double lat, double lon);

    void setOptimalRoute(const QString &provider, const QString &routeId);
    void markRouteFailed(const QString &provider, const QString &routeId, const QString &reason);

    void onRaceStarted(const relayrace::engine::RaceStart &start);
    void onRouteProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 thresholdBytes);
    // The engine's raceFinished(raceId, result) connects to the two-argument overload.
    void onRaceFinished(const relayrace::model::RaceResult &result);
    void onRaceFinished(quint64 raceId, const relayrace::model::RaceResult &result);
    void onRouteChanged(const relayrace::model::RouteChange &change);
    void onFailover(const relayrace::model::FailoverEvent &event);

    void zoomIn();
    void zoomOut();
    void fitAll();

protected:
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;
    void changeEvent(QEvent *event) override;

private:
    void zoomBy(double factor);
    void scheduleLayout();
    void flushProgress();
    QRectF exportSource() const;
    bool renderTo(QPaintDevice *device, QSizeF size);

    TopologyScene *m_scene = nullptr;
    QTimer *m_progressTimer = nullptr;
    QTimer *m_layoutTimer = nullptr;
    QHash<quint64, QString> m_raceProviders;            // running races -> provider
    QHash<QPair<quint64, QString>, double> m_progress;  // (race, route) -> fraction, not yet drawn
    bool m_autoFit = true;                              // until the operator zooms or pans
};

} // namespace relayrace::ui
