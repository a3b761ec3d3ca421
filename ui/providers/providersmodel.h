// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "ui/providers/racewindow.h"

#include "engine/providersnapshot.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QList>

#include <functional>

class QTimer;

namespace relayrace::ui {

// One row per provider, from the engine's ProviderSnapshot. Rows merge in place; the time-relative
// columns (route age, re-test countdown, map expiry) are adjacent so one timer refreshes them with
// a single ranged dataChanged per second.
class ProvidersModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProvidersModel)
public:
    // The first kDefaultColumns are shown by default (the panel's header menu shows the others).
    enum Column {
        ProviderColumn,
        OptimalRouteColumn,
        GainColumn,         // the optimal route's gain over direct (RaceWindow)
        MarginColumn,       // the last race's margin and how it was obtained
        MapColumn,          // ticking: the map's state and how long it stays fresh, in short
        RouteAgeColumn,     // ticking
        RetestInColumn,     // ticking
        MapExpiryColumn,    // ticking
        SignatureColumn,
        OriginColumn,
        LastTriggerColumn,
        RacesColumn,
        SkippedColumn,
        TestObjectBytesColumn,
        RequestedBytesColumn,
        RequestsColumn,
        ColumnCount
    };
    static constexpr int kDefaultColumns = MapColumn + 1;
    enum Role { ProviderRole = Qt::UserRole, SortRole, SnapshotRole };

    explicit ProvidersModel(QObject *parent = nullptr);
    ~ProvidersModel() override;

    // Tests pin the clock; the default is QDateTime::currentDateTimeUtc.
    void setClock(std::function<QDateTime()> clock);
    int rowOf(const QString &provider) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

public Q_SLOTS:
    void updateProvider(const relayrace::engine::ProviderSnapshot &snapshot);
    // The map's signature state: "valid", "unsigned", "last good kept", "failed" (free text accepted).
    // Kept for a provider not shown yet and applied when its first snapshot arrives.
    void setMapState(const QString &provider, const QString &state);
    void removeProvider(const QString &provider);
    // A finished race: the provider's gain and margin columns follow it.
    void addRace(const relayrace::model::RaceResult &result);

private:
    struct Row
    {
        engine::ProviderSnapshot snapshot;
        QString mapState;
    };
    QString mapText(const Row &row, bool brief) const;

    QVariant display(const Row &row, int column) const;
    QVariant toolTip(const Row &row, int column) const;
    QVariant sortValue(const Row &row, int column) const;
    void tick();

    QList<Row> m_rows;
    QHash<QString, QString> m_mapStates; // provider -> signature state, also for rows not shown yet
    QHash<QString, QString> m_trustSeen; // the engine's mapTrust last seen per provider
    QHash<QString, RaceWindow> m_races;  // provider -> its latest races, also for rows not shown yet
    std::function<QDateTime()> m_clock;
    QTimer *m_ticker = nullptr;
};

} // namespace relayrace::ui
