// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/racestart.h"
#include "model/raceresult.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QList>

class QTimer;

namespace relayrace::ui {

// One row per route of the current and recent races, newest race first (the last kMaxRaces kept).
// Progress arrives far faster than a person reads it: it is merged into the rows at once and
// announced by a 100 ms single-shot timer as one ranged dataChanged, so at most 10 per second.
class LiveRaceModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveRaceModel)
public:
    enum Column {
        RaceColumn,
        ProviderColumn,
        RouteColumn,
        StateColumn,
        ProgressColumn,     // drawn by ProgressDelegate
        ConnectColumn,
        TtfbColumn,
        ThresholdTimeColumn,
        ThroughputColumn,
        ConnectionColumn,
        ColumnCount
    };
    enum Role {
        RaceIdRole = Qt::UserRole,
        RouteIdRole,
        StateRole,          // int(model::RouteOutcome::State)
        ProgressRole,       // double, 0..1: bytes / threshold
        BytesRole,
        ThresholdRole,
        WinnerRole,         // bool
        RaceSummaryRole,    // summaryText() once the race finished
    };
    static constexpr int kMaxRaces = 20;
    static constexpr int kFlushIntervalMs = 100;

    explicit LiveRaceModel(QObject *parent = nullptr);
    ~LiveRaceModel() override;

    // "<provider>: <winner> won by <margin> ms, wasted <n> B (trigger <t>)", or why nothing won.
    static QString summaryText(const model::RaceResult &result);
    // The winner of the provider's latest finished race; empty when none (or every route failed).
    QString lastWinner(const QString &provider) const;
    int raceCount() const { return int(m_races.size()); }
    int rowOf(quint64 raceId, const QString &routeId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

public Q_SLOTS:
    void onRaceStarted(const relayrace::engine::RaceStart &start);
    void onRouteProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 threshold);
    void onRaceFinished(quint64 raceId, const relayrace::model::RaceResult &result);

private:
    struct RouteRow
    {
        model::RouteOutcome outcome; // routeId, state and bytes live; the figures once finished
        qint64 threshold = 0;
        bool finished = false;
        bool dirty = false;
    };
    struct RaceEntry
    {
        quint64 id = 0;
        QString provider;
        model::Trigger trigger = model::Trigger::None;
        QString object;
        QDateTime at;
        QList<RouteRow> routes;
        bool finished = false;
        QString winner;
        QString summary;
    };

    RaceEntry *race(quint64 raceId, int *firstRow = nullptr);
    void insertRace(RaceEntry entry);
    void rebuildIndex();
    void flush();
    QVariant display(const RaceEntry &race, const RouteRow &route, int column) const;
    QVariant toolTip(const RaceEntry &race, const RouteRow &route, int column) const;

    QList<RaceEntry> m_races;                  // newest first
    QList<std::pair<int, int>> m_index;        // row -> (race, route)
    QHash<QString, QString> m_lastWinner;      // provider -> winner of its latest finished race
    QTimer *m_flush = nullptr;
};

} // namespace relayrace::ui
