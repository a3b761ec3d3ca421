#include "lab/relay.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <optional>

using namespace std::chrono_literals;
using relayrace::lab::Relay;
using relayrace::lab::RelayLimits;
using relayrace::lab::RelayLogEntry;

namespace {

constexpr qint64 kMiB = 1024 * 1024;
constexpr int kTimeoutMs = 30'000;

// Every body the test origin sends is a slice of one 1 MiB random block (fixed seed) repeated.
const QByteArray &block()
{
    static const QByteArray data = [] {
        QByteArray b(kMiB, Qt::Uninitialized);
        QRandomGenerator rng(20240601);
        rng.fillRange(reinterpret_cast<quint32 *>(b.data()), b.size() / 4);
        return b;
    }();
    return data;
}

QByteArray bodyBytes(qint64 offset, qint64 size)
{
    QByteArray out;
    out.reserve(size);
    while (size > 0) {
        const qint64 at = offset % kMiB;
        const qint64 take = std::min(size, kMiB - at);
        out.append(block().constData() + at, take);
        offset += take;
        size -= take;
    }
    return out;
}

QByteArray expectedSha(qint64 size)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (qint64 at = 0; at < size; at += kMiB)
        hash.addData(bodyBytes(at, std::min(kMiB, size - at)));
    return hash.result().toHex();
}

QByteArray sha(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

QByteArray headerOf(const QByteArray &head, const QByteArray &name)
{
    for (const QByteArray &line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

// Decodes a chunked body starting at `from`; the offset after it, or nullopt while incomplete.
std::optional<qsizetype> dechunk(const QByteArray &data, qsizetype from, QByteArray *out)
{
    qsizetype at = from;
    for (;;) {
        const qsizetype eol = data.indexOf("\r\n", at);
        if (eol < 0)
            return std::nullopt;
        bool ok = false;
        const qsizetype size =
            data.mid(at, eol - at).split(';').first().trimmed().toLongLong(&ok, 16);
        if (!ok)
            return std::nullopt;
        at = eol + 2;
        if (size == 0) {
            const qsizetype end = data.indexOf("\r\n\r\n", at - 2); // trailers, if any, end here
            return end < 0 ? std::nullopt : std::optional<qsizetype>(end + 4);
        }
        if (data.size() < at + size + 2)
            return std::nullopt;
        out->append(data.mid(at, size));
        at += size + 2;
    }
}

// A response read off the wire by the test itself, independent of the relay's parser.
struct Response
{
    bool complete = false;
    int status = 0;
    QByteArray head;
    QByteArray body;
    qsizetype end = 0;
    QByteArray header(const QByteArray &name) const { return headerOf(head, name); }
};

Response parseResponse(const QByteArray &data, qsizetype from = 0, bool noBody = false,
                       bool closed = false)
{
    Response r;
    const qsizetype headEnd = data.indexOf("\r\n\r\n", from);
    if (headEnd < 0)
        return r;
    r.head = data.mid(from, headEnd + 4 - from);
    r.status = r.head.mid(9, 3).toInt();
    const qsizetype bodyStart = headEnd + 4;
    if (noBody || r.status == 204 || r.status == 304 || r.status < 200) {
        r.complete = true;
        r.end = bodyStart;
    } else if (r.header("transfer-encoding").toLower() == "chunked") {
        const auto end = dechunk(data, bodyStart, &r.body);
        r.complete = end.has_value();
        r.end = end.value_or(0);
    } else if (!r.header("content-length").isEmpty()) {
        const qsizetype length = r.header("content-length").toLongLong();
        r.body = data.mid(bodyStart, length);
        r.complete = r.body.size() == length;
        r.end = bodyStart + length;
    } else {
        r.body = data.mid(bodyStart);
        r.complete = closed;
        r.end = data.size();
    }
    return r;
}

// A raw client connection that collects everything it receives.
struct RawClient
{
    QTcpSocket socket;
    QByteArray received;
    bool closed = false;

    explicit RawClient(quint16 port, const QByteArray &send = {})
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, &socket,
                         [this] { received += socket.readAll(); });
        QObject::connect(&socket, &QTcpSocket::disconnected, &socket, [this] { closed = true; });
        QObject::connect(&socket, &QTcpSocket::errorOccurred, &socket, [this] { closed = true; });
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!send.isEmpty())
            socket.write(send);
    }
    Response response(bool noBody = false) const
    {
        return parseResponse(received, 0, noBody, closed);
    }
};

// Reads a Content-Length response as fast as it comes, hashing the body instead of keeping it.
struct BodySink
{
    QTcpSocket *socket = nullptr;
    QByteArray head;
    qint64 bodyBytes = 0;
    bool hashing = true;
    QCryptographicHash hash{QCryptographicHash::Sha256};

    void drain()
    {
        QByteArray data = socket->readAll();
        if (!head.endsWith("\r\n\r\n")) {
            head += data;
            const qsizetype end = head.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            data = head.mid(end + 4);
            head.truncate(end + 4);
        }
        bodyBytes += data.size();
        if (hashing)
            hash.addData(data);
    }
    void attach(QTcpSocket *s)
    {
        socket = s;
        QObject::connect(s, &QTcpSocket::readyRead, s, [this] { drain(); });
        if (s->bytesAvailable() > 0)
            drain();
    }
};

} // namespace

// A tiny HTTP/1.1 origin for the tests, parsed by hand so that it shares nothing with the relay.
//   /bytes/N  Content-Length body      /chunked/N  chunked body      /close/N  close-delimited body
//   /die/N/M  Content-Length N, aborts after M bytes       /nocontent  204
//   /echo     "<length> <sha256> <chunked|length>" of the request body
class TestOrigin final : public QObject
{
    Q_OBJECT
public:
    struct Request
    {
        QByteArray head;
        QByteArray body;
        bool chunked = false;
    };

    TestOrigin()
    {
        connect(&m_server, &QTcpServer::newConnection, this, &TestOrigin::accept);
        m_server.listen(QHostAddress::LocalHost, 0);
    }
    quint16 port() const { return m_server.serverPort(); }
    QByteArray url(const QByteArray &path) const
    {
        return "http://127.0.0.1:" + QByteArray::number(port()) + path;
    }

    int accepted = 0;
    QList<Request> requests;
    qint64 bodyBytesQueued = 0; // handed to sockets
    bool blocked = false;       // a socket held 1 MiB unsent and could take no more

private:
    struct Conn
    {
        QTcpSocket *socket = nullptr;
        QByteArray in;
        bool streaming = false;
        bool chunked = false;
        bool closeAfter = false;
        qint64 total = 0;
        qint64 sent = 0;
        qint64 dieAfter = -1;
    };

    void accept()
    {
        while (QTcpSocket *s = m_server.nextPendingConnection()) {
            ++accepted;
            auto conn = std::make_shared<Conn>();
            conn->socket = s;
            connect(s, &QTcpSocket::readyRead, this, [this, conn] {
                conn->in += conn->socket->readAll();
                serve(*conn);
            });
            connect(s, &QTcpSocket::bytesWritten, this, [this, conn] { sendMore(*conn); });
            connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
        }
    }

    void serve(Conn &c)
    {
        while (!c.streaming && c.socket->state() == QAbstractSocket::ConnectedState) {
            const qsizetype headEnd = c.in.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            Request r;
            r.head = c.in.left(headEnd + 4);
            qsizetype end = headEnd + 4;
            if (headerOf(r.head, "transfer-encoding").toLower() == "chunked") {
                r.chunked = true;
                const auto e = dechunk(c.in, end, &r.body);
                if (!e)
                    return;
                end = *e;
            } else {
                const qint64 length = headerOf(r.head, "content-length").toLongLong();
                if (c.in.size() < end + length)
                    return;
                r.body = c.in.mid(end, length);
                end += length;
            }
            c.in.remove(0, end);
            requests.append(r);
            respond(c, r);
        }
    }

    void respond(Conn &c, const Request &r)
    {
        const QList<QByteArray> line = r.head.left(r.head.indexOf("\r\n")).split(' ');
        const QList<QByteArray> path = line.value(1).split('/');
        const QByteArray kind = path.value(1);
        const qint64 n = std::min(path.value(2).toLongLong(), 1024 * kMiB);
        c.closeAfter = headerOf(r.head, "connection").toLower() == "close";
        QByteArray head = "HTTP/1.1 200 OK\r\n";
        if (line.value(0) == "POST" && kind == "echo") {
            const QByteArray body = QByteArray::number(r.body.size()) + ' ' + sha(r.body) + ' ' +
                                    (r.chunked ? "chunked" : "length");
            c.socket->write(head + "Content-Length: " + QByteArray::number(body.size()) +
                            "\r\n\r\n" + body);
        } else if (kind == "nocontent") {
            c.socket->write("HTTP/1.1 204 No Content\r\n\r\n");
        } else if (kind == "bytes" || kind == "chunked" || kind == "close" || kind == "die") {
            c.chunked = kind == "chunked";
            c.closeAfter = c.closeAfter || kind == "close";
            c.dieAfter = kind == "die" ? path.value(3).toLongLong() : -1;
            if (c.chunked)
                head += "Transfer-Encoding: chunked\r\n";
            else if (kind != "close")
                head += "Content-Length: " + QByteArray::number(n) + "\r\n";
            else
                head += "Connection: close\r\n";
            c.socket->write(head + "Content-Type: application/octet-stream\r\n\r\n");
            if (line.value(0) != "HEAD") {
                c.streaming = true;
                c.total = n;
                c.sent = 0;
                sendMore(c);
            }
            return;
        } else {
            c.socket->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        }
        if (c.closeAfter)
            c.socket->disconnectFromHost();
    }

    void sendMore(Conn &c)
    {
        if (!c.streaming || c.socket->state() != QAbstractSocket::ConnectedState)
            return;
        const qint64 limit = c.dieAfter >= 0 ? std::min(c.dieAfter, c.total) : c.total;
        while (c.sent < limit && c.socket->bytesToWrite() < kMiB) {
            const qint64 n = std::min<qint64>(64 * 1024, limit - c.sent);
            const QByteArray piece = bodyBytes(c.sent, n);
            c.socket->write(c.chunked ? QByteArray::number(n, 16) + "\r\n" + piece + "\r\n"
                                      : piece);
            c.sent += n;
            bodyBytesQueued += n;
        }
        if (c.sent < limit) {
            blocked = true;
            return;
        }
        if (c.dieAfter >= 0) {
            if (c.socket->bytesToWrite() == 0)
                c.socket->abort(); // the relay has everything sent so far; now the origin dies
            return;
        }
        if (c.chunked)
            c.socket->write("0\r\n\r\n");
        c.streaming = false;
        if (c.closeAfter)
            c.socket->disconnectFromHost();
        else
            serve(c);
    }

    QTcpServer m_server;
};

class TestRelay final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void relayDeliversExactBytesAndReusesConnections();
    void relayTunnelsConnectAndRelaysExactBytes();
    void relayAnswersBadInputWithProperStatus_data();
    void relayAnswersBadInputWithProperStatus();
    void relayAnswers504WhenUpstreamConnectTimesOut();
    void relayForwardsRequestBodiesIntact_data();
    void relayForwardsRequestBodiesIntact();
    void relayStripsHopByHopHeadersAndAddsVia();
    void relayFollowsUpstreamRoute();
    void relayAnswersPipelinedHeadAnd204WithoutBodies();
    void relayAnswersBadPipelinedRequestAfterGoodOne();
    void relayReframesChunkedAndCloseDelimitedResponses();
    void relayCutsOffClientWhenUpstreamDiesMidBody();
    void relayStopsReadingUpstreamWhileClientIsBackedUp();
    void relayStopsReadingClientWhileUpstreamIsBackedUp();
    void relayRejectsConnectionsBeyondLimitWith503();
    void relayClosesIdleKeepAliveConnection();
    void relaySurvivesMutatedRequests();
    void relayThroughputOfLargeDownload();

private:
    static std::unique_ptr<Relay> startRelay(RelayLimits limits = {});
    static bool servesGoodRequest(const Relay &relay, const TestOrigin &origin);
};

std::unique_ptr<Relay> TestRelay::startRelay(RelayLimits limits)
{
    auto relay = std::make_unique<Relay>(QStringLiteral("test"));
    relay->setLimits(limits);
    if (!relay->listen())
        qFatal("relay did not listen: %s", qPrintable(relay->errorString()));
    return relay;
}

bool TestRelay::servesGoodRequest(const Relay &relay, const TestOrigin &origin)
{
    RawClient client(relay.port(),
                     "GET " + origin.url("/bytes/4321") + " HTTP/1.1\r\nHost: x\r\n\r\n");
    if (!QTest::qWaitFor([&] { return client.response().complete || client.closed; }, kTimeoutMs))
        return false;
    const Response r = client.response();
    return r.complete && r.status == 200 && sha(r.body) == expectedSha(4321);
}

void TestRelay::relayDeliversExactBytesAndReusesConnections()
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

void TestRelay::relayTunnelsConnectAndRelaysExactBytes()
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

void TestRelay::relayAnswersBadInputWithProperStatus_data()
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

void TestRelay::relayAnswersBadInputWithProperStatus()
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

void TestRelay::relayAnswers504WhenUpstreamConnectTimesOut()
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

void TestRelay::relayForwardsRequestBodiesIntact_data()
{
    QTest::addColumn<bool>("chunked");
    QTest::addRow("content-length") << false;
    QTest::addRow("chunked") << true;
}

void TestRelay::relayForwardsRequestBodiesIntact()
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

void TestRelay::relayStripsHopByHopHeadersAndAddsVia()
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

void TestRelay::relayFollowsUpstreamRoute()
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

void TestRelay::relayAnswersPipelinedHeadAnd204WithoutBodies()
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

void TestRelay::relayAnswersBadPipelinedRequestAfterGoodOne()
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

void TestRelay::relayReframesChunkedAndCloseDelimitedResponses()
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

void TestRelay::relayCutsOffClientWhenUpstreamDiesMidBody()
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

void TestRelay::relayStopsReadingUpstreamWhileClientIsBackedUp()
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

void TestRelay::relayStopsReadingClientWhileUpstreamIsBackedUp()
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

void TestRelay::relayRejectsConnectionsBeyondLimitWith503()
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

void TestRelay::relayClosesIdleKeepAliveConnection()
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

void TestRelay::relaySurvivesMutatedRequests()
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

void TestRelay::relayThroughputOfLargeDownload()
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

QTEST_GUILESS_MAIN(TestRelay)
#include "tst_relay.moc"
