// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The race engine's route cache over a real lab (tests/support/enginelab.h): a cached route is used
// inside its TTL, the three re-test triggers (first period, second period, request count) and an
// expired route race again, and a route change follows a swapped winner.
#include "support/enginelab.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace relayrace;
using namespace relayrace::lab;
using namespace relayrace::engine;
using namespace relayrace::testsupport;

class TestEngineCache final : public QObject, private EngineLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void cachedRouteIsUsedWithoutRacingInsideItsTtl();
    void firstPeriodTriggerRacesOnlyOnceT1HasPassed();
    void secondPeriodTriggerRacesAgainOnceT2HasPassed();
    void requestCountTriggerRacesAfterNRequests();
    void expiredRouteIsRacedAgain();
    void swappingImpairmentsSwapsTheWinnerAndRecordsTheChange();
};

void TestEngineCache::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    QCOMPARE(m_lab.caCertificates().size(), 1);
}

void TestEngineCache::cleanupTestCase()
{
    m_lab.stop();
}

void TestEngineCache::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestEngineCache::cachedRouteIsUsedWithoutRacingInsideItsTtl()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    QSignalSpy started(e.get(), &RaceEngine::raceStarted);
    const Served first = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/ttl?size=100000")));
    QVERIFY2(first.result.ok, qPrintable(first.result.error));
    QVERIFY(first.result.raced);
    QCOMPARE(first.result.trigger, model::Trigger::T1); // T1 = 0: the first request races
    QCOMPARE(first.result.route, QStringLiteral("via:fast"));
    for (int i = 0; i < 5; ++i) {
        const Served next = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/ttl?size=100000")));
        QVERIFY2(next.result.ok, qPrintable(next.result.error));
        QVERIFY(!next.result.raced);
        QCOMPARE(next.result.route, QStringLiteral("via:fast"));
        QCOMPARE(next.body.size(), 100000);
    }
    QCOMPARE(started.size(), 1);
    const ProviderSnapshot snapshot = e->snapshot(QStringLiteral("plain"));
    QCOMPARE(snapshot.optimalRoute, QStringLiteral("via:fast"));
    QCOMPARE(snapshot.requests, 6);
    QCOMPARE(snapshot.races, 1);
}

void TestEngineCache::firstPeriodTriggerRacesOnlyOnceT1HasPassed()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.firstPeriodS = 1; }));
    QElapsedTimer clock;
    clock.start();
    const Served before = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t1?size=1000")));
    QVERIFY2(before.result.ok, qPrintable(before.result.error));
    if (clock.elapsed() < 900) {
        QVERIFY(!before.result.raced);
        QCOMPARE(before.result.route, QStringLiteral("direct")); // no race yet: map order
    }
    // The first period is measured from the first request; waiting for it is the behaviour under test.
    QTest::qWait(1100);
    const Served after = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t1?size=1000")));
    QVERIFY2(after.result.ok, qPrintable(after.result.error));
    QVERIFY(after.result.raced);
    QCOMPARE(after.result.trigger, model::Trigger::T1);
    QCOMPARE(after.result.route, QStringLiteral("via:fast"));
}

void TestEngineCache::secondPeriodTriggerRacesAgainOnceT2HasPassed()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.retestAfterS = 1; }));
    QVERIFY(serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t2?size=1000"))).result.raced);
    QElapsedTimer clock;
    clock.start();
    const Served soon = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t2?size=1000")));
    if (clock.elapsed() < 900)
        QVERIFY(!soon.result.raced);
    QTest::qWait(1100);
    const Served later = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t2?size=1000")));
    QVERIFY(later.result.raced);
    QCOMPARE(later.result.trigger, model::Trigger::T2);
}

void TestEngineCache::requestCountTriggerRacesAfterNRequests()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.retestAfterRequests = 3; }));
    QStringList triggers;
    for (int i = 0; i < 9; ++i) {
        const Served s = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/n?size=1000")));
        QVERIFY2(s.result.ok, qPrintable(s.result.error));
        triggers.append(s.result.raced ? model::triggerName(s.result.trigger) : QStringLiteral("-"));
    }
    // The first request races (T1 = 0); then the 3rd request received since the last race races.
    QCOMPARE(triggers.join(u' '), QStringLiteral("t1 - - n - - n - -"));
}

void TestEngineCache::expiredRouteIsRacedAgain()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.routeTtlS = 1; }));
    QVERIFY(serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/ttl2?size=1000"))).result.raced);
    QTest::qWait(1100);
    QCOMPARE(e->snapshot(QStringLiteral("plain")).optimalRoute, QString()); // claim 2: used at most the TTL
    const Served again = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/ttl2?size=1000")));
    QVERIFY(again.result.raced);
    QCOMPARE(again.result.trigger, model::Trigger::Ttl);
}

void TestEngineCache::swappingImpairmentsSwapsTheWinnerAndRecordsTheChange()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
    QSignalSpy changed(e.get(), &RaceEngine::routeChanged);
    QVERIFY(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/swap?size=200000")) > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    QCOMPARE(finished.at(0).at(1).value<model::RaceResult>().winner, QStringLiteral("via:fast"));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).first().value<model::RouteChange>().toRoute, QStringLiteral("via:fast"));

    // Swap: the fast region becomes the slowest, the slow one the fastest.
    RELAYRACE_VERIFY_OK(m_lab.impair(QStringLiteral("edge>relay:fast"), [](Impairment &i) { i.latencyMs = 400; }));
    RELAYRACE_VERIFY_OK(m_lab.impair(QStringLiteral("edge>relay:slow"), [](Impairment &i) { i.latencyMs = 10; }));
    RELAYRACE_VERIFY_OK(m_lab.impair(QStringLiteral("relay:slow>origin:plain"), [](Impairment &i) { i.latencyMs = 10; }));
    // The new best wins at once; the route follows after one race when the incumbent's margin was
    // measured (> 10%), or after two in a row when the incumbent had no byte yet at the decision.
    for (int race = 2; race <= 3 && changed.size() < 2; ++race) {
        QVERIFY(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/swap?size=200000")) > 0);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), race, kTimeoutMs);
        QCOMPARE(finished.at(race - 1).at(1).value<model::RaceResult>().winner, QStringLiteral("via:slow"));
    }
    QCOMPARE(changed.size(), 2);
    const auto change = changed.at(1).first().value<model::RouteChange>();
    QCOMPARE(change.fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(change.toRoute, QStringLiteral("via:slow"));
    QVERIFY2(change.marginPct > 10 || change.reason.contains(QStringLiteral("not measurable")), qPrintable(change.reason));
    QCOMPARE(e->snapshot(QStringLiteral("plain")).optimalRoute, QStringLiteral("via:slow"));
}

QTEST_GUILESS_MAIN(TestEngineCache)
#include "tst_enginecache.moc"
