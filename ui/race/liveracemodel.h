// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/racestart.h"
#include "model/raceresult.h"
#include "ui/race/racelanes.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QList>

#include <optional>

class QTimer;

namespace relayrace::ui {

// The current and recent races, newest first (the last kMaxRaces kept): one top-level row per race
// (time, provider, trigger, winner, margin and its kind, wasted bytes, and its routes as lanes on a
// shared time axis in LanesColumn, drawn by LaneDelegate), its routes as child rows with their
// figures. Progress arrives far faster than a person reads it: it is merged at once and announced by
// a 100 ms single-shot timer, per race one ranged dataChanged for its route rows and one for its own
// row, so at most 10 rounds a second. A finished race can be replayed: setReplayTime moves its lanes
// to a moment of the recorded race (RaceReplay animates it).
class LiveRaceModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveRaceModel)
public:
    enum Column {
        RaceColumn,                 // race: its time; route: the route id
        RouteColumn = RaceColumn,
        ProviderColumn,
        TriggerColumn,
        StateColumn,                // race: its winner; route: glyph and state
        MarginColumn,               // race: "won by 12.3 ms"; route: "lost by ≈ 12 ms", the failure's reason
        LanesColumn,                // drawn by LaneDelegate: race: every lane; route: its own
        ProgressColumn = LanesColumn,
        BytesColumn,                // race: wasted bytes; route: bytes toward the goal
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
        StateRole,          // int(model::RouteOutcome::State); -1 on a race's row
        ProgressRole,       // double, 0..1: bytes / goal
        BytesRole,
        ThresholdRole,
        WinnerRole,         // bool
        RaceSummaryRole,    // summaryText() once the race finished
        LanesRole,          // RaceLanes: the race's lanes (on its row and its routes' rows)
        LaneIndexRole,      // int: a route row's lane; -1 on a race's row
        FinishedRole,       // bool
        GoalRole,           // qint64: the threshold, or the whole object when smaller
    };
    static constexpr int kMaxRaces = 20;
    static constexpr int kFlushIntervalMs = 100;

    explicit LiveRaceModel(QObject *parent = nullptr);
    ~LiveRaceModel() override;

    // "<provider>: <winner> won by <margin> ms, wasted <n> B (trigger <t>)" (the margin with its kind:
    // "≈" projected, "≥" a lower bound), or why nothing won.
    static QString summaryText(const model::RaceResult &result);
    // The winner of the provider's latest finished race; empty when none (or every route failed).
    QString lastWinner(const QString &provider) const;
    int raceCount() const { return int(m_races.size()); }
    // The route's row under its race's row; -1 when unknown.
    int rowOf(quint64 raceId, const QString &routeId) const;
    QModelIndex raceIndex(quint64 raceId, int column = 0) const;
    QModelIndex routeIndex(quint64 raceId, const QString &routeId, int column = 0) const;
    bool isFinished(quint64 raceId) const;
    RaceLanes lanes(quint64 raceId) const;

    // Replay: show the race's lanes at `ms` of its recorded times; -1 shows the final picture again.
    void setReplayTime(quint64 raceId, double ms);
    double replayTime(quint64 raceId) const; // -1 when not replaying

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
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
        double liveFirstByteMs = -1; // when the GUI first saw its bytes (the live lane's start)
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
        double marginMs = -1;
        model::RaceResult::MarginKind marginKind = model::RaceResult::MarginKind::None;
        qint64 wastedBytes = 0;
        QElapsedTimer clock;         // since the start was seen (the live lanes' axis)
        double liveMs = 0;
        double replayMs = -1;
        mutable std::optional<RaceLanes> lanes; // built on demand, dropped when the race changes
    };

    int raceRow(quint64 raceId) const;
    void insertRace(RaceEntry entry);
    void flush();
    RaceLanes lanesOf(const RaceEntry &race) const;
    QVariant raceData(const RaceEntry &race, int column, int role) const;
    QVariant routeData(const RaceEntry &race, int routeRow, int column, int role) const;
    QVariant routeDisplay(const RaceEntry &race, const RouteRow &route, const Lane &lane, int column) const;
    QVariant routeToolTip(const RaceEntry &race, const RouteRow &route, const Lane &lane, int column) const;

    QList<RaceEntry> m_races;                  // newest first
    QHash<QString, QString> m_lastWinner;      // provider -> winner of its latest finished race
    QTimer *m_flush = nullptr;
};

} // namespace relayrace::ui
