// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "history/historystore.h"

#include "history/sqlsupport.h"
#include "log/logging.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QThread>

#include <atomic>
#include <optional>

namespace relayrace::history {

using namespace detail;

namespace {

// Migration i takes the schema from version i to i + 1. Never edit a released one: append.
const QList<QStringList> &migrations()
{
    static const QList<QStringList> list = {
        {
            // v1. Times are ms since the epoch, UTC. NULL: the figure does not apply (-1 in the structs).
            QStringLiteral("CREATE TABLE races ("
                           " id INTEGER PRIMARY KEY,"
                           " provider TEXT NOT NULL,"
                           " edge_region TEXT NOT NULL,"
                           " started_at INTEGER NOT NULL,"
                           " \"trigger\" TEXT NOT NULL,"
                           " object TEXT NOT NULL,"
                           " threshold INTEGER NOT NULL,"
                           " winner TEXT,"
                           " margin_ms REAL,"
                           " wasted_bytes INTEGER NOT NULL,"
                           " fairness TEXT NOT NULL,"
                           " ok INTEGER NOT NULL,"
                           " error TEXT,"
                           " is_test_object INTEGER NOT NULL)"),
            QStringLiteral("CREATE INDEX races_provider_started ON races(provider, started_at)"),
            QStringLiteral("CREATE INDEX races_started ON races(started_at)"),
            // position keeps the order of RaceResult::routes; WITHOUT ROWID clusters a race's routes.
            QStringLiteral("CREATE TABLE race_routes ("
                           " race_id INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,"
                           " position INTEGER NOT NULL,"
                           " route_id TEXT NOT NULL,"
                           " relay TEXT,"
                           " state TEXT NOT NULL,"
                           " fresh INTEGER NOT NULL,"
                           " connect_ms REAL,"
                           " ttfb_ms REAL,"
                           " ttt_ms REAL,"
                           " projected_ms REAL,"
                           " queued_ms REAL NOT NULL,"
                           " bytes INTEGER NOT NULL,"
                           " throughput REAL NOT NULL,"
                           " http_status INTEGER,"
                           " error TEXT,"
                           " PRIMARY KEY (race_id, position)) WITHOUT ROWID"),
            // race_id is no foreign key: retention may drop the race and keep the change.
            QStringLiteral("CREATE TABLE route_changes ("
                           " id INTEGER PRIMARY KEY,"
                           " provider TEXT NOT NULL,"
                           " edge_region TEXT NOT NULL,"
                           " at INTEGER NOT NULL,"
                           " from_route TEXT,"
                           " to_route TEXT NOT NULL,"
                           " reason TEXT NOT NULL,"
                           " margin_pct REAL,"
                           " race_id INTEGER)"),
            QStringLiteral("CREATE INDEX route_changes_provider_at ON route_changes(provider, at)"),
            QStringLiteral("CREATE INDEX route_changes_at ON route_changes(at)"),
            QStringLiteral("CREATE TABLE failover_events ("
                           " id INTEGER PRIMARY KEY,"
                           " at INTEGER NOT NULL,"
                           " provider TEXT NOT NULL,"
                           " request TEXT NOT NULL,"
                           " from_route TEXT NOT NULL,"
                           " to_route TEXT,"
                           " reason TEXT NOT NULL,"
                           " detail TEXT,"
                           " bytes_delivered INTEGER NOT NULL,"
                           " resume_offset INTEGER,"
                           " recover_ms REAL,"
                           " outcome TEXT NOT NULL)"),
            QStringLiteral("CREATE INDEX failover_events_provider_at ON failover_events(provider, at)"),
            QStringLiteral("CREATE INDEX failover_events_at ON failover_events(at)"),
        },
        {
            // v2: how the margin was obtained (measured | projected | lower_bound; NULL: no runner-up,
            // or a race stored before v2, whose margin was a projection or a lower bound).
            QStringLiteral("ALTER TABLE races ADD COLUMN margin_kind TEXT"),
        },
    };
    return list;
}

// BEGIN IMMEDIATE takes the write lock up front, so a second writer waits in SQLite's busy handler
// instead of failing when its read snapshot turns out stale at the first write (WAL).
class WriteTransaction final
{
public:
    explicit WriteTransaction(const QSqlDatabase &db) : m_db(db) {}
    ~WriteTransaction()
    {
        if (m_open)
            QSqlQuery(m_db).exec(QStringLiteral("ROLLBACK"));
    }
    WriteTransaction(const WriteTransaction &) = delete;
    WriteTransaction &operator=(const WriteTransaction &) = delete;

    std::optional<QSqlError> begin() { return run(QStringLiteral("BEGIN IMMEDIATE"), true); }
    std::optional<QSqlError> commit() { return run(QStringLiteral("COMMIT"), false); }

private:
    std::optional<QSqlError> run(const QString &sql, bool openAfter)
    {
        QSqlQuery query(m_db);
        if (!query.exec(sql))
            return query.lastError();
        m_open = openAfter;
        return std::nullopt;
    }

    QSqlDatabase m_db;
    bool m_open = false;
};

std::optional<QVariant> pragma(QSqlDatabase &db, const QString &sql, QSqlError *error)
{
    QSqlQuery query(db);
    if (!query.exec(sql)) {
        *error = query.lastError();
        return std::nullopt;
    }
    return query.next() ? query.value(0) : QVariant();
}

// Prepared statements of one write batch.
struct RaceInserts
{
    explicit RaceInserts(const QSqlDatabase &db) : race(db), route(db) {}
    // The error of the statement that did not prepare, if any.
    std::optional<QSqlError> prepare()
    {
        if (!race.prepare(QStringLiteral(
                   "INSERT INTO races (provider, edge_region, started_at, \"trigger\", object, threshold,"
                   " winner, margin_ms, wasted_bytes, fairness, ok, error, is_test_object, margin_kind)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))
            return race.lastError();
        if (!route.prepare(QStringLiteral(
                   "INSERT INTO race_routes (race_id, position, route_id, relay, state, fresh, connect_ms,"
                   " ttfb_ms, ttt_ms, projected_ms, queued_ms, bytes, throughput, http_status, error)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))
            return route.lastError();
        return std::nullopt;
    }
    QSqlQuery race;
    QSqlQuery route;
};

Result<qint64> insertRace(RaceInserts &q, const RaceRecord &record, const QString &path)
{
    const model::RaceResult &r = record.result;
    if (!r.startedAt.isValid())
        return makeError(QStringLiteral("history %1: race of %2 has no start time").arg(path, r.provider));
    const QVariant values[] = {notNull(r.provider), notNull(record.edgeRegion), r.startedAt.toMSecsSinceEpoch(),
                               notNull(model::triggerName(r.trigger)), notNull(r.object), r.thresholdBytes, nullIfEmpty(r.winner),
                               nullIfNegative(r.marginMs), r.wastedBytes, notNull(r.fairness), r.ok(), nullIfEmpty(r.error), record.testObject,
                               r.marginKind == model::RaceResult::MarginKind::None
                                   ? QVariant() : QVariant(model::marginKindName(r.marginKind))};
    for (int i = 0; i < int(std::size(values)); ++i)
        q.race.bindValue(i, values[i]);
    if (!q.race.exec())
        return queryError(path, QStringLiteral("cannot add a race"), q.race);
    const qint64 id = q.race.lastInsertId().toLongLong();
    for (int position = 0; position < r.routes.size(); ++position) {
        const model::RouteOutcome &o = r.routes.at(position);
        const QVariant route[] = {id, position, notNull(o.routeId), nullIfEmpty(o.relay), model::stateName(o.state),
                                  o.freshConnection, nullIfNegative(o.connectMs), nullIfNegative(o.ttfbMs),
                                  nullIfNegative(o.timeToThresholdMs), nullIfNegative(o.projectedMs),
                                  o.queuedMs, o.bytes, o.throughputBytesPerSec,
                                  o.httpStatus > 0 ? QVariant(o.httpStatus) : QVariant(), nullIfEmpty(o.error)};
        for (int i = 0; i < int(std::size(route)); ++i)
            q.route.bindValue(i, route[i]);
        if (!q.route.exec())
            return queryError(path, QStringLiteral("cannot add a race's route"), q.route);
    }
    return id;
}

} // namespace

HistoryStore::HistoryStore(QString path, QString connectionName, Retention retention)
    : m_path(std::move(path))
    , m_connectionName(std::move(connectionName))
    , m_retention(retention)
    , m_db(QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName))
    , m_thread(QThread::currentThread())
{
    m_db.setDatabaseName(m_path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
}

HistoryStore::~HistoryStore()
{
    m_db.close();
    m_db = QSqlDatabase(); // removeDatabase() wants no handle left
    QSqlDatabase::removeDatabase(m_connectionName);
}

QString HistoryStore::defaultPath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
                        + QStringLiteral("/relayrace");
    QDir().mkpath(dir);
    return dir + QStringLiteral("/history.sqlite");
}

Result<std::unique_ptr<HistoryStore>> HistoryStore::open(const QString &path, Retention retention)
{
    static std::atomic<quint64> connections{0};
    std::unique_ptr<HistoryStore> store(
        new HistoryStore(path, QStringLiteral("relayrace-history-%1").arg(++connections), retention));
    QSqlDatabase &db = store->m_db;
    if (!db.isValid())
        return makeError(QStringLiteral("history %1: Qt's SQLite driver (QSQLITE) is not available;"
                                        " install libqt6sql6-sqlite").arg(path));
    if (!db.open())
        return sqlError(path, QStringLiteral("cannot open"), db.lastError());

    // Read the version before anything writes: a file we cannot use is left exactly as it was.
    QSqlError error;
    const std::optional<QVariant> version = pragma(db, QStringLiteral("PRAGMA user_version"), &error);
    if (!version)
        return sqlError(path, QStringLiteral("not a usable SQLite database"), error);
    if (version->toInt() > schemaVersion)
        return makeError(QStringLiteral("history %1: schema version %2 is newer than this relayrace knows"
                                        " (%3); use a newer relayrace or another file")
                             .arg(path).arg(version->toInt()).arg(schemaVersion));

    const std::optional<QVariant> mode = pragma(db, QStringLiteral("PRAGMA journal_mode=WAL"), &error);
    if (!mode)
        return sqlError(path, QStringLiteral("cannot switch to WAL"), error);
    if (mode->toString() != u"wal") // e.g. ":memory:": still usable, one connection only
        log::get("history")->warn("history {}: journal mode is {}, not WAL", path.toStdString(),
                                  mode->toString().toStdString());
    for (const QString &sql : {QStringLiteral("PRAGMA synchronous=NORMAL"), QStringLiteral("PRAGMA foreign_keys=ON")}) {
        if (!pragma(db, sql, &error))
            return sqlError(path, sql, error);
    }

    if (version->toInt() < schemaVersion) {
        WriteTransaction transaction(db);
        if (const auto failed = transaction.begin())
            return sqlError(path, QStringLiteral("cannot start the schema migration"), *failed);
        // Another store may have migrated the file since we looked.
        const std::optional<QVariant> current = pragma(db, QStringLiteral("PRAGMA user_version"), &error);
        if (!current)
            return sqlError(path, QStringLiteral("cannot read the schema version"), error);
        for (int v = current->toInt(); v < schemaVersion; ++v) {
            for (const QString &sql : migrations().at(v)) {
                QSqlQuery query(db);
                if (!query.exec(sql))
                    return queryError(path, QStringLiteral("schema migration to v%1 failed").arg(v + 1), query);
            }
        }
        if (!pragma(db, QStringLiteral("PRAGMA user_version=%1").arg(schemaVersion), &error))
            return sqlError(path, QStringLiteral("cannot set the schema version"), error);
        if (const auto failed = transaction.commit())
            return sqlError(path, QStringLiteral("cannot commit the schema migration"), *failed);
    }
    return Result<std::unique_ptr<HistoryStore>>(std::move(store));
}

void HistoryStore::checkThread() const
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "HistoryStore",
               "a store is used only on the thread that opened it");
}

Result<qint64> HistoryStore::addRace(const model::RaceResult &result, const QString &edgeRegion, bool testObject)
{
    checkThread();
    RaceInserts inserts(m_db);
    if (const auto failed = inserts.prepare())
        return sqlError(m_path, QStringLiteral("cannot prepare the race insert"), *failed);
    WriteTransaction transaction(m_db);
    if (const auto failed = transaction.begin())
        return sqlError(m_path, QStringLiteral("cannot start a transaction"), *failed);
    Result<qint64> id = insertRace(inserts, RaceRecord{result, edgeRegion, testObject}, m_path);
    if (!id)
        return id;
    if (const auto failed = transaction.commit())
        return sqlError(m_path, QStringLiteral("cannot commit a race"), *failed);
    return id;
}

Result<int> HistoryStore::addRaces(const QList<RaceRecord> &races)
{
    checkThread();
    RaceInserts inserts(m_db);
    if (const auto failed = inserts.prepare())
        return sqlError(m_path, QStringLiteral("cannot prepare the race insert"), *failed);
    WriteTransaction transaction(m_db);
    if (const auto failed = transaction.begin())
        return sqlError(m_path, QStringLiteral("cannot start a transaction"), *failed);
    for (const RaceRecord &record : races) {
        const Result<qint64> id = insertRace(inserts, record, m_path);
        if (!id)
            return makeError(id.error());
    }
    if (const auto failed = transaction.commit())
        return sqlError(m_path, QStringLiteral("cannot commit %1 races").arg(races.size()), *failed);
    return int(races.size());
}

Result<qint64> HistoryStore::addRouteChange(const model::RouteChange &change)
{
    checkThread();
    if (!change.at.isValid())
        return makeError(QStringLiteral("history %1: route change of %2 has no time").arg(m_path, change.provider));
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO route_changes (provider, edge_region, at, from_route, to_route,"
                                 " reason, margin_pct, race_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    const QVariant values[] = {notNull(change.provider), notNull(change.edgeRegion), change.at.toMSecsSinceEpoch(),
                               nullIfEmpty(change.fromRoute), notNull(change.toRoute), notNull(change.reason),
                               nullIfNegative(change.marginPct), nullIfNegative(change.raceId)};
    for (int i = 0; i < int(std::size(values)); ++i)
        query.bindValue(i, values[i]);
    if (!query.exec())
        return queryError(m_path, QStringLiteral("cannot add a route change"), query);
    return query.lastInsertId().toLongLong();
}

Result<qint64> HistoryStore::addFailover(const model::FailoverEvent &event)
{
    checkThread();
    if (!event.at.isValid())
        return makeError(QStringLiteral("history %1: failover event of %2 has no time").arg(m_path, event.provider));
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("INSERT INTO failover_events (at, provider, request, from_route, to_route,"
                                 " reason, detail, bytes_delivered, resume_offset, recover_ms, outcome)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    const QVariant values[] = {event.at.toMSecsSinceEpoch(), notNull(event.provider), notNull(event.request),
                               notNull(event.fromRoute), nullIfEmpty(event.toRoute), notNull(event.reason), nullIfEmpty(event.detail),
                               event.bytesDelivered, nullIfNegative(event.resumeOffset),
                               nullIfNegative(event.recoverMs), model::outcomeName(event.outcome)};
    for (int i = 0; i < int(std::size(values)); ++i)
        query.bindValue(i, values[i]);
    if (!query.exec())
        return queryError(m_path, QStringLiteral("cannot add a failover event"), query);
    return query.lastInsertId().toLongLong();
}

Result<qint64> HistoryStore::applyRetention(const QDateTime &now)
{
    checkThread();
    WriteTransaction transaction(m_db);
    if (const auto failed = transaction.begin())
        return sqlError(m_path, QStringLiteral("cannot start a transaction"), *failed);
    qint64 deleted = 0;
    // Routes first: the count is of rows, and a cascade would not show in numRowsAffected().
    const auto run = [&](const QString &sql, const QVariantList &values) -> std::optional<Error> {
        QSqlQuery query(m_db);
        query.prepare(sql);
        for (int i = 0; i < values.size(); ++i)
            query.bindValue(i, values.at(i));
        if (!query.exec())
            return queryError(m_path, QStringLiteral("retention failed"), query);
        deleted += query.numRowsAffected();
        return std::nullopt;
    };
    if (m_retention.maxAgeDays > 0) {
        const qint64 cutoff = now.addDays(-m_retention.maxAgeDays).toMSecsSinceEpoch();
        for (const QString &sql : {
                 QStringLiteral("DELETE FROM race_routes WHERE race_id IN (SELECT id FROM races WHERE started_at < ?)"),
                 QStringLiteral("DELETE FROM races WHERE started_at < ?"),
                 QStringLiteral("DELETE FROM route_changes WHERE at < ?"),
                 QStringLiteral("DELETE FROM failover_events WHERE at < ?")}) {
            if (auto failed = run(sql, {cutoff}))
                return *failed;
        }
    }
    if (m_retention.maxRaces > 0) {
        // The newest race beyond the limit: it and everything older goes.
        QSqlQuery newestDropped(m_db);
        newestDropped.prepare(QStringLiteral(
            "SELECT started_at, id FROM races ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?"));
        newestDropped.bindValue(0, m_retention.maxRaces);
        if (!newestDropped.exec())
            return queryError(m_path, QStringLiteral("retention failed"), newestDropped);
        if (newestDropped.next()) {
            const QVariantList bound = {newestDropped.value(0), newestDropped.value(0), newestDropped.value(1)};
            newestDropped.finish();
            const QString older = QStringLiteral("started_at < ? OR (started_at = ? AND id <= ?)");
            if (auto failed = run(QStringLiteral("DELETE FROM race_routes WHERE race_id IN (SELECT id FROM races WHERE ")
                                      + older + u')', bound))
                return *failed;
            if (auto failed = run(QStringLiteral("DELETE FROM races WHERE ") + older, bound))
                return *failed;
        }
    }
    if (const auto failed = transaction.commit())
        return sqlError(m_path, QStringLiteral("cannot commit the retention"), *failed);
    if (deleted > 0)
        log::get("history")->info("history {}: retention deleted {} rows", m_path.toStdString(), deleted);
    return deleted;
}

} // namespace relayrace::history
