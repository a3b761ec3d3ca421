// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/topology/labelitem.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace relayrace::ui {

namespace {
constexpr double kPadding = 2.0;
constexpr int kTextFlags = Qt::AlignLeft | Qt::AlignTop;
} // namespace

LabelItem::LabelItem(Kind kind, const QString &text, QGraphicsItem *parent)
    : QGraphicsItem(parent)
    , m_kind(kind)
    , m_text(text)
    , m_color(Qt::black)
    , m_backdrop(255, 255, 255, 200)
{
    // A node's label is its child and inherits the node's fixed size; a route's and the caption are
    // anchored in the scene and keep theirs themselves.
    if (kind != Kind::Node)
        setFlag(QGraphicsItem::ItemIgnoresTransformations);
    setZValue(kind == Kind::Caption ? 10 : 6);
    measure();
}

void LabelItem::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    measure();
}

void LabelItem::setFont(const QFont &font)
{
    if (font == m_font)
        return;
    m_font = font;
    measure();
}

void LabelItem::setColor(const QColor &color)
{
    m_color = color;
    update();
}

void LabelItem::measure()
{
    prepareGeometryChange();
    const QFontMetricsF metrics(m_font);
    const QRectF text = metrics.boundingRect(QRectF(0, 0, 4096, 4096), kTextFlags, m_text);
    m_size = m_text.isEmpty() ? QSizeF(0, 0) : QSizeF(std::ceil(text.width()) + 2 * kPadding, std::ceil(text.height()) + 2 * kPadding);
}

void LabelItem::setOffset(QPointF offset, bool leader)
{
    if (offset == m_offset && leader == m_leader)
        return;
    prepareGeometryChange();
    m_offset = offset;
    m_leader = leader;
}

QRectF LabelItem::boundingRect() const
{
    QRectF rect = box();
    if (m_leader)
        rect = rect.united(QRectF(-1, -1, 2, 2));
    return rect.adjusted(-1, -1, 1, 1);
}

void LabelItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    if (m_text.isEmpty())
        return;
    const QRectF rect = box();
    if (m_leader) {
        // From the anchor to the nearest point of the box.
        const QPointF to(std::clamp(0.0, rect.left(), rect.right()), std::clamp(0.0, rect.top(), rect.bottom()));
        QColor line = m_color;
        line.setAlphaF(0.6f);
        painter->setPen(QPen(line, 1, Qt::DotLine));
        painter->drawLine(QPointF(0, 0), to);
    }
    QColor border = m_color;
    border.setAlphaF(0.35f);
    painter->setPen(m_kind == Kind::Caption ? QPen(border, 1) : QPen(Qt::NoPen));
    painter->setBrush(m_backdrop);
    painter->drawRoundedRect(rect, 3, 3);
    painter->setFont(m_font);
    painter->setPen(m_color);
    painter->drawText(rect.adjusted(kPadding, kPadding, -kPadding, -kPadding), kTextFlags, m_text);
}

} // namespace relayrace::ui
