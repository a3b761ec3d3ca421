// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Races ordered from the race engine over a real lab (tests/support/enginelab.h): manual orders
// queue behind a running race (and past the queue are refused), the budget skips and counts races,
// the history keeps races and route changes across a restart, and the front reaches the engine on
// its own thread and answers history queries.
#include "support/enginelab.h"

#include "engine/enginehost.h"
#include "engine/localengine.h"
#include "history/historystore.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace relayrace;
using namespace relayrace::lab;
using namespace relayrace::engine;
using namespace relayrace::testsupport;

class TestEngineQueue final : public QObject, private EngineLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void raceBudgetSkipsRacesAndCountsThem();
    void manualRaceWhileOneRunsIsQueuedAndRunsAfter();
    void historyKeepsRacesAndRouteChanges();
    void engineHostRunsTheEngineOnItsOwnThread();
    void frontAnswersHistoryQueriesLaterFromAReaderOfItsOwn();
};

void TestEngineQueue::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    QCOMPARE(m_lab.caCertificates().size(), 1);
}

void TestEngineQueue::cleanupTestCase()
{
    m_lab.stop();
}

void TestEngineQueue::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestEngineQueue::manualRaceWhileOneRunsIsQueuedAndRunsAfter()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    QSignalSpy started(e.get(), &RaceEngine::raceStarted);
    QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
    QSignalSpy queued(e.get(), &RaceEngine::raceQueued);
    QSignalSpy refused(e.get(), &RaceEngine::raceRefused);
    QVERIFY(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/first?size=100000")) > 0);
    for (int i = 1; i <= RaceEngine::kMaxQueuedManualRaces; ++i)
        QCOMPARE(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/queued%1?size=100000").arg(i)), quint64(0));
    QCOMPARE(queued.size(), RaceEngine::kMaxQueuedManualRaces);
    QCOMPARE(queued.last().at(2).toInt(), RaceEngine::kMaxQueuedManualRaces);
    // One more than the queue holds is refused, saying why.
    QCOMPARE(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/one-too-many")), quint64(0));
    QCOMPARE(refused.size(), 1);
    QVERIFY2(refused.first().first().value<RaceRefusal>().reason.contains(QStringLiteral("already waiting")), qPrintable(refused.first().first().value<RaceRefusal>().reason));
    // A scheduled race is not queued: it is skipped while one runs.
    QCOMPARE(raceNow(*e, QStringLiteral("plain"), QString(), 0, model::Trigger::Schedule), quint64(0));
    QCOMPARE(refused.size(), 2);
    // The queue runs in order, one race after the other.
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1 + RaceEngine::kMaxQueuedManualRaces, kTimeoutMs);
    QCOMPARE(started.size(), 1 + RaceEngine::kMaxQueuedManualRaces);
    for (int i = 1; i <= RaceEngine::kMaxQueuedManualRaces; ++i) {
        const RaceStart info = started.at(i).first().value<RaceStart>();
        QCOMPARE(info.object, QStringLiteral("/obj/queued%1").arg(i));
        QCOMPARE(info.trigger, model::Trigger::Manual);
    }
}

void TestEngineQueue::raceBudgetSkipsRacesAndCountsThem()
{
    EngineSettings settings;
    settings.maxRacesPerMinute = 2;
    auto e = engine(settings);
    e->setMap(routeMap(QStringLiteral("plain")));
    QSignalSpy refused(e.get(), &RaceEngine::raceRefused);
    QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
    QVERIFY(raceNow(*e, QStringLiteral("plain")) > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    QVERIFY(raceNow(*e, QStringLiteral("plain")) > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, kTimeoutMs);
    QCOMPARE(raceNow(*e, QStringLiteral("plain")), quint64(0));
    QCOMPARE(refused.size(), 1);
    QVERIFY2(refused.first().first().value<RaceRefusal>().reason.contains(QStringLiteral("budget")), qPrintable(refused.first().first().value<RaceRefusal>().reason));
    QCOMPARE(e->snapshot(QStringLiteral("plain")).racesSkippedByBudget, 1);
    // A request that would race is served over the cached route instead.
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.retestAfterRequests = 1; }));
    const Served s = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/budget?size=1000")));
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(!s.result.raced);
    QCOMPARE(s.result.route, QStringLiteral("via:fast"));
    // The race that request asked for is the one already owed: not a second skipped race.
    QCOMPARE(e->snapshot(QStringLiteral("plain")).racesSkippedByBudget, 1);
}

void TestEngineQueue::historyKeepsRacesAndRouteChanges()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EngineSettings settings;
    settings.historyPath = dir.filePath(QStringLiteral("history.sqlite"));
    {
        auto e = engine(settings);
        QVERIFY2(e->historyError().isEmpty(), qPrintable(e->historyError()));
        e->setMap(routeMap(QStringLiteral("plain")));
        QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
        for (int i = 1; i <= 3; ++i) {
            QVERIFY(raceNow(*e, QStringLiteral("plain")) > 0);
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), i, kTimeoutMs);
        }
    }
    // A new store on the same file: what the console reads after a restart.
    auto store = history::HistoryStore::open(settings.historyPath);
    QVERIFY2(store.ok(), qPrintable(store.ok() ? QString() : store.error()));
    const QDateTime from = QDateTime::currentDateTimeUtc().addSecs(-3600);
    const QDateTime to = QDateTime::currentDateTimeUtc().addSecs(60);
    const auto stored = (*store)->recentRaces(QStringLiteral("plain"), 10);
    QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error()));
    const QList<model::RaceResult> races = *stored;
    QCOMPARE(races.size(), 3);
    for (const model::RaceResult &r : races) {
        QCOMPARE(r.winner, QStringLiteral("via:fast"));
        QCOMPARE(r.routes.size(), 3);
        QCOMPARE(r.trigger, model::Trigger::Manual);
    }
    const auto storedChanges = (*store)->routeChanges(QStringLiteral("plain"), from, to);
    QVERIFY(storedChanges.ok());
    const QList<model::RouteChange> changes = *storedChanges;
    QCOMPARE(changes.size(), 1);
    QCOMPARE(changes.first().toRoute, QStringLiteral("via:fast"));
}

void TestEngineQueue::engineHostRunsTheEngineOnItsOwnThread()
{
    EngineSettings settings;
    settings.caCertificates = m_lab.caCertificates();
    {
        EngineHost host(settings);
        QVERIFY(host.engine()->thread() != QThread::currentThread());
    }
    // The front drivers use: calls hop to the engine's thread, values come back, the mirror follows.
    LocalEngine front(settings);
    QSignalSpy started(&front, &EngineFront::raceStarted);
    QSignalSpy finished(&front, &EngineFront::raceFinished);
    QSignalSpy snapshots(&front, &EngineFront::providerChanged);
    front.setMap(routeMap(QStringLiteral("plain")), QStringLiteral("lab (unsigned)"));
    const quint64 order = front.raceNow(RaceOrder{QStringLiteral("plain"), QString(), 0, model::Trigger::Manual, 0});
    QVERIFY(order > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    QCOMPARE(started.size(), 1);
    const RaceStart start = started.first().first().value<RaceStart>();
    QCOMPARE(start.orderId, order);
    QCOMPARE(finished.first().at(0).toULongLong(), start.raceId);
    QCOMPARE(finished.first().at(1).value<model::RaceResult>().winner, QStringLiteral("via:fast"));
    QTRY_VERIFY_WITH_TIMEOUT(!snapshots.isEmpty() &&
                                 snapshots.last().first().value<ProviderSnapshot>().optimalRoute == u"via:fast",
                             kTimeoutMs);
    QCOMPARE(front.snapshot(QStringLiteral("plain")).optimalRoute, QStringLiteral("via:fast"));
    QCOMPARE(front.snapshot(QStringLiteral("plain")).mapTrust, QStringLiteral("lab (unsigned)"));
    QCOMPARE(front.providers(), QStringList{QStringLiteral("plain")});
    QVERIFY(front.routeMap(QStringLiteral("plain")).has_value());
}

void TestEngineQueue::frontAnswersHistoryQueriesLaterFromAReaderOfItsOwn()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EngineSettings settings;
    settings.caCertificates = m_lab.caCertificates();
    settings.historyPath = dir.filePath(QStringLiteral("history.sqlite"));
    LocalEngine front(settings);
    QSignalSpy finished(&front, &EngineFront::raceFinished);
    QSignalSpy answered(&front, &EngineFront::historyAnswered);
    front.setMap(routeMap(QStringLiteral("plain")), QString());
    for (int i = 1; i <= 2; ++i) {
        front.raceNow(RaceOrder{QStringLiteral("plain"), QString(), 0, model::Trigger::Manual, 0});
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), i, kTimeoutMs);
    }
    const auto ask = [&](const HistoryQuery &query) {
        const qsizetype before = answered.size();
        const quint64 ticket = front.queryHistory(query);
        const qsizetype inside = answered.size() - before; // never answered inside the call
        [&] { QTRY_COMPARE_WITH_TIMEOUT(answered.size(), before + 1, kTimeoutMs); }();
        HistoryAnswer a = answered.isEmpty() ? HistoryAnswer{} : answered.last().first().value<HistoryAnswer>();
        return std::make_tuple(ticket, inside, a);
    };
    HistoryQuery races;
    races.provider = QStringLiteral("plain");
    races.limit = 10;
    const auto [racesTicket, racesInside, racesAnswer] = ask(races);
    QCOMPARE(racesInside, 0);
    QCOMPARE(racesAnswer.ticket, racesTicket);
    QVERIFY2(racesAnswer.error.isEmpty(), qPrintable(racesAnswer.error));
    QCOMPARE(racesAnswer.races.size(), 2);
    for (const model::RaceResult &r : racesAnswer.races) {
        QCOMPARE(r.winner, QStringLiteral("via:fast"));
        QCOMPARE(r.trigger, model::Trigger::Manual);
    }
    HistoryQuery changes;
    changes.kind = HistoryQuery::Kind::RouteChanges;
    changes.provider = QStringLiteral("plain");
    changes.from = QDateTime::currentDateTimeUtc().addSecs(-3600);
    changes.to = QDateTime::currentDateTimeUtc().addSecs(60);
    const auto [changesTicket, changesInside, changesAnswer] = ask(changes);
    QCOMPARE(changesAnswer.ticket, changesTicket);
    QVERIFY2(changesAnswer.error.isEmpty(), qPrintable(changesAnswer.error));
    QCOMPARE(changesAnswer.routeChanges.size(), 1);
    QCOMPARE(changesAnswer.routeChanges.first().toRoute, QStringLiteral("via:fast"));
    HistoryQuery failovers;
    failovers.kind = HistoryQuery::Kind::Failovers;
    failovers.failovers.provider = QStringLiteral("plain");
    const auto [failoversTicket, failoversInside, failoversAnswer] = ask(failovers);
    QCOMPARE(failoversAnswer.ticket, failoversTicket);
    QVERIFY2(failoversAnswer.error.isEmpty(), qPrintable(failoversAnswer.error));
    QCOMPARE(failoversAnswer.failovers.size(), 0); // nothing failed over

    // A front whose engine keeps no history says so, later too.
    EngineSettings none;
    LocalEngine bare(none);
    QSignalSpy bareAnswered(&bare, &EngineFront::historyAnswered);
    const quint64 ticket = bare.queryHistory(races);
    QCOMPARE(bareAnswered.size(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(bareAnswered.size(), 1, kTimeoutMs);
    const HistoryAnswer refused = bareAnswered.first().first().value<HistoryAnswer>();
    QCOMPARE(refused.ticket, ticket);
    QVERIFY2(refused.error.contains(QStringLiteral("no history")), qPrintable(refused.error));
}

QTEST_GUILESS_MAIN(TestEngineQueue)
#include "tst_enginequeue.moc"
