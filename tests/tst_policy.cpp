// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The route cache (docs/race-policy.md): re-test triggers fire exactly on time and not a request or a
// second earlier, precedence, one race at a time, the race budget, hysteresis and failover order.
#include "policy/racebudget.h"
#include "policy/routecache.h"
#include "model/trigger.h"
#include "model/raceresult.h"

#include <QTest>

using namespace relayrace;
using namespace relayrace::policy;
using namespace Qt::StringLiterals;
using model::RaceResult;
using model::RouteOutcome;

namespace {

const RouteKey kKey{u"acme"_s, u"edge-fra"_s};
const QDateTime kT0(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC);

map::RaceSettings settings(qint64 t1, qint64 t2, qint64 n, qint64 ttl, double hysteresisPct = 10)
{
    map::RaceSettings s;
    s.firstPeriodS = t1;
    s.retestAfterS = t2;
    s.retestAfterRequests = n;
    s.routeTtlS = ttl;
    s.hysteresisPct = hysteresisPct;
    return s;
}

// Only time triggers, far apart, unless a test narrows them.
const map::RaceSettings kQuiet = settings(60, 600, 1'000'000, 1800);

model::RouteOutcome won(const QString &id, double ms)
{
    model::RouteOutcome o;
    o.routeId = id;
    o.state = model::RouteOutcome::State::Won;
    o.timeToThresholdMs = ms;
    o.projectedMs = ms;
    return o;
}

// A loser that was receiving when the winner decided: its projection is a measured margin.
model::RouteOutcome lost(const QString &id, double projectedMs)
{
    model::RouteOutcome o;
    o.routeId = id;
    o.state = model::RouteOutcome::State::Lost;
    o.projectedMs = projectedMs;
    o.ttfbMs = projectedMs / 2;
    o.bytes = 1000;
    return o;
}

// A loser that had no byte yet at the decision: its time is unknowable.
model::RouteOutcome lostBeforeFirstByte(const QString &id, double decidedAtMs)
{
    model::RouteOutcome o;
    o.routeId = id;
    o.state = model::RouteOutcome::State::Lost;
    o.projectedMs = decidedAtMs;
    return o;
}

model::RouteOutcome failed(const QString &id, const QString &error)
{
    model::RouteOutcome o;
    o.routeId = id;
    o.state = model::RouteOutcome::State::Failed;
    o.error = error;
    return o;
}

model::RaceResult result(const QString &winner, const QList<model::RouteOutcome> &routes)
{
    model::RaceResult r;
    r.provider = kKey.provider;
    r.winner = winner;
    r.routes = routes;
    if (winner.isEmpty())
        r.error = u"every route failed"_s;
    return r;
}

// Begins and finishes one race at `at` (the budget must allow it).
std::optional<model::RouteChange> runRace(RouteCache &cache, const model::RaceResult &r, const map::RaceSettings &s,
                                const QDateTime &at, model::Trigger trigger = model::Trigger::Manual)
{
    if (cache.beginRace(kKey, trigger, at) != Admission::Admitted)
        qFatal("race refused by the budget");
    return cache.finishRace(kKey, r, s, at);
}

} // namespace

class TestPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void triggerNamesAreTheDocumentedOnes();
    void t1FiresWhenTheFirstPeriodEndsWithoutARace_data();
    void t1FiresWhenTheFirstPeriodEndsWithoutARace();
    void nFiresOnTheNthRequestBeforeAnyRace_data();
    void nFiresOnTheNthRequestBeforeAnyRace();
    void t2FiresExactlyRetestAfterSecondsAfterTheLastRace();
    void nFiresOnTheNthRequestAfterTheLastRace();
    void ttlFiresAndTheExpiredRouteIsNoLongerReturned();
    void triggersFollowTheDocumentedPrecedence_data();
    void triggersFollowTheDocumentedPrecedence();
    void raceInFlightSuppressesDuplicateRaces();
    void abandonedRaceLetsTheNextRequestRace();
    void budgetSkipsCountsAndReleasesAfterTheWindow();
    void budgetZeroIsUnlimited();
    void manualRaceRefusedByBudgetStaysPending();
    void firstRaceChoosesTheWinner();
    void hysteresisKeepsOrReplacesTheIncumbent_data();
    void hysteresisKeepsOrReplacesTheIncumbent();
    void keptIncumbentRestartsItsTtl();
    void failedIncumbentIsReplacedWhateverTheMargin();
    void unmeasurableMarginNeedsTheSameChallengerTwiceInARow();
    void incumbentAbsentFromTheRaceIsReplaced();
    void failedRaceKeepsTheIncumbent();
    void expiredRouteIsReplacedWithoutHysteresisOrRenewed();
    void failedRaceOnAnExpiredRouteDoesNotRaceEveryRequest();
    void orderedRoutesPutsOptimalFirstThenFastestThenUnknownThenFailed();
    void nextRetestAtAndRouteAgeForTheProvidersPanel();
};

void TestPolicy::triggerNamesAreTheDocumentedOnes()
{
    const QList<std::pair<model::Trigger, QString>> names{{model::Trigger::T1, u"t1"_s}, {model::Trigger::T2, u"t2"_s},
                                                   {model::Trigger::Requests, u"n"_s}, {model::Trigger::Ttl, u"ttl"_s},
                                                   {model::Trigger::Manual, u"manual"_s}, {model::Trigger::Failover, u"failover"_s},
                                                   {model::Trigger::Degraded, u"degraded"_s}, {model::Trigger::None, QString()}};
    for (const auto &[trigger, name] : names) {
        QCOMPARE(model::triggerName(trigger), name);
        QCOMPARE(model::triggerFromName(name), std::optional<model::Trigger>(trigger));
    }
    QCOMPARE(model::triggerFromName(u"T1"_s), std::nullopt);
}

void TestPolicy::t1FiresWhenTheFirstPeriodEndsWithoutARace_data()
{
    QTest::addColumn<qint64>("t1");
    QTest::addRow("T1 = 0: the first request races") << qint64(0);
    QTest::addRow("T1 = 1 s") << qint64(1);
    QTest::addRow("T1 = 60 s") << qint64(60);
}

void TestPolicy::t1FiresWhenTheFirstPeriodEndsWithoutARace()
{
    QFETCH(qint64, t1);
    RouteCache cache;
    const map::RaceSettings s = settings(t1, 600, 1'000'000, 1800);
    const Decision first = cache.onRequest(kKey, s, kT0);
    if (t1 == 0) {
        QCOMPARE(first, (Decision{true, model::Trigger::T1, QString()}));
        return;
    }
    QCOMPARE(first, Decision{});
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(t1 - 1)), Decision{});
    QCOMPARE(cache.onRequest(kKey, s, kT0.addMSecs(t1 * 1000 - 1)), Decision{});
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(t1)), (Decision{true, model::Trigger::T1, QString()}));
    QCOMPARE(cache.entry(kKey)->periodStart, kT0);
}

void TestPolicy::nFiresOnTheNthRequestBeforeAnyRace_data()
{
    QTest::addColumn<qint64>("n");
    QTest::addRow("N = 1") << qint64(1);
    QTest::addRow("N = 2") << qint64(2);
    QTest::addRow("N = 7") << qint64(7);
}

void TestPolicy::nFiresOnTheNthRequestBeforeAnyRace()
{
    QFETCH(qint64, n);
    RouteCache cache;
    const map::RaceSettings s = settings(60, 600, n, 1800);
    for (qint64 i = 1; i < n; ++i)
        QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(i)), Decision{});
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(n)), (Decision{true, model::Trigger::Requests, QString()}));
    QCOMPARE(cache.entry(kKey)->requestsSinceRace, n);
}

void TestPolicy::t2FiresExactlyRetestAfterSecondsAfterTheLastRace()
{
    RouteCache cache;
    const map::RaceSettings s = settings(60, 300, 1'000'000, 1800);
    cache.onRequest(kKey, s, kT0);
    const QDateTime raced = kT0.addSecs(60);
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, raced);
    QCOMPARE(cache.onRequest(kKey, s, raced.addSecs(299)), (Decision{false, model::Trigger::None, u"direct"_s}));
    QCOMPARE(cache.onRequest(kKey, s, raced.addMSecs(299'999)), (Decision{false, model::Trigger::None, u"direct"_s}));
    QCOMPARE(cache.onRequest(kKey, s, raced.addSecs(300)), (Decision{true, model::Trigger::T2, u"direct"_s}));
}

void TestPolicy::nFiresOnTheNthRequestAfterTheLastRace()
{
    RouteCache cache;
    const map::RaceSettings s = settings(0, 600, 5, 1800);
    QVERIFY(cache.onRequest(kKey, s, kT0).race);
    QCOMPARE(cache.beginRace(kKey, model::Trigger::T1, kT0), Admission::Admitted);
    // Requests served while the race runs are not "since the race".
    for (int i = 0; i < 10; ++i)
        QVERIFY(!cache.onRequest(kKey, s, kT0).race);
    cache.finishRace(kKey, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0.addSecs(1));
    QCOMPARE(cache.entry(kKey)->requestsSinceRace, 0);
    for (int i = 1; i < 5; ++i)
        QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(2)), (Decision{false, model::Trigger::None, u"direct"_s}));
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(2)), (Decision{true, model::Trigger::Requests, u"direct"_s}));
}

void TestPolicy::ttlFiresAndTheExpiredRouteIsNoLongerReturned()
{
    RouteCache cache;
    const map::RaceSettings s = settings(60, 600, 1'000'000, 120);
    runRace(cache, result(u"via:fra"_s, {won(u"via:fra"_s, 80)}), s, kT0);
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(119)), (Decision{false, model::Trigger::None, u"via:fra"_s}));
    QCOMPARE(cache.onRequest(kKey, s, kT0.addMSecs(119'999)), (Decision{false, model::Trigger::None, u"via:fra"_s}));
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(120)), (Decision{true, model::Trigger::Ttl, QString()}));
    QVERIFY(cache.entry(kKey)->isExpired(kT0.addSecs(120)));
    QCOMPARE(cache.entry(kKey)->optimalRoute, u"via:fra"_s);  // remembered, not used
    QCOMPARE(cache.routeAgeMs(kKey, kT0.addSecs(120)), -1);
}

void TestPolicy::triggersFollowTheDocumentedPrecedence_data()
{
    // Settings, whether a race ran at kT0 (choosing "direct"), requests sent at kT0 + `at` (without a
    // race, the first of them is sent at kT0 to open the first period), expected trigger.
    QTest::addColumn<map::RaceSettings>("s");
    QTest::addColumn<bool>("raced");
    QTest::addColumn<int>("requests");
    QTest::addColumn<qint64>("at");
    QTest::addColumn<model::Trigger>("expected");
    QTest::addRow("ttl over t2 and n") << settings(60, 100, 3, 100) << true << 3 << qint64(100) << model::Trigger::Ttl;
    QTest::addRow("t2 over n") << settings(60, 100, 3, 1800) << true << 3 << qint64(100) << model::Trigger::T2;
    QTest::addRow("n alone after a race") << settings(60, 100, 3, 1800) << true << 3 << qint64(99) << model::Trigger::Requests;
    QTest::addRow("ttl before t2") << settings(60, 200, 1000, 100) << true << 1 << qint64(150) << model::Trigger::Ttl;
    QTest::addRow("n over t1") << settings(60, 600, 3, 1800) << false << 3 << qint64(60) << model::Trigger::Requests;
    QTest::addRow("t1 after the first period") << settings(60, 600, 3, 1800) << false << 2 << qint64(60) << model::Trigger::T1;
    QTest::addRow("no t1 once a race ran") << settings(60, 600, 1000, 1800) << true << 1 << qint64(60) << model::Trigger::None;
}

void TestPolicy::triggersFollowTheDocumentedPrecedence()
{
    QFETCH(map::RaceSettings, s);
    QFETCH(bool, raced);
    QFETCH(int, requests);
    QFETCH(qint64, at);
    QFETCH(model::Trigger, expected);
    RouteCache cache;
    if (raced)
        runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0);
    else
        cache.onRequest(kKey, s, kT0);  // opens the first period; counts as one of the requests
    Decision d;
    for (int i = raced ? 0 : 1; i < requests; ++i)
        d = cache.onRequest(kKey, s, kT0.addSecs(at));
    QCOMPARE(model::triggerName(d.trigger), model::triggerName(expected));
    QCOMPARE(d.race, expected != model::Trigger::None);
}

void TestPolicy::raceInFlightSuppressesDuplicateRaces()
{
    RouteCache cache;
    const map::RaceSettings s = settings(0, 0, 0, 1800);  // every request would race
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0);
    const Decision d = cache.onRequest(kKey, s, kT0.addSecs(1));
    QVERIFY(d.race);
    QCOMPARE(cache.beginRace(kKey, d.trigger, kT0.addSecs(1)), Admission::Admitted);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(2)), (Decision{false, model::Trigger::None, u"direct"_s}));
    QCOMPARE(cache.beginRace(kKey, model::Trigger::Manual, kT0.addSecs(2)), Admission::InFlight);
    QCOMPARE(cache.entry(kKey)->racesSkippedByBudget, 0);  // refused for being in flight, not by the budget
    QCOMPARE(cache.entry(kKey)->lastTrigger, d.trigger);
    cache.finishRace(kKey, result(u"direct"_s, {won(u"direct"_s, 90)}), s, kT0.addSecs(3));
    QVERIFY(!cache.entry(kKey)->raceInFlight);
    QVERIFY(cache.onRequest(kKey, s, kT0.addSecs(3)).race);
}

void TestPolicy::abandonedRaceLetsTheNextRequestRace()
{
    RouteCache cache;
    const map::RaceSettings s = settings(0, 600, 1000, 1800);
    QVERIFY(cache.onRequest(kKey, s, kT0).race);
    QCOMPARE(cache.beginRace(kKey, model::Trigger::T1, kT0), Admission::Admitted);
    QVERIFY(!cache.onRequest(kKey, s, kT0).race);
    cache.abandonRace(kKey);
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(1)), (Decision{true, model::Trigger::T1, QString()}));
}

void TestPolicy::budgetSkipsCountsAndReleasesAfterTheWindow()
{
    RouteCache cache(2);
    const map::RaceSettings s = settings(0, 600, 1000, 1800);
    const RouteKey a{u"acme"_s, u"edge-a"_s}, b{u"acme"_s, u"edge-b"_s}, c{u"acme"_s, u"edge-c"_s};
    const RouteKey other{u"globex"_s, u"edge-c"_s};
    for (const RouteKey &key : {a, b})
        QCOMPARE(cache.beginRace(key, cache.onRequest(key, s, kT0).trigger, kT0), Admission::Admitted);
    QCOMPARE(cache.onRequest(c, s, kT0.addSecs(10)), (Decision{true, model::Trigger::T1, QString()}));
    QCOMPARE(cache.beginRace(c, model::Trigger::T1, kT0.addSecs(10)), Admission::OverBudget);
    QCOMPARE(cache.skippedByBudget(u"acme"_s), 1);
    QCOMPARE(cache.entry(c)->racesSkippedByBudget, 1);
    QCOMPARE(cache.budget().nextAllowedAt(u"acme"_s, kT0.addSecs(10)), kT0.addSecs(60));
    QCOMPARE(cache.beginRace(other, model::Trigger::Manual, kT0.addSecs(10)), Admission::Admitted);  // budgets are per provider
    // Still pending: the next request asks again; one millisecond before the window ends, the race is
    // still owed: refused, and not counted as another skipped race.
    QCOMPARE(cache.onRequest(c, s, kT0.addMSecs(59'999)), (Decision{true, model::Trigger::T1, QString()}));
    QCOMPARE(cache.beginRace(c, model::Trigger::T1, kT0.addMSecs(59'999)), Admission::Owed);
    QCOMPARE(cache.skippedByBudget(u"acme"_s), 1);
    QCOMPARE(cache.entry(c)->racesSkippedByBudget, 1);
    QCOMPARE(cache.entry(c)->owedUntil, kT0.addSecs(60));
    QCOMPARE(cache.onRequest(c, s, kT0.addSecs(60)), (Decision{true, model::Trigger::T1, QString()}));
    QCOMPARE(cache.beginRace(c, model::Trigger::T1, kT0.addSecs(60)), Admission::Admitted);
    QCOMPARE(cache.budget().used(u"acme"_s, kT0.addSecs(60)), 1);
    QCOMPARE(cache.skippedByBudget(u"globex"_s), 0);
}

void TestPolicy::budgetZeroIsUnlimited()
{
    RaceBudget budget(0);
    for (int i = 0; i < 500; ++i)
        QVERIFY(budget.tryAcquire(u"acme"_s, kT0));
    QCOMPARE(budget.used(u"acme"_s, kT0), 500);
    QCOMPARE(budget.skipped(u"acme"_s), 0);
    QCOMPARE(budget.nextAllowedAt(u"acme"_s, kT0), kT0);
}

void TestPolicy::manualRaceRefusedByBudgetStaysPending()
{
    RouteCache cache(1);
    const map::RaceSettings s = kQuiet;
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0);
    QCOMPARE(cache.beginRace(kKey, model::Trigger::Manual, kT0.addSecs(5)), Admission::OverBudget);
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(30)), (Decision{true, model::Trigger::Manual, u"direct"_s}));
    QCOMPARE(cache.beginRace(kKey, model::Trigger::Manual, kT0.addSecs(60)), Admission::Admitted);
    cache.finishRace(kKey, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0.addSecs(61));
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(62)), (Decision{false, model::Trigger::None, u"direct"_s}));
}

void TestPolicy::firstRaceChoosesTheWinner()
{
    RouteCache cache;
    const std::optional<model::RouteChange> change =
        runRace(cache, result(u"via:fra"_s, {won(u"via:fra"_s, 80), lost(u"direct"_s, 200)}), kQuiet, kT0);
    QVERIFY(change);
    QCOMPARE(change->provider, kKey.provider);
    QCOMPARE(change->edgeRegion, kKey.edgeRegion);
    QCOMPARE(change->fromRoute, QString());
    QCOMPARE(change->toRoute, u"via:fra"_s);
    QCOMPARE(change->reason, u"first race"_s);
    QCOMPARE(change->at, kT0);
    const Entry e = *cache.entry(kKey);
    QCOMPARE(e.optimalRoute, u"via:fra"_s);
    QCOMPARE(e.chosenAt, kT0);
    QCOMPARE(e.confirmedAt, kT0);
    QCOMPARE(e.lastRaceAt, kT0);
}

void TestPolicy::hysteresisKeepsOrReplacesTheIncumbent_data()
{
    // The incumbent "direct" (chosen first) loses to via:fra at 100 ms with this projection.
    QTest::addColumn<double>("hysteresisPct");
    QTest::addColumn<double>("incumbentProjectedMs");
    QTest::addColumn<bool>("replaced");
    QTest::addColumn<QString>("reason");
    QTest::addRow("5%% margin, 10%% hysteresis: kept") << 10.0 << 105.0 << false << QString();
    QTest::addRow("exactly 10%%: kept") << 10.0 << 110.0 << false << QString();
    QTest::addRow("exactly 25%% (exact in binary): kept") << 25.0 << 125.0 << false << QString();
    QTest::addRow("10.1%%: replaced") << 10.0 << 110.1 << true << u"won by 10.1% (hysteresis 10%)"_s;
    QTest::addRow("30%% margin: replaced") << 10.0 << 130.0 << true << u"won by 30.0% (hysteresis 10%)"_s;
    QTest::addRow("hysteresis 0: any lead") << 0.0 << 100.5 << true << u"won by 0.5% (hysteresis 0%)"_s;
    QTest::addRow("hysteresis 12.5") << 12.5 << 112.0 << false << QString();
}

void TestPolicy::hysteresisKeepsOrReplacesTheIncumbent()
{
    QFETCH(double, hysteresisPct);
    QFETCH(double, incumbentProjectedMs);
    QFETCH(bool, replaced);
    QFETCH(QString, reason);
    RouteCache cache;
    const map::RaceSettings s = settings(60, 600, 1000, 1800, hysteresisPct);
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 90)}), s, kT0);
    const QDateTime second = kT0.addSecs(600);
    const std::optional<model::RouteChange> change =
        runRace(cache, result(u"via:fra"_s, {won(u"via:fra"_s, 100), lost(u"direct"_s, incumbentProjectedMs)}), s,
             second, model::Trigger::T2);
    const Entry e = *cache.entry(kKey);
    QCOMPARE(e.confirmedAt, second);
    QCOMPARE(e.lastRaceAt, second);
    if (!replaced) {
        QCOMPARE(change, std::nullopt);
        QCOMPARE(e.optimalRoute, u"direct"_s);
        QCOMPARE(e.chosenAt, kT0);
        QVERIFY2(e.lastVerdict.startsWith(u"kept direct: via:fra won by"_s), qPrintable(e.lastVerdict));
        return;
    }
    QVERIFY(change);
    QCOMPARE(change->fromRoute, u"direct"_s);
    QCOMPARE(change->toRoute, u"via:fra"_s);
    QCOMPARE(change->reason, reason);
    QCOMPARE(qRound(change->marginPct * 10), qRound((incumbentProjectedMs - 100) * 10));
    QCOMPARE(e.optimalRoute, u"via:fra"_s);
    QCOMPARE(e.chosenAt, second);
}

void TestPolicy::keptIncumbentRestartsItsTtl()
{
    RouteCache cache;
    const map::RaceSettings s = settings(60, 600, 1000, 900);
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0);
    runRace(cache, result(u"via:fra"_s, {won(u"via:fra"_s, 100), lost(u"direct"_s, 104)}), s, kT0.addSecs(600));
    // The TTL now runs from the second race: no expiry at kT0 + 900 s.
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(900)), (Decision{false, model::Trigger::None, u"direct"_s}));
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(1199)), (Decision{false, model::Trigger::None, u"direct"_s}));
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(1200)), (Decision{true, model::Trigger::T2, u"direct"_s}));
}

void TestPolicy::unmeasurableMarginNeedsTheSameChallengerTwiceInARow()
{
    RouteCache cache;
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), kQuiet, kT0);
    const auto beaten = [](const QString &winner) {
        return result(winner, {won(winner, 50), lostBeforeFirstByte(u"direct"_s, 50)});
    };
    // One win by an unmeasurable margin keeps the incumbent.
    QVERIFY(!runRace(cache, beaten(u"via:fra"_s), kQuiet, kT0.addSecs(10)));
    QCOMPARE(cache.entry(kKey)->optimalRoute, u"direct"_s);
    // Another challenger in between starts the count again.
    QVERIFY(!runRace(cache, beaten(u"via:ams"_s), kQuiet, kT0.addSecs(20)));
    QVERIFY(!runRace(cache, beaten(u"via:fra"_s), kQuiet, kT0.addSecs(30)));
    // The incumbent winning resets it too.
    QVERIFY(!runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), kQuiet, kT0.addSecs(40)));
    QVERIFY(!runRace(cache, beaten(u"via:fra"_s), kQuiet, kT0.addSecs(50)));
    // The same challenger twice in a row takes over.
    const std::optional<model::RouteChange> change = runRace(cache, beaten(u"via:fra"_s), kQuiet, kT0.addSecs(60));
    QVERIFY(change);
    QCOMPARE(change->fromRoute, u"direct"_s);
    QCOMPARE(change->toRoute, u"via:fra"_s);
    QVERIFY2(change->reason.contains(u"margin not measurable"_s), qPrintable(change->reason));
    QCOMPARE(change->marginPct, -1.0);
}

void TestPolicy::failedIncumbentIsReplacedWhateverTheMargin()
{
    RouteCache cache;
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), kQuiet, kT0);
    const std::optional<model::RouteChange> change = runRace(
        cache, result(u"via:fra"_s, {won(u"via:fra"_s, 500), failed(u"direct"_s, u"connection refused"_s)}),
        kQuiet, kT0.addSecs(600));
    QVERIFY(change);
    QCOMPARE(change->fromRoute, u"direct"_s);
    QCOMPARE(change->toRoute, u"via:fra"_s);
    QCOMPARE(change->reason, u"incumbent failed: connection refused"_s);
    QCOMPARE(change->marginPct, -1.0);
}

void TestPolicy::incumbentAbsentFromTheRaceIsReplaced()
{
    RouteCache cache;
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), kQuiet, kT0);
    const std::optional<model::RouteChange> change =
        runRace(cache, result(u"via:fra"_s, {won(u"via:fra"_s, 100)}), kQuiet, kT0.addSecs(600));
    QVERIFY(change);
    QCOMPARE(change->reason, u"incumbent not in the race"_s);
}

void TestPolicy::failedRaceKeepsTheIncumbent()
{
    RouteCache cache;
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), kQuiet, kT0);
    const QDateTime second = kT0.addSecs(600);
    cache.onRequest(kKey, kQuiet, second);
    const std::optional<model::RouteChange> change = runRace(
        cache, result(QString(), {failed(u"direct"_s, u"timeout"_s), failed(u"via:fra"_s, u"502"_s)}), kQuiet,
        second);
    QCOMPARE(change, std::nullopt);
    const Entry e = *cache.entry(kKey);
    QCOMPARE(e.optimalRoute, u"direct"_s);
    QCOMPARE(e.confirmedAt, kT0);  // not renewed: its TTL keeps running
    QCOMPARE(e.lastRaceAt, second);
    QCOMPARE(e.requestsSinceRace, 0);
    QVERIFY(e.routeFigures.value(u"direct"_s).failed);
    QCOMPARE(cache.onRequest(kKey, kQuiet, kT0.addSecs(1799)).route, u"direct"_s);
    QCOMPARE(cache.onRequest(kKey, kQuiet, kT0.addSecs(1800)), (Decision{true, model::Trigger::Ttl, QString()}));
}

void TestPolicy::expiredRouteIsReplacedWithoutHysteresisOrRenewed()
{
    const map::RaceSettings s = settings(60, 6000, 100000, 300);
    {
        RouteCache cache;
        runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0);
        const std::optional<model::RouteChange> change =
            runRace(cache, result(u"via:fra"_s, {won(u"via:fra"_s, 100), lost(u"direct"_s, 101)}), s, kT0.addSecs(300));
        QVERIFY(change);
        QCOMPARE(change->fromRoute, QString());
        QCOMPARE(change->toRoute, u"via:fra"_s);
        QCOMPARE(change->reason, u"route expired (was direct)"_s);
    }
    {
        RouteCache cache;
        runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0);
        QCOMPARE(runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0.addSecs(300)), std::nullopt);
        const Entry e = *cache.entry(kKey);
        QCOMPARE(e.chosenAt, kT0);
        QCOMPARE(e.confirmedAt, kT0.addSecs(300));
        QCOMPARE(e.validRoute(kT0.addSecs(301)), u"direct"_s);
    }
}

void TestPolicy::failedRaceOnAnExpiredRouteDoesNotRaceEveryRequest()
{
    RouteCache cache;
    const map::RaceSettings s = settings(60, 600, 1000, 300);
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0);
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(300)).trigger, model::Trigger::Ttl);
    runRace(cache, result(QString(), {failed(u"direct"_s, u"reset"_s)}), s, kT0.addSecs(301), model::Trigger::Ttl);
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(302)), Decision{});
    QCOMPARE(cache.onRequest(kKey, s, kT0.addSecs(901)), (Decision{true, model::Trigger::T2, QString()}));
}

void TestPolicy::orderedRoutesPutsOptimalFirstThenFastestThenUnknownThenFailed()
{
    const QStringList mapOrder{u"direct"_s, u"via:a"_s, u"via:b"_s, u"via:c"_s, u"via:d"_s};
    RouteCache cache;
    QCOMPARE(cache.orderedRoutes(kKey, mapOrder, kT0), mapOrder);  // nothing known: map order
    runRace(cache, result(u"via:b"_s, {won(u"via:b"_s, 100)}), kQuiet, kT0);
    // via:c wins narrowly, so via:b stays optimal although its figures are slower.
    runRace(cache,
         result(u"via:c"_s, {won(u"via:c"_s, 100), lost(u"via:b"_s, 105), lost(u"direct"_s, 300),
                             failed(u"via:a"_s, u"refused"_s), lost(u"gone"_s, 1)}),
         kQuiet, kT0.addSecs(600));
    QCOMPARE(cache.orderedRoutes(kKey, mapOrder, kT0.addSecs(601)),
             (QStringList{u"via:b"_s, u"via:c"_s, u"direct"_s, u"via:d"_s, u"via:a"_s}));
    // Once it expires, the optimal route is only ordered by its figures; routes not on the map never appear.
    QCOMPARE(cache.orderedRoutes(kKey, mapOrder, kT0.addSecs(600 + 1800)),
             (QStringList{u"via:c"_s, u"via:b"_s, u"direct"_s, u"via:d"_s, u"via:a"_s}));
    QCOMPARE(cache.orderedRoutes(kKey, {u"via:a"_s, u"direct"_s}, kT0.addSecs(601)),
             (QStringList{u"direct"_s, u"via:a"_s}));
}

void TestPolicy::nextRetestAtAndRouteAgeForTheProvidersPanel()
{
    RouteCache cache;
    const map::RaceSettings s = settings(60, 600, 1000, 400);
    QCOMPARE(cache.nextRetestAt(kKey, s), QDateTime());
    cache.onRequest(kKey, s, kT0);
    QCOMPARE(cache.nextRetestAt(kKey, s), kT0.addSecs(60));
    QCOMPARE(cache.routeAgeMs(kKey, kT0), -1);
    runRace(cache, result(u"direct"_s, {won(u"direct"_s, 100)}), s, kT0.addSecs(30));
    QCOMPARE(cache.nextRetestAt(kKey, s), kT0.addSecs(30 + 400));  // the TTL comes before T2
    QCOMPARE(cache.nextRetestAt(kKey, settings(60, 300, 1000, 400)), kT0.addSecs(30 + 300));
    QCOMPARE(cache.routeAgeMs(kKey, kT0.addSecs(45)), 15'000);
    QCOMPARE(cache.entries().size(), 1);
    QCOMPARE(cache.entries().constFirst().key, kKey);
}

QTEST_GUILESS_MAIN(TestPolicy)
#include "tst_policy.moc"
