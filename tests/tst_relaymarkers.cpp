// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// A relay's own error is told from the origin's by the relay's markers only (docs/delivery.md): an
// origin's undated 503 through Debian's tinyproxy and squid is the origin's answer; their own errors
// are relay errors; Proxy-Status counts only when its last member names the configured relay. And PUT
// goes to another route only when it certainly never left, unless the provider opts in, and no stall
// bound abandons it while the origin thinks.
#include "support/scripteddelivery.h"
#include "support/squidprocess.h"

#include "lab/proxyprocess.h"

#include <QTcpServer>
#include <QTest>

using namespace relayrace;
using namespace relayrace::testsupport;
using End = Script::End;

namespace {

// An origin's own 503 without a Date (RFC 9110 section 6.6.1 allows it for 5xx).
Script undated503()
{
    return Script{Script::headOf("HTTP/1.1 503 Service Unavailable",
                                 {"Server: origin-app", "Content-Type: text/plain", "Content-Length: 13"}),
                  "origin busy\r\n", -1, End::KeepAlive, 0};
}

quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort(); // closed once probe goes
}

QUrl relayUrl(quint16 port)
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
}

} // namespace

class TestRelayMarkers final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void stockRelays_data();
    void stockRelays();
    void proxyStatusCountsOnlyForTheConfiguredRelay();
    void putIsNotResentUnlessTheProviderOptsIn();
    void putIsNotAbandonedByTheStallBound();
};

void TestRelayMarkers::initTestCase()
{
    qRegisterMetaType<delivery::DeliveryResult>();
    qRegisterMetaType<model::FailoverEvent>();
}

void TestRelayMarkers::stockRelays_data()
{
    QTest::addColumn<QString>("relay");
    QTest::newRow("tinyproxy") << QStringLiteral("tinyproxy");
    QTest::newRow("squid") << QStringLiteral("squid");
}

void TestRelayMarkers::stockRelays()
{
    QFETCH(QString, relay);
    lab::ProxyProcess tinyproxy;
    SquidProcess squid;
    const Result<quint16> port = relay == u"squid" ? squid.start() : tinyproxy.start();
    QVERIFY2(port.ok(), port.ok() ? "" : qPrintable(port.error()));
    ScriptedOrigin origin([](const ScriptedRequest &) { return undated503(); });
    QVERIFY(origin.start());

    // The origin's own answer, forwarded: delivered as the response, no failover.
    race::RouteClient via(QStringLiteral("via:") + relay, relayUrl(*port));
    race::RouteClient direct(QStringLiteral("direct"));
    const ScriptedRun busy = runDelivery(scriptedRequest(origin.url("/busy"), {&via, &direct}));
    QVERIFY2(busy.result.ok, qPrintable(busy.result.error));
    QCOMPARE(busy.result.httpStatus, 503);
    QCOMPARE(busy.result.route, via.routeId());
    QVERIFY(busy.events.isEmpty());
    QCOMPARE(busy.body, QByteArray("origin busy\r\n"));
    // squid dates what it forwards undated (RFC 9110 6.6.1), tinyproxy does not: an undated 5xx was never
    // a relay's signature.
    const QByteArray date = race::headerValue(busy.result.headers, "Date");
    QCOMPARE(date.isEmpty(), relay == u"tinyproxy");

    // The relay's own error (it cannot reach the origin): a relay error, the next route is asked.
    race::RouteClient via2(QStringLiteral("via:") + relay, relayUrl(*port));
    race::RouteClient direct2(QStringLiteral("direct"));
    const QByteArray unreachable = "http://127.0.0.1:" + QByteArray::number(closedPort()) + "/x";
    const ScriptedRun own = runDelivery(scriptedRequest(unreachable, {&via2, &direct2}));
    QVERIFY(own.finished);
    QVERIFY(!own.result.ok);
    QVERIFY(!own.events.isEmpty());
    QCOMPARE(own.events.first().reason, QStringLiteral("relay_error"));
    QCOMPARE(own.events.first().fromRoute, via2.routeId());
    QVERIFY2(own.events.first().detail.contains(relay == u"squid" ? QStringLiteral("X-Squid-Error")
                                                                  : QStringLiteral("Server: tinyproxy")),
             qPrintable(own.events.first().detail));
}

void TestRelayMarkers::proxyStatusCountsOnlyForTheConfiguredRelay()
{
    // A scripted relay (any HTTP server answers a proxy's absolute-form request) answering 502 with
    // Proxy-Status. Only a last member named as the configured relay makes it the relay's own.
    std::mutex mutex; // the relay answers on its own thread
    QByteArray proxyStatus;
    ScriptedOrigin relay([&](const ScriptedRequest &) {
        const std::lock_guard lock(mutex);
        return Script{Script::headOf("HTTP/1.1 502 Bad Gateway", {"Proxy-Status: " + proxyStatus, "Content-Length: 0"}),
                      {}, -1, End::KeepAlive, 0};
    });
    QVERIFY(relay.start());
    const auto run = [&](const QByteArray &status) {
        {
            const std::lock_guard lock(mutex);
            proxyStatus = status;
        }
        race::RouteClient via(QStringLiteral("via:r7"), relayUrl(relay.port()));
        via.setRelayMarkers({QByteArrayLiteral("relay-7")});
        return runDelivery(scriptedRequest("http://origin.invalid/x", {&via}));
    };
    const ScriptedRun behind = run("origin-cdn; error=connection_timeout");
    QVERIFY2(behind.result.ok, qPrintable(behind.result.error)); // an intermediary behind the relay: the origin's side
    QCOMPARE(behind.result.httpStatus, 502);
    const ScriptedRun ours = run("origin-cdn; error=connection_timeout, relay-7; error=destination_unavailable");
    QVERIFY(!ours.result.ok);
    QCOMPARE(ours.events.first().reason, QStringLiteral("relay_error"));
    QVERIFY(run("\"relay-7\"; details=\"all good\"").result.ok); // named, but no error
}

void TestRelayMarkers::putIsNotResentUnlessTheProviderOptsIn()
{
    // The first route's origin takes the PUT and resets before answering: it may have applied it.
    ScriptedOrigin dies([](const ScriptedRequest &) { return Script{{}, {}, -1, End::Reset, 0}; });
    ScriptedOrigin other([](const ScriptedRequest &) {
        return Script{Script::headOf("HTTP/1.1 201 Created", {"Content-Length: 0"}), {}, -1, End::KeepAlive, 0};
    });
    QVERIFY(dies.start() && other.start());
    for (const bool optIn : {false, true}) {
        race::RouteClient direct(QStringLiteral("direct"));
        race::RouteClient via(QStringLiteral("via:other"), relayUrl(other.port()));
        delivery::DeliveryRequest request = scriptedRequest(dies.url("/doc"), {&direct, &via});
        request.method = "PUT";
        request.body = patternBody(10'000);
        request.resendWrites = optIn;
        const qsizetype before = dies.requests().size();
        const qsizetype otherBefore = other.requests().size();
        const ScriptedRun run = runDelivery(request);
        QVERIFY(run.finished);
        QCOMPARE(dies.requests().size() - before, 1); // never twice on the same route either (Qt's own resend)
        QCOMPARE(run.result.ok, optIn);
        QCOMPARE(other.requests().size() - otherBefore, optIn ? 1 : 0);
        if (!optIn)
            QVERIFY2(run.result.error.contains(QStringLiteral("does not allow resending PUT")), qPrintable(run.result.error));
        else
            QCOMPARE(run.result.httpStatus, 201);
    }
}

void TestRelayMarkers::putIsNotAbandonedByTheStallBound()
{
    // An origin that thinks 1.5 s about a PUT, on a route whose stall bound is 250 ms.
    ScriptedOrigin slow([](const ScriptedRequest &) {
        Script s{Script::headOf("HTTP/1.1 200 OK", {"Content-Length: 2"}), "ok", -1, End::KeepAlive, 0};
        s.pauseBeforeHeadMs = 1500;
        return s;
    });
    ScriptedOrigin other([](const ScriptedRequest &) {
        return Script{Script::headOf("HTTP/1.1 201 Created", {"Content-Length: 0"}), {}, -1, End::KeepAlive, 0};
    });
    QVERIFY(slow.start() && other.start());
    race::RouteClient direct(QStringLiteral("direct"));
    race::RouteClient via(QStringLiteral("via:other"), relayUrl(other.port()));
    delivery::DeliveryRequest request = scriptedRequest(slow.url("/doc"), {&direct, &via});
    request.method = "PUT";
    request.body = "x";
    request.stall.smoothedTtfbMs = {{QStringLiteral("direct"), 10.0}};
    const ScriptedRun run = runDelivery(request);
    QVERIFY2(run.result.ok, qPrintable(run.result.error));
    QCOMPARE(run.result.httpStatus, 200);
    QCOMPARE(run.result.route, QStringLiteral("direct"));
    QVERIFY(run.events.isEmpty());
    QCOMPARE(slow.requests().size(), 1);
    QCOMPARE(other.requests().size(), 0);
}

QTEST_GUILESS_MAIN(TestRelayMarkers)
#include "tst_relaymarkers.moc"
