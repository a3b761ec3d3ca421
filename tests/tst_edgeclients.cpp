// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// What real clients do through the edge (curl; tests/support/edgelab.h): a chunked POST that reaches
// the origin exactly once, the client's own Range and conditional requests, and the route cache at
// work: many requests, one race, and a route that moves when the next race finds another best.
#include "support/edgelab.h"

#include <QJsonDocument>

using namespace relayrace;
using namespace relayrace::testsupport;

class TestEdgeClients final : public QObject, private EdgeLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();
    void chunkedPostReachesTheOriginOnce();
    void clientRangeAndConditionalRequests();
    void cachedRouteServesManyRequestsWithOneRace();
    void slowClientGetsWholeBodiesOnOneConnection();
    void abandonedDownloadsFreeTheirRoutes();
};

void TestEdgeClients::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    RELAYRACE_VERIFY_OK(startEdge());
}

void TestEdgeClients::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestEdgeClients::cleanupTestCase()
{
    stopEdge();
    m_lab.stop();
}

void TestEdgeClients::chunkedPostReachesTheOriginOnce()
{
    const QByteArray body = lab::contentBody("/post-through-edge", 300'000);
    QFile file(m_dir.filePath(QStringLiteral("post.bin")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(body);
    file.close();
    const qint64 before = m_lab.lab()->originStats(QStringLiteral("plain"))->requests;
    const Curl c = curlEdge({QStringLiteral("-X"), QStringLiteral("POST"), QStringLiteral("-H"),
                             QStringLiteral("Transfer-Encoding: chunked"), QStringLiteral("--data-binary"),
                             QStringLiteral("@") + file.fileName(), url(QStringLiteral("/echo"))});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    const QJsonObject echo = QJsonDocument::fromJson(c.out).object();
    QCOMPARE(echo.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
    QCOMPARE(echo.value(QStringLiteral("length")).toInteger(), body.size());
    QCOMPARE(echo.value(QStringLiteral("sha256")).toString().toLatin1(), lab::sha256Hex(body));
    QCOMPARE(m_lab.lab()->originStats(QStringLiteral("plain"))->requests - before, qint64(1));
}

void TestEdgeClients::clientRangeAndConditionalRequests()
{
    constexpr qint64 size = 500'000;
    const QString path = QStringLiteral("/obj/ranged?size=%1").arg(size);
    const Curl part = curlEdge({QStringLiteral("-i"), QStringLiteral("-r"), QStringLiteral("1000-1999"), url(path)});
    QVERIFY2(part.exitCode == 0, part.err.constData());
    QVERIFY2(part.out.startsWith("HTTP/1.1 206"), part.out.left(300).constData());
    QVERIFY2(part.out.contains("Content-Range: bytes 1000-1999/500000"), part.out.left(400).constData());
    const QByteArray partBody = part.out.mid(part.out.indexOf("\r\n\r\n") + 4);
    QCOMPARE(partBody, lab::contentRange("/obj/ranged", size, 1000, 1000));

    const Curl head = curlEdge({QStringLiteral("-I"), url(path)});
    QVERIFY2(head.exitCode == 0, head.err.constData());
    QByteArray etag;
    for (const QByteArray &line : head.out.split('\n')) {
        if (line.toLower().startsWith("etag:"))
            etag = line.mid(5).trimmed();
    }
    QVERIFY2(!etag.isEmpty(), head.out.constData());
    const Curl notModified = curlEdge({QStringLiteral("-i"), QStringLiteral("-H"),
                                       QStringLiteral("If-None-Match: ") + QString::fromLatin1(etag), url(path)});
    QVERIFY2(notModified.out.startsWith("HTTP/1.1 304"), notModified.out.constData());
    QVERIFY(notModified.out.endsWith("\r\n\r\n")); // no body
}

void TestEdgeClients::cachedRouteServesManyRequestsWithOneRace()
{
    const qint64 racesBefore = m_engine->snapshot(QStringLiteral("plain")).races;
    QStringList arguments{QStringLiteral("-w"), QStringLiteral("%{http_code} %{num_connects}\\n")};
    constexpr int requests = 100;
    for (int i = 0; i < requests; ++i)
        arguments << QStringLiteral("-o") << QStringLiteral("/dev/null") << url(QStringLiteral("/obj/many-%1?size=4000").arg(i));
    const Curl c = curlEdge(arguments);
    QVERIFY2(c.exitCode == 0, c.err.constData());
    // One keep-alive connection carries all of them: curl opened one connection for the 100.
    QCOMPARE(c.out.count("200 "), requests);
    QCOMPARE(c.out.count("200 1\n") + c.out.count("200 0\n"), requests);
    QCOMPARE(c.out.count("200 1\n"), 1);
    // The first request of this engine raced (the map races at once); the rest took the cached route.
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->snapshot(QStringLiteral("plain")).races - racesBefore <= 1, kTimeoutMs);
    QVERIFY(!accessLineFor(QStringLiteral("/obj/many-%1?size=4000").arg(requests - 1)).isEmpty());
    const QList<QJsonObject> lines = accessLines();
    QVERIFY(lines.size() >= requests);
    int cached = 0;
    for (const QJsonObject &line : lines.mid(lines.size() - requests))
        cached += line.value(QStringLiteral("race")).toString() == u"cached" ? 1 : 0;
    QVERIFY2(cached >= requests - 1, qPrintable(QString::number(cached)));
    QCOMPARE(m_engine->snapshot(QStringLiteral("plain")).optimalRoute, QStringLiteral("via:fast"));

    // The fast relay becomes the slowest: the next race moves the route, and the edge follows.
    RELAYRACE_VERIFY_OK(m_lab.impair(lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                                     [](lab::Impairment &i) { i.latencyMs = 600; }));
    // The route follows after one race when the incumbent's margin was measured, after two in a row
    // otherwise (hysteresis, docs/race-policy.md).
    for (int race = 0; race < 3 && m_engine->snapshot(QStringLiteral("plain")).optimalRoute == u"via:fast"; ++race) {
        const qint64 before = m_engine->snapshot(QStringLiteral("plain")).races;
        m_engine->raceNow(engine::RaceOrder{QStringLiteral("plain"), QString(), 0, model::Trigger::Manual, 0});
        QTRY_VERIFY_WITH_TIMEOUT(m_engine->snapshot(QStringLiteral("plain")).races > before, kTimeoutMs);
    }
    QVERIFY(m_engine->snapshot(QStringLiteral("plain")).optimalRoute != u"via:fast");
    const QString moved = m_engine->snapshot(QStringLiteral("plain")).optimalRoute;
    const Curl after = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), url(QStringLiteral("/obj/after?size=4000"))});
    QVERIFY2(after.exitCode == 0, after.err.constData());
    QCOMPARE(accessLineFor(QStringLiteral("/obj/after?size=4000")).value(QStringLiteral("route")).toString(), moved);
}

void TestEdgeClients::slowClientGetsWholeBodiesOnOneConnection()
{
    // A client slower than the origin: the edge's socket fills, then the response stream, then the
    // delivery waits for room. Every wake-up on the way back must come; a lost one leaves the response
    // hanging until the delivery's deadline (seen with a flush inside a bytesWritten handler).
    // The lab's links carry 4 MB/s: unlimited here, so the origin outruns the client. curl's rate limit
    // reads in bursts; which rates lost the wake-up varied (10 MB/s did, every time).
    for (const QString &region : {QStringLiteral("fast"), QStringLiteral("slow")}) {
        for (const QString &link : {lab::Topology::edgeToRelayLinkId(region),
                                    lab::Topology::relayToOriginLinkId(region, QStringLiteral("plain"))})
            RELAYRACE_VERIFY_OK(m_lab.impair(link, [](lab::Impairment &i) { i.bandwidthBytesPerSec = 0; i.latencyMs = 0; }));
    }
    RELAYRACE_VERIFY_OK(m_lab.impair(lab::Topology::directLinkId(QStringLiteral("plain")),
                                     [](lab::Impairment &i) { i.bandwidthBytesPerSec = 0; i.latencyMs = 0; }));
    const qint64 size = 6'000'000;
    for (const QString &rate : {QStringLiteral("10M"), QStringLiteral("25M"), QStringLiteral("4M")}) {
        const QString a = QStringLiteral("/obj/slow-a-%1").arg(rate), b = QStringLiteral("/obj/slow-b-%1").arg(rate);
        const Curl c = curlEdge({QStringLiteral("--limit-rate"), rate, QStringLiteral("--max-time"), QStringLiteral("20"),
                                 QStringLiteral("-o"), m_dir.filePath(QStringLiteral("slow-a.bin")),
                                 url(QStringLiteral("%1?size=%2").arg(a).arg(size)),
                                 QStringLiteral("-o"), m_dir.filePath(QStringLiteral("slow-b.bin")),
                                 url(QStringLiteral("%1?size=%2").arg(b).arg(size / 2)),
                                 QStringLiteral("-w"), QStringLiteral("%{http_code}:%{size_download}:%{num_connects} ")});
        // curl's exit code is the last transfer's: each one's status, size and connection is checked.
        QVERIFY2(c.exitCode == 0, qPrintable(rate + u' ' + QString::fromUtf8(c.err)));
        QCOMPARE(c.out.trimmed(), QStringLiteral("200:%1:1 200:%2:0").arg(size).arg(size / 2).toUtf8());
        QCOMPARE(fileSha256(QStringLiteral("slow-a.bin")), lab::contentSha256(a.toUtf8(), size));
        QCOMPARE(fileSha256(QStringLiteral("slow-b.bin")), lab::contentSha256(b.toUtf8(), size / 2));
    }
}

void TestEdgeClients::abandonedDownloadsFreeTheirRoutes()
{
    // A client that leaves mid-body: its delivery ends and its route connection closes. Before, the
    // delivery waited for room in the abandoned stream until its deadline (300 s) with the connection
    // held unread; a hundred such clients used up a route (docs/reliability.md).
    const QStringList links{lab::Topology::directLinkId(QStringLiteral("plain")), lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                            lab::Topology::edgeToRelayLinkId(QStringLiteral("slow"))};
    const auto open = [&] {
        qint64 n = 0;
        for (const QString &link : links)
            n += m_lab.lab()->linkStats(link)->connectionsOpen;
        return n;
    };
    const Curl warm = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), url(QStringLiteral("/obj/warm?size=1000"))});
    QCOMPARE(warm.exitCode, 0);
    const qint64 before = open();
    constexpr int clients = 6;
    for (int i = 0; i < clients; ++i) {
        const Curl c = curlEdge({QStringLiteral("--limit-rate"), QStringLiteral("512K"), QStringLiteral("--max-time"), QStringLiteral("1"),
                                 QStringLiteral("-o"), QStringLiteral("/dev/null"), url(QStringLiteral("/obj/leave-%1?size=64000000").arg(i))});
        QCOMPARE(c.exitCode, 28); // curl gave up mid-body
    }
    QTRY_VERIFY2_WITH_TIMEOUT(open() <= before, qPrintable(QStringLiteral("%1 route connections open, %2 before").arg(open()).arg(before)),
                              kTimeoutMs / 4);
    for (int i = 0; i < clients; ++i)
        QCOMPARE(accessLineFor(QStringLiteral("/obj/leave-%1?size=64000000").arg(i)).value(QStringLiteral("outcome")).toString(),
                 QStringLiteral("client_gone"));
}

QTEST_GUILESS_MAIN(TestEdgeClients)
#include "tst_edgeclients.moc"
