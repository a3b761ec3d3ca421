// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QGraphicsPathItem>
#include <QString>

namespace relayrace::ui {

class LabelItem;

// A place of the topology at a fixed size whatever the zoom, with its name. Each kind has a shape of
// its own, so that the kinds are told apart without colour: the edge a square, the origin a diamond,
// a region a circle.
class NodeItem final : public QGraphicsPathItem
{
public:
    enum { Type = UserType + 2 };
    enum class Kind { Edge, Origin, Region };
    static constexpr double kRadius = 7.0;

    NodeItem(Kind kind, const QString &id, const QString &label, const QString &toolTip, QGraphicsItem *parent = nullptr);

    int type() const override { return Type; }
    Kind kind() const { return m_kind; }
    QString id() const { return m_id; }
    LabelItem *label() const { return m_label; }
    static QString kindName(Kind kind);

    // Where it is on the map; pos() may sit a few pixels away when places coincide (the view spreads them).
    QPointF geoPos() const { return m_geoPos; }
    void setGeoPos(QPointF scenePos);
    void setToolTips(const QString &toolTip);
    // Colours from the palette (the scene's), called again when it changes.
    void applyPalette(const QPalette &palette);

private:
    Kind m_kind;
    QString m_id;
    QPointF m_geoPos;
    LabelItem *m_label = nullptr;
};

} // namespace relayrace::ui
