// The history store: every kind of row round-trips, the file is WAL and versioned, files it cannot use
// are refused untouched, retention deletes exactly what it should, the console's queries compute what
// they say, two threads write at once without loss, and `relayrace log --json` shows what was stored.
#include "model/failoverevent.h"
#include "history/historycsv.h"
#include "history/historystore.h"
#include "history/samplewindow.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

using namespace relayrace;
using namespace Qt::StringLiterals;
using namespace relayrace::history;
using model::FailoverEvent;
using model::RaceResult;
using model::RouteOutcome;

namespace {

const QDateTime kT0 = QDateTime(QDate(2026, 11, 25), QTime(18, 0), Qt::UTC);

model::RouteOutcome route(const QString &id, model::RouteOutcome::State state, double ttt, double projected, double ttfb = 20)
{
    model::RouteOutcome o;
    o.routeId = id;
    o.relay = id == u"direct" ? QString() : QStringLiteral("http://127.0.0.1:3128");
    o.state = state;
    o.freshConnection = state != model::RouteOutcome::State::Failed;
    o.connectMs = state == model::RouteOutcome::State::Failed ? -1 : 11.25;
    o.ttfbMs = ttfb;
    o.timeToThresholdMs = ttt;
    o.projectedMs = projected;
    o.queuedMs = 0.5;
    o.bytes = ttt >= 0 ? 65536 : 1234;
    o.throughputBytesPerSec = 1.5e6;
    o.httpStatus = state == model::RouteOutcome::State::Failed ? 0 : 200;
    o.error = state == model::RouteOutcome::State::Failed ? QStringLiteral("Connection refused") : QString();
    return o;
}

// A race direct vs via:fra at t; the winner reaches the threshold at winnerTtt.
model::RaceResult makeRace(const QDateTime &at, const QString &winner = QStringLiteral("direct"), double winnerTtt = 50,
                const QString &provider = QStringLiteral("acme"))
{
    model::RaceResult r;
    r.provider = provider;
    r.trigger = model::Trigger::T2;
    r.object = QStringLiteral("/big.bin?x=1");
    r.thresholdBytes = 65536;
    r.winner = winner;
    r.marginMs = 12.5;
    r.wastedBytes = 1234;
    r.fairness = QStringLiteral("warm");
    r.startedAt = at;
    for (const QString &id : {QStringLiteral("direct"), QStringLiteral("via:fra")}) {
        r.routes.append(id == winner ? route(id, model::RouteOutcome::State::Won, winnerTtt, winnerTtt)
                                     : route(id, model::RouteOutcome::State::Lost, -1, winnerTtt + 12.5));
    }
    return r;
}

model::FailoverEvent failover(const QDateTime &at, const QString &provider, const QString &request, const QString &from,
                       const QString &to, const QString &reason, const QString &detail,
                       model::FailoverEvent::Outcome outcome = model::FailoverEvent::Outcome::Resumed)
{
    model::FailoverEvent e;
    e.at = at;
    e.provider = provider;
    e.request = request;
    e.fromRoute = from;
    e.toRoute = to;
    e.reason = reason;
    e.detail = detail;
    e.bytesDelivered = 524288;
    e.resumeOffset = outcome == model::FailoverEvent::Outcome::Resumed ? 524288 : -1;
    e.recoverMs = outcome == model::FailoverEvent::Outcome::Failed ? -1 : 83.4;
    e.outcome = outcome;
    return e;
}

std::unique_ptr<HistoryStore> openStore(const QString &path, Retention retention = {})
{
    Result<std::unique_ptr<HistoryStore>> store = HistoryStore::open(path, retention);
    if (!store) {
        qWarning("%s", qPrintable(store.error()));
        return nullptr;
    }
    return std::move(store).value();
}

template<typename T>
T valueOr(Result<T> result, T fallback = {})
{
    if (!result) {
        qWarning("%s", qPrintable(result.error()));
        return fallback;
    }
    return std::move(result).value();
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// One value of a PRAGMA or query, through a connection of the test's own.
QVariant sqlValue(const QString &path, const QString &sql)
{
    QVariant value;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tst-probe"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(sql) && query.next())
                value = query.value(0);
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tst-probe"));
    return value;
}

QStringList requests(const QList<model::FailoverEvent> &events)
{
    QStringList out;
    for (const model::FailoverEvent &e : events)
        out.append(e.request);
    return out;
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

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runLog(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"), QStringList{QStringLiteral("log")} + arguments);
    Run run;
    if (!process.waitForStarted(30000) || !process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit)
        return run;
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

// Every field of a window's rows and route names, in order, as text: two windows over the same races
// must hold the same rows whichever way they were read.
QStringList windowRows(const SampleWindow &window)
{
    QStringList rows;
    for (const auto &s : window.samples()) {
        rows.append(u"sample %1 #%2 %3 ttfb=%4 ttt=%5 projected=%6"_s.arg(s.atMs).arg(s.raceId)
                        .arg(window.routeNames().value(s.route)).arg(s.ttfbMs).arg(s.timeToThresholdMs).arg(s.projectedMs));
    }
    for (const auto &r : window.races())
        rows.append(u"race %1 #%2 won by %3"_s.arg(r.atMs).arg(r.raceId).arg(window.routeNames().value(r.winner)));
    return rows;
}

} // namespace

class TestHistory final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_files = 0;
    QString newPath() { return m_dir.filePath(QStringLiteral("history-%1.sqlite").arg(++m_files)); }

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

    void routeSamplesExportAsCsv()
    {
        const QString storePath = newPath();
        {
            auto store = openStore(storePath);
            QVERIFY(store);
            QVERIFY(store->addRace(makeRace(kT0, QStringLiteral("direct"), 40), QStringLiteral("e"), false).ok());
            QVERIFY(store->addRace(makeRace(kT0.addSecs(20), QStringLiteral("via:fra"), 30), QStringLiteral("e"), false).ok());
            QVERIFY(store->addRace(makeRace(kT0.addSecs(30)), QStringLiteral("e"), false).ok()); // outside [from, to)
            QVERIFY(store->addRace(makeRace(kT0, QStringLiteral("direct"), 40, QStringLiteral("ac,me \"x\"")), QStringLiteral("e"), false).ok());
        }
        QTemporaryDir out;
        const QString csv = out.filePath(QStringLiteral("acme.csv"));
        QCOMPARE(valueOr(exportRouteSamplesCsv(storePath, QStringLiteral("acme"), kT0, kT0.addSecs(30), csv), qint64(-1)), 4);
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        QCOMPARE(lines.size(), 6); // header, 4 rows, the empty rest after the last newline
        QCOMPARE(lines[0], QByteArray("time,provider,route,state,connect_ms,ttfb_ms,time_to_threshold_ms,bytes,winner"));
        QCOMPARE(lines[1], QByteArray("2026-11-25T18:00:00.000Z,acme,direct,won,11.3,20.0,40.0,65536,1"));
        QCOMPARE(lines[2], QByteArray("2026-11-25T18:00:00.000Z,acme,via:fra,lost,11.3,20.0,,1234,0"));
        QVERIFY(lines[4].endsWith(",via:fra,won,11.3,20.0,30.0,65536,1"));
        QVERIFY(lines[5].isEmpty());

        // A provider name that needs quoting is quoted (RFC 4180).
        const QString quoted = out.filePath(QStringLiteral("quoted.csv"));
        QCOMPARE(valueOr(exportRouteSamplesCsv(storePath, QStringLiteral("ac,me \"x\""), kT0, kT0.addSecs(30), quoted), qint64(-1)), 2);
        QFile quotedFile(quoted);
        QVERIFY(quotedFile.open(QIODevice::ReadOnly));
        QVERIFY(quotedFile.readAll().split('\n').at(1).contains(",\"ac,me \"\"x\"\"\",direct,"));

        // Failures name the problem and leave nothing behind.
        const QString nowhere = out.filePath(QStringLiteral("missing-dir/acme.csv"));
        const Result<qint64> unwritable = exportRouteSamplesCsv(storePath, QStringLiteral("acme"), kT0, kT0.addSecs(30), nowhere);
        QVERIFY(!unwritable);
        QVERIFY2(unwritable.error().startsWith(nowhere), qPrintable(unwritable.error()));
        QVERIFY(!QFile::exists(nowhere));
        const QString garbage = out.filePath(QStringLiteral("garbage.sqlite"));
        {
            QFile g(garbage);
            QVERIFY(g.open(QIODevice::WriteOnly));
            g.write(QByteArray(8192, 'x'));
        }
        const QString none = out.filePath(QStringLiteral("none.csv"));
        const Result<qint64> notAStore = exportRouteSamplesCsv(garbage, QStringLiteral("acme"), kT0, kT0.addSecs(30), none);
        QVERIFY(!notAStore);
        QVERIFY(!QFile::exists(none));
    }

    void routeSamplesAndWinnerTimelineFollowTheRaces()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        QVERIFY(store->addRace(makeRace(kT0, QStringLiteral("direct"), 40), QStringLiteral("e"), false).ok());
        model::RaceResult failed = makeRace(kT0.addSecs(10));
        failed.winner.clear();
        failed.marginMs = -1;
        QVERIFY(store->addRace(failed, QStringLiteral("e"), false).ok());
        QVERIFY(store->addRace(makeRace(kT0.addSecs(20), QStringLiteral("via:fra"), 30), QStringLiteral("e"), false).ok());
        QVERIFY(store->addRace(makeRace(kT0.addSecs(30)), QStringLiteral("e"), false).ok()); // outside [from, to)

        const QList<RouteSample> samples = valueOr(store->routeSamples(QStringLiteral("acme"), kT0, kT0.addSecs(30)));
        QCOMPARE(samples.size(), 6);
        QCOMPARE(samples[0].at, kT0);
        QCOMPARE(samples[0].routeId, QStringLiteral("direct"));
        QVERIFY(samples[0].winner);
        QCOMPARE(samples[0].timeToThresholdMs, 40.0);
        QCOMPARE(samples[1].routeId, QStringLiteral("via:fra"));
        QVERIFY(!samples[1].winner);
        QCOMPARE(samples[1].state, model::RouteOutcome::State::Lost);
        QCOMPARE(samples[1].timeToThresholdMs, -1.0);
        QCOMPARE(samples[1].projectedMs, 52.5);
        QVERIFY(!samples[2].winner && !samples[3].winner); // the race nobody won
        QVERIFY(samples[5].winner && samples[5].routeId == u"via:fra");
        QCOMPARE(samples[5].connectMs, 11.25);
        QCOMPARE(samples[5].bytes, 65536);

        const QList<WinnerPoint> timeline = valueOr(store->winnerTimeline(QStringLiteral("acme"), kT0, kT0.addSecs(30)));
        QCOMPARE(timeline.size(), 3);
        QCOMPARE(timeline[0].winner, QStringLiteral("direct"));
        QCOMPARE(timeline[1].winner, QString());
        QVERIFY(!timeline[1].ok);
        QCOMPARE(timeline[1].marginMs, -1.0);
        QCOMPARE(timeline[2].winner, QStringLiteral("via:fra"));
        QCOMPARE(timeline[2].at, kT0.addSecs(20));
        QCOMPARE(timeline[2].trigger, QStringLiteral("t2"));
        QVERIFY(timeline[2].ok);
        QVERIFY(valueOr(store->winnerTimeline(QStringLiteral("nobody"), {}, {})).isEmpty());
    }

    void readsAfterARaceIdFindOnlyTheNewerRaces()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        const qint64 first = valueOr(store->addRace(makeRace(kT0), u"e"_s, false), qint64(-1));
        const qint64 second = valueOr(store->addRace(makeRace(kT0.addSecs(20), u"via:fra"_s), u"e"_s, false), qint64(-1));
        // Stored last, started first: found by its id, returned in time order.
        const qint64 third = valueOr(store->addRace(makeRace(kT0.addSecs(10)), u"e"_s, false), qint64(-1));
        QVERIFY(store->addRace(makeRace(kT0.addSecs(30), u"direct"_s, 50, u"globex"_s), u"e"_s, false).ok());
        QList<qint64> ids;
        for (const WinnerPoint &p : valueOr(store->winnerTimeline(u"acme"_s, kT0, {}, first)))
            ids.append(p.raceId);
        QCOMPARE(ids, (QList<qint64>{third, second}));
        const QList<RouteSample> samples = valueOr(store->routeSamples(u"acme"_s, kT0, {}, first));
        QCOMPARE(samples.size(), 4);
        QCOMPARE(samples[0].raceId, third);
        QCOMPARE(samples[1].routeId, u"via:fra"_s);
        QCOMPARE(samples[2].raceId, second);
        QVERIFY(samples[3].winner);
        // The time bounds still hold.
        QCOMPARE(valueOr(store->routeSamples(u"acme"_s, kT0.addSecs(15), {}, first)).size(), 2);
        QVERIFY(valueOr(store->winnerTimeline(u"acme"_s, kT0, {}, third)).isEmpty());
        QCOMPARE(valueOr(store->raceCount(u"acme"_s, kT0, {}), qint64(-1)), 3);
        QCOMPARE(valueOr(store->raceCount(u"acme"_s, kT0, {}, second), qint64(-1)), 2);
        QCOMPARE(valueOr(store->raceCount(u"acme"_s, kT0.addSecs(5), kT0.addSecs(20)), qint64(-1)), 1);
    }

    void sampleWindowReadsOnlyWhatIsNewAndMatchesAFullRead()
    {
        auto store = openStore(newPath(), Retention{30, 1'000'000});
        QVERIFY(store);
        for (int i = 0; i < 10; ++i)
            QVERIFY(store->addRace(makeRace(kT0.addSecs(10 * i), i % 3 ? u"direct"_s : u"via:fra"_s, 40 + i), u"e"_s, false).ok());
        const auto fresh = [&](const QDateTime &from) {
            SampleWindow window;
            const auto read = window.update(*store, u"acme"_s, from);
            if (!read || *read != SampleWindow::Read::Full)
                qWarning("a fresh window did not read in full: %s", qPrintable(read ? u"incremental"_s : read.error()));
            return windowRows(window);
        };

        SampleWindow window;
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0)), SampleWindow::Read::Full);
        QCOMPARE(window.samples().size(), size_t(20));
        QCOMPARE(window.races().size(), size_t(10));
        QCOMPARE(windowRows(window), fresh(kT0));

        // New races, one of them started before races already read (a long race stored late), and another
        // provider's: read incrementally, merged in time order.
        QVERIFY(store->addRace(makeRace(kT0.addSecs(100), u"via:fra"_s, 33), u"e"_s, false).ok());
        QVERIFY(store->addRace(makeRace(kT0.addSecs(45), u"direct"_s, 44), u"e"_s, false).ok());
        QVERIFY(store->addRace(makeRace(kT0.addSecs(50), u"direct"_s, 50, u"globex"_s), u"e"_s, false).ok());
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0)), SampleWindow::Read::Incremental);
        QCOMPARE(window.races().size(), size_t(12));
        QCOMPARE(windowRows(window), fresh(kT0));
        QCOMPARE(window.fullReads(), 1);

        // Nothing new: still incremental, nothing changes.
        const QStringList before = windowRows(window);
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0)), SampleWindow::Read::Incremental);
        QCOMPARE(windowRows(window), before);

        // The range moves on: what is older is no longer in the asked range.
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0.addSecs(35))), SampleWindow::Read::Incremental);
        const auto [begin, end] = window.samplesIn(kT0.addSecs(35).toMSecsSinceEpoch(), kT0.addSecs(101).toMSecsSinceEpoch());
        QCOMPARE(end - begin, size_t(2 * 8)); // 40, 45, 50, ..., 90, 100
        QCOMPARE(window.samples()[begin].atMs, kT0.addSecs(40).toMSecsSinceEpoch());
        const auto [racesBegin, racesEnd] = window.racesIn(kT0.addSecs(35).toMSecsSinceEpoch(), kT0.addSecs(95).toMSecsSinceEpoch());
        QCOMPARE(racesEnd - racesBegin, size_t(7));
        QCOMPARE(window.fullReads(), 1);

        // Races deleted under the window (retention): the count no longer matches, so a full read.
        // Older than 60 s: 7 of acme's races and globex's, 3 rows each.
        QCOMPARE(valueOr(store->applyRetention(kT0.addDays(30).addSecs(60)), qint64(-1)), 8 * 3);
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0.addSecs(35))), SampleWindow::Read::Full);
        QCOMPARE(window.fullReads(), 2);
        QCOMPARE(window.races().size(), size_t(5)); // 60, 70, 80, 90, 100
        QCOMPARE(windowRows(window), fresh(kT0.addSecs(35)));

        // An earlier start, another provider, or an explicit ask: full reads.
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0)), SampleWindow::Read::Full);
        QCOMPARE(valueOr(window.update(*store, u"globex"_s, kT0)), SampleWindow::Read::Full);
        QVERIFY(window.races().empty()); // retention took globex's only race
        QCOMPARE(valueOr(window.update(*store, u"globex"_s, kT0, true)), SampleWindow::Read::Full);
        QCOMPARE(window.fullReads(), 5);
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

    void failoverFiltersSelectExactlyTheMatchingEvents_data()
    {
        QTest::addColumn<FailoverQuery>("query");
        QTest::addColumn<QStringList>("expected"); // requests, newest first
        const auto q = [](auto change) {
            FailoverQuery query;
            change(query);
            return query;
        };
        QTest::addRow("none") << FailoverQuery{} << QStringList{u"GET /d%_"_s, u"GET /c"_s, u"GET /b"_s, u"GET /a"_s};
        QTest::addRow("provider") << q([](FailoverQuery &f) { f.provider = u"acme"_s; }) << QStringList{u"GET /b"_s, u"GET /a"_s};
        QTest::addRow("route from or to") << q([](FailoverQuery &f) { f.route = u"via:ams"_s; })
                                          << QStringList{u"GET /d%_"_s, u"GET /b"_s};
        QTest::addRow("route direct") << q([](FailoverQuery &f) { f.route = u"direct"_s; })
                                      << QStringList{u"GET /d%_"_s, u"GET /c"_s, u"GET /a"_s};
        QTest::addRow("reason") << q([](FailoverQuery &f) { f.reason = u"stall"_s; }) << QStringList{u"GET /d%_"_s, u"GET /b"_s};
        QTest::addRow("from") << q([](FailoverQuery &f) { f.from = kT0.addSecs(60); })
                              << QStringList{u"GET /d%_"_s, u"GET /c"_s, u"GET /b"_s};
        QTest::addRow("to exclusive") << q([](FailoverQuery &f) { f.to = kT0.addSecs(120); })
                                      << QStringList{u"GET /b"_s, u"GET /a"_s};
        QTest::addRow("from and to") << q([](FailoverQuery &f) { f.from = kT0.addSecs(60); f.to = kT0.addSecs(120); })
                                     << QStringList{u"GET /b"_s};
        QTest::addRow("text in detail, any case") << q([](FailoverQuery &f) { f.text = u"RESET BY"_s; }) << QStringList{u"GET /a"_s};
        QTest::addRow("text in request") << q([](FailoverQuery &f) { f.text = u"/c"_s; }) << QStringList{u"GET /c"_s};
        QTest::addRow("text wildcards are literal") << q([](FailoverQuery &f) { f.text = u"%_"_s; }) << QStringList{u"GET /d%_"_s};
        QTest::addRow("limit") << q([](FailoverQuery &f) { f.limit = 2; }) << QStringList{u"GET /d%_"_s, u"GET /c"_s};
        QTest::addRow("provider and reason") << q([](FailoverQuery &f) { f.provider = u"zeta"_s; f.reason = u"stall"_s; })
                                             << QStringList{u"GET /d%_"_s};
        QTest::addRow("provider, route, reason, text")
            << q([](FailoverQuery &f) { f.provider = u"acme"_s; f.route = u"via:ams"_s; f.reason = u"stall"_s; f.text = u"bytes"_s; })
            << QStringList{u"GET /b"_s};
        QTest::addRow("nothing matches") << q([](FailoverQuery &f) { f.provider = u"acme"_s; f.reason = u"refused"_s; })
                                         << QStringList{};
    }

    void failoverFiltersSelectExactlyTheMatchingEvents()
    {
        QFETCH(FailoverQuery, query);
        QFETCH(QStringList, expected);
        auto store = openStore(newPath());
        QVERIFY(store);
        using O = model::FailoverEvent::Outcome;
        for (const model::FailoverEvent &e : {
                 failover(kT0, u"acme"_s, u"GET /a"_s, u"direct"_s, u"via:fra"_s, u"reset"_s, u"Connection reset by peer"_s),
                 failover(kT0.addSecs(60), u"acme"_s, u"GET /b"_s, u"via:fra"_s, u"via:ams"_s, u"stall"_s, u"no bytes for 5 s"_s),
                 failover(kT0.addSecs(120), u"zeta"_s, u"GET /c"_s, u"direct"_s, {}, u"refused"_s, u"Connection refused"_s, O::Failed),
                 failover(kT0.addSecs(180), u"zeta"_s, u"GET /d%_"_s, u"via:ams"_s, u"direct"_s, u"stall"_s, u"stalled"_s, O::Restarted),
             })
            QVERIFY(store->addFailover(e).ok());
        QCOMPARE(requests(valueOr(store->failovers(query))), expected);
    }

    void bandMedianIsCorrectForOddAndEvenCounts()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        // Bucket 0 (first minute): direct wins in 30, 10, 20 ms. Bucket 1: direct 5, 40, 10, 100 ms and
        // via:fra wins once in 7 ms. A loser has no time to threshold and never counts.
        const QList<std::pair<int, double>> directWins = {{0, 30}, {10, 10}, {20, 20}, {60, 5}, {70, 40}, {80, 10}, {90, 100}};
        QList<RaceRecord> records;
        for (const auto &[second, ttt] : directWins)
            records.append({makeRace(kT0.addSecs(second), u"direct"_s, ttt), u"e"_s, false});
        records.append({makeRace(kT0.addSecs(100), u"via:fra"_s, 7), u"e"_s, false});
        records.append({makeRace(kT0.addSecs(200), u"via:fra"_s, 7), u"e"_s, false}); // outside [from, to)
        QCOMPARE(valueOr(store->addRaces(records)), int(records.size()));

        const QList<BandPoint> band = valueOr(store->band(u"acme"_s, kT0, kT0.addSecs(120), 60));
        QCOMPARE(band.size(), 3);
        QCOMPARE(band[0].routeId, u"direct"_s);
        QCOMPARE(band[0].bucketStart, kT0);
        QCOMPARE(band[0].count, 3);
        QCOMPARE(band[0].minMs, 10.0);
        QCOMPARE(band[0].medianMs, 20.0);
        QCOMPARE(band[0].maxMs, 30.0);
        QCOMPARE(band[1].bucketStart, kT0.addSecs(60));
        QCOMPARE(band[1].count, 4);
        QCOMPARE(band[1].minMs, 5.0);
        QCOMPARE(band[1].medianMs, 25.0); // (10 + 40) / 2
        QCOMPARE(band[1].maxMs, 100.0);
        QCOMPARE(band[2].routeId, u"via:fra"_s);
        QCOMPARE(band[2].count, 1);
        QCOMPARE(band[2].medianMs, 7.0);

        // Projected: the losers count too (winner's time + 12.5 ms in these races).
        const QList<BandPoint> projected = valueOr(store->band(u"acme"_s, kT0, kT0.addSecs(60), 60, BandMetric::Projected));
        QCOMPARE(projected.size(), 2);
        QCOMPARE(projected[1].routeId, u"via:fra"_s);
        QCOMPARE(projected[1].count, 3);
        QCOMPARE(projected[1].medianMs, 32.5);
        QVERIFY(!store->band(u"acme"_s, kT0, kT0.addSecs(60), 0).ok());
    }

    void ttfbHistogramCountsEachBin()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        QList<RaceRecord> records;
        int i = 0;
        for (const double ttfb : {1.0, 9.9, 10.0, 15.0, 19.99, 45.0}) {
            model::RaceResult r = makeRace(kT0.addSecs(i++));
            r.routes[1].ttfbMs = ttfb; // via:fra
            records.append({r, u"e"_s, false});
        }
        QVERIFY(store->addRaces(records).ok());
        const QList<HistogramBin> bins = valueOr(store->ttfbHistogram(u"acme"_s, u"via:fra"_s, kT0, kT0.addSecs(60), 10));
        QCOMPARE(bins.size(), 3);
        QCOMPARE(bins[0].lowMs, 0.0);
        QCOMPARE(bins[0].highMs, 10.0);
        QCOMPARE(bins[0].count, 2);
        QCOMPARE(bins[1].lowMs, 10.0);
        QCOMPARE(bins[1].count, 3);
        QCOMPARE(bins[2].lowMs, 40.0);
        QCOMPARE(bins[2].count, 1);
    }

    void providersAndCountsCoverEveryTable()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (const QString &p : {u"zeta"_s, u"acme"_s, u"zeta"_s})
            QVERIFY(store->addRace(makeRace(now.addSecs(-30), u"direct"_s, 50, p), u"e"_s, false).ok());
        QVERIFY(store->addRace(makeRace(now.addSecs(-90)), u"e"_s, false).ok());
        QVERIFY(store->addRouteChange({u"beta"_s, u"e"_s, {}, u"direct"_s, now, u"first race"_s}).ok());
        QVERIFY(store->addFailover(failover(now.addSecs(-10), u"gamma"_s, u"GET /"_s, u"direct"_s, {}, u"dns"_s, {})).ok());
        QVERIFY(store->addFailover(failover(now.addSecs(-100), u"acme"_s, u"GET /"_s, u"direct"_s, {}, u"dns"_s, {})).ok());
        QCOMPARE(valueOr(store->providers()), (QStringList{u"acme"_s, u"beta"_s, u"gamma"_s, u"zeta"_s}));
        QCOMPARE(valueOr(store->racesSince(now.addSecs(-60))), 3);
        QCOMPARE(valueOr(store->racesSince(now.addSecs(-120))), 4);
        QCOMPARE(valueOr(store->failoversSince(now.addSecs(-60))), 1);
        QCOMPARE(valueOr(store->racesPerMinute(now)), 3);
    }

    void retentionByAgeDeletesOlderRowsOnly()
    {
        const QDateTime now = kT0;
        auto store = openStore(newPath(), Retention{30, 1'000'000});
        QVERIFY(store);
        model::RaceResult three = makeRace(now.addDays(-40));
        three.routes.append(route(u"via:ams"_s, model::RouteOutcome::State::Lost, -1, 80));
        QVERIFY(store->addRace(three, u"e"_s, false).ok());                          // 1 + 3 rows
        QVERIFY(store->addRace(makeRace(now.addDays(-30).addMSecs(-1)), u"e"_s, false).ok()); // 1 + 2 rows
        const qint64 boundary = valueOr(store->addRace(makeRace(now.addDays(-30)), u"e"_s, false), qint64(-1)); // kept
        const qint64 recent = valueOr(store->addRace(makeRace(now.addDays(-1)), u"e"_s, false), qint64(-1));
        QVERIFY(store->addRouteChange({u"acme"_s, u"e"_s, {}, u"direct"_s, now.addDays(-31), u"first race"_s}).ok()); // 1
        QVERIFY(store->addRouteChange({u"acme"_s, u"e"_s, u"direct"_s, u"via:fra"_s, now.addDays(-2), u"won"_s}).ok());
        QVERIFY(store->addFailover(failover(now.addDays(-35), u"acme"_s, u"GET /old"_s, u"direct"_s, {}, u"dns"_s, {})).ok()); // 1
        QVERIFY(store->addFailover(failover(now.addDays(-3), u"acme"_s, u"GET /new"_s, u"direct"_s, {}, u"dns"_s, {})).ok());

        QCOMPARE(valueOr(store->applyRetention(now), qint64(-1)), 1 + 3 + 1 + 2 + 1 + 1);
        const QList<WinnerPoint> left = valueOr(store->winnerTimeline(u"acme"_s, {}, {}));
        QCOMPARE(left.size(), 2);
        QCOMPARE(left[0].raceId, boundary);
        QCOMPARE(left[1].raceId, recent);
        QCOMPARE(valueOr(store->routeSamples(u"acme"_s, {}, {})).size(), 4);
        QCOMPARE(sqlValue(store->path(), u"SELECT count(*) FROM race_routes"_s).toInt(), 4);
        QCOMPARE(valueOr(store->routeChanges(u"acme"_s, {}, {})).size(), 1);
        QCOMPARE(requests(valueOr(store->failovers({}))), QStringList{u"GET /new"_s});
        QCOMPARE(valueOr(store->applyRetention(now), qint64(-1)), 0);
    }

    void retentionByCountKeepsTheNewestRaces()
    {
        const QDateTime now = kT0;
        auto store = openStore(newPath(), Retention{0, 3});
        QVERIFY(store);
        const QDateTime day = now.addDays(-1);
        QList<qint64> ids;
        // Two races at the same millisecond: the later id is the newer.
        for (const QDateTime &at : {day.addSecs(7200), day, day.addSecs(3600), day, now.addDays(-400)})
            ids.append(valueOr(store->addRace(makeRace(at), u"e"_s, false), qint64(-1)));
        QVERIFY(store->addFailover(failover(now.addDays(-400), u"acme"_s, u"GET /"_s, u"direct"_s, {}, u"dns"_s, {})).ok());
        QCOMPARE(valueOr(store->applyRetention(now), qint64(-1)), 2 * (1 + 2)); // maxAgeDays 0: no age limit
        QList<qint64> left;
        for (const WinnerPoint &p : valueOr(store->winnerTimeline(u"acme"_s, {}, {})))
            left.append(p.raceId);
        QCOMPARE(left, (QList<qint64>{ids[3], ids[2], ids[0]}));
        QCOMPARE(sqlValue(store->path(), u"SELECT count(*) FROM race_routes"_s).toInt(), 6);
        QCOMPARE(valueOr(store->failoversSince({})), 1);
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

    void logCommandPrintsStoredEventsAsJson()
    {
        const QString path = newPath();
        const QList<model::FailoverEvent> events = {
            failover(kT0, u"acme"_s, u"GET /a"_s, u"direct"_s, u"via:fra"_s, u"reset"_s, u"Connection reset by peer"_s),
            failover(kT0.addSecs(60), u"zeta"_s, u"GET /b"_s, u"via:fra"_s, {}, u"refused"_s, u"refused"_s,
                     model::FailoverEvent::Outcome::Failed),
            failover(kT0.addSecs(120), u"acme"_s, u"GET /c"_s, u"via:fra"_s, u"direct"_s, u"stall"_s, {},
                     model::FailoverEvent::Outcome::Restarted),
        };
        {
            auto store = openStore(path);
            QVERIFY(store);
            for (const model::FailoverEvent &e : events)
                QVERIFY(store->addFailover(e).ok());
        }
        Run run = runLog({u"--db"_s, path, u"--json"_s});
        QCOMPARE(run.exitCode, 0);
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(run.out, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        const QJsonArray array = doc.object().value(u"events"_s).toArray();
        QCOMPARE(array.size(), 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(array[i].toObject(), model::toJson(events[2 - i]));
        const QJsonObject newest = array[0].toObject();
        QCOMPARE(newest.value(u"request"_s).toString(), u"GET /c"_s);
        QCOMPARE(newest.value(u"from_route"_s).toString(), u"via:fra"_s);
        QCOMPARE(newest.value(u"outcome"_s).toString(), u"restarted"_s);
        QCOMPARE(newest.value(u"at"_s).toString(), u"2026-11-25T18:02:00.000Z"_s);
        QCOMPARE(newest.value(u"bytes_delivered"_s).toInteger(), 524288);

        run = runLog({u"--db"_s, path, u"--json"_s, u"--provider"_s, u"acme"_s, u"--since"_s, u"2026-11-25T18:00:30Z"_s});
        QCOMPARE(run.exitCode, 0);
        const QJsonArray filtered = QJsonDocument::fromJson(run.out).object().value(u"events"_s).toArray();
        QCOMPARE(filtered.size(), 1);
        QCOMPARE(filtered[0].toObject(), model::toJson(events[2]));

        run = runLog({u"--db"_s, path, u"--route"_s, u"direct"_s, u"--reason"_s, u"reset"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("GET /a") && run.out.contains("direct -> via:fra") && run.out.contains("OUTCOME")
                     && !run.out.contains("GET /c"), run.out.constData());

        run = runLog({u"--db"_s, path, u"--provider"_s, u"nobody"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.contains("no failover events"), run.err.constData());

        run = runLog({u"--db"_s, path, u"--since"_s, u"yesterday-ish"_s});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("yesterday-ish"), run.err.constData());

        const QString garbage = newPath();
        {
            QFile file(garbage);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray(4096, 'x'));
        }
        run = runLog({u"--db"_s, garbage});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(garbage.toUtf8()), run.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
