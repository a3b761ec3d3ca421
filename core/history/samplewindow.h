// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QStringList>

#include <utility>
#include <vector>

namespace relayrace::history {

class SampleSource;

// One provider's route samples and races from a time on, kept in memory and brought up to date by
// reading only the races stored since the last update. The console's history panel asks for the same
// days again every few seconds while races land: reading a week (a million samples) from SQLite each
// time kept a core busy; reading the new races is a few rows.
//
// The window checks itself against the store at every update (its count of races against the store's),
// so a race deleted by retention or a store replaced under it leads to a full read, not to stale figures.
class SampleWindow
{
public:
    // One route's figures in one race; times in ms since the epoch, -1: does not apply.
    struct Sample
    {
        qint64 atMs = 0;        // the race's start
        qint64 raceId = -1;
        double ttfbMs = -1;
        double timeToThresholdMs = -1;
        double projectedMs = -1;
        int route = -1;         // index into routeNames()
    };
    struct Race
    {
        qint64 atMs = 0;
        qint64 raceId = -1;
        int winner = -1;        // index into routeNames(); -1 when every route failed
    };
    enum class Read { Full, Incremental };

    // Brings the window to provider's races started at from or later, as stored in store now. A full
    // read when asked (full), at the first update, for another store, provider, or an earlier from, or
    // when the window no longer matches the store; else only the races stored since the last update.
    Result<Read> update(SampleSource &store, const QString &provider, const QDateTime &from, bool full = false);

    QString provider() const { return m_provider; }
    // Sorted by (atMs, raceId), a race's routes in their race order.
    const std::vector<Sample> &samples() const { return m_samples; }
    const std::vector<Race> &races() const { return m_races; }
    // The index range of samples() / races() started in [fromMs, toMs).
    std::pair<size_t, size_t> samplesIn(qint64 fromMs, qint64 toMs) const;
    std::pair<size_t, size_t> racesIn(qint64 fromMs, qint64 toMs) const;
    const QStringList &routeNames() const { return m_routeNames; }
    qint64 lastRaceId() const { return m_lastRaceId; }
    // Full reads so far (the first one included): lets tests see that updates stay incremental.
    int fullReads() const { return m_fullReads; }

private:
    void clear();
    Result<qint64> read(SampleSource &store, const QDateTime &from, qint64 afterRaceId);
    void dropBefore(qint64 fromMs);
    int routeIndex(const QString &route);

    QString m_path;
    QString m_provider;
    qint64 m_fromMs = 0;
    qint64 m_lastRaceId = -1;   // the newest race read; -1: nothing read yet
    bool m_loaded = false;
    int m_fullReads = 0;
    QStringList m_routeNames;
    QHash<QString, int> m_routeIndex;
    std::vector<Sample> m_samples;
    std::vector<Race> m_races;
};

} // namespace relayrace::history
