// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// The relay tests' own HTTP side, shared by tst_relayforwarding, tst_relayerrors and
// tst_relaylimits: a test origin and raw clients that parse HTTP by hand, so nothing is shared with
// the relay's parser, and bodies drawn from one seeded random block so any byte range can be
// checked by its hash.

#include "lab/relay.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <memory>
#include <optional>

namespace relayrace::testsupport::relaylab {

inline constexpr qint64 kMiB = 1024 * 1024;
inline constexpr int kTimeoutMs = 30'000;

// Every body the test origin sends is a slice of one 1 MiB random block (fixed seed) repeated.
inline const QByteArray &block()
{
    static const QByteArray data = [] {
        QByteArray b(kMiB, Qt::Uninitialized);
        QRandomGenerator rng(20240601);
        rng.fillRange(reinterpret_cast<quint32 *>(b.data()), b.size() / 4);
        return b;
    }();
    return data;
}

inline QByteArray bodyBytes(qint64 offset, qint64 size)
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

inline QByteArray expectedSha(qint64 size)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (qint64 at = 0; at < size; at += kMiB)
        hash.addData(bodyBytes(at, std::min(kMiB, size - at)));
    return hash.result().toHex();
}

inline QByteArray sha(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

inline QByteArray headerOf(const QByteArray &head, const QByteArray &name)
{
    for (const QByteArray &line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

// Decodes a chunked body starting at `from`; the offset after it, or nullopt while incomplete.
inline std::optional<qsizetype> dechunk(const QByteArray &data, qsizetype from, QByteArray *out)
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

inline Response parseResponse(const QByteArray &data, qsizetype from = 0, bool noBody = false,
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

// A tiny HTTP/1.1 origin for the tests, parsed by hand so that it shares nothing with the relay.
//   /bytes/N  Content-Length body      /chunked/N  chunked body      /close/N  close-delimited body
//   /die/N/M  Content-Length N, aborts after M bytes       /nocontent  204
//   /echo     "<length> <sha256> <chunked|length>" of the request body
// No Q_OBJECT: it declares no signals or slots, and moc does not see headers outside a target's
// sources.
class TestOrigin final : public QObject
{
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

// A relay on an ephemeral loopback port; a test cannot go on without one.
inline std::unique_ptr<lab::Relay> startRelay(lab::RelayLimits limits = {})
{
    auto relay = std::make_unique<lab::Relay>(QStringLiteral("test"));
    relay->setLimits(limits);
    if (!relay->listen())
        qFatal("relay did not listen: %s", qPrintable(relay->errorString()));
    return relay;
}

// Whether the relay still serves a plain request after whatever a test did to it.
inline bool servesGoodRequest(const lab::Relay &relay, const TestOrigin &origin)
{
    RawClient client(relay.port(),
                     "GET " + origin.url("/bytes/4321") + " HTTP/1.1\r\nHost: x\r\n\r\n");
    if (!QTest::qWaitFor([&] { return client.response().complete || client.closed; }, kTimeoutMs))
        return false;
    const Response r = client.response();
    return r.complete && r.status == 200 && sha(r.body) == expectedSha(4321);
}

} // namespace relayrace::testsupport::relaylab
