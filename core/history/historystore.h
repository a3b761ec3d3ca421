// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/failoverevent.h"
#include "history/historyqueries.h"
#include "history/samplesource.h"
#include "model/routechange.h"
#include "model/raceresult.h"
#include "util/result.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <limits>
#include <memory>

class QThread;

namespace relayrace::history {

// How much history to keep. applyRetention() deletes races, route changes and failover events older
// than maxAgeDays, then the oldest races beyond maxRaces (with their routes).
struct Retention
{
    int maxAgeDays = 30;
    qint64 maxRaces = 1'000'000;
};

// A race as the store takes it: the result plus what RaceResult does not say.
struct RaceRecord
{
    model::RaceResult result;
    QString edgeRegion;
    bool testObject = false;            // raced on the map's test object, not the request itself
};

// The SQLite history of races, optimal-route changes and failover events (docs/history.md).
// One SQLite connection per store, used only on the thread that opened it: a thread that needs the
// history opens its own store. Stores on one file in several threads or processes work at once (WAL;
// a writer waits up to 5 s for another). Every method returns an error that names the file and says
// what SQLite said.
class HistoryStore final : public SampleSource
{
public:
    // Opens (creating if needed) and migrates the database at path. Refuses, changing nothing, a file
    // that is not SQLite or whose schema is newer than this build knows.
    static Result<std::unique_ptr<HistoryStore>> open(const QString &path, Retention retention = {});
    // $XDG_DATA_HOME/relayrace/history.sqlite (GenericDataLocation); creates the directory.
    static QString defaultPath();
    static constexpr int schemaVersion = 2;

    ~HistoryStore() override;
    HistoryStore(const HistoryStore &) = delete;
    HistoryStore &operator=(const HistoryStore &) = delete;

    QString path() const { return m_path; }
    Retention retention() const { return m_retention; }
    // From the next applyRetention() on.
    void setRetention(const Retention &retention) { m_retention = retention; }

    // Writes. A race and its routes go in one transaction; addRaces() writes all or nothing.
    Result<qint64> addRace(const model::RaceResult &result, const QString &edgeRegion, bool testObject);
    Result<int> addRaces(const QList<RaceRecord> &races);
    Result<qint64> addRouteChange(const model::RouteChange &change);
    Result<qint64> addFailover(const model::FailoverEvent &event);

    // Deletes what the retention no longer keeps; returns the rows deleted (races, their routes, route
    // changes, failover events). The engine calls it at start and then hourly.
    Result<qint64> applyRetention(const QDateTime &now);

    // Queries: [from, to) in UTC, oldest first unless said otherwise. An invalid bound does not bound.
    // afterRaceId >= 0: only the races stored after that one (a larger id). They are looked up by id, so
    // reading what is new since a previous read stays cheap however long the history is.
    QString identity() const override { return m_path; }
    Result<QList<RouteSample>> routeSamples(const QString &provider, const QDateTime &from,
                                            const QDateTime &to, qint64 afterRaceId = -1) override;
    Result<QList<WinnerPoint>> winnerTimeline(const QString &provider, const QDateTime &from,
                                              const QDateTime &to, qint64 afterRaceId = -1) override;
    // The provider's races in [from, to) with an id of at most upToRaceId.
    Result<qint64> raceCount(const QString &provider, const QDateTime &from, const QDateTime &to,
                             qint64 upToRaceId = std::numeric_limits<qint64>::max()) override;
    Result<QList<model::RouteChange>> routeChanges(const QString &provider, const QDateTime &from,
                                                    const QDateTime &to) override;
    // Per route, then per bucket: the samples of metric that were measured (-1 never counts).
    Result<QList<BandPoint>> band(const QString &provider, const QDateTime &from, const QDateTime &to,
                                  int bucketSeconds, BandMetric metric = BandMetric::TimeToThreshold);
    // Bins of binMs from 0; bins without a sample are left out.
    Result<QList<HistogramBin>> ttfbHistogram(const QString &provider, const QString &routeId,
                                              const QDateTime &from, const QDateTime &to, double binMs);
    // Newest first.
    Result<QList<model::FailoverEvent>> failovers(const FailoverQuery &query);
    // The provider's newest races, newest first, rebuilt as they were added.
    Result<QList<model::RaceResult>> recentRaces(const QString &provider, int limit);
    // Every provider with a race, route change or failover event, sorted.
    Result<QStringList> providers();
    Result<qint64> racesSince(const QDateTime &from);
    Result<qint64> failoversSince(const QDateTime &from);
    // Races started in the minute before now.
    Result<qint64> racesPerMinute(const QDateTime &now = QDateTime::currentDateTimeUtc());

private:
    HistoryStore(QString path, QString connectionName, Retention retention);
    Result<qint64> count(const QString &sql, qint64 fromMs, qint64 toMs);
    void checkThread() const;

    QString m_path;
    QString m_connectionName;
    Retention m_retention;
    QSqlDatabase m_db;
    QThread *m_thread = nullptr;
};

} // namespace relayrace::history

Q_DECLARE_METATYPE(relayrace::history::Retention)
Q_DECLARE_METATYPE(relayrace::history::RaceRecord)
