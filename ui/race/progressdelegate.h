// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/raceresult.h"

#include <QColor>
#include <QStyledItemDelegate>

namespace relayrace::ui {

// A route's progress toward the race threshold as a bar: blue while it runs, green for the winner,
// grey for a loser, red for a failed route. Reads LiveRaceModel's ProgressRole and StateRole.
class ProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProgressDelegate)
public:
    explicit ProgressDelegate(QObject *parent = nullptr);

    static QColor colorFor(model::RouteOutcome::State state);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace relayrace::ui
