// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// How an impaired link shapes traffic it carries: latency adds to every round trip, jitter varies
// the delay but keeps order, bandwidth limits throughput and backs up into TCP, impairments change
// on a running link, and a clean link forwards bulk data intact.
#include "lab/impairedlink.h"
#include "support/impairedlinklab.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <memory>
#include <vector>

using namespace relayrace::testsupport::linklab;
using relayrace::lab::ImpairedLink;
using relayrace::lab::Impairment;

namespace {

qint64 median(std::vector<qint64> values)
{
    std::sort(values.begin(), values.end());
    return values.at(values.size() / 2);
}

// Median TTFB of warm requests: the first request opens the connection, the rest reuse it.
void warmTtfb(const ImpairedLink &link, qint64 &freshMs, qint64 &warmMs)
{
    auto nam = makeNam();
    const Fetch first = fetch(*nam, urlFor(link, 1000));
    QVERIFY(first.finished);
    QCOMPARE(first.error, QNetworkReply::NoError);
    freshMs = first.ttfbMs;
    std::vector<qint64> warm;
    for (int i = 0; i < 5; ++i) {
        const Fetch again = fetch(*nam, urlFor(link, 1000));
        QVERIFY(again.finished);
        QCOMPARE(again.body.size(), 1000);
        warm.push_back(again.ttfbMs);
    }
    warmMs = median(warm);
}

} // namespace

class TestImpairedLinkShaping final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void latencyAddsRoundTripToTtfb();
    void bandwidthLimitsThroughput();
    void impairmentChangesApplyWhileRunning();
    void jitterVariesDelayButKeepsOrder();
    void slowLinkBacksUpIntoTcp();
    void cleanLinkForwardsBulkDataIntact();
};

void TestImpairedLinkShaping::latencyAddsRoundTripToTtfb()
{
    TestOrigin origin;
    ImpairedLink clean(QStringLiteral("clean"), QStringLiteral("127.0.0.1"), origin.port());
    QVERIFY(clean.listen());
    Impairment slow;
    slow.latencyMs = 100;
    ImpairedLink delayed(QStringLiteral("slow"), QStringLiteral("127.0.0.1"), origin.port(), slow);
    QVERIFY(delayed.listen());

    qint64 cleanFresh = 0, cleanWarm = 0, slowFresh = 0, slowWarm = 0;
    warmTtfb(clean, cleanFresh, cleanWarm);
    if (QTest::currentTestFailed())
        return;
    warmTtfb(delayed, slowFresh, slowWarm);
    if (QTest::currentTestFailed())
        return;
    const qint64 addedWarm = slowWarm - cleanWarm;
    const qint64 addedFresh = slowFresh - cleanFresh;
    qInfo("TTFB clean fresh %lld ms warm %lld ms; 100 ms link fresh %lld ms warm %lld ms; "
          "added warm %lld ms fresh %lld ms",
          cleanFresh, cleanWarm, slowFresh, slowWarm, addedWarm, addedFresh);
    QVERIFY2(addedWarm >= 85 && addedWarm <= 115, qPrintable(QString::number(addedWarm)));
    // A fresh connection also pays the handshake round trip.
    QVERIFY2(addedFresh >= 170 && addedFresh <= 230, qPrintable(QString::number(addedFresh)));
}

void TestImpairedLinkShaping::bandwidthLimitsThroughput()
{
    TestOrigin origin;
    Impairment narrow;
    narrow.bandwidthBytesPerSec = kMiB;
    ImpairedLink link(QStringLiteral("narrow"), QStringLiteral("127.0.0.1"), origin.port(), narrow);
    QVERIFY(link.listen());
    auto nam = makeNam();
    const Fetch result = fetch(*nam, urlFor(link, 4 * kMiB));
    QVERIFY(result.finished);
    QCOMPARE(result.error, QNetworkReply::NoError);
    QCOMPARE(result.body.size(), 4 * kMiB);
    QVERIFY(isPattern(result.body));
    qInfo("4 MiB over a 1 MiB/s link took %lld ms", result.totalMs);
    QVERIFY2(result.totalMs >= 3400 && result.totalMs <= 4600, qPrintable(QString::number(result.totalMs)));
}

void TestImpairedLinkShaping::impairmentChangesApplyWhileRunning()
{
    TestOrigin origin;
    ImpairedLink link(QStringLiteral("live"), QStringLiteral("127.0.0.1"), origin.port());
    QVERIFY(link.listen());
    auto nam = makeNam();
    QCOMPARE(fetch(*nam, urlFor(link, 1000)).error, QNetworkReply::NoError);
    std::vector<qint64> before;
    for (int i = 0; i < 3; ++i)
        before.push_back(fetch(*nam, urlFor(link, 1000)).ttfbMs);

    QSignalSpy changed(&link, &ImpairedLink::impairmentChanged);
    QThread *emittedOn = nullptr;
    connect(&link, &ImpairedLink::impairmentChanged, this,
            [&] { emittedOn = QThread::currentThread(); }, Qt::DirectConnection);
    Impairment slower;
    slower.latencyMs = 200;
    std::unique_ptr<QThread> other(QThread::create([&] { link.setImpairment(slower); }));
    other->start();
    QVERIFY(other->wait(10'000));
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 10'000);
    QCOMPARE(changed.first().first().value<Impairment>(), slower);
    QCOMPARE(emittedOn, link.thread());

    // Same keep-alive connection, now 200 ms slower per round trip.
    std::vector<qint64> after;
    for (int i = 0; i < 3; ++i) {
        const Fetch result = fetch(*nam, urlFor(link, 1000));
        QCOMPARE(result.error, QNetworkReply::NoError);
        after.push_back(result.ttfbMs);
    }
    const qint64 added = median(after) - median(before);
    qInfo("live latency change: warm TTFB %lld ms -> %lld ms", median(before), median(after));
    QVERIFY2(added >= 170 && added <= 230, qPrintable(QString::number(added)));
}

void TestImpairedLinkShaping::jitterVariesDelayButKeepsOrder()
{
    TestOrigin origin;
    Impairment jittery;
    jittery.latencyMs = 40;
    jittery.jitterMs = 40; // each direction: 20 ms +- 20 ms
    ImpairedLink link(QStringLiteral("jitter"), QStringLiteral("127.0.0.1"), origin.port(), jittery);
    QVERIFY(link.listen());
    auto nam = makeNam();
    QCOMPARE(fetch(*nam, urlFor(link, 10)).error, QNetworkReply::NoError);
    std::vector<qint64> ttfb;
    for (int i = 0; i < 8; ++i) {
        const Fetch result = fetch(*nam, urlFor(link, kMiB));
        QCOMPARE(result.error, QNetworkReply::NoError);
        QCOMPARE(result.body.size(), kMiB);
        QVERIFY(isPattern(result.body)); // chunks delayed differently still arrive in order
        ttfb.push_back(result.ttfbMs);
    }
    const auto [low, high] = std::minmax_element(ttfb.begin(), ttfb.end());
    qInfo("jittered warm TTFB from %lld to %lld ms", *low, *high);
    QVERIFY(*high - *low >= 5);
    QVERIFY(*high <= 150);
}

void TestImpairedLinkShaping::slowLinkBacksUpIntoTcp()
{
    TestOrigin origin;
    Impairment narrow;
    narrow.bandwidthBytesPerSec = kMiB;
    ImpairedLink link(QStringLiteral("narrow"), QStringLiteral("127.0.0.1"), origin.port(), narrow);
    QVERIFY(link.listen());
    constexpr qint64 bodySize = 256 * kMiB;
    QTcpSocket raw;
    qint64 received = 0;
    connect(&raw, &QTcpSocket::readyRead, this, [&] { received += raw.readAll().size(); });
    raw.connectToHost(QHostAddress::LocalHost, link.port());
    QTRY_COMPARE_WITH_TIMEOUT(raw.state(), QAbstractSocket::ConnectedState, 10'000);
    raw.write("GET /bytes/" + QByteArray::number(bodySize) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::qWait(2000);
    qInfo("after 2 s at 1 MiB/s: client has %.1f MiB, the origin could hand over %.1f MiB",
          double(received) / kMiB, double(origin.bytesTaken()) / kMiB);
    QVERIFY(received >= kMiB);
    // Without backpressure the link would take the whole body at once, as fast as loopback goes.
    QVERIFY2(origin.bytesTaken() < 32 * kMiB, qPrintable(QString::number(origin.bytesTaken())));
}

void TestImpairedLinkShaping::cleanLinkForwardsBulkDataIntact()
{
    TestOrigin origin;
    ImpairedLink link(QStringLiteral("bulk"), QStringLiteral("127.0.0.1"), origin.port());
    QSignalSpy closed(&link, &ImpairedLink::connectionClosed);
    QVERIFY(link.listen());
    constexpr qint64 bodySize = 256 * kMiB;
    const qint64 expected = TestOrigin::header(bodySize).size() + bodySize;

    const auto transfer = [&](quint16 port) -> double {
        QTcpSocket raw;
        qint64 received = 0;
        qint64 bodySeen = -TestOrigin::header(bodySize).size();
        bool intact = true;
        QElapsedTimer clock;
        qint64 doneNs = -1;
        connect(&raw, &QTcpSocket::readyRead, this, [&] {
            const QByteArray data = raw.readAll();
            // Spot checks keep the client cheap enough not to be what is measured.
            if (bodySeen >= 0 && !data.isEmpty())
                intact = intact && data.front() == patternAt(bodySeen) && data.back() == patternAt(bodySeen + data.size() - 1);
            received += data.size();
            bodySeen += data.size();
            if (received == expected) {
                doneNs = clock.nsecsElapsed();
                raw.disconnectFromHost();
            }
        });
        // QSignalSpy::wait runs a plain event loop; QTRY_* and qWaitFor sleep between polls and
        // would be what is measured.
        QSignalSpy connected(&raw, &QTcpSocket::connected);
        QSignalSpy disconnected(&raw, &QTcpSocket::disconnected);
        raw.connectToHost(QHostAddress::LocalHost, port);
        if (!connected.wait(10'000))
            return -1;
        clock.start();
        raw.write("GET /bytes/" + QByteArray::number(bodySize) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        if (!disconnected.wait(120'000) || received != expected || !intact)
            return -1;
        return double(bodySize) / kMiB / (double(doneNs) / 1e9);
    };
    const double direct = transfer(origin.port());
    const double through = transfer(link.port());
    qInfo("256 MiB: origin direct %.0f MiB/s, through a clean link %.0f MiB/s", direct, through);
    QVERIFY(direct > 0);
    QVERIFY(through > 0);
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, 10'000);
    QVERIFY(closed.first().at(2).toLongLong() == expected);
    QCOMPARE(link.stats().connectionsOpen, 0);
    QCOMPARE(link.stats().connectionsAccepted, 1);
    QCOMPARE(link.stats().bytesDown, expected);
}

QTEST_GUILESS_MAIN(TestImpairedLinkShaping)
#include "tst_impairedlinkshaping.moc"
