// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Route failures in one race over real routes on a lab (tests/support/racelab.h): a route that dies
// mid-race loses without failing the race, a race with every route failed or silent reports each
// route, the origin's own 404/502 are results while a relay's 502 or tinyproxy's error page are route
// failures, and https verifies with the lab's CA (and fails without it).
#include "support/racelab.h"

#include "lab/content.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace relayrace;
using namespace relayrace::lab;
using namespace relayrace::race;
using namespace relayrace::testsupport;

class TestRaceFailures final : public QObject, private RaceLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void routeThatDiesMidRaceLosesWithoutFailingTheRace();
    void raceFailsOverNothingButReportsEveryRouteFailure();
    void raceTimesOutWhenNoRouteAnswers();
    void raceTreatsOrigin404AsValidResult();
    void raceTreatsOrigin502RelayedAsTheOriginsAnswer();
    void raceCountsRelay502AsRouteFailure();
    void raceCountsTinyproxyErrorPageAsRouteFailure();
    void raceOverHttpsVerifiesWithLabCa();
};

void TestRaceFailures::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    QCOMPARE(m_lab.caCertificates().size(), 1);
}

void TestRaceFailures::cleanupTestCase()
{
    m_lab.stop();
}

void TestRaceFailures::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestRaceFailures::routeThatDiesMidRaceLosesWithoutFailingTheRace()
{
    // The fastest route resets after 20 kB of a 256 KiB threshold: it fails, the next best wins.
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::edgeToRelayLinkId(QStringLiteral("fast")), [](Impairment &i) { i.resetAfterBytes = 20'000; }));
    const Routes r = routes(QStringLiteral("plain"));
    model::RaceResult result;
    auto race = run(r, request(QStringLiteral("plain"), QStringLiteral("/obj/dies?size=1000000"), 256 * 1024), &result);
    QVERIFY2(result.ok(), qPrintable(result.error));
    const model::RouteOutcome *fast = result.route(QStringLiteral("via:fast"));
    QVERIFY(fast);
    QCOMPARE(fast->state, model::RouteOutcome::State::Failed);
    QVERIFY(!fast->error.isEmpty());
    QVERIFY(result.winner == u"direct" || result.winner == u"via:slow");
}

void TestRaceFailures::raceFailsOverNothingButReportsEveryRouteFailure()
{
    const auto refuse = [](Impairment &i) { i.refuse = true; };
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::directLinkId(QStringLiteral("plain")), refuse));
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::edgeToRelayLinkId(QStringLiteral("fast")), refuse));
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::edgeToRelayLinkId(QStringLiteral("slow")), refuse));
    const Routes r = routes(QStringLiteral("plain"));
    model::RaceResult result;
    auto race = run(r, request(QStringLiteral("plain"), QStringLiteral("/obj/dead?size=100000")), &result);
    QVERIFY(!result.ok());
    QVERIFY(result.winner.isEmpty());
    QVERIFY(!race->winnerReply());
    QCOMPARE(result.routes.size(), 3);
    for (const model::RouteOutcome &o : result.routes) {
        QCOMPARE(o.state, model::RouteOutcome::State::Failed);
        QVERIFY2(o.error.contains(QStringLiteral("refused"), Qt::CaseInsensitive), qPrintable(o.error));
        QVERIFY2(result.error.contains(o.routeId + u':'), qPrintable(result.error));
    }
    QCOMPARE(result.marginMs, -1.0);
    const QJsonObject json = toJson(result);
    QVERIFY(json.value(QStringLiteral("winner")).isNull());
    QVERIFY(json.value(QStringLiteral("error")).toString().startsWith(QStringLiteral("every route failed")));
}

void TestRaceFailures::raceTimesOutWhenNoRouteAnswers()
{
    const auto blackhole = [](Impairment &i) { i.blackhole = true; };
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::directLinkId(QStringLiteral("plain")), blackhole));
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::edgeToRelayLinkId(QStringLiteral("fast")), blackhole));
    const Routes r = routes(QStringLiteral("plain"), {QStringLiteral("fast")});
    RaceRequest req = request(QStringLiteral("plain"), QStringLiteral("/obj/silent?size=100000"));
    req.fairness = RaceRequest::Fairness::Cold;
    req.timeout = std::chrono::milliseconds(1500);
    QElapsedTimer clock;
    clock.start();
    model::RaceResult result;
    auto race = run(r, req, &result);
    QVERIFY(!result.ok());
    QVERIFY(clock.elapsed() >= 1400);
    for (const model::RouteOutcome &o : result.routes) {
        QCOMPARE(o.state, model::RouteOutcome::State::Failed);
        QVERIFY2(o.error.contains(QStringLiteral("no winner within 1500 ms")), qPrintable(o.error));
    }
}

void TestRaceFailures::raceTreatsOrigin404AsValidResult()
{
    const Routes r = routes(QStringLiteral("plain"));
    model::RaceResult result;
    auto race = run(r, request(QStringLiteral("plain"), QStringLiteral("/no/such/object")), &result);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    QCOMPARE(result.route(result.winner)->httpStatus, 404);
    QVERIFY(result.route(result.winner)->error.isEmpty());
    QCOMPARE(race->winnerReply()->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
}

void TestRaceFailures::raceTreatsOrigin502RelayedAsTheOriginsAnswer()
{
    // The origin itself answers 502 (dated, through the relay): that is a result, not a relay failure.
    const Routes r = routes(QStringLiteral("plain"));
    model::RaceResult result;
    auto race = run(r, request(QStringLiteral("plain"), QStringLiteral("/status/502")), &result);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    QCOMPARE(result.route(result.winner)->httpStatus, 502);
}

void TestRaceFailures::raceCountsRelay502AsRouteFailure()
{
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::relayToOriginLinkId(QStringLiteral("fast"), QStringLiteral("plain")),
                                     [](Impairment &i) { i.refuse = true; }));
    const Routes r = routes(QStringLiteral("plain"));
    model::RaceResult result;
    auto race = run(r, request(QStringLiteral("plain"), QStringLiteral("/obj/r502?size=200000")), &result);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.winner, QStringLiteral("direct")); // 200 ms beats via:slow's 300 ms
    const model::RouteOutcome *fast = result.route(QStringLiteral("via:fast"));
    QCOMPARE(fast->state, model::RouteOutcome::State::Failed);
    QCOMPARE(fast->httpStatus, 502);
    QVERIFY2(fast->error.contains(QStringLiteral("relay answered 502")), qPrintable(fast->error));
    QCOMPARE(result.route(QStringLiteral("via:slow"))->state, model::RouteOutcome::State::Lost);
}

void TestRaceFailures::raceCountsTinyproxyErrorPageAsRouteFailure()
{
    // tinyproxy reaches the origin through the direct hop: refusing it makes tinyproxy answer with its
    // own error page (500 "Unable to connect", Server: tinyproxy) and the direct route fail too.
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::directLinkId(QStringLiteral("plain")), [](Impairment &i) { i.refuse = true; }));
    const Routes r = routes(QStringLiteral("plain"), {QStringLiteral("tp"), QStringLiteral("slow")});
    model::RaceResult result;
    auto race = run(r, request(QStringLiteral("plain"), QStringLiteral("/obj/tp?size=200000")), &result);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.winner, QStringLiteral("via:slow"));
    const model::RouteOutcome *tp = result.route(QStringLiteral("via:tp"));
    QCOMPARE(tp->state, model::RouteOutcome::State::Failed);
    QVERIFY2(tp->error.contains(QStringLiteral("tinyproxy")), qPrintable(tp->error));
    QCOMPARE(result.route(QStringLiteral("direct"))->state, model::RouteOutcome::State::Failed);

    // With the hop back, the real tinyproxy relays: a race on that one route delivers the object.
    cleanup();
    model::RaceResult again;
    const Routes r2 = routes(QStringLiteral("plain"), {QStringLiteral("tp")});
    auto race2 = std::make_unique<Race>(QList<RouteClient *>{r2.get(QStringLiteral("via:tp"))});
    QSignalSpy finished(race2.get(), &Race::finished);
    QVERIFY(race2->start(request(QStringLiteral("plain"), QStringLiteral("/obj/tp?size=200000"))).ok());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kRaceTimeoutMs);
    again = finished.first().first().value<model::RaceResult>();
    QVERIFY2(again.ok(), qPrintable(again.error));
    QCOMPARE(again.winner, QStringLiteral("via:tp"));
    QCOMPARE(again.route(QStringLiteral("via:tp"))->httpStatus, 200);
    ReplyPtr reply = race2->takeWinnerReply();
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kRaceTimeoutMs);
    QCOMPARE(sha256Hex(reply->readAll()), contentSha256("/obj/tp", 200000));
}

void TestRaceFailures::raceOverHttpsVerifiesWithLabCa()
{
    {
        const Routes r = routes(QStringLiteral("secure"), {QStringLiteral("fast"), QStringLiteral("slow"), QStringLiteral("tp")});
        model::RaceResult result;
        auto race = run(r, request(QStringLiteral("secure"), QStringLiteral("/obj/tls?size=300000")), &result);
        QVERIFY2(result.ok(), qPrintable(result.error));
        QCOMPARE(result.route(result.winner)->httpStatus, 200);
        QVERIFY(result.winner == QStringLiteral("via:fast") || result.winner == QStringLiteral("via:tp"));
        ReplyPtr reply = race->takeWinnerReply();
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kRaceTimeoutMs);
        QCOMPARE(sha256Hex(reply->readAll()), contentSha256("/obj/tls", 300000));
    }
    {
        const Routes r = routes(QStringLiteral("secure"), {QStringLiteral("fast"), QStringLiteral("tp")}, false);
        model::RaceResult result;
        auto race = run(r, request(QStringLiteral("secure"), QStringLiteral("/obj/tls?size=300000")), &result);
        QVERIFY(!result.ok());
        for (const model::RouteOutcome &o : result.routes) {
            QCOMPARE(o.state, model::RouteOutcome::State::Failed);
            QVERIFY2(o.error.contains(QStringLiteral("SSL"), Qt::CaseInsensitive) ||
                         o.error.contains(QStringLiteral("certificate"), Qt::CaseInsensitive),
                     qPrintable(o.error));
        }
    }
}

QTEST_GUILESS_MAIN(TestRaceFailures)
#include "tst_racefailures.moc"
