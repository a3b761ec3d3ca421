// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QBrush>
#include <QFont>
#include <QGraphicsItem>
#include <QString>

namespace relayrace::ui {

// A text on the topology, drawn at a fixed size whatever the zoom, on a backdrop of the palette's base
// colour so that it stays readable over land and routes. Its anchor is the item's position; the text
// box sits at offset() device pixels from it (the label placer chooses it), with a leader line back
// to the anchor when it was displaced far.
class LabelItem final : public QGraphicsItem
{
public:
    enum { Type = UserType + 3 };
    enum class Kind { Node, Route, Caption };

    LabelItem(Kind kind, const QString &text, QGraphicsItem *parent = nullptr);

    int type() const override { return Type; }
    Kind kind() const { return m_kind; }

    QString text() const { return m_text; }
    void setText(const QString &text);
    void setFont(const QFont &font);
    QFont font() const { return m_font; }
    void setColor(const QColor &color);
    QColor color() const { return m_color; }
    void setBackdrop(const QColor &color) { m_backdrop = color; update(); }

    // The text box's size in device pixels, padding included.
    QSizeF boxSize() const { return m_size; }
    // The text box in item (device pixel) coordinates.
    QRectF box() const { return QRectF(m_offset, m_size); }
    QPointF offset() const { return m_offset; }
    void setOffset(QPointF offset, bool leader);
    bool hasLeader() const { return m_leader; }

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    void measure();

    Kind m_kind;
    QString m_text;
    QFont m_font;
    QColor m_color;
    QColor m_backdrop;
    QSizeF m_size;
    QPointF m_offset;
    bool m_leader = false;
};

} // namespace relayrace::ui
