// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The edge against bad clients (tests/support/edgelab.h): 2,000 mutated requests from a fixed seed
// neither crash nor wedge it (each answered or closed, a normal client served afterwards), and 200
// slowloris connections do not keep a normal client from being served; they get 408.
#include "support/edgelab.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTimer>

using namespace relayrace;
using namespace relayrace::testsupport;

namespace {

constexpr int kHeaderTimeoutMs = 5000; // generous: the normal client must be served before any slow one is cut, under ASan too

// A valid request changed at random: bytes flipped, inserted or removed, the head cut short, a
// header repeated, a length that lies.
QByteArray mutated(QRandomGenerator &random)
{
    QByteArray r = "GET /obj/m?size=300 HTTP/1.1\r\nHost: plain.example\r\nAccept: */*\r\nX-Id: 7\r\n\r\n";
    const int mutations = 1 + int(random.bounded(4));
    for (int m = 0; m < mutations; ++m) {
        if (r.size() < 2)
            r = "GET";
        const int at = int(random.bounded(r.size()));
        switch (random.bounded(7)) {
        case 0: r[at] = char(random.bounded(256)); break;
        case 1: r.insert(at, char(random.bounded(256))); break;
        case 2: r.remove(at, 1 + int(random.bounded(8))); break;
        case 3: r.truncate(at); break;
        case 4: r.insert(r.indexOf("\r\n") + 2, "Content-Length: " + QByteArray::number(random.bounded(100000)) + "\r\n"); break;
        case 5: r.insert(r.indexOf("\r\n") + 2, "Transfer-Encoding: chunked\r\n"); break;
        default: r.insert(at, QByteArray(int(random.bounded(3000)), 'A')); break;
        }
    }
    return r;
}

} // namespace

class TestEdgeAbuse final : public QObject, private EdgeLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void mutatedRequestsNeitherCrashNorWedge();
    void slowlorisDoesNotStarveOthers();
};

void TestEdgeAbuse::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    edge::EdgeLimits limits;
    limits.headerTimeoutMs = kHeaderTimeoutMs;
    limits.idleTimeoutMs = kHeaderTimeoutMs;
    RELAYRACE_VERIFY_OK(startEdge({}, limits));
}

void TestEdgeAbuse::cleanupTestCase()
{
    stopEdge();
    m_lab.stop();
}

void TestEdgeAbuse::mutatedRequestsNeitherCrashNorWedge()
{
    QRandomGenerator random(20261204);
    constexpr int total = 2000;
    constexpr int batch = 250;
    int answered = 0;
    int closedSilently = 0;
    for (int first = 0; first < total; first += batch) {
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        QList<QByteArray> replies(batch);
        int done = 0;
        for (int i = 0; i < batch; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            QTcpSocket *s = socket.get();
            connect(s, &QTcpSocket::readyRead, s, [s, &replies, i] { replies[i] += s->readAll(); });
            connect(s, &QTcpSocket::disconnected, s, [&done] { ++done; });
            connect(s, &QTcpSocket::errorOccurred, s, [s, &done](QAbstractSocket::SocketError) {
                if (s->state() == QAbstractSocket::UnconnectedState)
                    ++done;
            });
            s->connectToHost(QHostAddress::LocalHost, m_port);
            s->write(mutated(random));
            sockets.push_back(std::move(socket));
        }
        // Every connection ends within the timeouts (408, or an answer and then the idle timeout).
        QTRY_COMPARE_WITH_TIMEOUT(done, batch, 4 * kHeaderTimeoutMs + kTimeoutMs / 4);
        for (const QByteArray &reply : replies) {
            QVERIFY2(reply.isEmpty() || reply.startsWith("HTTP/1.1 "), reply.left(80).constData());
            reply.isEmpty() ? ++closedSilently : ++answered;
        }
    }
    qInfo("%d mutated requests: %d answered, %d closed without an answer", total, answered, closedSilently);
    QVERIFY(answered > total / 2);
    QCOMPARE(m_edge->connectionCount(), 0);
    const Curl c = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                             url(QStringLiteral("/obj/after-fuzz?size=1000"))});
    QCOMPARE(c.out, QByteArray("200"));
}

void TestEdgeAbuse::slowlorisDoesNotStarveOthers()
{
    constexpr int slow = 200;
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    QList<QByteArray> replies(slow);
    for (int i = 0; i < slow; ++i) {
        auto socket = std::make_unique<QTcpSocket>();
        QTcpSocket *s = socket.get();
        connect(s, &QTcpSocket::readyRead, s, [s, &replies, i] { replies[i] += s->readAll(); });
        s->connectToHost(QHostAddress::LocalHost, m_port);
        s->write("GET /obj/slow?size=10 HTTP/1.1\r\nHost: plain.example\r\nX-Slow: ");
        sockets.push_back(std::move(socket));
    }
    QTimer drip; // one more byte of head every 100 ms on every slow connection
    connect(&drip, &QTimer::timeout, this, [&sockets] {
        for (const auto &s : sockets) {
            if (s->state() == QAbstractSocket::ConnectedState)
                s->write("a");
        }
    });
    drip.start(100);
    QElapsedTimer clock;
    clock.start();
    const Curl c = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                             url(QStringLiteral("/obj/normal?size=100000"))});
    const qint64 servedMs = clock.elapsed();
    QCOMPARE(c.out, QByteArray("200"));
    // Served beside the slow connections, not after them: none of them has been answered yet.
    QVERIFY2(std::all_of(replies.cbegin(), replies.cend(), [](const QByteArray &r) { return r.isEmpty(); }),
             qPrintable(QStringLiteral("served after %1 ms, once the slow connections were cut").arg(servedMs)));
    const auto answered = [&replies] {
        return std::count_if(replies.cbegin(), replies.cend(), [](const QByteArray &r) { return !r.isEmpty(); });
    };
    (void)QTest::qWaitFor([&] { return answered() == slow; }, kTimeoutMs);
    for (int i = 0; i < slow; ++i) {
        if (replies[i].isEmpty())
            qInfo("slow connection %d: state %d, error %s", i, int(sockets[size_t(i)]->state()),
                  qPrintable(sockets[size_t(i)]->errorString()));
    }
    QCOMPARE(answered(), qsizetype(slow));
    for (const QByteArray &reply : replies)
        QVERIFY2(reply.startsWith("HTTP/1.1 408"), reply.left(80).constData());
    qInfo("normal client served in %lld ms beside %d slowloris connections", servedMs, slow);
}

QTEST_GUILESS_MAIN(TestEdgeAbuse)
#include "tst_edgeabuse.moc"
