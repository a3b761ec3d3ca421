// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QGraphicsPathItem>
#include <QPen>
#include <QString>

class QGraphicsEllipseItem;
class QGraphicsSimpleTextItem;

namespace relayrace::ui {

// How a route did in its latest race: what its colour says.
enum class RouteHealth { Unknown, Ok, Slow, Failed };

// What the topology knows of one route of one provider (the truth the items are drawn from).
struct RouteFigures
{
    double ttfbMs = -1;
    double timeToThresholdMs = -1;
    double projectedMs = -1;
    QString state;                 // stateName() of its latest outcome; empty: not raced yet
    RouteHealth health = RouteHealth::Unknown;
    bool markedFailed = false;     // failed in a race or failed over, until it races fine again
    QString failReason;
    double progress = -1;          // fraction of the threshold during a race; -1: no race running
};

// One route drawn as a polyline edge -> (region ->) origin, with its label, its progress dot and, when
// it failed, a cross. Labels, dot and cross ignore the view's zoom so they stay readable.
class RouteItem final : public QGraphicsPathItem
{
public:
    enum { Type = UserType + 1 };
    static constexpr double kNormalWidth = 2.0;
    static constexpr double kOptimalWidth = 5.0;

    // labelAt: where the figures go (a via route's region, the direct route's apex); the label sits
    // labelOffsetPx device pixels below it (negative: above). crossAt: where a failure is marked.
    RouteItem(const QString &routeId, const QPainterPath &path, QPointF labelAt, double labelOffsetPx, QPointF crossAt,
              QGraphicsItem *parent = nullptr);

    int type() const override { return Type; }
    QString routeId() const { return m_routeId; }

    // baseline: the map's RTT of the region (via routes), shown until the route has raced.
    void setFigures(const RouteFigures &figures, bool optimal, double baselineRttMs);

    bool isBold() const { return pen().widthF() > kNormalWidth; }
    bool isMarkedFailed() const;
    double progress() const { return m_progress; }
    QPointF progressDotScenePos() const;
    bool isProgressVisible() const;
    QString labelText() const;

private:
    QString m_routeId;
    double m_progress = -1;
    double m_labelOffsetPx = 0;
    QGraphicsSimpleTextItem *m_label = nullptr;
    QGraphicsEllipseItem *m_dot = nullptr;
    QGraphicsSimpleTextItem *m_cross = nullptr;
};

QColor healthColor(RouteHealth health);
QString healthName(RouteHealth health);
QString formatMs(double ms); // "12.3 ms", or "–" when not measured

} // namespace relayrace::ui
