// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/race/lanedelegate.h"

#include "ui/race/liveracemodel.h"
#include "ui/theme/palette.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QHelpEvent>
#include <QPainter>
#include <QPainterPath>
#include <QStyle>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace relayrace::ui {

using State = model::RouteOutcome::State;
using Kind = model::RaceResult::MarginKind;

namespace {

QColor textColor(const QStyleOptionViewItem &option)
{
    return option.palette.color(option.state & QStyle::State_Selected ? QPalette::HighlightedText : QPalette::Text);
}

QColor withAlpha(QColor color, int alpha)
{
    color.setAlpha(alpha);
    return color;
}

} // namespace

LaneDelegate::LaneDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

lanes::LanesLayout LaneDelegate::layoutFor(const QStyleOptionViewItem &option, const QModelIndex &index)
{
    const QFontMetricsF metrics(option.font);
    const RaceLanes race = index.data(LiveRaceModel::LanesRole).value<RaceLanes>();
    const bool raceRow = index.data(LiveRaceModel::LaneIndexRole).toInt() < 0;
    return lanes::layoutLanes(QRectF(option.rect), raceRow ? race.lanes.size() : 1, raceRow, metrics);
}

QString LaneDelegate::toolTipAt(const QStyleOptionViewItem &option, const QModelIndex &index, const QPoint &pos)
{
    const RaceLanes race = index.data(LiveRaceModel::LanesRole).value<RaceLanes>();
    const int own = index.data(LiveRaceModel::LaneIndexRole).toInt();
    if (own >= 0)
        return own < race.lanes.size() ? race.lanes.at(own).toolTip : QString();
    const qsizetype lane = lanes::laneAt(layoutFor(option, index), QPointF(pos));
    return lane >= 0 && lane < race.lanes.size() ? race.lanes.at(lane).toolTip : index.data(Qt::ToolTipRole).toString();
}

void LaneDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    if (index.column() != LiveRaceModel::LanesColumn) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem item(option);
    initStyleOption(&item, index);
    item.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &item, painter, widget); // background and selection

    const RaceLanes race = index.data(LiveRaceModel::LanesRole).value<RaceLanes>();
    const int own = index.data(LiveRaceModel::LaneIndexRole).toInt();
    const lanes::LanesLayout layout = layoutFor(option, index);
    if (layout.tracks.width() < 1 || race.lanes.isEmpty())
        return;
    const double t = shownTime(race);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    painter->setClipRect(option.rect);
    if (own >= 0) {
        if (own < race.lanes.size())
            paintLane(painter, option, layout.lanes.constFirst(), race, race.lanes.at(own), t);
    } else {
        for (qsizetype i = 0; i < race.lanes.size() && i < layout.lanes.size(); ++i)
            paintLane(painter, option, layout.lanes.at(i), race, race.lanes.at(i), t);
    }
    paintAxis(painter, option, layout, race, t);
    painter->restore();
}

void LaneDelegate::paintLane(QPainter *painter, const QStyleOptionViewItem &option, const lanes::LaneLayout &l,
                             const RaceLanes &race, const Lane &lane, double t)
{
    const LaneFrame frame = frameAt(race, lane, t);
    const theme::Tone tone = theme::toneOf(frame.state);
    const QColor fill = theme::color(tone);
    const QColor ink = theme::readable(tone, option.palette);
    const QColor text = textColor(option);
    const QColor faint = theme::readable(theme::Tone::Neutral, option.palette);
    const QFontMetricsF metrics(option.font);

    // The route: its colour, glyph and id (bold for the winner).
    painter->fillRect(l.swatch, theme::routeColor(lane.colorIndex));
    QFont bold = option.font;
    bold.setBold(true);
    const QString glyph = theme::glyphOf(frame.state);
    const qreal glyphWidth = QFontMetricsF(bold).horizontalAdvance(glyph + QLatin1Char(' '));
    painter->setFont(bold);
    painter->setPen(ink);
    painter->drawText(l.label, Qt::AlignLeft | Qt::AlignVCenter, glyph);
    painter->setFont(frame.state == State::Won ? bold : option.font);
    painter->setPen(text);
    const QRectF idRect = l.label.adjusted(glyphWidth, 0, 0, 0);
    painter->drawText(idRect, Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetricsF(painter->font()).elidedText(lane.routeId, Qt::ElideRight, idRect.width()));
    painter->setFont(option.font);

    // The track: connecting (dotted), waiting for the first byte (thin), the transfer bar.
    const QRectF &track = l.track;
    const qreal mid = track.center().y();
    const qreal barHeight = std::max<qreal>(4, track.height() * 0.5);
    const auto x = [&](double ms) { return lanes::xAt(track, ms, race.endMs); };
    painter->setPen(QPen(withAlpha(faint, 90), 1));
    painter->drawLine(QPointF(track.left(), mid), QPointF(track.right(), mid));
    const double connectEnd = lane.connectMs >= 0 ? std::min(t, lane.connectMs) : 0.0;
    double waitEnd = frame.barFromMs >= 0 ? frame.barFromMs : t;
    if (frame.phase == LaneFrame::Phase::Done && frame.barFromMs < 0)
        waitEnd = frame.state == State::Failed ? lane.failedAtMs : (race.decisionMs >= 0 ? race.decisionMs : t);
    waitEnd = std::min(waitEnd, t);
    if (connectEnd > 0) {
        painter->setPen(QPen(faint, 2, Qt::DotLine, Qt::FlatCap));
        painter->drawLine(QPointF(x(0), mid), QPointF(x(connectEnd), mid));
    }
    if (waitEnd > connectEnd) {
        painter->setPen(QPen(faint, 2, Qt::SolidLine, Qt::FlatCap));
        painter->drawLine(QPointF(x(connectEnd), mid), QPointF(x(waitEnd), mid));
    }
    if (frame.barFromMs >= 0 && frame.barToMs >= frame.barFromMs) {
        const QRectF bar(QPointF(x(frame.barFromMs), mid - barHeight / 2), QPointF(std::max(x(frame.barToMs), x(frame.barFromMs) + 1), mid + barHeight / 2));
        painter->fillRect(bar, fill);
    }
    // A loser after the decision: dashed (measured in overtime) or dotted (projected) to its goal time.
    if (frame.ghostToMs >= 0 && race.decisionMs >= 0) {
        const QRectF ghost(QPointF(x(race.decisionMs), mid - barHeight / 2), QPointF(x(frame.ghostToMs), mid + barHeight / 2));
        painter->setPen(QPen(ink, 1, lane.reachKind == Kind::Measured ? Qt::DashLine : Qt::DotLine));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(ghost);
        if (frame.ghostClipped)
            painter->drawText(QRectF(ghost.right() - metrics.height(), track.top(), metrics.height(), track.height()),
                              Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("»"));
    }
    // Markers, once their moment has passed: connect ▏, first byte ▸, goal ◆ (◇ when projected).
    const qreal half = barHeight / 2 + 2;
    if (lane.connectMs >= 0 && t >= lane.connectMs) {
        painter->setPen(QPen(text, 1.5));
        painter->drawLine(QPointF(x(lane.connectMs), mid - half), QPointF(x(lane.connectMs), mid + half));
    }
    if (lane.ttfbMs >= 0 && t >= lane.ttfbMs) {
        const qreal tx = x(lane.ttfbMs);
        QPainterPath arrow;
        arrow.moveTo(tx, mid - half);
        arrow.lineTo(tx + half, mid);
        arrow.lineTo(tx, mid + half);
        arrow.closeSubpath();
        painter->fillPath(arrow, text);
    }
    const double goalAt = lane.reachMs >= 0 ? lane.reachMs : (frame.state == State::Lost ? lane.projectedMs : -1);
    if (race.finished && goalAt >= 0 && goalAt <= race.endMs && t >= std::min(goalAt, race.decisionMs >= 0 ? race.decisionMs : goalAt)
        && (lane.reachMs < 0 || t >= lane.reachMs)) {
        const qreal gx = x(goalAt);
        QPainterPath diamond;
        diamond.moveTo(gx, mid - half);
        diamond.lineTo(gx + half, mid);
        diamond.lineTo(gx, mid + half);
        diamond.lineTo(gx - half, mid);
        diamond.closeSubpath();
        painter->setPen(QPen(text, 1));
        painter->setBrush(lane.reachMs >= 0 ? QBrush(fill) : QBrush(Qt::NoBrush));
        painter->drawPath(diamond);
    }
    if (frame.state == State::Failed) {
        QFont big = bold;
        painter->setFont(big);
        painter->setPen(ink);
        const qreal fx = x(lane.failedAtMs);
        painter->drawText(QRectF(fx - metrics.height() / 2, track.top(), metrics.height(), track.height()), Qt::AlignCenter,
                          theme::glyphOf(State::Failed));
        painter->setFont(option.font);
    }

    // Bytes toward the goal, as a bar with its text.
    if (l.bytes.width() > 4) {
        painter->setPen(Qt::NoPen);
        painter->fillRect(l.bytes, option.palette.color(QPalette::Base));
        const double fraction = lane.goalBytes > 0 ? std::clamp(double(frame.bytes) / double(lane.goalBytes), 0.0, 1.0) : 0.0;
        painter->fillRect(QRectF(l.bytes.topLeft(), QSizeF(l.bytes.width() * fraction, l.bytes.height())), withAlpha(fill, 110));
        painter->setPen(QPen(option.palette.color(QPalette::Mid), 1));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(l.bytes.adjusted(0.5, 0.5, -0.5, -0.5));
        painter->setPen(option.palette.color(QPalette::Text));
        painter->drawText(l.bytes.adjusted(3, 0, -3, 0), Qt::AlignCenter,
                          metrics.elidedText(laneBytesText(lane, frame.bytes), Qt::ElideRight, l.bytes.width() - 6));
    }
    // The state's glyph and word, the reason elided (in full in the tooltip).
    if (l.status.width() > 4) {
        painter->setFont(bold);
        painter->setPen(ink);
        painter->drawText(l.status, Qt::AlignLeft | Qt::AlignVCenter, glyph);
        painter->setFont(option.font);
        painter->setPen(text);
        const QRectF words = l.status.adjusted(glyphWidth, 0, 0, 0);
        painter->drawText(words, Qt::AlignLeft | Qt::AlignVCenter,
                          metrics.elidedText(laneStatusText(lane, frame), Qt::ElideRight, words.width()));
    }
}

void LaneDelegate::paintAxis(QPainter *painter, const QStyleOptionViewItem &option, const lanes::LanesLayout &layout,
                             const RaceLanes &race, double t)
{
    const QColor text = textColor(option);
    const QRectF &tracks = layout.tracks;
    const auto x = [&](double ms) { return lanes::xAt(tracks, ms, race.endMs); };
    QFont small = option.font;
    small.setPointSizeF(std::max(6.0, option.font.pointSizeF() * 0.85));
    const QFontMetricsF metrics(small);
    painter->setFont(small);
    // A replay's time label sits in the axis strip: tick labels give way to it.
    QRectF replayBox;
    const QString replayLabel = tr("replay %1 ms").arg(QString::number(t, 'f', 1));
    if (race.replaying && !layout.axis.isEmpty()) {
        const qreal w = metrics.horizontalAdvance(replayLabel) + 6;
        replayBox = QRectF(std::clamp(x(t) - w / 2, layout.axis.left(), layout.axis.right() - w), layout.axis.top() + 3, w,
                           layout.axis.height() - 3);
    }
    if (!layout.axis.isEmpty()) {
        const QRectF &axis = layout.axis;
        painter->setPen(QPen(withAlpha(text, 140), 1));
        painter->drawLine(QPointF(axis.left(), axis.top() + 1), QPointF(axis.right(), axis.top() + 1));
        const double step = lanes::tickStep(race.endMs, std::max(1, int(axis.width() / (metrics.averageCharWidth() * 14))));
        qreal lastRight = -1e9;
        for (double ms = 0; ms <= race.endMs + 1e-9; ms += step) {
            const qreal tx = x(ms);
            painter->drawLine(QPointF(tx, axis.top() + 1), QPointF(tx, axis.top() + 4));
            const QString label = ms == 0 ? QStringLiteral("0") : tr("%1 ms").arg(ms, 0, 'g', 6);
            const qreal w = metrics.horizontalAdvance(label);
            const QRectF box(std::clamp(tx - w / 2, axis.left(), axis.right() - w), axis.top() + 4, w + 1, axis.height() - 4);
            if (box.left() < lastRight + 4 || box.intersects(replayBox))
                continue;
            painter->drawText(box, Qt::AlignLeft | Qt::AlignTop, label);
            lastRight = box.right();
        }
    }
    // The decision, across the lanes.
    if (race.finished && race.decisionMs >= 0 && t >= race.decisionMs) {
        painter->setPen(QPen(text, 1.5, Qt::DashLine));
        const qreal dx = x(race.decisionMs);
        painter->drawLine(QPointF(dx, tracks.top()), QPointF(dx, layout.axis.isEmpty() ? tracks.bottom() : layout.axis.top() + 4));
    }
    // A replay's cursor and its time.
    if (race.replaying) {
        const QColor accent = theme::readable(theme::Tone::Accent, option.palette);
        const qreal cx = x(t);
        painter->setPen(QPen(accent, 2));
        painter->drawLine(QPointF(cx, tracks.top()), QPointF(cx, tracks.bottom()));
        if (!replayBox.isEmpty()) {
            painter->fillRect(replayBox, option.palette.color(QPalette::Base));
            painter->setPen(accent);
            painter->drawText(replayBox, Qt::AlignCenter, replayLabel);
        }
    }
}

QSize LaneDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    if (index.column() != LiveRaceModel::LanesColumn)
        return QStyledItemDelegate::sizeHint(option, index);
    const bool raceRow = index.data(LiveRaceModel::LaneIndexRole).toInt() < 0;
    const qsizetype count = raceRow ? index.data(LiveRaceModel::LanesRole).value<RaceLanes>().lanes.size() : 1;
    return lanes::sizeFor(count, raceRow, QFontMetricsF(option.font)).toSize() + QSize(1, 1);
}

bool LaneDelegate::helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                             const QModelIndex &index)
{
    if (event && event->type() == QEvent::ToolTip && index.column() == LiveRaceModel::LanesColumn) {
        const QString tip = toolTipAt(option, index, event->pos());
        if (!tip.isEmpty()) {
            QToolTip::showText(event->globalPos(), tip, view);
            return true;
        }
    }
    return QStyledItemDelegate::helpEvent(event, view, option, index);
}

} // namespace relayrace::ui
