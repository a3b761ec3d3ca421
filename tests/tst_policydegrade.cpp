// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The route cache's served-traffic triggers (docs/race-policy.md): the degradation trigger fires once
// the cached route's served TTFB is past the bound over enough requests, not on noise, not when off;
// a failover away from the cached route races; a race such a trigger called replaces an incumbent
// that had no byte at once.
#include "map/mapcodec.h"
#include "policy/routecache.h"
#include "model/raceresult.h"
#include "model/trigger.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTest>

using namespace relayrace;
using namespace relayrace::policy;
using namespace Qt::StringLiterals;

namespace {

const RouteKey kKey{u"acme"_s, u"edge"_s};
const QDateTime kT0(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC);

map::RaceSettings quiet(double degradePct = 50, qint64 minRequests = 20)
{
    map::RaceSettings s;
    s.firstPeriodS = 0;
    s.retestAfterS = 3600;
    s.retestAfterRequests = 1'000'000;
    s.routeTtlS = 3600;
    s.degradePct = degradePct;
    s.degradeMinRequests = minRequests;
    return s;
}

model::RouteOutcome outcome(const QString &id, model::RouteOutcome::State state, double ms, double ttfbMs)
{
    model::RouteOutcome o;
    o.routeId = id;
    o.state = state;
    o.timeToThresholdMs = state == model::RouteOutcome::State::Won ? ms : -1;
    o.projectedMs = ms;
    o.ttfbMs = ttfbMs;
    o.bytes = ttfbMs > 0 ? 1000 : 0;
    return o;
}

// A race at `at` that via:a wins (TTFB 20 ms) over via:b (TTFB 60 ms).
void raceWonByA(RouteCache &cache, const map::RaceSettings &s, const QDateTime &at,
                model::Trigger trigger = model::Trigger::T1)
{
    QCOMPARE(cache.beginRace(kKey, trigger, at), Admission::Admitted);
    model::RaceResult r;
    r.provider = kKey.provider;
    r.winner = u"via:a"_s;
    r.routes = {outcome(u"via:a"_s, model::RouteOutcome::State::Won, 40, 20),
                outcome(u"via:b"_s, model::RouteOutcome::State::Lost, 90, 60)};
    cache.finishRace(kKey, r, s, at);
}

ServedSample sample(const QString &route, double ttfbMs, bool failedOver = false)
{
    return ServedSample{route, ttfbMs, 1024, 1, failedOver};
}

} // namespace

class TestPolicyDegrade : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void degradationFiresOnceEnoughServedRequestsSawIt();
    void noiseOfThirtyPercentNeverFires();
    void degradationOffNeverFires();
    void failoverAwayFromTheCachedRouteRaces();
    void servedEvidenceReplacesAnIncumbentWithNoByte();
    void mapSettingsAreReadAndOldMapsKeepTheirBytes();
};

void TestPolicyDegrade::degradationFiresOnceEnoughServedRequestsSawIt()
{
    RouteCache cache;
    const map::RaceSettings s = quiet();
    cache.onRequest(kKey, s, kT0);
    raceWonByA(cache, s, kT0);
    // Healthy: 20 ms, as raced. Then the route's TTFB goes to 100 ms.
    for (int i = 0; i < 30; ++i) {
        QCOMPARE(cache.onRequest(kKey, s, kT0).trigger, model::Trigger::None);
        cache.onServed(kKey, sample(u"via:a"_s, 20));
    }
    int requests = 0;
    while (cache.onRequest(kKey, s, kT0).trigger != model::Trigger::Degraded && requests < 100) {
        cache.onServed(kKey, sample(u"via:a"_s, 100));
        ++requests;
    }
    // The smoothed TTFB (weight 0.2) passes 30 ms (20 + 50%; and +10 ms) after the first degraded one.
    QCOMPARE(requests, 1);
    QVERIFY(cache.isDegraded(kKey, s, kT0));
    // Not before degradeMinRequests served requests since the race, however bad they were.
    RouteCache fresh;
    fresh.onRequest(kKey, s, kT0);
    raceWonByA(fresh, s, kT0);
    for (int i = 1; i <= 20; ++i) {
        QCOMPARE(fresh.onRequest(kKey, s, kT0).trigger, model::Trigger::None);
        fresh.onServed(kKey, sample(u"via:a"_s, 100));
    }
    QCOMPARE(fresh.onRequest(kKey, s, kT0).trigger, model::Trigger::Degraded);
    // The race it calls starts the count again.
    raceWonByA(fresh, s, kT0, model::Trigger::Degraded);
    QCOMPARE(fresh.onRequest(kKey, s, kT0).trigger, model::Trigger::None);
}

void TestPolicyDegrade::noiseOfThirtyPercentNeverFires()
{
    RouteCache cache;
    const map::RaceSettings s = quiet();
    cache.onRequest(kKey, s, kT0);
    raceWonByA(cache, s, kT0);
    QRandomGenerator random(20261205);
    for (int i = 0; i < 1000; ++i) {
        QCOMPARE(cache.onRequest(kKey, s, kT0).trigger, model::Trigger::None);
        cache.onServed(kKey, sample(u"via:a"_s, 20 * (0.7 + 0.6 * random.generateDouble())));
    }
    // A route that is only a few ms is not raced for a few ms more, however large the percentage.
    RouteCache lan;
    lan.onRequest(kKey, s, kT0);
    QCOMPARE(lan.beginRace(kKey, model::Trigger::T1, kT0), Admission::Admitted);
    model::RaceResult r;
    r.winner = u"via:a"_s;
    r.routes = {outcome(u"via:a"_s, model::RouteOutcome::State::Won, 3, 1)};
    lan.finishRace(kKey, r, s, kT0);
    for (int i = 0; i < 50; ++i) {
        QCOMPARE(lan.onRequest(kKey, s, kT0).trigger, model::Trigger::None);
        lan.onServed(kKey, sample(u"via:a"_s, 8));
    }
}

void TestPolicyDegrade::degradationOffNeverFires()
{
    RouteCache cache;
    const map::RaceSettings s = quiet(0);
    cache.onRequest(kKey, s, kT0);
    raceWonByA(cache, s, kT0);
    for (int i = 0; i < 200; ++i) {
        QCOMPARE(cache.onRequest(kKey, s, kT0).trigger, model::Trigger::None);
        cache.onServed(kKey, sample(u"via:a"_s, 500));
    }
    QVERIFY(!cache.isDegraded(kKey, s, kT0));
    // The served figures are kept all the same, for the console and the API.
    QCOMPARE(cache.entry(kKey)->served.value(u"via:a"_s).requests, 200);
    QVERIFY(cache.entry(kKey)->served.value(u"via:a"_s).ttfbMs > 400);
}

void TestPolicyDegrade::failoverAwayFromTheCachedRouteRaces()
{
    RouteCache cache;
    const map::RaceSettings s = quiet();
    cache.onRequest(kKey, s, kT0);
    raceWonByA(cache, s, kT0);
    // A failover that started elsewhere (a route already out of favour) is no news about the cache.
    cache.onServed(kKey, sample(u"via:b"_s, -1, true));
    QCOMPARE(cache.onRequest(kKey, s, kT0).trigger, model::Trigger::None);
    cache.onServed(kKey, sample(u"via:a"_s, -1, true));
    QCOMPARE(cache.onRequest(kKey, s, kT0).trigger, model::Trigger::Failover);
    QCOMPARE(cache.entry(kKey)->served.value(u"via:a"_s).failovers, 1);
}

void TestPolicyDegrade::servedEvidenceReplacesAnIncumbentWithNoByte()
{
    const auto raceAfter = [](model::Trigger trigger) {
        RouteCache cache;
        const map::RaceSettings s = quiet();
        cache.onRequest(kKey, s, kT0);
        raceWonByA(cache, s, kT0);
        // via:b wins while the incumbent via:a has not sent a byte: a margin the race cannot measure.
        if (cache.beginRace(kKey, trigger, kT0.addSecs(1)) != Admission::Admitted)
            return QString();
        model::RaceResult r;
        r.winner = u"via:b"_s;
        r.routes = {outcome(u"via:b"_s, model::RouteOutcome::State::Won, 90, 60),
                    outcome(u"via:a"_s, model::RouteOutcome::State::Lost, 90, -1)};
        cache.finishRace(kKey, r, s, kT0.addSecs(1));
        return cache.entry(kKey)->optimalRoute;
    };
    // A manual race needs the challenger to win twice in a row; served evidence is the other measurement.
    QCOMPARE(raceAfter(model::Trigger::Manual), u"via:a"_s);
    QCOMPARE(raceAfter(model::Trigger::Failover), u"via:b"_s);
    QCOMPARE(raceAfter(model::Trigger::Degraded), u"via:b"_s);
}

void TestPolicyDegrade::mapSettingsAreReadAndOldMapsKeepTheirBytes()
{
    QFile file(QStringLiteral(RELAYRACE_SOURCE_DIR "/resources/maps/acme.map.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray old = file.readAll();
    const Result<map::RouteMap> parsed = map::parseRouteMap(old);
    if (!parsed)
        QFAIL(qPrintable(parsed.error()));
    QCOMPARE(parsed->race.degradePct, 50.0);
    QCOMPARE(parsed->race.degradeMinRequests, 20);
    QCOMPARE(map::serializeRouteMap(*parsed), old); // the defaults are not written: same bytes, same signature

    map::RouteMap changed = *parsed;
    changed.race.degradePct = 0;
    changed.race.degradeMinRequests = 5;
    const QByteArray written = map::serializeRouteMap(changed);
    QVERIFY(written.contains("\"degrade_pct\": 0"));
    const Result<map::RouteMap> again = map::parseRouteMap(written);
    if (!again)
        QFAIL(qPrintable(again.error()));
    QCOMPARE(again->race, changed.race);

    QByteArray bad = written;
    bad.replace("\"degrade_min_requests\": 5", "\"degrade_min_requests\": 0");
    const Result<map::RouteMap> refused = map::parseRouteMap(bad);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().contains(QStringLiteral("race.degrade_min_requests")), qPrintable(refused.error()));
}

QTEST_GUILESS_MAIN(TestPolicyDegrade)
#include "tst_policydegrade.moc"
