// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/topology/nodeitem.h"

#include "ui/theme/palette.h"
#include "ui/topology/labelitem.h"

#include <QFont>
#include <QPainterPath>
#include <QPen>

namespace relayrace::ui {

namespace {

QPainterPath shapeOf(NodeItem::Kind kind)
{
    constexpr double r = NodeItem::kRadius;
    QPainterPath path;
    switch (kind) {
    case NodeItem::Kind::Edge: // a square a little larger than a region's circle
        path.addRect(QRectF(-r, -r, 2 * r, 2 * r));
        break;
    case NodeItem::Kind::Origin: // a diamond
        path.moveTo(0, -r - 2);
        path.lineTo(r + 2, 0);
        path.lineTo(0, r + 2);
        path.lineTo(-r - 2, 0);
        path.closeSubpath();
        break;
    case NodeItem::Kind::Region:
        path.addEllipse(QPointF(0, 0), r, r);
        break;
    }
    return path;
}

} // namespace

NodeItem::NodeItem(Kind kind, const QString &id, const QString &label, const QString &toolTip, QGraphicsItem *parent)
    : QGraphicsPathItem(shapeOf(kind), parent)
    , m_kind(kind)
    , m_id(id)
    , m_label(new LabelItem(LabelItem::Kind::Node, label, this))
{
    setFlag(QGraphicsItem::ItemIgnoresTransformations);
    setZValue(4);
    setData(0, kindName(kind));
    setData(1, id);
    QFont font = m_label->font();
    font.setBold(kind != Kind::Region);
    m_label->setFont(font);
    // Below, centred, until the view places it.
    m_label->setOffset(QPointF(-m_label->boxSize().width() / 2, kRadius + 3), false);
    setToolTips(toolTip);
}

QString NodeItem::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Edge: return QStringLiteral("edge");
    case Kind::Origin: return QStringLiteral("origin");
    case Kind::Region: break;
    }
    return QStringLiteral("region");
}

void NodeItem::setGeoPos(QPointF scenePos)
{
    m_geoPos = scenePos;
    setPos(scenePos);
}

void NodeItem::setToolTips(const QString &toolTip)
{
    setToolTip(toolTip);
    m_label->setToolTip(toolTip);
}

void NodeItem::applyPalette(const QPalette &palette)
{
    const theme::Tone tone = m_kind == Kind::Edge ? theme::Tone::Active : m_kind == Kind::Origin ? theme::Tone::Neutral : theme::Tone::Accent;
    QColor fill = m_kind == Kind::Origin ? palette.color(QPalette::Text) : theme::color(tone);
    setBrush(fill);
    setPen(QPen(palette.color(QPalette::Base), 1.5));
    m_label->setColor(palette.color(QPalette::Text));
    QColor backdrop = palette.color(QPalette::Base);
    backdrop.setAlphaF(0.8f);
    m_label->setBackdrop(backdrop);
}

} // namespace relayrace::ui
