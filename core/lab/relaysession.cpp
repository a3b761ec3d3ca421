// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/relaysession.h"

#include "http/httpparser.h"
#include "lab/relayframing.h"

#include <QTcpSocket>

#include <sys/socket.h>

namespace relayrace::lab {

using http::parseProxyTarget;
using http::HttpHeader;
namespace {

constexpr qint64 kReadChunk = 64 * 1024;
constexpr qint64 kSocketReadBuffer = 256 * 1024;
constexpr qsizetype kMaxResponseHeaderBytes = 64 * 1024;
constexpr int kLingerMs = 2000;
constexpr qsizetype kMaxLoggedTarget = 2048;

// An origin-form request as a reverse proxy takes it: its Host ("host" or "host:port", not an IPv6
// literal) names an upstream the relay routes (Relay::hasUpstreamRoute); none otherwise.
std::optional<http::HttpTarget> reverseTarget(const http::HttpHead &head, const Relay &relay)
{
    const QByteArray host = head.header("host").trimmed();
    if (host.isEmpty() || host.startsWith('['))
        return std::nullopt;
    const qsizetype colon = host.lastIndexOf(':');
    bool ok = colon < 0;
    const uint port = colon < 0 ? 80 : host.mid(colon + 1).toUInt(&ok);
    if (!ok || port == 0 || port > 65535)
        return std::nullopt;
    const QByteArray name = colon < 0 ? host : host.left(colon);
    if (!relay.hasUpstreamRoute(QString::fromLatin1(name), quint16(port)))
        return std::nullopt;
    return http::HttpTarget{QByteArrayLiteral("http"), name, quint16(port), head.target};
}

} // namespace

RelaySession::RelaySession(QTcpSocket *client, Relay *relay)
    : QObject(relay), m_relay(relay), m_limits(relay->limits()), m_via(relay->viaValue()),
      m_client(client)
{
    m_client->setParent(this);
    m_clientName =
        m_client->peerAddress().toString() + u':' + QString::number(m_client->peerPort());
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(m_limits.idleTimeout);
    m_connectTimer.setSingleShot(true);
    m_connectTimer.setInterval(m_limits.connectTimeout);
    m_lingerTimer.setSingleShot(true);
    m_lingerTimer.setInterval(kLingerMs);
    connect(&m_idleTimer, &QTimer::timeout, this, &RelaySession::onIdleTimeout);
    connect(&m_connectTimer, &QTimer::timeout, this, &RelaySession::onConnectTimeout);
    connect(&m_lingerTimer, &QTimer::timeout, this, &RelaySession::finishSession);

    m_request = std::make_unique<HttpParser>(HttpParser::Kind::Request, m_limits.maxHeaderBytes);
    m_request->onHead = [this](const HttpHead &head) { beginRequest(head); };
    m_request->onBody = [this](QByteArrayView data) { forwardRequestBody(data); };
    m_request->onComplete = [this] {
        m_ex.requestDone = true;
        if (m_ex.requestChunked && m_phase == Phase::Exchanging)
            writeUp("0\r\n\r\n");
    };
}

RelaySession::~RelaySession()
{
    // The sockets are children and die after this body; their last signals must not reach us.
    m_client->disconnect(this);
    if (m_upstream)
        m_upstream->disconnect(this);
}

void RelaySession::start()
{
    watchClient();
    pump();
}

void RelaySession::rejectBusy()
{
    watchClient();
    respondError(503, QStringLiteral("relay %1 is at its limit of %2 connections")
                          .arg(m_relay->regionId())
                          .arg(m_limits.maxConnections));
}

void RelaySession::watchClient()
{
    m_client->setReadBufferSize(kSocketReadBuffer);
    m_client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_client, &QTcpSocket::readyRead, this, &RelaySession::pump);
    connect(m_client, &QTcpSocket::bytesWritten, this, [this] {
        touch();
        pump();
    });
    connect(m_client, &QTcpSocket::disconnected, this, [this] {
        m_clientEof = true;
        pump();
    });
    connect(m_client, &QTcpSocket::errorOccurred, this, [this] {
        m_clientEof = true;
        pump();
    });
    touch();
}

void RelaySession::pump()
{
    if (m_pumping) {
        m_pumpAgain = true;
        return;
    }
    m_pumping = true;
    do {
        m_pumpAgain = false;
        pumpOnce();
    } while (m_pumpAgain && m_phase != Phase::Done);
    m_pumping = false;
}

void RelaySession::pumpOnce()
{
    switch (m_phase) {
    case Phase::ReadingHead:
    case Phase::Exchanging:
        if (m_clientEof) {
            if (m_ex.active)
                m_ex.entry.error = QStringLiteral("client closed the connection");
            finishSession();
            return;
        }
        if (m_phase == Phase::ReadingHead && m_upstream &&
            (m_upstreamClosed || m_upstream->bytesAvailable() > 0))
            dropUpstream(false); // an idle upstream closed or said something unasked for
        readRequests();
        if (m_phase != Phase::Exchanging)
            return;
        readResponse();
        if (m_phase != Phase::Exchanging)
            return;
        if (m_ex.responseDone)
            finishExchange();
        else if (upstreamDrained())
            upstreamEnded();
        return;
    case Phase::ConnectingTunnel:
        pumpConnectingTunnel();
        return;
    case Phase::Tunnel:
        pumpTunnel();
        return;
    case Phase::Closing:
        pumpClosing();
        return;
    case Phase::Done:
        return;
    }
}

void RelaySession::readRequests()
{
    while (m_phase == Phase::ReadingHead || m_phase == Phase::Exchanging) {
        // A request is in progress: pipelined ones wait in m_clientPending.
        if (m_request->isPaused())
            return;
        if (m_upstream && m_upstream->bytesToWrite() > m_limits.maxPendingBytes)
            return;
        if (m_clientPending.isEmpty()) {
            if (m_client->bytesAvailable() <= 0)
                return;
            m_clientPending = m_client->read(kReadChunk);
            touch();
        }
        const qsizetype used = m_request->feed(m_clientPending);
        m_clientPending.remove(0, used);
        if (m_phase == Phase::Closing || m_phase == Phase::Done)
            return;
        if (m_request->error() != HttpParser::Error::None) {
            const bool tooLarge = m_request->error() == HttpParser::Error::HeaderTooLarge;
            if (m_ex.active && m_ex.responseHeadSent)
                abortClient(
                    QStringLiteral("malformed request body: %1").arg(m_request->errorString()));
            else if (tooLarge)
                respondError(431, QStringLiteral("request header larger than %1 bytes")
                                      .arg(m_limits.maxHeaderBytes));
            else
                respondError(400,
                             QStringLiteral("malformed request: %1").arg(m_request->errorString()));
            return;
        }
        if (used == 0)
            return;
    }
}

void RelaySession::readResponse()
{
    while (m_phase == Phase::Exchanging && m_upstream && !m_response->isPaused()) {
        if (m_client->bytesToWrite() > m_limits.maxPendingBytes)
            return;
        if (m_upstreamPending.isEmpty()) {
            if (m_upstream->bytesAvailable() <= 0)
                return;
            m_upstreamPending = m_upstream->read(kReadChunk);
            m_ex.responseBytes += m_upstreamPending.size();
            touch();
        }
        const qsizetype used = m_response->feed(m_upstreamPending);
        m_upstreamPending.remove(0, used);
        if (m_phase != Phase::Exchanging)
            return;
        if (m_response->error() != HttpParser::Error::None) {
            const QString why = QStringLiteral("malformed response from %1: %2")
                                    .arg(upstreamName(), m_response->errorString());
            if (m_ex.responseHeadSent)
                abortClient(why);
            else
                respondError(502, why);
            return;
        }
        if (used == 0)
            return;
    }
}

void RelaySession::beginEntry()
{
    m_ex = Exchange{};
    m_ex.active = true;
    m_ex.clock.start();
    m_ex.entry.time = QDateTime::currentDateTimeUtc();
    m_ex.entry.client = m_clientName;
}

void RelaySession::beginRequest(const HttpHead &head)
{
    beginEntry();
    m_relay->m_requests.fetch_add(1, std::memory_order_relaxed);
    m_ex.entry.method = QString::fromLatin1(head.method);
    m_ex.entry.target = QString::fromUtf8(head.target.left(kMaxLoggedTarget));
    m_ex.clientHttp11 = head.isHttp11OrLater();
    m_ex.clientKeepAlive = head.keepAlive;
    m_ex.headRequest = head.method == "HEAD";
    std::optional<http::HttpTarget> target = parseProxyTarget(head.target, head.connect);
    if (!target && !head.connect && head.target.startsWith('/'))
        target = reverseTarget(head, *m_relay);

    if (head.connect) {
        if (!target) {
            respondError(
                400, QStringLiteral("CONNECT needs host:port, got \"%1\"").arg(m_ex.entry.target));
            return;
        }
        m_relay->countTunnel();
        m_phase = Phase::ConnectingTunnel;
        openUpstream(target->host, target->port);
        return;
    }
    if (!target) {
        if (head.target.startsWith('/') || head.target == "*")
            respondError(400,
                         QStringLiteral("not a proxy request: \"%1\" is origin-form; this is a "
                                        "forward proxy, send the absolute URL (http://host/path)")
                             .arg(m_ex.entry.target));
        else
            respondError(400,
                         QStringLiteral("malformed request target \"%1\"").arg(m_ex.entry.target));
        return;
    }
    if (target->scheme != "http") {
        respondError(
            501, QStringLiteral("scheme %1: is not supported; only http, and CONNECT for tunnels")
                     .arg(QString::fromLatin1(target->scheme)));
        return;
    }

    const QByteArray up = upstreamRequestHead(head, *target, m_via);
    m_ex.requestChunked = head.chunked;
    m_ex.upstreamHead = up;
    m_phase = Phase::Exchanging;

    const bool reusable = m_upstream && m_upstreamConnected && !m_upstreamClosed &&
                          m_upstreamHost == target->host && m_upstreamPort == target->port &&
                          m_upstreamPending.isEmpty() && m_upstream->bytesAvailable() == 0;
    if (reusable) {
        m_ex.reused = true;
        m_response->resume();
        m_relay->countUpstream(true);
    } else {
        openUpstream(target->host, target->port);
    }
    m_response->setSkipBody(m_ex.headRequest);
    writeUp(up);
}

void RelaySession::forwardRequestBody(QByteArrayView data)
{
    if (m_phase != Phase::Exchanging || data.isEmpty())
        return;
    m_ex.requestBodyBytes += data.size();
    if (m_ex.requestChunked) {
        writeUp(chunkHeader(data.size()));
        writeUp(data);
        writeUp("\r\n");
    } else {
        writeUp(data);
    }
}

void RelaySession::beginResponse(const HttpHead &head)
{
    if (head.status == 101 || head.upgrade) {
        respondError(502, QStringLiteral("%1 switched protocols, which this relay does not support")
                              .arg(upstreamName()));
        return;
    }
    if (head.status < 200) { // interim (100 Continue, 103): passed on to HTTP/1.1 clients only
        m_ex.interim = true;
        if (m_ex.clientHttp11)
            writeDown(interimResponseHead(head, m_via));
        return;
    }
    const ClientResponseHead out =
        clientResponseHead(head, m_ex.headRequest, m_ex.clientHttp11, m_ex.clientKeepAlive, m_via);
    m_ex.chunkedDown = out.chunked;
    m_ex.clientKeepAlive = !out.closeAfter;
    writeDown(out.head);
    m_ex.responseHeadSent = true;
    m_ex.entry.status = head.status;
}

void RelaySession::forwardResponseBody(QByteArrayView data)
{
    if (m_phase != Phase::Exchanging || data.isEmpty())
        return;
    if (m_ex.chunkedDown) {
        writeDown(chunkHeader(data.size()));
        writeDown(data);
        writeDown("\r\n");
    } else {
        writeDown(data);
    }
}

void RelaySession::responseComplete()
{
    if (m_phase != Phase::Exchanging)
        return;
    if (m_ex.interim) {
        m_ex.interim = false;
        m_response->resume(); // the final response follows on the same connection
        return;
    }
    if (m_ex.chunkedDown)
        writeDown("0\r\n\r\n");
    m_ex.responseDone = true;
}

void RelaySession::finishExchange()
{
    // An origin may answer before the request body is through (413, 401): the rest of the body can
    // no longer be framed for this connection, so both connections end with the exchange.
    const bool requestDone = m_ex.requestDone;
    const bool keepClient = m_ex.clientKeepAlive && requestDone;
    const bool keepUpstream = requestDone && m_response->shouldKeepAlive() && !m_upstreamClosed &&
                              m_upstreamPending.isEmpty() && m_upstream->bytesAvailable() == 0;
    endExchange();
    if (!keepUpstream || !keepClient)
        dropUpstream(true);
    if (!keepClient) {
        closeGracefully();
        return;
    }
    m_phase = Phase::ReadingHead;
    m_request->resume();
    m_pumpAgain = true;
}

bool RelaySession::upstreamDrained() const
{
    return m_upstream && m_upstreamClosed && m_upstreamPending.isEmpty() &&
           m_upstream->bytesAvailable() <= 0;
}

void RelaySession::upstreamEnded()
{
    const bool clean = !m_upstreamTimedOut && m_upstreamError.isEmpty();
    if (clean && m_response->inMessage() && m_response->isHeadComplete()) {
        m_response->finish(); // the end of a close-delimited body
        if (m_phase != Phase::Exchanging)
            return;
        if (m_ex.responseDone) {
            finishExchange();
            return;
        }
    }
    QString why;
    if (m_upstreamTimedOut)
        why = QStringLiteral("connecting to %1 timed out after %2 ms")
                  .arg(upstreamName())
                  .arg(m_limits.connectTimeout.count());
    else if (!m_upstreamError.isEmpty())
        why = m_upstreamError;
    else if (m_ex.responseHeadSent)
        why = QStringLiteral("%1 closed the connection in the middle of the response body")
                  .arg(upstreamName());
    else
        why = QStringLiteral("%1 closed the connection without a complete response")
                  .arg(upstreamName());

    if (m_ex.responseHeadSent) {
        abortClient(why);
        return;
    }
    // A kept-alive connection the origin closed while the request was on its way: nothing was
    // answered and nothing but the head was sent, so sending it again on a new connection is safe.
    if (m_ex.reused && !m_ex.retried && m_ex.responseBytes == 0 && m_ex.requestDone &&
        m_ex.requestBodyBytes == 0 && !m_upstreamTimedOut) {
        m_ex.retried = true;
        m_ex.reused = false;
        openUpstream(m_upstreamHost, m_upstreamPort);
        m_response->setSkipBody(m_ex.headRequest);
        writeUp(m_ex.upstreamHead);
        if (m_ex.requestChunked)
            writeUp("0\r\n\r\n");
        return;
    }
    respondError(m_upstreamTimedOut ? 504 : 502, why);
}

void RelaySession::endExchange()
{
    if (!m_ex.active)
        return;
    m_ex.entry.durationMs = m_ex.clock.elapsed();
    const RelayLogEntry entry = m_ex.entry;
    m_ex = Exchange{}; // flags of a finished exchange must not leak into the next one
    m_relay->record(entry);
}

void RelaySession::pumpConnectingTunnel()
{
    if (m_clientEof) {
        m_ex.entry.error = QStringLiteral("client closed the connection");
        finishSession();
        return;
    }
    if (m_upstreamConnected && !m_upstreamClosed) {
        writeDown("HTTP/1.1 200 Connection established\r\n\r\n");
        m_ex.entry.status = 200;
        m_phase = Phase::Tunnel;
        m_pumpAgain = true;
        return;
    }
    if (m_upstreamClosed) {
        respondError(m_upstreamTimedOut ? 504 : 502,
                     m_upstreamTimedOut ? QStringLiteral("connecting to %1 timed out after %2 ms")
                                              .arg(upstreamName())
                                              .arg(m_limits.connectTimeout.count())
                     : m_upstreamError.isEmpty()
                         ? QStringLiteral("cannot connect to %1").arg(upstreamName())
                         : m_upstreamError);
    }
}

void RelaySession::pumpTunnel()
{
    while (m_upstream->bytesToWrite() <= m_limits.maxPendingBytes) {
        if (m_clientPending.isEmpty()) {
            if (m_client->bytesAvailable() <= 0)
                break;
            m_clientPending = m_client->read(kReadChunk);
            touch();
        }
        writeUp(m_clientPending);
        m_clientPending.clear();
    }
    while (m_client->bytesToWrite() <= m_limits.maxPendingBytes &&
           m_upstream->bytesAvailable() > 0) {
        writeDown(m_upstream->read(kReadChunk));
        touch();
    }
    const bool clientDone =
        m_clientEof && m_clientPending.isEmpty() && m_client->bytesAvailable() <= 0;
    const bool upstreamDone = m_upstreamClosed && m_upstream->bytesAvailable() <= 0;
    if (!clientDone && !upstreamDone)
        return;
    if (!m_upstreamError.isEmpty())
        m_ex.entry.error = m_upstreamError;
    endExchange();
    // Each side gets what is still buffered for it, then its close.
    m_phase = Phase::Closing;
    m_lingering = false;
    m_upstream->disconnectFromHost();
    m_client->disconnectFromHost();
    m_pumpAgain = true;
}

void RelaySession::pumpClosing()
{
    if (!m_lingering) {
        const bool upstreamGone =
            !m_upstream || m_upstream->state() == QAbstractSocket::UnconnectedState;
        if (m_client->state() == QAbstractSocket::UnconnectedState && upstreamGone)
            finishSession();
        return;
    }
    if (m_clientEof || m_client->state() != QAbstractSocket::ConnectedState) {
        finishSession();
        return;
    }
    // A lingering close: what the client still sends is read and dropped, so that the kernel does
    // not answer it with a reset that could destroy the response before the client read it.
    m_clientPending.clear();
    m_client->skip(m_client->bytesAvailable());
    if (!m_shutdownSent && m_client->bytesToWrite() == 0) {
        m_shutdownSent = true;
        ::shutdown(int(m_client->socketDescriptor()), SHUT_WR);
        m_lingerTimer.start();
    }
}

void RelaySession::openUpstream(const QByteArray &host, quint16 port)
{
    dropUpstream(false);
    m_upstreamHost = host;
    m_upstreamPort = port;
    m_upstreamConnected = false;
    m_upstreamClosed = false;
    m_upstreamTimedOut = false;
    m_upstreamError.clear();
    m_upstreamPending.clear();
    m_response = std::make_unique<HttpParser>(HttpParser::Kind::Response, kMaxResponseHeaderBytes);
    m_response->onHead = [this](const HttpHead &head) { beginResponse(head); };
    m_response->onBody = [this](QByteArrayView data) { forwardResponseBody(data); };
    m_response->onComplete = [this] { responseComplete(); };

    auto *up = new QTcpSocket(this);
    m_upstream = up;
    up->setReadBufferSize(kSocketReadBuffer);
    connect(up, &QTcpSocket::connected, this, [this] {
        m_connectTimer.stop();
        m_upstreamConnected = true;
        m_upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        touch();
        pump();
    });
    connect(up, &QTcpSocket::readyRead, this, &RelaySession::pump);
    connect(up, &QTcpSocket::bytesWritten, this, [this] {
        touch();
        pump();
    });
    connect(up, &QTcpSocket::disconnected, this, [this] {
        m_upstreamClosed = true;
        pump();
    });
    connect(up, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError && m_upstreamError.isEmpty()) {
            m_upstreamError = m_upstreamConnected ? QStringLiteral("connection to %1 failed: %2")
                                                  : QStringLiteral("cannot connect to %1: %2");
            m_upstreamError = m_upstreamError.arg(upstreamName(), m_upstream->errorString());
        }
        m_upstreamClosed = true;
        pump();
    });
    m_relay->countUpstream(false);
    m_connectTimer.start();
    const auto [connectHost, connectPort] = m_relay->upstreamFor(QString::fromUtf8(host), port);
    up->connectToHost(connectHost, connectPort);
}

void RelaySession::dropUpstream(bool graceful)
{
    m_connectTimer.stop();
    if (!m_upstream)
        return;
    QTcpSocket *up = m_upstream;
    m_upstream = nullptr;
    up->disconnect(this);
    if (graceful && up->state() == QAbstractSocket::ConnectedState)
        up->disconnectFromHost();
    else
        up->abort();
    up->deleteLater();
    m_upstreamPending.clear();
}

QString RelaySession::upstreamName() const
{
    return QString::fromUtf8(hostPort(m_upstreamHost, m_upstreamPort));
}

void RelaySession::respondError(int status, const QString &message)
{
    if (m_phase == Phase::Closing || m_phase == Phase::Done)
        return;
    if (!m_ex.active)
        beginEntry();
    writeDown(errorResponse(status, message, m_via));
    m_ex.entry.status = status;
    m_ex.entry.error = message;
    endExchange();
    dropUpstream(false);
    closeGracefully();
}

void RelaySession::abortClient(const QString &why)
{
    // The response head is out: the only honest signal left is a cut-off connection.
    m_ex.entry.error = why;
    finishSession();
}

void RelaySession::closeGracefully()
{
    m_phase = Phase::Closing;
    m_lingering = true;
    m_pumpAgain = true;
    if (!m_pumping)
        pump();
}

void RelaySession::finishSession()
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_idleTimer.stop();
    m_lingerTimer.stop();
    endExchange();
    dropUpstream(false);
    m_client->disconnect(this);
    m_client->abort();
    Q_EMIT finished();
}

void RelaySession::onIdleTimeout()
{
    const QString idle = QStringLiteral("%1 ms").arg(m_limits.idleTimeout.count());
    switch (m_phase) {
    case Phase::ReadingHead:
        if (m_request->inMessage())
            respondError(
                408, QStringLiteral("request head not complete after %1 without data").arg(idle));
        else
            closeGracefully(); // an idle keep-alive connection
        break;
    case Phase::Exchanging:
        if (m_ex.responseHeadSent)
            abortClient(QStringLiteral("no data for %1 in the middle of the response").arg(idle));
        else if (!m_ex.requestDone)
            respondError(408, QStringLiteral("request body stalled for %1").arg(idle));
        else
            respondError(504,
                         QStringLiteral("%1 did not answer within %2").arg(upstreamName(), idle));
        break;
    case Phase::ConnectingTunnel:
        respondError(
            504, QStringLiteral("connecting to %1 took longer than %2").arg(upstreamName(), idle));
        break;
    case Phase::Tunnel:
        m_ex.entry.error = QStringLiteral("tunnel idle for %1").arg(idle);
        finishSession();
        break;
    case Phase::Closing:
        finishSession();
        break;
    case Phase::Done:
        break;
    }
}

void RelaySession::onConnectTimeout()
{
    if (!m_upstream || m_upstreamConnected)
        return;
    m_upstreamTimedOut = true;
    m_upstreamClosed = true;
    m_upstream->disconnect(this);
    m_upstream->abort();
    pump();
}

void RelaySession::touch()
{
    if (m_phase != Phase::Done)
        m_idleTimer.start();
}

void RelaySession::writeUp(QByteArrayView data)
{
    if (!m_upstream || m_upstream->state() == QAbstractSocket::UnconnectedState || data.isEmpty())
        return;
    m_upstream->write(data.data(), data.size());
    m_ex.entry.bytesUp += data.size();
    m_relay->countTraffic(data.size(), 0);
}

void RelaySession::writeDown(QByteArrayView data)
{
    if (m_client->state() != QAbstractSocket::ConnectedState || data.isEmpty())
        return;
    m_client->write(data.data(), data.size());
    m_ex.entry.bytesDown += data.size();
    m_relay->countTraffic(0, data.size());
}

} // namespace relayrace::lab
