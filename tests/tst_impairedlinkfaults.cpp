// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// How an impaired link fails connections on purpose, and recovers when told: stalls after some
// bytes, resets, refusals, a blackhole, a share of new connections reset (failPct), and a target
// that refuses.
#include "lab/impairedlink.h"
#include "support/impairedlinklab.h"

#include <QNetworkAccessManager>
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

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>

using namespace relayrace::testsupport::linklab;
using relayrace::lab::ImpairedLink;
using relayrace::lab::Impairment;

class TestImpairedLinkFaults final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void stallHoldsConnectionSilentAfterBytes();
    void resetAfterBytesResetsConnection();
    void refuseRefusesConnections();
    void blackholeAcceptsAndNeverAnswers();
    void targetRefusalClosesClient();
    void failPctResetsThatShareOfNewConnections();
};

void TestImpairedLinkFaults::stallHoldsConnectionSilentAfterBytes()
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

void TestImpairedLinkFaults::resetAfterBytesResetsConnection()
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

    // A plain HTTP client (Qt's) gets the body cut short of the length the response announced. Qt
    // 6.4 usually ends such a reply with RemoteHostClosedError, but now and then with NoError (1 in
    // 10 in probe_qt_body_end, docs/delivery.md): the short length is what the link guarantees, and
    // what every consumer of ours checks; Qt's error code is not asserted.
    auto nam = makeNam();
    const Fetch result = fetch(*nam, urlFor(link, bodySize));
    QVERIFY(result.finished);
    QVERIFY2(result.error == QNetworkReply::NoError || result.error == QNetworkReply::RemoteHostClosedError
                 || result.error == QNetworkReply::UnknownNetworkError,
             qPrintable(QString::number(result.error)));
    QCOMPARE(result.announcedLength, bodySize);
    QVERIFY(result.body.size() < bodySize);
    QVERIFY(result.body.size() <= resetAt);
}

void TestImpairedLinkFaults::refuseRefusesConnections()
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

void TestImpairedLinkFaults::blackholeAcceptsAndNeverAnswers()
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

void TestImpairedLinkFaults::targetRefusalClosesClient()
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

void TestImpairedLinkFaults::failPctResetsThatShareOfNewConnections()
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

QTEST_GUILESS_MAIN(TestImpairedLinkFaults)
#include "tst_impairedlinkfaults.moc"
