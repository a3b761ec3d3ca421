// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The relay forwards what it is given, byte for byte: GET bodies and uploads (sized and chunked),
// CONNECT tunnels, reused connections both sides, hop-by-hop headers stripped and Via added,
// upstream routes, chunked and close-delimited bodies reframed, pipelined HEAD and 204 answered
// without bodies.
#include "lab/relay.h"
#include "support/relaytestlab.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace relayrace::testsupport::relaylab;
using relayrace::lab::Relay;
using relayrace::lab::RelayLogEntry;

class TestRelayForwarding final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void relayDeliversExactBytesAndReusesConnections();
    void relayTunnelsConnectAndRelaysExactBytes();
    void relayForwardsRequestBodiesIntact_data();
    void relayForwardsRequestBodiesIntact();
    void relayStripsHopByHopHeadersAndAddsVia();
    void relayFollowsUpstreamRoute();
    void relayTakesOriginFormForARoutedHost();
    void relayAnswersPipelinedHeadAnd204WithoutBodies();
    void relayReframesChunkedAndCloseDelimitedResponses();
};

void TestRelayForwarding::relayDeliversExactBytesAndReusesConnections()
{
    TestOrigin origin;
    auto relay = startRelay();
    QSignalSpy relayed(relay.get(), &Relay::relayed);
    QNetworkAccessManager nam;
    nam.setProxy(
        QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), relay->port()));

    const QList<qint64> sizes = {kMiB, 1000};
    for (const qint64 size : sizes) {
        const QUrl url(QString::fromLatin1(origin.url("/bytes/" + QByteArray::number(size))));
        std::unique_ptr<QNetworkReply> reply(nam.get(QNetworkRequest(url)));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kTimeoutMs);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(sha(reply->readAll()), expectedSha(size));
        QCOMPARE(reply->rawHeader("Via"), QByteArray("1.1 relayrace-test"));
    }
    QTRY_COMPARE_WITH_TIMEOUT(relayed.count(), 2, kTimeoutMs);
    const auto counters = relay->counters();
    QCOMPARE(counters.connectionsAccepted, 1); // one client connection for both requests
    QCOMPARE(origin.accepted, 1);              // and one upstream connection
    QCOMPARE(counters.upstreamReuses, 1);
    QCOMPARE(counters.requests, 2);
    QVERIFY(counters.bytesDown > kMiB);
    const QList<RelayLogEntry> log = relay->recentLog();
    QCOMPARE(log.size(), 2);
    QCOMPARE(log.first().method, QStringLiteral("GET"));
    QCOMPARE(log.first().status, 200);
    QVERIFY(log.first().bytesDown > kMiB);
    QVERIFY(log.first().error.isEmpty());
    QCOMPARE(log.first().target, QString::fromLatin1(origin.url("/bytes/1048576")));
    QCOMPARE(relayed.first().first().value<RelayLogEntry>().target, log.first().target);
}

void TestRelayForwarding::relayTunnelsConnectAndRelaysExactBytes()
{
    TestOrigin origin;
    auto relay = startRelay();
    const QByteArray authority = "127.0.0.1:" + QByteArray::number(origin.port());
    RawClient client(relay->port(),
                     "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
    const QByteArray established = "HTTP/1.1 200 Connection established\r\n\r\n";
    QTRY_VERIFY_WITH_TIMEOUT(client.received.size() >= established.size() || client.closed,
                             kTimeoutMs);
    QCOMPARE(client.received, established);

    client.received.clear();
    client.socket.write("GET /bytes/1048576 HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.response().complete || client.closed, kTimeoutMs);
    const Response r = client.response();
    QCOMPARE(r.status, 200);
    QCOMPARE(sha(r.body), expectedSha(kMiB));
    QVERIFY(r.header("via").isEmpty()); // a tunnel carries bytes; it does not touch them
    QCOMPARE(origin.requests.size(), 1);
    QVERIFY(origin.requests.first().head.startsWith("GET /bytes/1048576 HTTP/1.1\r\n"));

    client.socket.disconnectFromHost();
    QTRY_COMPARE_WITH_TIMEOUT(relay->recentLog().size(), 1, kTimeoutMs);
    const RelayLogEntry entry = relay->recentLog().first();
    QCOMPARE(entry.method, QStringLiteral("CONNECT"));
    QCOMPARE(entry.status, 200);
    QVERIFY(entry.bytesDown > kMiB);
    QCOMPARE(relay->counters().tunnels, 1);
    QTRY_COMPARE_WITH_TIMEOUT(relay->counters().connectionsOpen, 0, kTimeoutMs);
}

void TestRelayForwarding::relayForwardsRequestBodiesIntact_data()
{
    QTest::addColumn<bool>("chunked");
    QTest::addRow("content-length") << false;
    QTest::addRow("chunked") << true;
}

void TestRelayForwarding::relayForwardsRequestBodiesIntact()
{
    QFETCH(bool, chunked);
    TestOrigin origin;
    auto relay = startRelay();
    const QByteArray body = bodyBytes(12345, 300'000);
    QByteArray request = "POST " + origin.url("/echo") +
                         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n";
    if (chunked) {
        request += "Transfer-Encoding: chunked\r\n\r\n";
        QRandomGenerator rng(7);
        for (qsizetype at = 0; at < body.size();) {
            const qsizetype n = std::min<qsizetype>(rng.bounded(1, 40'000), body.size() - at);
            request += QByteArray::number(n, 16) + ";ext=1\r\n" + body.mid(at, n) + "\r\n";
            at += n;
        }
        request += "0\r\nX-Trailer: dropped\r\n\r\n";
    } else {
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    }
    RawClient client(relay->port(), request);
    QTRY_VERIFY_WITH_TIMEOUT(client.response().complete || client.closed, kTimeoutMs);
    const Response r = client.response();
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray::number(body.size()) + ' ' + sha(body) +
                         (chunked ? " chunked" : " length"));
}

void TestRelayForwarding::relayStripsHopByHopHeadersAndAddsVia()
{
    TestOrigin origin;
    auto relay = startRelay();
    RawClient client(relay->port(),
                     "GET " + origin.url("/bytes/10") +
                         " HTTP/1.1\r\n"
                         "Host: wrong.example\r\nConnection: keep-alive, X-Secret\r\n"
                         "X-Secret: 1\r\nProxy-Connection: keep-alive\r\nKeep-Alive: 5\r\n"
                         "Proxy-Authorization: Basic Zm9vOmJhcg==\r\nTE: trailers\r\n"
                         "Trailer: X-T\r\nUpgrade: h2c\r\nX-Kept: yes\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.response().complete || client.closed, kTimeoutMs);
    QCOMPARE(client.response().status, 200);
    QCOMPARE(client.response().header("via"), QByteArray("1.1 relayrace-test"));
    QCOMPARE(origin.requests.size(), 1);
    const QByteArray head = origin.requests.first().head;
    QVERIFY2(head.startsWith("GET /bytes/10 HTTP/1.1\r\n"), head.constData());
    QCOMPARE(headerOf(head, "host"), "127.0.0.1:" + QByteArray::number(origin.port()));
    QCOMPARE(headerOf(head, "via"), QByteArray("1.1 relayrace-test"));
    QCOMPARE(headerOf(head, "x-kept"), QByteArray("yes"));
    for (const char *name : {"connection", "x-secret", "proxy-connection", "keep-alive",
                             "proxy-authorization", "te", "trailer", "upgrade"})
        QVERIFY2(headerOf(head, name).isEmpty(), name);
    QVERIFY(!client.closed); // keep-alive by default in HTTP/1.1
}

void TestRelayForwarding::relayFollowsUpstreamRoute()
{
    // The name never reaches a resolver: the route sends the connection to the test origin.
    TestOrigin origin;
    auto relay = startRelay();
    relay->setUpstreamRoute(QStringLiteral("origin.lab.invalid"), 80, QStringLiteral("127.0.0.1"),
                            origin.port());
    RawClient client(relay->port(), "GET http://origin.lab.invalid/bytes/100 HTTP/1.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.response().complete || client.closed, kTimeoutMs);
    QCOMPARE(client.response().status, 200);
    QCOMPARE(client.response().body, bodyBytes(0, 100));
    QCOMPARE(origin.requests.size(), 1);
    QCOMPARE(headerOf(origin.requests.first().head, "host"), QByteArray("origin.lab.invalid"));
}

void TestRelayForwarding::relayTakesOriginFormForARoutedHost()
{
    // As a reverse proxy: "GET /path" with the Host of a routed upstream goes there, over the route
    // (what nginx and HAProxy send when a relay region is their upstream server); any other Host is
    // still refused as a forward proxy refuses origin-form.
    TestOrigin origin;
    auto relay = startRelay();
    relay->setUpstreamRoute(QStringLiteral("origin.lab.invalid"), 8080, QStringLiteral("127.0.0.1"), origin.port());
    RawClient client(relay->port(), "GET /bytes/100 HTTP/1.1\r\nHost: origin.lab.invalid:8080\r\n\r\n"
                                    "GET /bytes/50 HTTP/1.1\r\nHost: origin.lab.invalid:8080\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.closed || parseResponse(client.received, client.response().end).complete, kTimeoutMs);
    const Response first = client.response();
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, bodyBytes(0, 100));
    const Response second = parseResponse(client.received, first.end);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, bodyBytes(0, 50));
    QCOMPARE(origin.requests.size(), 2);
    QCOMPARE(headerOf(origin.requests.first().head, "host"), QByteArray("origin.lab.invalid:8080"));
    QVERIFY(!headerOf(origin.requests.first().head, "via").isEmpty());

    for (const QByteArray &host : {QByteArray("origin.lab.invalid"), QByteArray("elsewhere.invalid:8080"), QByteArray("[::1]:8080")}) {
        RawClient refused(relay->port(), "GET /bytes/10 HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(refused.response().complete || refused.closed, kTimeoutMs);
        QCOMPARE(refused.response().status, 400);
    }
    QCOMPARE(origin.requests.size(), 2);
}

void TestRelayForwarding::relayAnswersPipelinedHeadAnd204WithoutBodies()
{
    TestOrigin origin;
    auto relay = startRelay();
    RawClient client(relay->port(), "HEAD " + origin.url("/bytes/5000") +
                                        " HTTP/1.1\r\n\r\n"
                                        "GET " +
                                        origin.url("/nocontent") +
                                        " HTTP/1.1\r\n\r\n"
                                        "GET " +
                                        origin.url("/bytes/10") + " HTTP/1.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(
        client.closed ||
            [&] {
                const Response head = parseResponse(client.received, 0, true);
                const Response empty = parseResponse(client.received, head.end);
                return head.complete && empty.complete &&
                       parseResponse(client.received, empty.end).complete;
            }(),
        kTimeoutMs);
    const Response head = parseResponse(client.received, 0, true);
    QCOMPARE(head.status, 200);
    QCOMPARE(head.header("content-length"), QByteArray("5000"));
    const Response empty = parseResponse(client.received, head.end);
    QCOMPARE(empty.status, 204);
    const Response last = parseResponse(client.received, empty.end);
    QCOMPARE(last.status, 200);
    QCOMPARE(last.body, bodyBytes(0, 10));
    QCOMPARE(last.end, client.received.size());
    QCOMPARE(origin.accepted, 1);
    QCOMPARE(relay->counters().upstreamReuses, 2);
}

void TestRelayForwarding::relayReframesChunkedAndCloseDelimitedResponses()
{
    TestOrigin origin;
    auto relay = startRelay();
    const qint64 size = 3 * kMiB + 17;
    RawClient chunked(relay->port(), "GET " + origin.url("/chunked/" + QByteArray::number(size)) +
                                         " HTTP/1.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(chunked.response().complete || chunked.closed, kTimeoutMs);
    QCOMPARE(chunked.response().header("transfer-encoding"), QByteArray("chunked"));
    QCOMPARE(sha(chunked.response().body), expectedSha(size));

    // To an HTTP/1.0 client a chunked body is sent close-delimited.
    RawClient old(relay->port(), "GET " + origin.url("/chunked/" + QByteArray::number(size)) +
                                     " HTTP/1.0\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(old.closed, kTimeoutMs);
    QVERIFY(old.response().header("transfer-encoding").isEmpty());
    QCOMPARE(sha(old.response().body), expectedSha(size));

    RawClient closeDelimited(relay->port(), "GET " +
                                                origin.url("/close/" + QByteArray::number(size)) +
                                                " HTTP/1.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(closeDelimited.closed, kTimeoutMs);
    QCOMPARE(closeDelimited.response().header("connection"), QByteArray("close"));
    QCOMPARE(sha(closeDelimited.response().body), expectedSha(size));
}

QTEST_GUILESS_MAIN(TestRelayForwarding)
#include "tst_relayforwarding.moc"
