// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "routeitem.h"

#include <QBrush>
#include <QFont>
#include <QGraphicsEllipseItem>
#include <QGraphicsSimpleTextItem>
#include <QPen>

namespace relayrace::ui {

namespace {

constexpr double kDotRadius = 5.0;

QGraphicsSimpleTextItem *makeText(QGraphicsItem *parent, const QString &text)
{
    auto *item = new QGraphicsSimpleTextItem(text, parent);
    item->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    return item;
}

} // namespace

QColor healthColor(RouteHealth health)
{
    switch (health) {
    case RouteHealth::Ok: return QColor(0x2e, 0x7d, 0x32);
    case RouteHealth::Slow: return QColor(0xe0, 0x9b, 0x00);
    case RouteHealth::Failed: return QColor(0xc6, 0x28, 0x28);
    case RouteHealth::Unknown: break;
    }
    return QColor(0x90, 0x90, 0x90);
}

QString healthName(RouteHealth health)
{
    switch (health) {
    case RouteHealth::Ok: return QStringLiteral("ok");
    case RouteHealth::Slow: return QStringLiteral("slow");
    case RouteHealth::Failed: return QStringLiteral("failed");
    case RouteHealth::Unknown: break;
    }
    return QStringLiteral("not raced yet");
}

QString formatMs(double ms)
{
    return ms < 0 ? QStringLiteral("–") : QString::number(ms, 'f', 1) + QStringLiteral(" ms");
}

RouteItem::RouteItem(const QString &routeId, const QPainterPath &path, QPointF labelAt, double labelOffsetPx,
                     QPointF crossAt, QGraphicsItem *parent)
    : QGraphicsPathItem(path, parent)
    , m_routeId(routeId)
    , m_labelOffsetPx(labelOffsetPx)
    , m_label(makeText(this, QString()))
    , m_dot(new QGraphicsEllipseItem(-kDotRadius, -kDotRadius, 2 * kDotRadius, 2 * kDotRadius, this))
    , m_cross(makeText(this, QStringLiteral("✕")))
{
    // Stroked once into a pixmap, then copied: progress dots and labels moving over the route repainted
    // (antialiased, wide, round-capped) the whole path at every progress update (bench_console, perf).
    setCacheMode(QGraphicsItem::DeviceCoordinateCache);
    setData(0, QStringLiteral("route"));
    setData(1, routeId);
    m_label->setPos(labelAt);
    m_label->setZValue(5);
    m_dot->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    m_dot->setBrush(QColor(0x15, 0x65, 0xc0));
    m_dot->setPen(QPen(Qt::white, 1.5));
    m_dot->setZValue(2);
    m_dot->setCacheMode(QGraphicsItem::DeviceCoordinateCache); // it moves at every progress update
    m_dot->hide();
    QFont crossFont = m_cross->font();
    crossFont.setPointSizeF(crossFont.pointSizeF() * 1.8);
    crossFont.setBold(true);
    m_cross->setFont(crossFont);
    m_cross->setBrush(healthColor(RouteHealth::Failed));
    const QRectF crossBox = m_cross->boundingRect();
    m_cross->setTransform(QTransform::fromTranslate(-crossBox.width() / 2, -crossBox.height() / 2));
    m_cross->setPos(crossAt);
    m_cross->setZValue(3);
    m_cross->hide();
}

void RouteItem::setFigures(const RouteFigures &figures, bool optimal, double baselineRttMs)
{
    QPen pen(healthColor(figures.health), optimal ? kOptimalWidth : kNormalWidth);
    pen.setCosmetic(true);
    pen.setCapStyle(Qt::RoundCap);
    pen.setJoinStyle(Qt::RoundJoin);
    if (figures.markedFailed)
        pen.setStyle(Qt::DashLine);
    setPen(pen);
    setZValue(optimal ? 1 : 0);

    QString label;
    if (figures.state == QStringLiteral("failed")) {
        label = QStringLiteral("failed");
    } else if (!figures.state.isEmpty()) {
        label = QStringLiteral("ttfb ") + formatMs(figures.ttfbMs);
        const double toThreshold = figures.timeToThresholdMs >= 0 ? figures.timeToThresholdMs : figures.projectedMs;
        if (toThreshold >= 0)
            label += QStringLiteral(" · N ") + (figures.timeToThresholdMs >= 0 ? QString() : QStringLiteral("~"))
                     + formatMs(toThreshold);
    } else if (baselineRttMs >= 0) {
        label = QStringLiteral("rtt ") + formatMs(baselineRttMs);
    }
    m_label->setText(label);
    m_label->setBrush(healthColor(figures.health).darker(130));
    QFont font = m_label->font();
    font.setBold(optimal);
    m_label->setFont(font);
    // Centred on its anchor; the offset is in device pixels since the label ignores the zoom.
    const QRectF box = m_label->boundingRect();
    m_label->setTransform(QTransform::fromTranslate(-box.width() / 2,
                                                    m_labelOffsetPx >= 0 ? m_labelOffsetPx : m_labelOffsetPx - box.height()));

    QString tip = QStringLiteral("<b>%1</b>%2<br>health: %3").arg(m_routeId.toHtmlEscaped(),
        optimal ? QStringLiteral(" (optimal)") : QString(), healthName(figures.health));
    if (!figures.state.isEmpty()) {
        tip += QStringLiteral("<br>last race: %1<br>TTFB: %2<br>time to threshold: %3<br>projected: %4")
                   .arg(figures.state, formatMs(figures.ttfbMs), formatMs(figures.timeToThresholdMs),
                        formatMs(figures.projectedMs));
    }
    if (baselineRttMs >= 0)
        tip += QStringLiteral("<br>region RTT to origin (map): %1").arg(formatMs(baselineRttMs));
    if (figures.markedFailed)
        tip += QStringLiteral("<br><font color=\"#c62828\">failed: %1</font>").arg(figures.failReason.toHtmlEscaped());
    setToolTip(tip);
    m_label->setToolTip(tip);
    m_cross->setToolTip(tip);
    m_cross->setVisible(figures.markedFailed);

    m_progress = figures.progress;
    if (m_progress >= 0) {
        m_dot->setPos(path().pointAtPercent(qBound(0.0, m_progress, 1.0)));
        m_dot->setToolTip(QStringLiteral("%1: %2% of the threshold").arg(m_routeId).arg(qRound(m_progress * 100)));
        m_dot->show();
    } else {
        m_dot->hide();
    }
}

bool RouteItem::isMarkedFailed() const
{
    return m_cross->isVisible();
}

QPointF RouteItem::progressDotScenePos() const
{
    return m_dot->scenePos();
}

bool RouteItem::isProgressVisible() const
{
    return m_dot->isVisible();
}

QString RouteItem::labelText() const
{
    return m_label->text();
}

} // namespace relayrace::ui
