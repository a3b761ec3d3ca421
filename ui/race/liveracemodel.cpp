// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/race/liveracemodel.h"

#include <QTimer>

#include <algorithm>

namespace relayrace::ui {

using State = model::RouteOutcome::State;

LiveRaceModel::LiveRaceModel(QObject *parent)
    : QAbstractItemModel(parent)
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
    return tr("%1: %2 %3, wasted %4 B (trigger %5)")
        .arg(result.provider, result.winner, marginText(result.marginMs, result.marginKind),
             QString::number(result.wastedBytes), trigger);
}

QString LiveRaceModel::lastWinner(const QString &provider) const
{
    return m_lastWinner.value(provider);
}

int LiveRaceModel::raceRow(quint64 raceId) const
{
    for (qsizetype row = 0; row < m_races.size(); ++row) {
        if (m_races.at(row).id == raceId)
            return int(row);
    }
    return -1;
}

int LiveRaceModel::rowOf(quint64 raceId, const QString &routeId) const
{
    const int r = raceRow(raceId);
    if (r < 0)
        return -1;
    const QList<RouteRow> &routes = m_races.at(r).routes;
    for (qsizetype k = 0; k < routes.size(); ++k) {
        if (routes.at(k).outcome.routeId == routeId)
            return int(k);
    }
    return -1;
}

QModelIndex LiveRaceModel::raceIndex(quint64 raceId, int column) const
{
    const int r = raceRow(raceId);
    return r < 0 ? QModelIndex() : index(r, column);
}

QModelIndex LiveRaceModel::routeIndex(quint64 raceId, const QString &routeId, int column) const
{
    const int k = rowOf(raceId, routeId);
    return k < 0 ? QModelIndex() : index(k, column, raceIndex(raceId));
}

bool LiveRaceModel::isFinished(quint64 raceId) const
{
    const int r = raceRow(raceId);
    return r >= 0 && m_races.at(r).finished;
}

RaceLanes LiveRaceModel::lanes(quint64 raceId) const
{
    const int r = raceRow(raceId);
    return r < 0 ? RaceLanes() : lanesOf(m_races.at(r));
}

RaceLanes LiveRaceModel::lanesOf(const RaceEntry &race) const
{
    if (!race.lanes) {
        QList<LaneInput> inputs;
        inputs.reserve(race.routes.size());
        for (const RouteRow &route : race.routes)
            inputs.append({route.outcome, route.threshold, route.liveFirstByteMs});
        race.lanes = makeLanes(inputs, race.winner, race.finished, race.liveMs);
    }
    RaceLanes lanes = *race.lanes;
    if (race.finished && race.replayMs >= 0) {
        lanes.replaying = true;
        lanes.nowMs = std::min(race.replayMs, lanes.endMs);
    }
    return lanes;
}

void LiveRaceModel::setReplayTime(quint64 raceId, double ms)
{
    const int r = raceRow(raceId);
    if (r < 0 || !m_races.at(r).finished)
        return;
    RaceEntry &race = m_races[r];
    race.replayMs = ms < 0 ? -1 : ms;
    Q_EMIT dataChanged(index(r, LanesColumn), index(r, LanesColumn), {LanesRole, Qt::DisplayRole});
    if (!race.routes.isEmpty()) {
        const QModelIndex parent = index(r, 0);
        Q_EMIT dataChanged(index(0, LanesColumn, parent), index(int(race.routes.size()) - 1, LanesColumn, parent),
                           {LanesRole, Qt::DisplayRole});
    }
}

double LiveRaceModel::replayTime(quint64 raceId) const
{
    const int r = raceRow(raceId);
    return r < 0 ? -1 : m_races.at(r).replayMs;
}

void LiveRaceModel::insertRace(RaceEntry entry)
{
    beginInsertRows({}, 0, 0);
    m_races.prepend(std::move(entry));
    endInsertRows();
    while (m_races.size() > kMaxRaces) {
        const int last = int(m_races.size()) - 1;
        beginRemoveRows({}, last, last);
        m_races.removeLast();
        endRemoveRows();
    }
}

void LiveRaceModel::onRaceStarted(const engine::RaceStart &start)
{
    if (raceRow(start.raceId) >= 0)
        return;
    RaceEntry entry;
    entry.id = start.raceId;
    entry.provider = start.provider;
    entry.trigger = start.trigger;
    entry.object = start.object;
    entry.at = start.at;
    entry.clock.start();
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
    const int r = raceRow(raceId);
    if (r < 0 || m_races.at(r).finished)
        return; // a race from before this model listened, or a late update: the result is the truth
    RaceEntry &entry = m_races[r];
    for (RouteRow &row : entry.routes) {
        if (row.outcome.routeId != routeId)
            continue;
        row.outcome.bytes = bytes;
        if (threshold > 0)
            row.threshold = threshold;
        if (bytes > 0 && row.liveFirstByteMs < 0)
            row.liveFirstByteMs = double(entry.clock.elapsed());
        if (row.outcome.state == State::Connecting && bytes > 0)
            row.outcome.state = State::Racing;
        row.dirty = true;
        entry.lanes.reset();
        if (!m_flush->isActive())
            m_flush->start();
        return;
    }
}

void LiveRaceModel::flush()
{
    for (qsizetype r = 0; r < m_races.size(); ++r) {
        RaceEntry &race = m_races[r];
        int first = -1;
        int last = -1;
        for (qsizetype k = 0; k < race.routes.size(); ++k) {
            RouteRow &route = race.routes[k];
            if (!route.dirty)
                continue;
            route.dirty = false;
            if (first < 0)
                first = int(k);
            last = int(k);
        }
        if (first < 0)
            continue;
        race.liveMs = double(race.clock.elapsed());
        race.lanes.reset();
        const QModelIndex parent = index(int(r), 0);
        Q_EMIT dataChanged(index(first, StateColumn, parent), index(last, BytesColumn, parent));
        Q_EMIT dataChanged(index(int(r), StateColumn), index(int(r), BytesColumn));
    }
}

void LiveRaceModel::onRaceFinished(quint64 raceId, const model::RaceResult &result)
{
    int r = raceRow(raceId);
    if (r < 0) {
        // The start went unseen (the panel connected mid-race): open the race from the result.
        RaceEntry opened;
        opened.id = raceId;
        opened.provider = result.provider;
        opened.trigger = result.trigger;
        opened.object = result.object;
        opened.at = result.startedAt;
        opened.clock.start();
        for (const model::RouteOutcome &outcome : result.routes)
            opened.routes.append({outcome, result.thresholdBytes, false, false, -1});
        insertRace(std::move(opened));
        r = raceRow(raceId);
        if (r < 0)
            return;
    }
    RaceEntry *entry = &m_races[r];
    // Routes the start did not list (not expected from the engine) get rows at the end of the race.
    QList<RouteRow> extra;
    for (const model::RouteOutcome &outcome : result.routes) {
        const bool known = std::any_of(entry->routes.cbegin(), entry->routes.cend(),
                                       [&](const RouteRow &row) { return row.outcome.routeId == outcome.routeId; });
        if (!known)
            extra.append({outcome, result.thresholdBytes, false, false, -1});
    }
    if (!extra.isEmpty()) {
        const int at = int(entry->routes.size());
        entry->lanes.reset();
        beginInsertRows(index(r, 0), at, at + int(extra.size()) - 1);
        entry->routes.append(extra);
        endInsertRows();
    }
    entry->finished = true;
    entry->winner = result.winner;
    entry->summary = summaryText(result);
    entry->marginMs = result.ok() ? result.marginMs : -1;
    entry->marginKind = result.marginKind;
    entry->wastedBytes = result.wastedBytes;
    entry->liveMs = double(entry->clock.elapsed());
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
    entry->lanes.reset();
    m_lastWinner.insert(result.provider, result.winner);
    Q_EMIT dataChanged(index(r, 0), index(r, ColumnCount - 1));
    if (!entry->routes.isEmpty()) {
        const QModelIndex parent = index(r, 0);
        Q_EMIT dataChanged(index(0, 0, parent), index(int(entry->routes.size()) - 1, ColumnCount - 1, parent));
    }
}

QModelIndex LiveRaceModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return row < m_races.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= m_races.size())
        return {}; // routes have no children; a race's children hang off its first column
    const RaceEntry &race = m_races.at(parent.row());
    return row < race.routes.size() ? createIndex(row, column, quintptr(race.id + 1)) : QModelIndex();
}

QModelIndex LiveRaceModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    const int r = raceRow(quint64(child.internalId() - 1));
    return r < 0 ? QModelIndex() : createIndex(r, 0, quintptr(0));
}

int LiveRaceModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_races.size());
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= m_races.size())
        return 0;
    return int(m_races.at(parent.row()).routes.size());
}

int LiveRaceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() && parent.internalId() != 0 ? 0 : ColumnCount;
}

} // namespace relayrace::ui
