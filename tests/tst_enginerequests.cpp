// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// What the race engine sends over a real lab (tests/support/enginelab.h): the race object (the
// requested object streamed whole, or a test object before the request), HEAD, the requester's
// headers, a POST that is never raced and sent once, and races through tinyproxy over https.
#include "support/enginelab.h"

#include "lab/content.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace relayrace;
using namespace relayrace::lab;
using namespace relayrace::engine;
using namespace relayrace::testsupport;

class TestEngineRequests final : public QObject, private EngineLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void requestedObjectRaceStreamsTheWinnersWholeBody();
    void testObjectRaceSendsTheRequestOverTheWinner();
    void headRequestIsRacedAsAHead();
    void racedRequestCarriesTheRequestersHeaders();
    void postIsNeverRacedAndSentExactlyOnce();
    void raceRunsThroughTinyproxyAndHttps();
};

void TestEngineRequests::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    QCOMPARE(m_lab.caCertificates().size(), 1);
}

void TestEngineRequests::cleanupTestCase()
{
    m_lab.stop();
}

void TestEngineRequests::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestEngineRequests::requestedObjectRaceStreamsTheWinnersWholeBody()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    constexpr qint64 size = 3 * 1024 * 1024 + 17;
    const QString path = QStringLiteral("/obj/whole?size=%1").arg(size);
    const Served s = serve(*e, get(QStringLiteral("plain"), path));
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(s.result.raced);
    QCOMPARE(s.result.bytes, size);
    QCOMPARE(s.body.size(), size);
    QCOMPARE(QCryptographicHash::hash(s.body, QCryptographicHash::Sha256).toHex(),
             contentSha256("/obj/whole", size, 0));
}

void TestEngineRequests::headRequestIsRacedAsAHead()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    ServeRequest head = get(QStringLiteral("plain"), QStringLiteral("/obj/head?size=500000"));
    head.method = QByteArrayLiteral("HEAD");
    const Served s = serve(*e, head);
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(s.result.raced);
    QCOMPARE(s.result.httpStatus, 200);
    QCOMPARE(s.result.bytes, 0); // raced as a GET, the winner's 500,000 bytes would be here
    QVERIFY(s.body.isEmpty());
}

void TestEngineRequests::racedRequestCarriesTheRequestersHeaders()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    // A conditional GET: the origin answers 304 only if the race sends the requester's header.
    ServeRequest conditional = get(QStringLiteral("plain"), QStringLiteral("/obj/cond?size=300000"));
    conditional.headers = {{QByteArrayLiteral("If-None-Match"), QByteArrayLiteral("*")},
                           {QByteArrayLiteral("Range"), QByteArrayLiteral("bytes=0-9")}}; // the race's own: not sent
    const Served s = serve(*e, conditional);
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(s.result.raced);
    QCOMPARE(s.result.httpStatus, 304);
    QCOMPARE(s.result.bytes, 0);
}

void TestEngineRequests::testObjectRaceSendsTheRequestOverTheWinner()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) {
        s.object = map::RaceSettings::Object::TestObject;
    }));
    QSignalSpy started(e.get(), &RaceEngine::raceStarted);
    const Served s = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/after-test?size=5000")));
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(s.result.raced);
    QCOMPARE(s.result.route, QStringLiteral("via:fast"));
    QCOMPARE(started.size(), 1);
    const RaceStart info = started.first().first().value<RaceStart>();
    QVERIFY(info.testObject);
    QCOMPARE(info.object, m_lab.endpoints().provider(QStringLiteral("plain"))->testObject);
    QCOMPARE(QCryptographicHash::hash(s.body, QCryptographicHash::Sha256).toHex(),
             contentSha256("/obj/after-test", 5000, 0));
    QTRY_VERIFY_WITH_TIMEOUT(e->snapshot(QStringLiteral("plain")).raceBytesTestObject > 0, kTimeoutMs);
    QCOMPARE(e->snapshot(QStringLiteral("plain")).raceBytesRequested, 0);
}

void TestEngineRequests::postIsNeverRacedAndSentExactlyOnce()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    // T1 = 0 would race this request if it were a GET.
    QSignalSpy started(e.get(), &RaceEngine::raceStarted);
    // Earlier tests' last requests (a loser's re-warm-up) may still be landing at the origin: count
    // from a moment it has been quiet for a second.
    OriginStats before = *m_lab.lab()->originStats(QStringLiteral("plain"));
    QElapsedTimer quiet;
    quiet.start();
    QElapsedTimer settling;
    settling.start();
    while (quiet.elapsed() < 1000 && settling.elapsed() < kTimeoutMs) {
        QTest::qWait(50);
        const OriginStats now = *m_lab.lab()->originStats(QStringLiteral("plain"));
        if (now.requests != before.requests) {
            before = now;
            quiet.restart();
        }
    }
    ServeRequest post = get(QStringLiteral("plain"), QStringLiteral("/echo"));
    post.method = "POST";
    post.body = QByteArray(10000, 'p');
    post.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/octet-stream")});
    const Served s = serve(*e, post);
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(!s.result.raced);
    QCOMPARE(started.size(), 0);
    QCOMPARE(s.result.route, QStringLiteral("direct")); // no optimal route yet: map order
    QTRY_COMPARE_WITH_TIMEOUT(m_lab.lab()->originStats(QStringLiteral("plain"))->requests, before.requests + 1, 5000);
    QTest::qWait(300); // a duplicate would have arrived by now
    QCOMPARE(m_lab.lab()->originStats(QStringLiteral("plain"))->requests, before.requests + 1);
}

void TestEngineRequests::raceRunsThroughTinyproxyAndHttps()
{
    auto e = engine();
    // tinyproxy reaches the origin over the direct link: make that link quick so it can win.
    RELAYRACE_VERIFY_OK(m_lab.impair(QStringLiteral("edge>origin:secure"), [](Impairment &i) { i.latencyMs = 5; }));
    map::RouteMap m = routeMap(QStringLiteral("secure"), {}, {QStringLiteral("tp"), QStringLiteral("slow")});
    m.direct = false; // tinyproxy's path starts 20 ms further than the direct one: it races the slow region
    e->setMap(m);
    QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
    QVERIFY(raceNow(*e, QStringLiteral("secure"), QStringLiteral("/obj/tp?size=300000")) > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    const model::RaceResult result = finished.first().at(1).value<model::RaceResult>();
    QVERIFY2(result.ok(), qPrintable(result.error));
    const model::RouteOutcome *tp = result.route(QStringLiteral("via:tp"));
    QVERIFY(tp);
    QVERIFY2(tp->error.isEmpty(), qPrintable(tp->error));
    QVERIFY2(tp->bytes > 0, "the real tinyproxy relayed the https race (CONNECT) with verification on");
    QCOMPARE(tp->httpStatus, 200);
    QCOMPARE(result.winner, QStringLiteral("via:tp"));
}

QTEST_GUILESS_MAIN(TestEngineRequests)
#include "tst_enginerequests.moc"
