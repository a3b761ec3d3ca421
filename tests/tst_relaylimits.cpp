// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// What the relay holds back: it stops reading either side while the other is backed up, refuses
// connections beyond its limit with 503, closes idle keep-alive connections, and how fast it moves
// a large download.
#include "lab/relay.h"
#include "support/relaytestlab.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace std::chrono_literals;
using namespace relayrace::testsupport::relaylab;
using relayrace::lab::RelayLimits;

class TestRelayLimits final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void relayStopsReadingUpstreamWhileClientIsBackedUp();
    void relayStopsReadingClientWhileUpstreamIsBackedUp();
    void relayRejectsConnectionsBeyondLimitWith503();
    void relayClosesIdleKeepAliveConnection();
    void relayThroughputOfLargeDownload();
};

void TestRelayLimits::relayStopsReadingUpstreamWhileClientIsBackedUp()
{
    TestOrigin origin;
    auto relay = startRelay();
    const qint64 size = 64 * kMiB;
    QTcpSocket client;
    client.setReadBufferSize(64 * 1024); // and nothing is read: the client stalls
    client.connectToHost(QHostAddress::LocalHost, relay->port());
    client.write("GET " + origin.url("/bytes/" + QByteArray::number(size)) + " HTTP/1.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(origin.blocked, kTimeoutMs);
    // Observation window: without backpressure the relay would pull the whole body meanwhile.
    QTest::qWait(500);
    QVERIFY2(origin.bodyBytesQueued < 40 * kMiB,
             qPrintable(QString::number(origin.bodyBytesQueued)));
    QVERIFY(relay->counters().bytesDown < 40 * kMiB);

    client.setReadBufferSize(0);
    BodySink sink;
    sink.attach(&client);
    QTRY_VERIFY_WITH_TIMEOUT(sink.bodyBytes >= size, 120'000);
    QCOMPARE(sink.bodyBytes, size);
    QCOMPARE(sink.hash.result().toHex(), expectedSha(size));
}

void TestRelayLimits::relayStopsReadingClientWhileUpstreamIsBackedUp()
{
    // An upstream that reads nothing until told to, then checks the uploaded body.
    QTcpServer sink;
    QVERIFY(sink.listen(QHostAddress::LocalHost, 0));
    QTcpSocket *upstream = nullptr;
    QObject::connect(&sink, &QTcpServer::newConnection, &sink, [&] {
        upstream = sink.nextPendingConnection();
        upstream->setReadBufferSize(64 * 1024);
    });
    auto relay = startRelay();
    const qint64 size = 64 * kMiB;
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, relay->port());
    client.write("POST http://127.0.0.1:" + QByteArray::number(sink.serverPort())
                 + "/upload HTTP/1.1\r\nContent-Length: " + QByteArray::number(size) + "\r\n\r\n");
    for (qint64 at = 0; at < size; at += kMiB)
        client.write(bodyBytes(at, kMiB));
    QTRY_VERIFY_WITH_TIMEOUT(upstream && relay->counters().bytesUp > kMiB, kTimeoutMs);
    // Observation window: without backpressure the relay would take the whole upload meanwhile.
    QTest::qWait(500);
    QVERIFY2(relay->counters().bytesUp < 40 * kMiB, qPrintable(QString::number(relay->counters().bytesUp)));
    QVERIFY(client.bytesToWrite() > 10 * kMiB);

    upstream->setReadBufferSize(0);
    BodySink body;
    body.attach(upstream);
    QTRY_VERIFY_WITH_TIMEOUT(body.bodyBytes >= size, 120'000);
    QCOMPARE(body.bodyBytes, size);
    QCOMPARE(body.hash.result().toHex(), expectedSha(size));
    QVERIFY(body.head.startsWith("POST /upload HTTP/1.1\r\n"));
}

void TestRelayLimits::relayRejectsConnectionsBeyondLimitWith503()
{
    TestOrigin origin;
    RelayLimits limits;
    limits.maxConnections = 2;
    auto relay = startRelay(limits);
    auto first = std::make_unique<RawClient>(relay->port());
    auto second = std::make_unique<RawClient>(relay->port());
    QTRY_COMPARE_WITH_TIMEOUT(relay->counters().connectionsOpen, 2, kTimeoutMs);
    RawClient third(relay->port(), "GET " + origin.url("/bytes/1") + " HTTP/1.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(third.closed, kTimeoutMs);
    QCOMPARE(third.response().status, 503);
    QCOMPARE(relay->counters().connectionsRejected, 1);
    first.reset();
    second.reset();
    QTRY_COMPARE_WITH_TIMEOUT(relay->counters().connectionsOpen, 0, kTimeoutMs);
    QVERIFY(servesGoodRequest(*relay, origin));
}

void TestRelayLimits::relayClosesIdleKeepAliveConnection()
{
    TestOrigin origin;
    RelayLimits limits;
    limits.idleTimeout = 200ms;
    auto relay = startRelay(limits);
    RawClient client(relay->port(), "GET " + origin.url("/bytes/10") + " HTTP/1.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.response().complete, kTimeoutMs);
    QVERIFY(client.response().header("connection").isEmpty()); // kept alive...
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, kTimeoutMs);       // ...until idle
    QCOMPARE(client.response().end, client.received.size());   // and nothing else was said
    QTRY_COMPARE_WITH_TIMEOUT(relay->counters().connectionsOpen, 0, kTimeoutMs);
}

void TestRelayLimits::relayThroughputOfLargeDownload()
{
    TestOrigin origin;
    auto relay = startRelay();
    const qint64 size = 64 * kMiB;
    QTcpSocket client;
    BodySink sink;
    sink.hashing = false; // hashing would dominate the figure; the backpressure test checks bytes
    sink.attach(&client);
    // A real event loop rather than QTRY: QTest::qWait() sleeps 10 ms between event batches, which
    // would measure the test's polling instead of the relay.
    QEventLoop loop;
    QObject::connect(&client, &QTcpSocket::readyRead, &loop, [&] {
        if (sink.bodyBytes >= size)
            loop.quit();
    });
    QObject::connect(&client, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    QTimer::singleShot(120'000, &loop, &QEventLoop::quit);
    QElapsedTimer clock;
    clock.start();
    client.connectToHost(QHostAddress::LocalHost, relay->port());
    client.write("GET " + origin.url("/bytes/" + QByteArray::number(size)) + " HTTP/1.1\r\n\r\n");
    loop.exec();
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    QCOMPARE(sink.bodyBytes, size);
    qInfo("relay throughput: 64 MiB in %.3f s = %.1f MiB/s (loopback; test origin, relay and client "
          "share one thread)",
          seconds, 64.0 / seconds);
}

QTEST_GUILESS_MAIN(TestRelayLimits)
#include "tst_relaylimits.moc"
