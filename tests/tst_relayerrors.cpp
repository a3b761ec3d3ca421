// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The relay answers what it cannot serve with a proper status and stays usable: bad and oversized
// requests, unreachable and silent upstreams, a bad request pipelined after a good one, an upstream
// dying mid-body, and 2000 mutated requests (a fuzz run).
#include "lab/relay.h"
#include "support/relaytestlab.h"

#include <QMap>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

using namespace std::chrono_literals;
using namespace relayrace::testsupport::relaylab;
using relayrace::lab::RelayLimits;

class TestRelayErrors final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void relayAnswersBadInputWithProperStatus_data();
    void relayAnswersBadInputWithProperStatus();
    void relayAnswers504WhenUpstreamConnectTimesOut();
    void relayAnswersBadPipelinedRequestAfterGoodOne();
    void relayCutsOffClientWhenUpstreamDiesMidBody();
    void relaySurvivesMutatedRequests();
};

void TestRelayErrors::relayAnswersBadInputWithProperStatus_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("mentions");

    quint16 closedPort = 0;
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        closedPort = server.serverPort();
    }
    const QByteArray closed = "127.0.0.1:" + QByteArray::number(closedPort);
    static const char garbage[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n";
    QTest::addRow("garbage") << QByteArray(garbage, sizeof garbage - 1) << 400
                             << QStringLiteral("malformed request");
    QTest::addRow("64 KiB header")
        << QByteArray("GET http://127.0.0.1:1/ HTTP/1.1\r\nX-Big: " + QByteArray(64 * 1024, 'a') +
                      "\r\n\r\n")
        << 431 << QStringLiteral("header larger than 16384 bytes");
    QTest::addRow("CONNECT to closed port")
        << QByteArray("CONNECT " + closed + " HTTP/1.1\r\n\r\n") << 502
        << QString(QStringLiteral("cannot connect to ") + QString::fromLatin1(closed));
    QTest::addRow("GET to closed port")
        << QByteArray("GET http://" + closed + "/x HTTP/1.1\r\nHost: a\r\n\r\n") << 502
        << QString(QStringLiteral("cannot connect to ") + QString::fromLatin1(closed));
    QTest::addRow("origin-form") << QByteArray(
                                        "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                                 << 400 << QStringLiteral("not a proxy request");
    QTest::addRow("ftp scheme") << QByteArray(
                                       "GET ftp://127.0.0.1/file HTTP/1.1\r\nHost: a\r\n\r\n")
                                << 501 << QStringLiteral("scheme ftp: is not supported");
    QTest::addRow("CONNECT without port") << QByteArray("CONNECT 127.0.0.1 HTTP/1.1\r\n\r\n") << 400
                                          << QStringLiteral("CONNECT needs host:port");
    QTest::addRow("bad chunk size") << QByteArray("POST http://" + closed +
                                                  "/ HTTP/1.1\r\nTransfer-Encoding: "
                                                  "chunked\r\n\r\nzz\r\n")
                                    << 400 << QStringLiteral("malformed request");
}

void TestRelayErrors::relayAnswersBadInputWithProperStatus()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QString, mentions);
    TestOrigin origin;
    auto relay = startRelay();

    RawClient client(relay->port(), request);
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, kTimeoutMs); // answered, then closed by the relay
    const Response r = client.response();
    QVERIFY2(r.complete, client.received.constData());
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("content-type"), QByteArray("text/plain; charset=utf-8"));
    QVERIFY2(QString::fromUtf8(r.body).contains(mentions), r.body.constData());
    QTRY_COMPARE_WITH_TIMEOUT(relay->recentLog().size(), 1, kTimeoutMs);
    QCOMPARE(relay->recentLog().first().status, status);
    QVERIFY(!relay->recentLog().first().error.isEmpty());

    QVERIFY(servesGoodRequest(*relay, origin));
}

void TestRelayErrors::relayAnswers504WhenUpstreamConnectTimesOut()
{
    // A listening socket nobody accepts from, its backlog filled: the kernel drops further SYNs, so
    // the relay's connect attempt hangs until the relay gives up.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    QCOMPARE(::listen(fd, 0), 0);
    QCOMPARE(::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length), 0);
    const quint16 port = ntohs(address.sin_port);
    QTcpSocket filler;
    filler.connectToHost(QHostAddress::LocalHost, port);
    QTRY_COMPARE_WITH_TIMEOUT(filler.state(), QAbstractSocket::ConnectedState, kTimeoutMs);

    TestOrigin origin;
    RelayLimits limits;
    limits.connectTimeout = 300ms;
    auto relay = startRelay(limits);
    RawClient client(relay->port(),
                     "GET http://127.0.0.1:" + QByteArray::number(port) + "/ HTTP/1.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, kTimeoutMs);
    ::close(fd);
    const Response r = client.response();
    QCOMPARE(r.status, 504);
    QVERIFY2(r.body.contains("timed out after 300 ms"), r.body.constData());
    QVERIFY(servesGoodRequest(*relay, origin));
}

void TestRelayErrors::relayAnswersBadPipelinedRequestAfterGoodOne()
{
    // Found by the fuzz test: the state of the finished exchange once made the relay cut the
    // connection instead of answering the second request.
    TestOrigin origin;
    auto relay = startRelay();
    RawClient client(relay->port(), "POST " + origin.url("/echo") +
                                        " HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
                                        "hello"
                                        "ent-Length: 5\r\n\r\nhello");
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, kTimeoutMs);
    const Response first = parseResponse(client.received);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, "5 " + sha("hello") + " length");
    const Response second = parseResponse(client.received, first.end);
    QVERIFY(second.complete);
    QCOMPARE(second.status, 400);
    QCOMPARE(relay->recentLog().size(), 2);
}

void TestRelayErrors::relayCutsOffClientWhenUpstreamDiesMidBody()
{
    TestOrigin origin;
    auto relay = startRelay();
    QNetworkAccessManager nam;
    nam.setProxy(
        QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), relay->port()));
    std::unique_ptr<QNetworkReply> reply(
        nam.get(QNetworkRequest(QUrl(QString::fromLatin1(origin.url("/die/1048576/131072"))))));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kTimeoutMs);
    QVERIFY(reply->error() != QNetworkReply::NoError);
    QVERIFY(reply->readAll().size() < kMiB);

    RawClient client(relay->port(),
                     "GET " + origin.url("/die/1048576/131072") + " HTTP/1.1\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(client.closed, kTimeoutMs);
    QCOMPARE(client.response().status, 200);
    QVERIFY(!client.response().complete);
    QTRY_COMPARE_WITH_TIMEOUT(relay->recentLog().size(), 2, kTimeoutMs);
    QVERIFY2(relay->recentLog().last().error.contains(QStringLiteral("middle of the response")),
             qPrintable(relay->recentLog().last().error));
}

void TestRelayErrors::relaySurvivesMutatedRequests()
{
    TestOrigin origin;
    RelayLimits limits;
    limits.idleTimeout = 300ms; // incomplete requests end quickly
    auto relay = startRelay(limits);
    // The authority is never mutated, so every upstream the relay may reach is the test origin.
    const QByteArray auth = "127.0.0.1:" + QByteArray::number(origin.port());
    struct Seed
    {
        QByteArray before, fixed, after;
    };
    const QList<Seed> seeds = {
        {"GET", " http://" + auth + "/", "bytes/100 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"},
        {"POST", " http://" + auth + "/", "echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"},
        {"POST", " http://" + auth + "/",
         "echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
        {"CONNECT", " " + auth + " ", "HTTP/1.1\r\n\r\nGET /bytes/10 HTTP/1.1\r\n\r\n"},
        {"HEAD", " http://" + auth + "/", "chunked/10 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
        {"GET", " http://" + auth + "/",
         "nocontent HTTP/1.1\r\n\r\nGET /bytes/10 HTTP/1.1\r\nHost: " + auth + "\r\n\r\n"},
    };
    const QByteArrayList tokens = {"\r\n",
                                   "\r\n\r\n",
                                   ":",
                                   " ",
                                   QByteArray(1, '\0'),
                                   "chunked",
                                   "Content-Length: 99999999\r\n",
                                   "-1",
                                   "\xff",
                                   "Transfer-Encoding: chunked\r\n",
                                   "Connection: close\r\n",
                                   "0\r\n\r\n",
                                   "HTTP/1.1"};
    QRandomGenerator rng(424242);
    const auto mutate = [&](QByteArray s) {
        const int ops = rng.bounded(1, 5);
        for (int i = 0; i < ops; ++i) {
            const qsizetype at = s.isEmpty() ? 0 : rng.bounded(int(s.size()) + 1);
            switch (rng.bounded(6)) {
            case 0:
                if (at < s.size())
                    s[at] = char(rng.bounded(256));
                break;
            case 1:
                s.insert(at, tokens.at(rng.bounded(int(tokens.size()))));
                break;
            case 2:
                s.remove(at, rng.bounded(1, 16));
                break;
            case 3:
                s.insert(at, s.mid(at, rng.bounded(1, 32)));
                break;
            case 4: {
                QByteArray r(rng.bounded(1, 9), Qt::Uninitialized);
                for (char &c : r)
                    c = char(rng.bounded(256));
                s.insert(at, r);
                break;
            }
            case 5:
                s.truncate(at);
                break;
            }
        }
        return s;
    };

    constexpr int kCases = 2000;
    constexpr int kBatch = 100;
    int answered = 0, closedSilently = 0;
    QMap<int, int> statuses;
    for (int start = 0; start < kCases; start += kBatch) {
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < kBatch; ++i) {
            QByteArray request;
            if (rng.bounded(10) == 0) {
                request.resize(rng.bounded(1, 200));
                for (char &c : request)
                    c = char(rng.bounded(256));
            } else {
                const Seed &seed = seeds.at(rng.bounded(int(seeds.size())));
                const bool front = rng.bounded(4) == 0;
                request = (front ? mutate(seed.before) : seed.before) + seed.fixed +
                          (front ? seed.after : mutate(seed.after));
            }
            clients.push_back(std::make_unique<RawClient>(relay->port(), request));
        }
        const auto settled = [&] {
            return std::all_of(clients.begin(), clients.end(), [](const auto &c) {
                return c->closed || c->received.contains("\r\n\r\n");
            });
        };
        QTRY_VERIFY_WITH_TIMEOUT(settled(), kTimeoutMs);
        for (const auto &c : clients) {
            if (c->received.isEmpty()) {
                ++closedSilently;
                continue;
            }
            QVERIFY2(c->received.startsWith("HTTP/1.1 "),
                     c->received.left(200).toHex().constData());
            ++answered;
            ++statuses[c->received.mid(9, 3).toInt()];
        }
    }
    qInfo() << "fuzz:" << kCases << "cases," << answered << "answered," << closedSilently
            << "closed without an answer; statuses" << statuses;
    QVERIFY(statuses.value(400) > 0);
    QVERIFY(statuses.value(200) > 0);
    QVERIFY(relay->isListening());
    QVERIFY(servesGoodRequest(*relay, origin));
    QTRY_COMPARE_WITH_TIMEOUT(relay->counters().connectionsOpen, 0, kTimeoutMs);
}

QTEST_GUILESS_MAIN(TestRelayErrors)
#include "tst_relayerrors.moc"
