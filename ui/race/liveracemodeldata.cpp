// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// LiveRaceModel's cells: what a race's row and its routes' rows show and explain.
#include "ui/race/liveracemodel.h"
#include "ui/theme/palette.h"

#include <QFont>
#include <QGuiApplication>
#include <QLocale>

#include <algorithm>

namespace relayrace::ui {

using State = model::RouteOutcome::State;
using Kind = model::RaceResult::MarginKind;

namespace {

bool isNumeric(int column)
{
    return column >= LiveRaceModel::ConnectColumn && column <= LiveRaceModel::ThroughputColumn;
}

QString stateText(State state)
{
    return theme::glyphOf(state) + QLatin1Char(' ') + model::stateName(state);
}

} // namespace

QVariant LiveRaceModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (index.internalId() == 0)
        return raceData(m_races.at(index.row()), index.column(), role);
    const int r = raceRow(quint64(index.internalId() - 1));
    if (r < 0)
        return {};
    return routeData(m_races.at(r), index.row(), index.column(), role);
}

QVariant LiveRaceModel::raceData(const RaceEntry &race, int column, int role) const
{
    const QLocale locale;
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case RaceColumn:
            return race.at.isValid() ? race.at.toLocalTime().toString(QStringLiteral("HH:mm:ss")) : QStringLiteral("#%1").arg(race.id);
        case ProviderColumn: return race.provider;
        case TriggerColumn: return race.trigger == model::Trigger::None ? QStringLiteral("?") : model::triggerName(race.trigger);
        case StateColumn:
            if (!race.finished)
                return stateText(State::Racing);
            return race.winner.isEmpty() ? QString(theme::glyphOf(State::Failed) + tr(" every route failed"))
                                         : QString(theme::glyphOf(State::Won) + QLatin1Char(' ') + race.winner);
        case MarginColumn: return race.finished && !race.winner.isEmpty() ? marginText(race.marginMs, race.marginKind) : QString();
        case BytesColumn:
            return race.finished ? tr("wasted %1").arg(compactSize(race.wastedBytes)) : QString();
        default: return {};
        }
    case Qt::ToolTipRole: {
        if (column == LanesColumn) {
            QStringList lines;
            for (const Lane &lane : lanesOf(race).lanes)
                lines << lane.toolTip;
            return lines.join(QStringLiteral("\n\n"));
        }
        if (column == MarginColumn && race.finished && !race.winner.isEmpty())
            return tr("How much earlier the winner reached its goal than the runner-up: %1 (%2)")
                .arg(marginText(race.marginMs, race.marginKind), marginKindWord(race.marginKind == Kind::None && race.marginMs >= 0
                                                                                   ? Kind::Projected : race.marginKind));
        const QString object = race.object.isEmpty() ? QString() : tr(" on %1").arg(race.object);
        const QString head = tr("Race %1%2 (trigger %3), started %4 UTC")
                                 .arg(QString::number(race.id), object, model::triggerName(race.trigger),
                                      race.at.toUTC().toString(Qt::ISODate));
        return race.summary.isEmpty() ? head : race.summary;
    }
    case Qt::AccessibleTextRole:
        if (column == LanesColumn) { // what the painted lanes say, for a screen reader
            const RaceLanes lanes = lanesOf(race);
            QStringList parts;
            for (const Lane &lane : lanes.lanes) {
                const LaneFrame frame = frameAt(lanes, lane, shownTime(lanes));
                parts << QStringLiteral("%1: %2, %3").arg(lane.routeId, laneStatusText(lane, frame), laneBytesText(lane, frame.bytes));
            }
            return parts.join(QStringLiteral("; "));
        }
        return raceData(race, column, Qt::DisplayRole);
    case Qt::TextAlignmentRole: return (Qt::AlignLeft | Qt::AlignTop).toInt();
    case Qt::FontRole:
        if (column == StateColumn && race.finished && !race.winner.isEmpty()) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case RaceIdRole: return race.id;
    case StateRole: return -1;
    case WinnerRole: return false;
    case RaceSummaryRole: return race.summary;
    case LanesRole: return QVariant::fromValue(lanesOf(race));
    case LaneIndexRole: return -1;
    case FinishedRole: return race.finished;
    default: return {};
    }
}

QVariant LiveRaceModel::routeData(const RaceEntry &race, int routeRow, int column, int role) const
{
    const RouteRow &route = race.routes.at(routeRow);
    switch (role) {
    case RaceIdRole: return race.id;
    case RouteIdRole: return route.outcome.routeId;
    case StateRole: return int(route.outcome.state);
    case ThresholdRole: return route.threshold;
    case BytesRole: return route.outcome.bytes;
    case WinnerRole: return race.finished && route.outcome.routeId == race.winner;
    case RaceSummaryRole: return race.summary;
    case LaneIndexRole: return routeRow;
    case FinishedRole: return race.finished;
    case Qt::TextAlignmentRole:
        return isNumeric(column) ? QVariant((Qt::AlignRight | Qt::AlignVCenter).toInt()) : QVariant();
    case Qt::ForegroundRole:
        return column == StateColumn ? QVariant(theme::readable(theme::toneOf(route.outcome.state), QGuiApplication::palette()))
                                     : QVariant();
    case Qt::FontRole:
        if (race.finished && route.outcome.routeId == race.winner && (column == StateColumn || column == RouteColumn)) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    default: break;
    }
    const RaceLanes lanes = lanesOf(race);
    if (routeRow >= lanes.lanes.size())
        return {};
    const Lane &lane = lanes.lanes.at(routeRow);
    switch (role) {
    case Qt::DisplayRole: return routeDisplay(race, route, lane, column);
    case Qt::ToolTipRole: return routeToolTip(race, route, lane, column);
    case LanesRole: return QVariant::fromValue(lanes);
    case GoalRole: return lane.goalBytes;
    case ProgressRole:
        return lane.goalBytes > 0 ? std::clamp(double(route.outcome.bytes) / double(lane.goalBytes), 0.0, 1.0) : 0.0;
    default: return {};
    }
}

QVariant LiveRaceModel::routeDisplay(const RaceEntry &race, const RouteRow &route, const Lane &lane, int column) const
{
    const model::RouteOutcome &o = route.outcome;
    const QLocale locale;
    switch (column) {
    case RouteColumn: return o.routeId;
    case StateColumn: return stateText(o.state);
    case MarginColumn:
        if (o.state == State::Won)
            return race.marginMs >= 0 ? marginText(race.marginMs, race.marginKind) : tr("won");
        return o.state == State::Lost || o.state == State::Failed ? laneStatusText(lane, frameAt(lanesOf(race), lane, 1e300))
                                                                  : QVariant();
    case BytesColumn: return laneBytesText(lane, o.bytes);
    case ConnectColumn: return msText(o.connectMs);
    case TtfbColumn: return msText(o.ttfbMs);
    case ThresholdTimeColumn:
        if (o.timeToThresholdMs >= 0 || o.projectedMs < 0 || o.state != State::Lost)
            return msText(o.timeToThresholdMs);
        return QString((lane.reachKind == Kind::LowerBound ? QStringLiteral("≥ ") : QStringLiteral("≈ ")) + msText(o.projectedMs));
    case ThroughputColumn:
        return o.throughputBytesPerSec > 0 ? locale.formattedDataSize(qint64(o.throughputBytesPerSec)) + QStringLiteral("/s")
                                           : QString();
    case ConnectionColumn:
        return route.finished ? (o.freshConnection ? tr("fresh") : tr("reused")) : QString();
    default: return {};
    }
}

QVariant LiveRaceModel::routeToolTip(const RaceEntry &race, const RouteRow &route, const Lane &lane, int column) const
{
    const model::RouteOutcome &o = route.outcome;
    const QLocale locale;
    switch (column) {
    case StateColumn:
        return o.error.isEmpty() ? (race.summary.isEmpty() ? QVariant(tr("Racing")) : QVariant(race.summary))
                                 : QVariant(tr("Failed: %1").arg(o.error));
    case BytesColumn:
        return tr("%1 of %2 body bytes before the %3").arg(locale.toString(o.bytes), locale.toString(lane.goalBytes),
                                                          lane.wholeObject ? tr("end of the (smaller) object") : tr("threshold"));
    case ConnectColumn:
        return tr("Connect (+ CONNECT tunnel + TLS) in ms; empty when the connection was reused or unknown");
    case TtfbColumn: return tr("Time to the first body byte, ms from the start of this route's request");
    case ThresholdTimeColumn:
        if (o.projectedMs >= 0 && o.timeToThresholdMs < 0)
            return tr("Never reached the threshold; projected %1 ms (%2)").arg(QString::number(o.projectedMs, 'f', 1), marginKindWord(lane.reachKind));
        return o.state == State::Lost && o.timeToThresholdMs >= 0 ? tr("Time until the threshold was reached (measured in overtime), ms")
                                                                  : tr("Time until the threshold was reached, ms");
    case ThroughputColumn:
        return tr("%1 bytes/s between the first and the last body byte").arg(locale.toString(qint64(o.throughputBytesPerSec)));
    case ConnectionColumn:
        return o.freshConnection ? tr("A new connection carried the request") : tr("A kept-alive connection carried the request");
    default:
        return o.relay.isEmpty() ? lane.toolTip : tr("%1\nrelay %2").arg(lane.toolTip, o.relay);
    }
}

QVariant LiveRaceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return {};
    switch (section) {
    case RaceColumn: return role == Qt::DisplayRole ? tr("Race / route") : tr("A race's time; under it, its routes");
    case ProviderColumn: return tr("Provider");
    case TriggerColumn: return tr("Trigger");
    case StateColumn: return role == Qt::DisplayRole ? tr("Winner / state") : tr("The race's winner; a route's state");
    case MarginColumn:
        return role == Qt::DisplayRole ? tr("Margin")
                                       : tr("By how much the winner won: measured, ≈ projected or ≥ a lower bound");
    case LanesColumn:
        return role == Qt::DisplayRole ? tr("Lanes")
                                       : tr("Each route on one time axis: connect ▏, first byte ▸, goal ◆ (◇ projected); "
                                            "the vertical line is the decision");
    case BytesColumn: return role == Qt::DisplayRole ? tr("Bytes") : tr("A race's wasted bytes; a route's bytes toward the goal");
    case ConnectColumn: return tr("Connect (ms)");
    case TtfbColumn: return tr("TTFB (ms)");
    case ThresholdTimeColumn: return tr("To threshold (ms)");
    case ThroughputColumn: return tr("Throughput");
    case ConnectionColumn: return tr("Connection");
    default: return {};
    }
}

} // namespace relayrace::ui
