// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The edge with a real client (curl) in front and the lab behind (tests/support/enginelab.h): byte-
// exact bodies, keep-alive, HEAD, the edge's own answers (421, 431, 502), and a serving route cut
// mid-body that the client never notices.
#include "support/edgelab.h"

using namespace relayrace;
using namespace relayrace::testsupport;

class TestEdge final : public QObject, private EdgeLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();
    void getIsByteExactAndLogged();
    void keepAliveServesManyRequestsOnOneConnection();
    void headAndTheEdgesOwnAnswers();
    void routeCutMidBodyIsInvisibleToTheClient();
    void everyRouteFailedIsA502NamingThem();
    void clientConnectionsSendWithoutNagle();

};

void TestEdge::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    edge::EdgeLimits limits;
    limits.maxHeaderBytes = 8 * 1024;
    RELAYRACE_VERIFY_OK(startEdge({}, limits));
}

void TestEdge::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestEdge::cleanupTestCase()
{
    stopEdge();
    m_lab.stop();
}

void TestEdge::getIsByteExactAndLogged()
{
    constexpr qint64 size = 3 * 1024 * 1024 + 7;
    const QString out = m_dir.filePath(QStringLiteral("get.bin"));
    const QString path = QStringLiteral("/obj/edge-get?size=%1").arg(size);
    const Curl c = curl({QStringLiteral("-o"), out, QStringLiteral("-H"), QStringLiteral("Host: plain.example"), url(path)});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QFile file(out);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(lab::sha256Hex(file.readAll()), lab::contentSha256("/obj/edge-get", size));
    const QJsonObject last = accessLineFor(path);
    QVERIFY(!last.isEmpty());
    QCOMPARE(last.value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(last.value(QStringLiteral("bytes")).toInteger(), size);
    QCOMPARE(last.value(QStringLiteral("outcome")).toString(), QStringLiteral("ok"));
    QCOMPARE(last.value(QStringLiteral("provider")).toString(), QStringLiteral("plain"));
    QVERIFY(last.value(QStringLiteral("length_verified")).toBool());
    QVERIFY(!last.value(QStringLiteral("route")).toString().isEmpty());
}

void TestEdge::keepAliveServesManyRequestsOnOneConnection()
{
    QStringList arguments{QStringLiteral("-H"), QStringLiteral("Host: plain.example"), QStringLiteral("-w"),
                          QStringLiteral("%{http_code} %{num_connects}\\n"), QStringLiteral("-o"), QStringLiteral("/dev/null")};
    constexpr int requests = 20;
    for (int i = 0; i < requests; ++i) {
        arguments << url(QStringLiteral("/obj/keep-%1?size=2000").arg(i));
        if (i + 1 < requests)
            arguments << QStringLiteral("-o") << QStringLiteral("/dev/null");
    }
    const Curl c = curl(arguments);
    QVERIFY2(c.exitCode == 0, c.err.constData());
    const QList<QByteArray> lines = c.out.trimmed().split('\n');
    QCOMPARE(lines.size(), requests);
    int connects = 0;
    for (const QByteArray &line : lines) {
        QVERIFY2(line.startsWith("200 "), line.constData());
        connects += line.split(' ').value(1).toInt();
    }
    QCOMPARE(connects, 1);
}

void TestEdge::headAndTheEdgesOwnAnswers()
{
    const Curl head = curl({QStringLiteral("-I"), QStringLiteral("-H"), QStringLiteral("Host: plain.example"),
                            url(QStringLiteral("/obj/head?size=12345"))});
    QVERIFY2(head.exitCode == 0, head.err.constData());
    QVERIFY2(head.out.startsWith("HTTP/1.1 200"), head.out.constData());
    QVERIFY2(head.out.contains("Content-Length: 12345"), head.out.constData());
    QVERIFY2(head.out.contains("Via: 1.1 relayrace"), head.out.constData());

    const Curl unknown = curl({QStringLiteral("-i"), QStringLiteral("-H"), QStringLiteral("Host: nobody.example"),
                               url(QStringLiteral("/x"))});
    QVERIFY2(unknown.out.startsWith("HTTP/1.1 421"), unknown.out.constData());
    QVERIFY2(unknown.out.contains("nobody.example"), unknown.out.constData());

    const Curl big = curl({QStringLiteral("-i"), QStringLiteral("-H"), QStringLiteral("Host: plain.example"),
                           QStringLiteral("-H"), QStringLiteral("X-Big: ") + QString(10'000, u'x'), url(QStringLiteral("/x"))});
    QVERIFY2(big.out.startsWith("HTTP/1.1 431"), big.out.constData());
}

void TestEdge::routeCutMidBodyIsInvisibleToTheClient()
{
    // Every link to the origin resets its connections after 1,500,000 bytes (each once: a link counts
    // per connection), so whichever route serves is cut mid-body and the next resumes: three routes
    // carry 4,500,000 bytes at most, more than the body. (The slow relay's link was left out before:
    // when the race had chosen via:slow, nothing cut the body.)
    constexpr qint64 size = 4 * 1024 * 1024;
    for (const QString &link : {lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                                lab::Topology::edgeToRelayLinkId(QStringLiteral("slow")),
                                lab::Topology::directLinkId(QStringLiteral("plain"))})
        RELAYRACE_VERIFY_OK(m_lab.impair(link, [](lab::Impairment &i) { i.resetAfterBytes = 1'500'000; }));
    const QString out = m_dir.filePath(QStringLiteral("cut.bin"));
    const QString path = QStringLiteral("/obj/edge-cut?size=%1").arg(size);
    const Curl c = curl({QStringLiteral("-o"), out, QStringLiteral("-H"), QStringLiteral("Host: plain.example"), url(path)});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QFile file(out);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(lab::sha256Hex(file.readAll()), lab::contentSha256("/obj/edge-cut", size));
    const QJsonObject last = accessLineFor(path);
    QVERIFY2(last.value(QStringLiteral("failovers")).toInt() >= 1, QJsonDocument(last).toJson().constData());
    QCOMPARE(last.value(QStringLiteral("outcome")).toString(), QStringLiteral("ok"));
}

void TestEdge::everyRouteFailedIsA502NamingThem()
{
    for (const QString &link : {lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                                lab::Topology::edgeToRelayLinkId(QStringLiteral("slow")),
                                lab::Topology::directLinkId(QStringLiteral("plain"))})
        RELAYRACE_VERIFY_OK(m_lab.impair(link, [](lab::Impairment &i) {
            i.refuse = true;        // no new connection
            i.resetAfterBytes = 0;  // and the kept-alive ones reset at their next byte
        }));
    const Curl c = curl({QStringLiteral("-i"), QStringLiteral("-H"), QStringLiteral("Host: plain.example"),
                         url(QStringLiteral("/obj/none?size=1000"))});
    QVERIFY2(c.out.startsWith("HTTP/1.1 502"), c.out.constData());
    QVERIFY2(c.out.contains("via:fast") && c.out.contains("direct"), c.out.constData());
}

QTEST_GUILESS_MAIN(TestEdge)
#include "tst_edge.moc"

void TestEdge::clientConnectionsSendWithoutNagle()
{
    // A response's last partial segment must not wait for the client's delayed ACK (docs/peers.md).
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, m_port);
    QVERIFY(client.waitForConnected(kTimeoutMs));
    QList<QTcpSocket *> accepted;
    QVERIFY(QTest::qWaitFor([&] { return !(accepted = m_edge->findChildren<QTcpSocket *>()).isEmpty(); }, kTimeoutMs));
    for (QTcpSocket *socket : std::as_const(accepted))
        QCOMPARE(socket->socketOption(QAbstractSocket::LowDelayOption).toInt(), 1);
}
