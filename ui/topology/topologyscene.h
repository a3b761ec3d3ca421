// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "map/routemap.h"
#include "ui/topology/routegain.h"
#include "ui/topology/routeitem.h"

#include <QGraphicsScene>
#include <QHash>
#include <QString>

#include <optional>

namespace relayrace::model {
struct RaceResult;
}

namespace relayrace::ui {

class LabelItem;
class NodeItem;

struct GeoPoint
{
    double lat = 0;
    double lon = 0;
};

// The topology of one provider at a time: edge, regions and origin placed by lat/lon on an
// equirectangular map of the world's land, one RouteItem per candidate route, and a caption naming the
// optimal route and its gain over direct. Keeps every provider's map and route figures (the truth) and
// rebuilds the items from them when the shown provider changes. Where labels go, and how places that
// coincide are spread apart, depends on the zoom: the view decides (TopologyView::relayout).
class TopologyScene final : public QGraphicsScene
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TopologyScene)
public:
    static constexpr double kPixelsPerDegree = 8.0;
    // A route whose time to the threshold (measured or projected) exceeds the winner's by this factor
    // is drawn slow.
    static constexpr double kSlowFactor = 1.5;

    explicit TopologyScene(QObject *parent = nullptr);

    static QPointF project(GeoPoint point);

    void setMap(const map::RouteMap &map);
    void setProvider(const QString &provider);
    QString provider() const { return m_current; }
    QStringList providers() const { return m_providers.keys(); }
    // Which of the map's alternates lists applies (the engine's edge region).
    void setEdgeRegion(const QString &edgeRegion);
    void setEdgePosition(GeoPoint position);
    void setOriginPosition(const QString &provider, GeoPoint position);
    GeoPoint edgePosition() const;
    GeoPoint originPosition(const QString &provider) const;

    void setOptimalRoute(const QString &provider, const QString &routeId);
    void markRouteFailed(const QString &provider, const QString &routeId, const QString &reason);
    void applyRaceResult(const model::RaceResult &result);
    void beginRace(const QString &provider, quint64 raceId, const QStringList &routes);
    // Ignored unless raceId is the provider's running race.
    void setProgress(const QString &provider, quint64 raceId, const QString &routeId, double fraction);
    quint64 runningRace(const QString &provider) const;

    // The shown provider's items.
    RouteItem *routeItem(const QString &routeId) const { return m_routeItems.value(routeId); }
    QList<RouteItem *> routeItems() const { return m_routeItems.values(); }
    NodeItem *regionItem(const QString &regionId) const { return m_regionItems.value(regionId); }
    NodeItem *edgeItem() const { return m_edgeItem; }
    NodeItem *originItem() const { return m_originItem; }
    // Edge, origin, then the regions.
    QList<NodeItem *> nodeItems() const;
    LabelItem *captionItem() const { return m_caption; }
    QString captionText() const;
    // Moves nodes to these scene positions (spread from their places on the map) and the routes' ends
    // with them. Nodes not named go back to their places.
    void placeNodes(const QHash<NodeItem *, QPointF> &positions);
    // The part of the scene worth showing: every node's place with a margin.
    QRectF contentRect() const;

Q_SIGNALS:
    void contentChanged();
    // A label's text (so its size) changed: the view places the labels again.
    void labelsChanged();

protected:
    void drawBackground(QPainter *painter, const QRectF &rect) override;
    bool event(QEvent *event) override;

private:
    struct ProviderState
    {
        map::RouteMap map;
        std::optional<GeoPoint> origin;
        QString optimalRoute;
        QString lastWinner;
        QHash<QString, RouteFigures> routes;
        RaceWindow recentRaces; // the latest races' times to the threshold, for the gain over direct
        quint64 raceId = 0;
    };

    static const map::Region *viaRegion(const ProviderState &state, const QString &routeId);
    QStringList routeIds(const ProviderState &state) const;
    void rebuild();
    void layoutRoutes();
    void refreshRoute(const QString &provider, const QString &routeId);
    void refreshCaption();
    NodeItem *addNode(QPointF at, int kind, const QString &id, const QString &label, const QString &toolTip);
    QString regionToolTip(const ProviderState &state, const map::Region &region) const;
    double baselineRtt(const ProviderState &state, const QString &routeId) const;

    QHash<QString, ProviderState> m_providers;
    QString m_current;
    QString m_edgeRegion = QStringLiteral("default");
    std::optional<GeoPoint> m_edge;
    QHash<QString, RouteItem *> m_routeItems;
    QHash<QString, NodeItem *> m_regionItems;
    NodeItem *m_edgeItem = nullptr;
    NodeItem *m_originItem = nullptr;
    LabelItem *m_caption = nullptr;
};

} // namespace relayrace::ui
