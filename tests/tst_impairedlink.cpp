#include "lab/impairedlink.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

using relayrace::lab::ImpairedLink;
using relayrace::lab::Impairment;

namespace {

constexpr qint64 kMiB = 1024 * 1024;
constexpr int kPatternPeriod = 251;

char patternAt(qint64 offset)
{
    return char(offset % kPatternPeriod);
}

// A tiny keep-alive HTTP/1.1 origin: "GET /bytes/N" answers N bytes of a known pattern, streamed with
// at most 1 MiB outstanding so a slow reader backs up into TCP instead of into memory.
class TestOrigin final : public QObject
{
public:
    TestOrigin()
    {
        for (int i = 0; i < 64 * 1024 + kPatternPeriod; ++i)
            m_block.append(patternAt(i));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
        QVERIFY(m_server.listen(QHostAddress::LocalHost));
    }
    quint16 port() const { return m_server.serverPort(); }
    // Bytes the origin's sockets have handed to the kernel: what the network has taken so far.
    qint64 bytesTaken() const { return m_taken; }
    static QByteArray header(qint64 bodySize)
    {
        return QByteArrayLiteral("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                 "Content-Length: ")
               + QByteArray::number(bodySize) + QByteArrayLiteral("\r\n\r\n");
    }

private:
    struct Session
    {
        QByteArray request;
        qint64 sent = 0;
        qint64 size = -1; // body being sent; -1 while idle
    };

    void serve(QTcpSocket *socket)
    {
        auto session = std::make_shared<Session>();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, session] {
            session->request += socket->readAll();
            pump(socket, *session);
        });
        connect(socket, &QTcpSocket::bytesWritten, socket, [this, socket, session](qint64 n) {
            m_taken += n;
            pump(socket, *session);
        });
    }

    void pump(QTcpSocket *socket, Session &session)
    {
        for (;;) {
            if (session.size < 0) {
                const qsizetype end = session.request.indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                const QByteArray line = session.request.left(session.request.indexOf("\r\n"));
                session.request.remove(0, end + 4);
                const QList<QByteArray> parts = line.split(' ');
                const QByteArray path = parts.value(1);
                session.size = path.startsWith("/bytes/") ? path.mid(7).toLongLong() : 0;
                session.sent = 0;
                socket->write(header(session.size));
            }
            while (session.sent < session.size && socket->bytesToWrite() < kMiB) {
                const qint64 n = std::min<qint64>(session.size - session.sent, 64 * 1024);
                socket->write(m_block.constData() + session.sent % kPatternPeriod, n);
                session.sent += n;
            }
            if (session.sent < session.size)
                return;
            session.size = -1;
        }
    }

    QTcpServer m_server;
    QByteArray m_block;
    qint64 m_taken = 0;
};

bool isPattern(const QByteArray &body, qint64 firstOffset = 0)
{
    for (qsizetype i = 0; i < body.size(); ++i) {
        if (body.at(i) != patternAt(firstOffset + i))
            return false;
    }
    return true;
}

// What a plain HTTP client sees of one GET.
struct Fetch
{
    qint64 ttfbMs = -1; // first metaDataChanged or readyRead
    qint64 totalMs = -1;
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    bool finished = false;
};

Fetch fetch(QNetworkAccessManager &nam, const QUrl &url, int timeoutMs = 60'000)
{
    Fetch result;
    QElapsedTimer clock;
    clock.start();
    std::unique_ptr<QNetworkReply> reply(nam.get(QNetworkRequest(url)));
    const auto firstByte = [&] {
        if (result.ttfbMs < 0)
            result.ttfbMs = clock.elapsed();
    };
    QObject::connect(reply.get(), &QNetworkReply::metaDataChanged, reply.get(), firstByte);
    QObject::connect(reply.get(), &QNetworkReply::readyRead, reply.get(), [&] {
        firstByte();
        result.body += reply->readAll();
    });
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    result.finished = finished.wait(timeoutMs);
    result.totalMs = clock.elapsed();
    result.body += reply->readAll();
    result.error = reply->error();
    return result;
}

std::unique_ptr<QNetworkAccessManager> makeNam()
{
    auto nam = std::make_unique<QNetworkAccessManager>();
    nam->setProxy(QNetworkProxy::NoProxy);
    return nam;
}

QUrl urlFor(const ImpairedLink &link, qint64 bodySize)
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/bytes/%2").arg(link.port()).arg(bodySize));
}

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

class TestImpairedLink final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void latencyAddsRoundTripToTtfb();
    void bandwidthLimitsThroughput();
    void stallHoldsConnectionSilentAfterBytes();
    void resetAfterBytesResetsConnection();
    void refuseRefusesConnections();
    void blackholeAcceptsAndNeverAnswers();
    void impairmentChangesApplyWhileRunning();
    void jitterVariesDelayButKeepsOrder();
    void slowLinkBacksUpIntoTcp();
    void targetRefusalClosesClient();
    void cleanLinkForwardsBulkDataIntact();
    void failPctResetsThatShareOfNewConnections();
};

void TestImpairedLink::latencyAddsRoundTripToTtfb()
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

void TestImpairedLink::bandwidthLimitsThroughput()
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

void TestImpairedLink::stallHoldsConnectionSilentAfterBytes()
{
    TestOrigin origin;
    constexpr qint64 stallAt = 100'000;
    constexpr qint64 bodySize = 4 * kMiB;
    Impairment stall;
    stall.stallAfterBytes = stallAt;
    ImpairedLink link(QStringLiteral("stall"), QStringLiteral("127.0.0.1"), origin.port(), stall);
    QVERIFY(link.listen());

    auto nam = makeNam();
    std::unique_ptr<QNetworkReply> reply(nam->get(QNetworkRequest(urlFor(link, bodySize))));
    QByteArray body;
    connect(reply.get(), &QNetworkReply::readyRead, this, [&] { body += reply->readAll(); });
    const qint64 expectedBody = stallAt - TestOrigin::header(bodySize).size();
    QTRY_COMPARE_WITH_TIMEOUT(body.size(), expectedBody, 30'000);

    QSignalSpy more(reply.get(), &QNetworkReply::readyRead);
    QVERIFY(!more.wait(1500));
    QCOMPARE(body.size(), expectedBody);
    QVERIFY(reply->isRunning());
    QCOMPARE(reply->error(), QNetworkReply::NoError);

    // Lifting the stall on the open connection lets the rest through intact.
    link.setImpairment(Impairment{});
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 30'000);
    body += reply->readAll();
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(body.size(), bodySize);
    QVERIFY(isPattern(body));
}

void TestImpairedLink::resetAfterBytesResetsConnection()
{
    TestOrigin origin;
    constexpr qint64 resetAt = 200'000;
    constexpr qint64 bodySize = 4 * kMiB;
    Impairment reset;
    reset.resetAfterBytes = resetAt;
    ImpairedLink link(QStringLiteral("reset"), QStringLiteral("127.0.0.1"), origin.port(), reset);
    QVERIFY(link.listen());

    // A plain POSIX client sees the reset as it is: every byte up to the threshold, then
    // ECONNRESET (a FIN would read as 0). Blocking, so it runs beside the link's event loop.
    std::atomic<bool> done{false};
    qint64 received = 0;
    int lastErrno = 0;
    bool intact = true;
    std::thread client([&, port = link.port()] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        const timeval timeout{30, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0) {
            const QByteArray request = "GET /bytes/" + QByteArray::number(bodySize)
                                       + " HTTP/1.1\r\nHost: x\r\n\r\n";
            ::send(fd, request.constData(), size_t(request.size()), 0);
            const qint64 headerSize = TestOrigin::header(bodySize).size();
            char buffer[16384];
            for (;;) {
                const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n <= 0) {
                    lastErrno = n < 0 ? errno : 0;
                    break;
                }
                for (ssize_t i = 0; i < n; ++i) {
                    const qint64 offset = received + i - headerSize;
                    intact = intact && (offset < 0 || buffer[i] == patternAt(offset));
                }
                received += n;
            }
        }
        ::close(fd);
        done = true;
    });
    const bool finished = QTest::qWaitFor([&] { return done.load(); }, 60'000);
    client.join();
    QVERIFY(finished);
    qInfo("reset after %lld bytes: POSIX client received %lld bytes, then: %s", resetAt, received,
          strerror(lastErrno));
    QCOMPARE(received, resetAt);
    QVERIFY(intact);
    QCOMPARE(lastErrno, ECONNRESET);

    // A plain HTTP client gets a network error with the body cut short.
    auto nam = makeNam();
    const Fetch result = fetch(*nam, urlFor(link, bodySize));
    QVERIFY(result.finished);
    QVERIFY2(result.error == QNetworkReply::RemoteHostClosedError
                 || result.error == QNetworkReply::UnknownNetworkError,
             qPrintable(QString::number(result.error)));
    QVERIFY(result.body.size() < bodySize);
}

void TestImpairedLink::refuseRefusesConnections()
{
    TestOrigin origin;
    ImpairedLink link(QStringLiteral("refuse"), QStringLiteral("127.0.0.1"), origin.port());
    QVERIFY(link.listen());
    const quint16 port = link.port();
    auto nam = makeNam();
    QCOMPARE(fetch(*nam, urlFor(link, 10)).error, QNetworkReply::NoError);

    Impairment refuse;
    refuse.refuse = true;
    link.setImpairment(refuse);
    nam = makeNam();
    const Fetch refused = fetch(*nam, urlFor(link, 10));
    QVERIFY(refused.finished);
    QCOMPARE(refused.error, QNetworkReply::ConnectionRefusedError);

    link.setImpairment(Impairment{});
    QCOMPARE(link.port(), port);
    nam = makeNam();
    const Fetch again = fetch(*nam, urlFor(link, 10));
    QCOMPARE(again.error, QNetworkReply::NoError);
    QCOMPARE(again.body.size(), 10);
}

void TestImpairedLink::blackholeAcceptsAndNeverAnswers()
{
    TestOrigin origin;
    ImpairedLink link(QStringLiteral("blackhole"), QStringLiteral("127.0.0.1"), origin.port());
    QVERIFY(link.listen());
    const QByteArray request = QByteArrayLiteral("GET /bytes/100 HTTP/1.1\r\nHost: x\r\n\r\n");
    const qint64 responseSize = TestOrigin::header(100).size() + 100;

    // A connection opened before the blackhole works, then goes silent.
    QTcpSocket before;
    before.connectToHost(QHostAddress::LocalHost, link.port());
    QTRY_COMPARE_WITH_TIMEOUT(before.state(), QAbstractSocket::ConnectedState, 10'000);
    before.write(request);
    QTRY_COMPARE_WITH_TIMEOUT(before.bytesAvailable(), responseSize, 10'000);
    before.readAll();

    Impairment blackhole;
    blackhole.blackhole = true;
    link.setImpairment(blackhole);
    QTcpSocket after;
    after.connectToHost(QHostAddress::LocalHost, link.port());
    QTRY_COMPARE_WITH_TIMEOUT(after.state(), QAbstractSocket::ConnectedState, 10'000);
    after.write(request);
    before.write(request);
    QSignalSpy afterData(&after, &QTcpSocket::readyRead);
    QSignalSpy beforeData(&before, &QTcpSocket::readyRead);
    QVERIFY(!afterData.wait(1500));
    QCOMPARE(beforeData.count(), 0);
    QCOMPARE(after.bytesAvailable(), 0);
    QCOMPARE(after.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(before.state(), QAbstractSocket::ConnectedState);

    // When the blackhole lifts, what the link held gets through, as TCP retransmission would.
    link.setImpairment(Impairment{});
    QTRY_COMPARE_WITH_TIMEOUT(before.bytesAvailable(), responseSize, 10'000);
    QTRY_COMPARE_WITH_TIMEOUT(after.bytesAvailable(), responseSize, 10'000);
}

void TestImpairedLink::impairmentChangesApplyWhileRunning()
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

void TestImpairedLink::jitterVariesDelayButKeepsOrder()
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

void TestImpairedLink::slowLinkBacksUpIntoTcp()
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

void TestImpairedLink::targetRefusalClosesClient()
{
    quint16 deadPort = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        deadPort = probe.serverPort();
    }
    ImpairedLink link(QStringLiteral("dead"), QStringLiteral("127.0.0.1"), deadPort);
    QSignalSpy closed(&link, &ImpairedLink::connectionClosed);
    QVERIFY(link.listen());
    QTcpSocket raw;
    raw.connectToHost(QHostAddress::LocalHost, link.port());
    QTRY_COMPARE_WITH_TIMEOUT(raw.state(), QAbstractSocket::UnconnectedState, 10'000);
    QCOMPARE(raw.bytesAvailable(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, 10'000);
    QVERIFY(closed.first().at(3).toString().startsWith(QStringLiteral("target: ")));
}

void TestImpairedLink::cleanLinkForwardsBulkDataIntact()
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

QTEST_GUILESS_MAIN(TestImpairedLink)
#include "tst_impairedlink.moc"

void TestImpairedLink::failPctResetsThatShareOfNewConnections()
{
    TestOrigin origin;
    ImpairedLink link(QStringLiteral("flaky"), QStringLiteral("127.0.0.1"), origin.port());
    QVERIFY(link.listen());
    // Plain POSIX clients on another thread (the link runs on this one): QNetworkAccessManager would
    // quietly retry a reset connection, and a QTcpSocket reset during connect stays "connecting".
    const quint16 port = link.port();
    auto attempt = [&](int count) {
        std::atomic<int> failed{0};
        std::atomic<bool> done{false};
        std::unique_ptr<QThread> clients(QThread::create([&] {
            for (int i = 0; i < count; ++i) {
                const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
                sockaddr_in address{};
                address.sin_family = AF_INET;
                address.sin_port = htons(port);
                address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                const timeval timeout{10, 0};
                ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
                const char request[] = "GET /bytes/10 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
                char buffer[256];
                const bool answered = ::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0
                                      && ::send(fd, request, sizeof request - 1, MSG_NOSIGNAL) > 0
                                      && ::recv(fd, buffer, sizeof buffer, 0) > 0;
                if (!answered)
                    ++failed;
                ::close(fd);
            }
            done = true;
        }));
        clients->start();
        if (!QTest::qWaitFor([&] { return done.load(); }, 120000))
            return -1;
        clients->wait();
        return failed.load();
    };
    Impairment always;
    always.failPct = 100;
    link.setImpairment(always);
    QCOMPARE(attempt(5), 5);
    Impairment half;
    half.failPct = 50;
    link.setImpairment(half);
    const int failed = attempt(40);
    // Binomial(40, 0.5): outside 8..32 has a probability below 1e-4.
    QVERIFY2(failed >= 8 && failed <= 32, qPrintable(QString::number(failed)));
    link.setImpairment(Impairment{});
    QCOMPARE(attempt(5), 0);
}
