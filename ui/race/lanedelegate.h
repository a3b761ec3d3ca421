// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "ui/race/lanegeometry.h"
#include "ui/race/racelanes.h"

#include <QStyledItemDelegate>

namespace relayrace::ui {

// LiveRaceModel's LanesColumn: on a race's row every route as a lane on the race's time axis (connect
// tick, first-byte arrow, goal diamond, the transfer bar, the decision as a vertical line, a replay's
// cursor), with its glyph, bytes toward the goal and the state's word (the reason elided, in full in
// the lane's tooltip); on a route's row its own lane. Painted in logical coordinates with the
// Okabe-Ito tones of ui/theme, text in the option's palette: crisp at any device pixel ratio.
class LaneDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LaneDelegate)
public:
    explicit LaneDelegate(QObject *parent = nullptr);

    // Where the cell's lanes go (the race's row has an axis strip under them).
    static lanes::LanesLayout layoutFor(const QStyleOptionViewItem &option, const QModelIndex &index);
    // The tooltip of the lane under `pos` (the cell's full story when no lane is there).
    static QString toolTipAt(const QStyleOptionViewItem &option, const QModelIndex &index, const QPoint &pos);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;

private:
    static void paintLane(QPainter *painter, const QStyleOptionViewItem &option, const lanes::LaneLayout &layout,
                          const RaceLanes &race, const Lane &lane, double t);
    static void paintAxis(QPainter *painter, const QStyleOptionViewItem &option, const lanes::LanesLayout &layout,
                          const RaceLanes &race, double t);
};

} // namespace relayrace::ui
