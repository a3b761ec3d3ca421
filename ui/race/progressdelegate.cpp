// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "progressdelegate.h"

#include "liveracemodel.h"

#include <QApplication>
#include <QStyle>
#include <QPainter>

#include <algorithm>

namespace relayrace::ui {

ProgressDelegate::ProgressDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

QColor ProgressDelegate::colorFor(model::RouteOutcome::State state)
{
    switch (state) {
    case model::RouteOutcome::State::Won: return QColor(0x2e, 0x9d, 0x4a);
    case model::RouteOutcome::State::Lost: return QColor(0x9e, 0x9e, 0x9e);
    case model::RouteOutcome::State::Failed: return QColor(0xc6, 0x28, 0x28);
    case model::RouteOutcome::State::Connecting:
    case model::RouteOutcome::State::Racing: break;
    }
    return QColor(0x1e, 0x88, 0xe5);
}

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem item(option);
    initStyleOption(&item, index);
    const QString text = item.text;
    item.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &item, painter, widget); // background and selection

    const QRect bar = option.rect.adjusted(2, 3, -2, -3);
    if (bar.width() <= 2 || bar.height() <= 2)
        return;
    const double fraction = std::clamp(index.data(LiveRaceModel::ProgressRole).toDouble(), 0.0, 1.0);
    const auto state = model::RouteOutcome::State(index.data(LiveRaceModel::StateRole).toInt());
    painter->save();
    painter->fillRect(bar, option.palette.color(QPalette::Base));
    // A failed route shows a full red bar even with no bytes: the colour is the message.
    const double shown = state == model::RouteOutcome::State::Failed ? 1.0 : fraction;
    painter->fillRect(QRect(bar.topLeft(), QSize(int(bar.width() * shown), bar.height())), colorFor(state));
    painter->setPen(option.palette.color(QPalette::Mid));
    painter->drawRect(bar.adjusted(0, 0, -1, -1));
    painter->setPen(shown > 0.5 ? QColor(Qt::white) : option.palette.color(QPalette::Text));
    painter->drawText(bar, Qt::AlignCenter, text);
    painter->restore();
}

QSize ProgressDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QSize hint = QStyledItemDelegate::sizeHint(option, index);
    return {std::max(hint.width() + 16, 160), hint.height()};
}

} // namespace relayrace::ui
