// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The history store's file and rows: the file is WAL and versioned, files it cannot use are refused
// untouched, every kind of row round-trips, two threads write at once without loss, and a bulk
// insert of 100,000 route samples is timed.
#include "history/historystore.h"
#include "model/failoverevent.h"
#include "support/historyrecords.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QTest>
#include <QThread>

#include <memory>

using namespace relayrace;
using namespace Qt::StringLiterals;
using namespace relayrace::history;
using namespace relayrace::testsupport::historylab;
using model::FailoverEvent;
using model::RaceResult;
using model::RouteOutcome;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void compareRoutes(const model::RouteOutcome &got, const model::RouteOutcome &want)
{
    QCOMPARE(got.routeId, want.routeId);
    QCOMPARE(got.relay, want.relay);
    QCOMPARE(got.state, want.state);
    QCOMPARE(got.freshConnection, want.freshConnection);
    QCOMPARE(got.connectMs, want.connectMs);
    QCOMPARE(got.ttfbMs, want.ttfbMs);
    QCOMPARE(got.timeToThresholdMs, want.timeToThresholdMs);
    QCOMPARE(got.projectedMs, want.projectedMs);
    QCOMPARE(got.queuedMs, want.queuedMs);
    QCOMPARE(got.bytes, want.bytes);
    QCOMPARE(got.throughputBytesPerSec, want.throughputBytesPerSec);
    QCOMPARE(got.httpStatus, want.httpStatus);
    QCOMPARE(got.error, want.error);
}

} // namespace

class TestHistoryStore final : public HistoryTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void openSetsWalModeAndSchemaVersion()
    {
        const QString path = newPath();
        {
            auto store = openStore(path);
            QVERIFY(store);
        }
        QCOMPARE(sqlValue(path, QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
        QCOMPARE(sqlValue(path, QStringLiteral("PRAGMA user_version")).toInt(), HistoryStore::schemaVersion);
        QCOMPARE(sqlValue(path, QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table'")).toInt(), 4);
        auto again = openStore(path); // an up-to-date file opens as it is
        QVERIFY(again);
    }

    void newerSchemaFileIsRefusedUnchanged()
    {
        const QString path = newPath();
        QCOMPARE(sqlValue(path, QStringLiteral("PRAGMA user_version = 7")), QVariant());
        const QByteArray before = readAll(path);
        const Result<std::unique_ptr<HistoryStore>> store = HistoryStore::open(path);
        QVERIFY(!store);
        QVERIFY2(store.error().contains(path) && store.error().contains(QStringLiteral("schema version 7 is newer")),
                 qPrintable(store.error()));
        QCOMPARE(readAll(path), before);
        QCOMPARE(sqlValue(path, QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("delete"));
    }

    // A version 1 file (before races.margin_kind) is migrated in place: its races stay, a margin they
    // had reads as projected (what margins were then), and new races keep their kind.
    void version1FileIsMigratedKeepingItsRaces()
    {
        const QString path = newPath();
        {
            auto store = openStore(path);
            QVERIFY(store);
            QVERIFY(valueOr(store->addRace(makeRace(kT0, QStringLiteral("via:fra"), 12.5), QStringLiteral("edge-fra"), false), qint64(-1)) > 0);
        }
        QCOMPARE(sqlValue(path, QStringLiteral("ALTER TABLE races DROP COLUMN margin_kind")), QVariant());
        QCOMPARE(sqlValue(path, QStringLiteral("PRAGMA user_version = 1")), QVariant());
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(sqlValue(path, QStringLiteral("PRAGMA user_version")).toInt(), HistoryStore::schemaVersion);
        model::RaceResult measured = makeRace(kT0.addSecs(60), QStringLiteral("direct"), 30.25);
        measured.marginKind = model::RaceResult::MarginKind::Measured;
        QVERIFY(valueOr(store->addRace(measured, QStringLiteral("edge-fra"), false), qint64(-1)) > 0);
        const QList<model::RaceResult> got = valueOr(store->recentRaces(QStringLiteral("acme"), 10));
        QCOMPARE(got.size(), 2);
        QCOMPARE(got.at(0).marginKind, model::RaceResult::MarginKind::Measured);
        QCOMPARE(got.at(1).marginMs, 12.5);
        QCOMPARE(got.at(1).marginKind, model::RaceResult::MarginKind::Projected);
    }

    void garbageFileIsRefusedUnchanged()
    {
        const QString path = newPath();
        const QByteArray garbage = QByteArray("this is a shopping list, not a database\n").repeated(200);
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(garbage);
        }
        const Result<std::unique_ptr<HistoryStore>> store = HistoryStore::open(path);
        QVERIFY(!store);
        QVERIFY2(store.error().contains(path) && store.error().contains(QStringLiteral("not a database")),
                 qPrintable(store.error()));
        QCOMPARE(readAll(path), garbage);
    }

    void openNamesTheFileItCannotCreate()
    {
        const QString path = m_dir.filePath(QStringLiteral("no/such/dir/history.sqlite"));
        const Result<std::unique_ptr<HistoryStore>> store = HistoryStore::open(path);
        QVERIFY(!store);
        QVERIFY2(store.error().contains(path), qPrintable(store.error()));
    }

    void defaultPathIsUnderXdgDataHome()
    {
        const QString path = HistoryStore::defaultPath();
        QVERIFY(path.endsWith(QStringLiteral("/relayrace/history.sqlite")));
        if (qEnvironmentVariableIsSet("XDG_DATA_HOME"))
            QVERIFY2(path.startsWith(qEnvironmentVariable("XDG_DATA_HOME")), qPrintable(path));
        QVERIFY(QFileInfo(QFileInfo(path).path()).isDir());
    }

    void raceRoundTripsThroughRecentRaces()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        model::RaceResult won = makeRace(kT0.addMSecs(1234), QStringLiteral("via:fra"), 48.75);
        won.routes.append(route(QStringLiteral("via:ams"), model::RouteOutcome::State::Failed, -1, -1, -1));
        model::RaceResult failed = makeRace(kT0.addSecs(60));
        failed.winner.clear();
        failed.marginMs = -1;
        failed.error = QStringLiteral("direct: refused; via:fra: refused");
        failed.routes = {route(QStringLiteral("direct"), model::RouteOutcome::State::Failed, -1, -1, -1)};
        model::RaceResult bare = makeRace(kT0.addSecs(120));
        bare.routes.clear();
        for (const model::RaceResult &r : {won, failed, bare})
            QVERIFY(valueOr(store->addRace(r, QStringLiteral("edge-fra"), false), qint64(-1)) > 0);
        QVERIFY(valueOr(store->addRace(makeRace(kT0, QStringLiteral("direct"), 1, QStringLiteral("other")), {}, true), qint64(-1)) > 0);

        const QList<model::RaceResult> got = valueOr(store->recentRaces(QStringLiteral("acme"), 10));
        QCOMPARE(got.size(), 3);
        const QList<model::RaceResult> want = {bare, failed, won}; // newest first
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(got[i].provider, want[i].provider);
            QCOMPARE(got[i].trigger, want[i].trigger);
            QCOMPARE(got[i].object, want[i].object);
            QCOMPARE(got[i].thresholdBytes, want[i].thresholdBytes);
            QCOMPARE(got[i].winner, want[i].winner);
            QCOMPARE(got[i].marginMs, want[i].marginMs);
            QCOMPARE(got[i].wastedBytes, want[i].wastedBytes);
            QCOMPARE(got[i].fairness, want[i].fairness);
            QCOMPARE(got[i].startedAt, want[i].startedAt);
            QCOMPARE(got[i].startedAt.timeSpec(), Qt::UTC);
            QCOMPARE(got[i].error, want[i].error);
            QCOMPARE(got[i].ok(), want[i].ok());
            QCOMPARE(got[i].routes.size(), want[i].routes.size());
            for (int j = 0; j < want[i].routes.size(); ++j)
                compareRoutes(got[i].routes[j], want[i].routes[j]);
        }
        QCOMPARE(valueOr(store->recentRaces(QStringLiteral("acme"), 1)).size(), 1);
        // Figures that do not apply are NULL in the file, not -1 or "".
        QCOMPARE(sqlValue(store->path(), QStringLiteral("SELECT count(*) FROM races WHERE winner IS NULL AND margin_ms IS NULL")).toInt(), 1);
        QCOMPARE(sqlValue(store->path(), QStringLiteral("SELECT count(*) FROM race_routes WHERE ttt_ms IS NULL AND connect_ms IS NULL AND http_status IS NULL")).toInt(), 2);
        QCOMPARE(sqlValue(store->path(), QStringLiteral("SELECT count(*) FROM races WHERE is_test_object = 1 AND edge_region = ''")).toInt(), 1);
    }

    void routeChangeRoundTrips()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        const model::RouteChange first{QStringLiteral("acme"), QStringLiteral("edge-fra"), {}, QStringLiteral("direct"),
                                        kT0, QStringLiteral("first race"), -1, -1};
        const model::RouteChange second{QStringLiteral("acme"), QStringLiteral("edge-fra"), QStringLiteral("direct"),
                                         QStringLiteral("via:fra"), kT0.addSecs(600),
                                         QStringLiteral("won by 23.1% (hysteresis 10%)"), 23.1, 42};
        QVERIFY(store->addRouteChange(second).ok());
        QVERIFY(store->addRouteChange(first).ok());
        const QList<model::RouteChange> got = valueOr(store->routeChanges(QStringLiteral("acme"), kT0, kT0.addSecs(601)));
        QCOMPARE(got.size(), 2);
        for (const auto &[g, w] : {std::pair{got[0], first}, std::pair{got[1], second}}) {
            QCOMPARE(g.provider, w.provider);
            QCOMPARE(g.edgeRegion, w.edgeRegion);
            QCOMPARE(g.fromRoute, w.fromRoute);
            QCOMPARE(g.toRoute, w.toRoute);
            QCOMPARE(g.at, w.at);
            QCOMPARE(g.reason, w.reason);
            QCOMPARE(g.marginPct, w.marginPct);
            QCOMPARE(g.raceId, w.raceId);
        }
        QCOMPARE(valueOr(store->routeChanges(QStringLiteral("acme"), kT0, kT0.addSecs(600))).size(), 1);
    }

    void failoverRoundTrips()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        const QList<model::FailoverEvent> events = {
            failover(kT0.addMSecs(5), QStringLiteral("acme"), QStringLiteral("GET /big.bin"), QStringLiteral("direct"),
                     QStringLiteral("via:fra"), QStringLiteral("stall"), QStringLiteral("no bytes for 2000 ms")),
            failover(kT0.addSecs(1), QStringLiteral("acme"), QStringLiteral("GET /x"), QStringLiteral("via:fra"),
                     QStringLiteral("direct"), QStringLiteral("validator_changed"), {}, model::FailoverEvent::Outcome::Restarted),
            failover(kT0.addSecs(2), QStringLiteral("acme"), QStringLiteral("GET /y"), QStringLiteral("direct"), {},
                     QStringLiteral("refused"), QStringLiteral("Connection refused"), model::FailoverEvent::Outcome::Failed),
        };
        for (const model::FailoverEvent &e : events)
            QVERIFY(store->addFailover(e).ok());
        const QList<model::FailoverEvent> got = valueOr(store->failovers({}));
        QCOMPARE(got.size(), 3);
        for (int i = 0; i < 3; ++i) {
            const model::FailoverEvent &g = got[2 - i]; // newest first
            const model::FailoverEvent &w = events[i];
            QCOMPARE(g.at, w.at);
            QCOMPARE(g.provider, w.provider);
            QCOMPARE(g.request, w.request);
            QCOMPARE(g.fromRoute, w.fromRoute);
            QCOMPARE(g.toRoute, w.toRoute);
            QCOMPARE(g.reason, w.reason);
            QCOMPARE(g.detail, w.detail);
            QCOMPARE(g.bytesDelivered, w.bytesDelivered);
            QCOMPARE(g.resumeOffset, w.resumeOffset);
            QCOMPARE(g.recoverMs, w.recoverMs);
            QCOMPARE(g.outcome, w.outcome);
            QCOMPARE(model::toJson(g), model::toJson(w));
        }
        const QJsonObject json = model::toJson(events[2]);
        QVERIFY(json.value(QStringLiteral("to_route")).isNull());
        QVERIFY(json.value(QStringLiteral("resume_offset")).isNull());
        QVERIFY(json.value(QStringLiteral("recover_ms")).isNull());
        QCOMPARE(json.value(QStringLiteral("outcome")).toString(), QStringLiteral("failed"));
        QCOMPARE(json.value(QStringLiteral("at")).toString(), QStringLiteral("2026-11-25T18:00:02.000Z"));
        QCOMPARE(model::toJson(events[0]).value(QStringLiteral("resume_offset")).toInteger(), 524288);
    }

    void twoStoresOnTwoThreadsLoseNothing()
    {
        const QString path = newPath();
        constexpr int perThread = 300;
        QString errors[2];
        std::unique_ptr<QThread> threads[2];
        for (int t = 0; t < 2; ++t) {
            threads[t].reset(QThread::create([&, t] {
                auto opened = HistoryStore::open(path); // both open (and migrate) a new file at once
                if (!opened) {
                    errors[t] = opened.error();
                    return;
                }
                HistoryStore &store = *opened.value();
                const QString provider = t == 0 ? u"acme"_s : u"zeta"_s;
                for (int i = 0; i < perThread && errors[t].isEmpty(); ++i) {
                    const auto id = store.addRace(makeRace(kT0.addMSecs(i), u"direct"_s, 50, provider), u"e"_s, false);
                    const auto event = store.addFailover(failover(kT0.addMSecs(i), provider, u"GET /%1"_s.arg(i),
                                                                  u"direct"_s, u"via:fra"_s, u"reset"_s, {}));
                    errors[t] = !id ? id.error() : !event ? event.error() : QString();
                }
            }));
            threads[t]->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait(QDeadlineTimer(240'000)));
        QVERIFY2(errors[0].isEmpty(), qPrintable(errors[0]));
        QVERIFY2(errors[1].isEmpty(), qPrintable(errors[1]));
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(valueOr(store->racesSince({})), 2 * perThread);
        QCOMPARE(valueOr(store->failoversSince({})), 2 * perThread);
        QCOMPARE(valueOr(store->routeSamples(u"acme"_s, {}, {})).size(), 2 * perThread);
        QCOMPARE(valueOr(store->routeSamples(u"zeta"_s, {}, {})).size(), 2 * perThread);
    }

    void bulkInsertOf100kRouteSamples()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        constexpr int races = 25'000; // 4 routes each
        QList<RaceRecord> records;
        records.reserve(races);
        for (int i = 0; i < races; ++i) {
            model::RaceResult r = makeRace(kT0.addMSecs(qint64(i) * 1000), i % 3 ? u"direct"_s : u"via:fra"_s, 20 + i % 50);
            r.routes.append(route(u"via:ams"_s, model::RouteOutcome::State::Lost, -1, 90));
            r.routes.append(route(u"via:sgp"_s, model::RouteOutcome::State::Failed, -1, -1, -1));
            records.append({r, u"edge-fra"_s, false});
        }
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(valueOr(store->addRaces(records)), races);
        const qint64 ms = std::max<qint64>(timer.elapsed(), 1);
        qInfo("bulk insert: %d races, %d route samples in %lld ms: %.0f route samples/s", races, races * 4, ms,
              races * 4 * 1000.0 / double(ms));
        QVERIFY2(ms < 120'000, "100,000 route samples took over two minutes");
        timer.restart();
        const QList<BandPoint> band = valueOr(store->band(u"acme"_s, {}, {}, 3600, BandMetric::Projected));
        qInfo("band over %d races (hourly, projected): %lld ms, %lld points", races, timer.elapsed(), qint64(band.size()));
        QCOMPARE(valueOr(store->racesSince({})), races);
        QCOMPARE(sqlValue(store->path(), u"SELECT count(*) FROM race_routes"_s).toInt(), races * 4);
    }
};

QTEST_GUILESS_MAIN(TestHistoryStore)
#include "tst_historystore.moc"
