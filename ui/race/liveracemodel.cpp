// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "liveracemodel.h"

#include <QLocale>
#include <QTimer>

#include <algorithm>

namespace relayrace::ui {

using State = model::RouteOutcome::State;

namespace {

QString msText(double ms)
{
    return ms < 0 ? QString() : QString::number(ms, 'f', 1);
}

} // namespace

LiveRaceModel::LiveRaceModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_flush(new QTimer(this))
{
    m_flush->setSingleShot(true);
    m_flush->setInterval(kFlushIntervalMs);
    connect(m_flush, &QTimer::timeout, this, &LiveRaceModel::flush);
}

LiveRaceModel::~LiveRaceModel() = default;

QString LiveRaceModel::summaryText(const model::RaceResult &result)
{
    const QString trigger = result.trigger == model::Trigger::None ? QStringLiteral("?") : model::triggerName(result.trigger);
    if (!result.ok()) {
        return tr("%1: every route failed (trigger %2)%3")
            .arg(result.provider, trigger, result.error.isEmpty() ? QString() : QStringLiteral(": ") + result.error);
    }
    const QString margin = result.marginMs < 0 ? tr("– (no runner-up)") : QString::number(result.marginMs, 'f', 1);
    return tr("%1: %2 won by %3 ms, wasted %4 B (trigger %5)")
        .arg(result.provider, result.winner, margin, QString::number(result.wastedBytes), trigger);
}

QString LiveRaceModel::lastWinner(const QString &provider) const
{
    return m_lastWinner.value(provider);
}

LiveRaceModel::RaceEntry *LiveRaceModel::race(quint64 raceId, int *firstRow)
{
    int row = 0;
    for (RaceEntry &entry : m_races) {
        if (entry.id == raceId) {
            if (firstRow)
                *firstRow = row;
            return &entry;
        }
        row += int(entry.routes.size());
    }
    return nullptr;
}

int LiveRaceModel::rowOf(quint64 raceId, const QString &routeId) const
{
    for (qsizetype row = 0; row < m_index.size(); ++row) {
        const auto [r, k] = m_index.at(row);
        if (m_races.at(r).id == raceId && m_races.at(r).routes.at(k).outcome.routeId == routeId)
            return int(row);
    }
    return -1;
}

void LiveRaceModel::rebuildIndex()
{
    m_index.clear();
    for (qsizetype r = 0; r < m_races.size(); ++r) {
        for (qsizetype k = 0; k < m_races.at(r).routes.size(); ++k)
            m_index.append({int(r), int(k)});
    }
}

void LiveRaceModel::insertRace(RaceEntry entry)
{
    const int rows = int(entry.routes.size());
    if (rows > 0)
        beginInsertRows({}, 0, rows - 1);
    m_races.prepend(std::move(entry));
    rebuildIndex();
    if (rows > 0)
        endInsertRows();
    while (m_races.size() > kMaxRaces) {
        const int count = int(m_races.constLast().routes.size());
        const int first = int(m_index.size()) - count;
        if (count > 0)
            beginRemoveRows({}, first, first + count - 1);
        m_races.removeLast();
        rebuildIndex();
        if (count > 0)
            endRemoveRows();
    }
}

void LiveRaceModel::onRaceStarted(const engine::RaceStart &start)
{
    if (race(start.raceId))
        return;
    RaceEntry entry{start.raceId, start.provider, start.trigger, start.object, start.at, {}, false, {}, {}};
    for (const QString &routeId : start.routes) {
        RouteRow row;
        row.outcome.routeId = routeId;
        row.threshold = start.thresholdBytes;
        entry.routes.append(row);
    }
    insertRace(std::move(entry));
}

void LiveRaceModel::onRouteProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 threshold)
{
    RaceEntry *entry = race(raceId);
    if (!entry || entry->finished)
        return; // a race from before this model listened, or a late update: the result is the truth
    for (RouteRow &row : entry->routes) {
        if (row.outcome.routeId != routeId)
            continue;
        row.outcome.bytes = bytes;
        if (threshold > 0)
            row.threshold = threshold;
        if (row.outcome.state == State::Connecting && bytes > 0)
            row.outcome.state = State::Racing;
        row.dirty = true;
        if (!m_flush->isActive())
            m_flush->start();
        return;
    }
}

void LiveRaceModel::flush()
{
    int first = -1;
    int last = -1;
    for (qsizetype row = 0; row < m_index.size(); ++row) {
        const auto [r, k] = m_index.at(row);
        RouteRow &route = m_races[r].routes[k];
        if (!route.dirty)
            continue;
        route.dirty = false;
        if (first < 0)
            first = int(row);
        last = int(row);
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, StateColumn), index(last, ProgressColumn));
}

void LiveRaceModel::onRaceFinished(quint64 raceId, const model::RaceResult &result)
{
    int first = 0;
    RaceEntry *entry = race(raceId, &first);
    if (!entry) {
        // The start went unseen (the panel connected mid-race): open the rows from the result.
        RaceEntry opened{raceId, result.provider, result.trigger, result.object, result.startedAt, {}, false, {}, {}};
        for (const model::RouteOutcome &outcome : result.routes)
            opened.routes.append({outcome, result.thresholdBytes, false, false});
        insertRace(std::move(opened));
        entry = race(raceId, &first);
        if (!entry)
            return;
    }
    // Routes the start did not list (not expected from the engine) get rows at the end of the block.
    QList<RouteRow> extra;
    for (const model::RouteOutcome &outcome : result.routes) {
        const bool known = std::any_of(entry->routes.cbegin(), entry->routes.cend(),
                                       [&](const RouteRow &row) { return row.outcome.routeId == outcome.routeId; });
        if (!known)
            extra.append({outcome, result.thresholdBytes, false, false});
    }
    if (!extra.isEmpty()) {
        const int at = first + int(entry->routes.size());
        beginInsertRows({}, at, at + int(extra.size()) - 1);
        entry->routes.append(extra);
        rebuildIndex();
        endInsertRows();
    }
    entry->finished = true;
    entry->winner = result.winner;
    entry->summary = summaryText(result);
    if (entry->trigger == model::Trigger::None)
        entry->trigger = result.trigger;
    for (RouteRow &row : entry->routes) {
        const model::RouteOutcome *outcome = result.route(row.outcome.routeId);
        if (outcome) {
            row.outcome = *outcome;
        } else {
            row.outcome.state = State::Failed;
            row.outcome.error = tr("no outcome reported for this route");
        }
        if (result.thresholdBytes > 0)
            row.threshold = result.thresholdBytes;
        row.finished = true;
        row.dirty = false;
    }
    m_lastWinner.insert(result.provider, result.winner);
    if (!entry->routes.isEmpty())
        Q_EMIT dataChanged(index(first, 0), index(first + int(entry->routes.size()) - 1, ColumnCount - 1));
}

int LiveRaceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_index.size());
}

int LiveRaceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LiveRaceModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto [r, k] = m_index.at(index.row());
    const RaceEntry &entry = m_races.at(r);
    const RouteRow &route = entry.routes.at(k);
    switch (role) {
    case Qt::DisplayRole: return display(entry, route, index.column());
    case Qt::ToolTipRole: return toolTip(entry, route, index.column());
    case Qt::TextAlignmentRole:
        return index.column() >= ConnectColumn && index.column() <= ThroughputColumn
                   ? QVariant((Qt::AlignRight | Qt::AlignVCenter).toInt()) : QVariant();
    case RaceIdRole: return entry.id;
    case RouteIdRole: return route.outcome.routeId;
    case StateRole: return int(route.outcome.state);
    case ProgressRole:
        return route.threshold > 0 ? std::clamp(double(route.outcome.bytes) / double(route.threshold), 0.0, 1.0) : 0.0;
    case BytesRole: return route.outcome.bytes;
    case ThresholdRole: return route.threshold;
    case WinnerRole: return entry.finished && route.outcome.routeId == entry.winner;
    case RaceSummaryRole: return entry.summary;
    default: return {};
    }
}

QVariant LiveRaceModel::display(const RaceEntry &entry, const RouteRow &route, int column) const
{
    const model::RouteOutcome &o = route.outcome;
    const QLocale locale;
    switch (column) {
    case RaceColumn: return QString::number(entry.id);
    case ProviderColumn: return entry.provider;
    case RouteColumn: return o.routeId;
    case StateColumn: return model::stateName(o.state);
    case ProgressColumn:
        return route.threshold > 0 ? QStringLiteral("%1 / %2").arg(locale.formattedDataSize(o.bytes),
                                                                   locale.formattedDataSize(route.threshold))
                                   : locale.formattedDataSize(o.bytes);
    case ConnectColumn: return msText(o.connectMs);
    case TtfbColumn: return msText(o.ttfbMs);
    case ThresholdTimeColumn: return msText(o.timeToThresholdMs);
    case ThroughputColumn:
        return o.throughputBytesPerSec > 0 ? locale.formattedDataSize(qint64(o.throughputBytesPerSec)) + QStringLiteral("/s")
                                           : QString();
    case ConnectionColumn:
        return route.finished ? (o.freshConnection ? tr("fresh") : tr("reused")) : QString();
    default: return {};
    }
}

QVariant LiveRaceModel::toolTip(const RaceEntry &entry, const RouteRow &route, int column) const
{
    const model::RouteOutcome &o = route.outcome;
    const QLocale locale;
    switch (column) {
    case StateColumn:
        return o.error.isEmpty() ? (entry.summary.isEmpty() ? QVariant(tr("Racing")) : QVariant(entry.summary))
                                 : QVariant(tr("Failed: %1").arg(o.error));
    case ProgressColumn:
        return tr("%1 of %2 body bytes before the threshold").arg(locale.toString(o.bytes), locale.toString(route.threshold));
    case ConnectColumn:
        return tr("Connect (+ CONNECT tunnel + TLS) in ms; empty when the connection was reused or unknown");
    case TtfbColumn: return tr("Time to the first body byte, ms from the start of this route's request");
    case ThresholdTimeColumn:
        return o.projectedMs >= 0 && o.timeToThresholdMs < 0
                   ? tr("Never reached the threshold; projected %1 ms").arg(QString::number(o.projectedMs, 'f', 1))
                   : tr("Time until the threshold was reached, ms");
    case ThroughputColumn:
        return tr("%1 bytes/s between the first and the last body byte").arg(locale.toString(qint64(o.throughputBytesPerSec)));
    case ConnectionColumn:
        return o.freshConnection ? tr("A new connection carried the request") : tr("A kept-alive connection carried the request");
    default: {
        const QString object = entry.object.isEmpty() ? QString() : tr(" on %1").arg(entry.object);
        return entry.summary.isEmpty() ? tr("Race %1%2 (trigger %3), started %4 UTC")
                                             .arg(QString::number(entry.id), object, model::triggerName(entry.trigger),
                                                  entry.at.toUTC().toString(Qt::ISODate))
                                       : entry.summary;
    }
    }
}

QVariant LiveRaceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return {};
    switch (section) {
    case RaceColumn: return tr("Race");
    case ProviderColumn: return tr("Provider");
    case RouteColumn: return tr("Route");
    case StateColumn: return tr("State");
    case ProgressColumn: return tr("Progress");
    case ConnectColumn: return tr("Connect (ms)");
    case TtfbColumn: return tr("TTFB (ms)");
    case ThresholdTimeColumn: return tr("To threshold (ms)");
    case ThroughputColumn: return tr("Throughput");
    case ConnectionColumn: return tr("Connection");
    default: return {};
    }
}

} // namespace relayrace::ui
