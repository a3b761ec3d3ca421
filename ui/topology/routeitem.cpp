// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "routeitem.h"

#include "map/routemap.h"
#include "model/raceresult.h"
#include "ui/theme/palette.h"
#include "ui/topology/labelitem.h"

#include <QBrush>
#include <QFont>
#include <QGraphicsEllipseItem>
#include <QGraphicsSimpleTextItem>
#include <QPen>

#include <array>

namespace relayrace::ui {

namespace {

constexpr double kDotRadius = 5.0;

theme::Tone toneOf(RouteHealth health)
{
    switch (health) {
    case RouteHealth::Ok: return theme::Tone::Good;
    case RouteHealth::Slow: return theme::Tone::Warning;
    case RouteHealth::Failed: return theme::Tone::Bad;
    case RouteHealth::Unknown: break;
    }
    return theme::Tone::Neutral;
}

// The latest outcome's glyph (✓ won, ○ lost, ✗ failed), from its state's name.
QString glyphOfState(const QString &name)
{
    using State = model::RouteOutcome::State;
    for (const State state : {State::Won, State::Lost, State::Failed, State::Racing, State::Connecting}) {
        if (model::stateName(state) == name)
            return theme::glyphOf(state);
    }
    return QString();
}

} // namespace

QColor healthColor(RouteHealth health)
{
    return theme::color(toneOf(health));
}

Qt::PenStyle healthPattern(RouteHealth health, bool markedFailed)
{
    if (markedFailed || health == RouteHealth::Failed)
        return Qt::DashLine;
    return health == RouteHealth::Slow ? Qt::DotLine : Qt::SolidLine;
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

RouteItem::RouteItem(const QString &routeId, const QPainterPath &path, QPointF crossAt, QGraphicsItem *parent)
    : QGraphicsPathItem(path, parent)
    , m_routeId(routeId)
    , m_dot(new QGraphicsEllipseItem(-kDotRadius, -kDotRadius, 2 * kDotRadius, 2 * kDotRadius, this))
    , m_cross(new QGraphicsSimpleTextItem(QStringLiteral("✕"), this))
{
    // Stroked once into a pixmap, then copied: progress dots and labels moving over the route repainted
    // (antialiased, wide, round-capped) the whole path at every progress update (bench_console, perf).
    setCacheMode(QGraphicsItem::DeviceCoordinateCache);
    setData(0, QStringLiteral("route"));
    setData(1, routeId);
    m_dot->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    m_dot->setBrush(theme::color(theme::Tone::Active));
    m_dot->setPen(QPen(Qt::white, 1.5));
    m_dot->setZValue(2);
    m_dot->setCacheMode(QGraphicsItem::DeviceCoordinateCache); // it moves at every progress update
    m_dot->hide();
    m_cross->setFlag(QGraphicsItem::ItemIgnoresTransformations);
    QFont crossFont = m_cross->font();
    crossFont.setPointSizeF(crossFont.pointSizeF() * 1.8);
    crossFont.setBold(true);
    m_cross->setFont(crossFont);
    m_cross->setBrush(healthColor(RouteHealth::Failed));
    const QRectF crossBox = m_cross->boundingRect();
    m_cross->setTransform(QTransform::fromTranslate(-crossBox.width() / 2, -crossBox.height() / 2));
    m_cross->setZValue(3);
    m_cross->hide();
    setGeometry(path, crossAt);
}

void RouteItem::setGeometry(const QPainterPath &path, QPointF crossAt)
{
    setPath(path);
    m_cross->setPos(crossAt);
    if (m_label)
        m_label->setPos(path.pointAtPercent(0.5));
    if (m_progress >= 0)
        m_dot->setPos(path.pointAtPercent(qBound(0.0, m_progress, 1.0)));
}

void RouteItem::setLabel(LabelItem *label)
{
    m_label = label;
    m_label->setPos(path().pointAtPercent(0.5));
}

QList<QPointF> RouteItem::labelAnchors() const
{
    // Along the route, from its middle outward, both ways; a via route's legs by their own middles first.
    const QPainterPath route = path();
    QList<QPointF> anchors;
    if (route.elementCount() == 3) {
        const QLineF first(route.elementAt(0), route.elementAt(1));
        const QLineF second(route.elementAt(1), route.elementAt(2));
        const QLineF longer = first.length() >= second.length() ? first : second;
        const QLineF shorter = first.length() >= second.length() ? second : first;
        for (double t : {0.5, 0.35, 0.65, 0.25, 0.75, 0.15, 0.85})
            anchors.append(longer.pointAt(t));
        for (double t : {0.5, 0.35, 0.65})
            anchors.append(shorter.pointAt(t));
        return anchors;
    }
    for (double t : {0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88})
        anchors.append(route.pointAtPercent(t));
    return anchors;
}

void RouteItem::setFigures(const RouteFigures &figures, bool optimal, double baselineRttMs, const QPalette &palette)
{
    QPen pen(healthColor(figures.health), optimal ? kOptimalWidth : kNormalWidth);
    pen.setCosmetic(true);
    pen.setCapStyle(figures.health == RouteHealth::Slow ? Qt::FlatCap : Qt::RoundCap);
    pen.setJoinStyle(Qt::RoundJoin);
    pen.setStyle(healthPattern(figures.health, figures.markedFailed));
    setPen(pen);
    setZValue(optimal ? 1 : 0);

    QString label;
    QString shortLabel;
    if (figures.state == QStringLiteral("failed")) {
        label = QStringLiteral("failed");
    } else if (!figures.state.isEmpty()) {
        label = QStringLiteral("ttfb ") + formatMs(figures.ttfbMs);
        const double toThreshold = figures.timeToThresholdMs >= 0 ? figures.timeToThresholdMs : figures.projectedMs;
        if (toThreshold >= 0) {
            shortLabel = (figures.timeToThresholdMs >= 0 ? QString() : QStringLiteral("~")) + formatMs(toThreshold);
            label += QStringLiteral(" · N ") + shortLabel;
        }
    } else if (baselineRttMs >= 0) {
        label = QStringLiteral("rtt ") + formatMs(baselineRttMs);
    }
    const QString glyph = glyphOfState(figures.state);
    if (!glyph.isEmpty() && !label.isEmpty())
        label = glyph + QLatin1Char(' ') + label;
    // Which route it is, where lines cross: its region's id, or "direct".
    const QString region = map::regionOfRoute(m_routeId);
    const QString name = region.isEmpty() ? m_routeId : region;
    if (!label.isEmpty())
        label = name + QLatin1Char(' ') + label;
    m_shortText = label.isEmpty() ? QString() : name + (glyph.isEmpty() ? QString() : QLatin1Char(' ') + glyph)
                                                   + (shortLabel.isEmpty() ? QString() : QLatin1Char(' ') + shortLabel);
    m_labelText = label;
    if (m_label) {
        m_label->setText(label);
        m_label->setColor(theme::readable(toneOf(figures.health), palette));
        QColor backdrop = palette.color(QPalette::Base);
        backdrop.setAlphaF(0.85f);
        m_label->setBackdrop(backdrop);
        QFont font = m_label->font();
        font.setBold(optimal);
        m_label->setFont(font);
    }

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
        tip += QStringLiteral("<br><b>failed: %1</b>").arg(figures.failReason.toHtmlEscaped());
    setToolTip(tip);
    if (m_label)
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
    return m_labelText;
}

} // namespace relayrace::ui
