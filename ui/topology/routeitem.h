// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QGraphicsPathItem>
#include <QList>
#include <QPalette>
#include <QPen>
#include <QString>

class QGraphicsEllipseItem;
class QGraphicsSimpleTextItem;

namespace relayrace::ui {

class LabelItem;

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
// it failed, a cross. Labels, dot and cross ignore the view's zoom so they stay readable. Its health is
// told by colour (Okabe-Ito, ui/theme), by the line's pattern (solid ok, dotted slow, dashed failed)
// and by the label's glyph (the latest outcome's: won, lost, failed).
class RouteItem final : public QGraphicsPathItem
{
public:
    enum { Type = UserType + 1 };
    static constexpr double kNormalWidth = 2.0;
    static constexpr double kOptimalWidth = 5.0;

    // crossAt: where a failure is marked. The label sits half way until the view places it.
    RouteItem(const QString &routeId, const QPainterPath &path, QPointF crossAt, QGraphicsItem *parent = nullptr);

    int type() const override { return Type; }
    QString routeId() const { return m_routeId; }

    // New end points (the view spread places that coincide).
    void setGeometry(const QPainterPath &path, QPointF crossAt);
    // baseline: the map's RTT of the region (via routes), shown until the route has raced. Colours
    // are made readable on the palette.
    void setFigures(const RouteFigures &figures, bool optimal, double baselineRttMs, const QPalette &palette = QPalette());

    // Its label: an item of the scene's own (not a child), so that no other route's line is drawn over
    // it; the scene owns it. Until set, the label's text is only kept.
    void setLabel(LabelItem *label);
    LabelItem *label() const { return m_label; }
    const QGraphicsItem *crossItem() const { return m_cross; }
    // Where its label may go, by preference: points along the route (scene coordinates), the middle
    // of its longer leg first.
    QList<QPointF> labelAnchors() const;

    bool isBold() const { return pen().widthF() > kNormalWidth; }
    bool isMarkedFailed() const;
    double progress() const { return m_progress; }
    QPointF progressDotScenePos() const;
    bool isProgressVisible() const;
    QString labelText() const;
    // The label when space is short: which route, its glyph and its time to the threshold.
    QString shortLabelText() const { return m_shortText; }

private:
    QString m_routeId;
    double m_progress = -1;
    LabelItem *m_label = nullptr;
    QString m_labelText;
    QString m_shortText;
    QGraphicsEllipseItem *m_dot = nullptr;
    QGraphicsSimpleTextItem *m_cross = nullptr;
};

QColor healthColor(RouteHealth health); // the line's colour (ui/theme's tone of the health)
Qt::PenStyle healthPattern(RouteHealth health, bool markedFailed);
QString healthName(RouteHealth health);
QString formatMs(double ms); // "12.3 ms", or "–" when not measured

} // namespace relayrace::ui
