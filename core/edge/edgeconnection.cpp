// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/edgeconnection.h"

#include "delivery/requestbody.h"
#include "edge/edgerequest.h"
#include "edge/edgeserver.h"
#include "engine/enginefront.h"
#include "engine/responsestream.h"
#include "log/jsonline.h"
#include "log/jsonlineslog.h"
#include "log/logging.h"
#include "model/trigger.h"

#include <QDateTime>
#include <QScopedValueRollback>
#include <QTcpSocket>
#include <QTimer>

namespace relayrace::edge {

EdgeConnection::EdgeConnection(QTcpSocket *socket, EdgeServer *server)
    : QObject(server), m_socket(socket), m_server(server), m_timer(new QTimer(this)), m_streamCheck(new QTimer(this))
{
    m_streamCheck->setInterval(1000);
    connect(m_streamCheck, &QTimer::timeout, this, [this] {
        if (!m_stream || m_closed || m_pumping)
            return;
        const bool unannounced = (!m_headSent && m_stream->head()) || (m_headSent && m_stream->available() > 0 &&
                                                                         m_socket->bytesToWrite() == 0) || m_stream->isEnded();
        // Twice in a row, a second apart: a signal on its way would have come long before.
        const bool twice = unannounced && m_sawUnannounced;
        m_sawUnannounced = unannounced && !twice;
        if (!twice)
            return;
        log::get("edge")->warn("{} {} {}: the response stream had news no signal announced; pumping",
                               m_client.toStdString(), m_head.method.toStdString(), m_head.target.toStdString());
        if (!m_headSent)
            onResponseHead();
        else
            pump();
    });
    m_socket->setParent(this);
    // No Nagle: a response's last partial segment would wait for the client's delayed ACK (about
    // 40 ms on Linux) behind the segments before it. The peer comparison saw every 256 KiB response
    // end 33 ms after the edge had sent it (docs/peers.md); nginx sets tcp_nodelay on keep-alive
    // connections for the same reason.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_client = m_socket->peerAddress().toString();
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &EdgeConnection::onTimer);
}

EdgeConnection::~EdgeConnection()
{
    if (m_stream)
        m_stream->abandon();
    failBody(QStringLiteral("the client connection closed before the whole request body"));
}

void EdgeConnection::failBody(const QString &why)
{
    if (!m_bodyPipe)
        return;
    m_bodyPipe->setWriter(nullptr, {});
    if (!m_complete)
        m_bodyPipe->fail(why);
}

void EdgeConnection::start()
{
    m_parser = std::make_unique<http::HttpParser>(http::HttpParser::Kind::Request, m_server->settings().limits.maxHeaderBytes);
    m_parser->onHead = [this](const http::HttpHead &head) { onRequestHead(head); };
    m_parser->onBody = [this](QByteArrayView data) {
        if (m_pendingStatus != 0)
            return;
        if (m_bodyPipe) {
            m_bodyPipe->write(data.data(), data.size());
            return;
        }
        if (m_body.size() + data.size() > m_server->settings().limits.maxBodyBytes) {
            m_pendingStatus = 413;
            m_pendingMessage = QStringLiteral("the request body is larger than this edge takes (%1 bytes)")
                                   .arg(m_server->settings().limits.maxBodyBytes);
            return;
        }
        m_body.append(data.data(), data.size());
    };
    m_parser->onComplete = [this] { m_complete = true; };
    // Bounded: while a streamed body waits for its route, the client is held back by TCP, not by memory.
    m_socket->setReadBufferSize(kSocketReadBuffer);
    connect(m_socket, &QTcpSocket::readyRead, this, &EdgeConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &EdgeConnection::pump);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        // A client that had the whole body (its length, or no body) may close before the engine's
        // report of the end has reached this thread (the stream may already say it ended): the response
        // is finished, and logged, now or when that report comes.
        const bool whole = m_headSent && (m_framing.kind == ClientFraming::Kind::None ||
                                          (m_framing.kind == ClientFraming::Kind::Length && m_bodySent == m_framing.length));
        if (m_busy && m_stream && whole) {
            m_clientClosed = true;
            if (m_stream->isEnded() && m_stream->available() == 0)
                finishResponse();
            return;
        }
        if (m_busy && m_stream && !m_logged)
            logAccess(m_status, QStringLiteral("client_gone"), nullptr);
        failBody(QStringLiteral("the client closed before the whole request body"));
        close();
    });
    armTimer();
    onReadyRead();
}

void EdgeConnection::closeWhenIdle()
{
    m_closeWhenIdle = true;
    if (!m_busy && !m_parser->inMessage())
        close();
}

void EdgeConnection::onReadyRead()
{
    // A streamed body whose route has not taken what it has: leave the rest in the socket.
    if (streamingBody() && m_bodyPipe->bufferedForWriter() >= delivery::RequestBodyPipe::kHighWater)
        return;
    m_input += m_socket->readAll();
    if (!m_busy || streamingBody())
        parse();
}

void EdgeConnection::parse()
{
    while ((!m_busy || streamingBody()) && !m_closed && !m_input.isEmpty()) {
        if (m_parser->isPaused())
            m_parser->resume();
        const qsizetype used = m_parser->feed(m_input);
        m_input.remove(0, used);
        if (m_parser->error() != http::HttpParser::Error::None && m_busy) { // in a streamed body
            failBody(QStringLiteral("malformed request body: %1").arg(m_parser->errorString()));
            close();
            return;
        }
        if (m_parser->error() != http::HttpParser::Error::None) {
            const bool tooLarge = m_parser->error() == http::HttpParser::Error::HeaderTooLarge;
            answerOwn(tooLarge ? 431 : 400,
                      tooLarge ? QStringLiteral("the request head is larger than %1 bytes")
                                     .arg(m_server->settings().limits.maxHeaderBytes)
                               : QStringLiteral("malformed request: %1").arg(m_parser->errorString()),
                      true);
            return;
        }
        if (!m_busy && m_pendingStatus != 0 && (m_pendingStatus != 421 || m_complete)) {
            answerOwn(m_pendingStatus, m_pendingMessage, m_pendingStatus != 421);
            return;
        }
        if (m_complete) {
            if (m_bodyPipe) {
                m_bodyPipe->finish();
                m_bodyPipe->setWriter(nullptr, {});
            }
            if (!m_busy)
                dispatch();
            return;
        }
        if (m_dispatchAtHead && !m_busy) {
            dispatch(); // the body follows into the pipe as it arrives
            continue;
        }
        if (used == 0)
            break;
    }
    armTimer();
}

void EdgeConnection::armTimer()
{
    if (m_closed)
        return;
    if (m_busy) {
        m_headTimerRunning = false;
        if (streamingBody())
            m_timer->start(m_server->settings().limits.idleTimeoutMs); // the body must keep coming
        else
            m_timer->stop();
        return;
    }
    const EdgeLimits &limits = m_server->settings().limits;
    if (m_parser->inMessage() && !m_parser->isHeadComplete()) {
        // Counted from the request's first byte, never restarted by a trickle (slowloris).
        if (!m_headTimerRunning) {
            m_headTimerRunning = true;
            m_timer->start(limits.headerTimeoutMs);
        }
    } else {
        // Between requests, or a body in progress: no progress for the idle timeout ends it.
        if (!m_parser->inMessage())
            m_headTimerRunning = false;
        m_timer->start(limits.idleTimeoutMs);
    }
}

void EdgeConnection::onTimer()
{
    if (streamingBody()) {
        if (m_bodyPipe->buffered() >= delivery::RequestBodyPipe::kLowWater) {
            armTimer(); // waiting for the route to take it, not for the client
            return;
        }
        const QString why = QStringLiteral("the request body stopped for %1 ms").arg(m_server->settings().limits.idleTimeoutMs);
        failBody(why);
        if (!m_headSent)
            logAccess(408, QStringLiteral("refused"), nullptr);
        close();
        return;
    }
    if (m_busy || m_closed)
        return;
    if (m_parser->inMessage()) {
        answerOwn(408,
                  m_parser->isHeadComplete()
                      ? QStringLiteral("the request body stopped for %1 ms").arg(m_server->settings().limits.idleTimeoutMs)
                      : QStringLiteral("the request head did not arrive within %1 ms")
                            .arg(m_server->settings().limits.headerTimeoutMs),
                  true);
        return;
    }
    close(); // idle keep-alive connection
}

void EdgeConnection::onRequestHead(const http::HttpHead &head)
{
    m_head = head;
    m_requestId = m_server->nextRequestId();
    m_clock.start();
    if (head.connect || head.upgrade) {
        m_pendingStatus = 501;
        m_pendingMessage = QStringLiteral("this edge is a reverse proxy: no CONNECT, no upgrades");
        return;
    }
    const QByteArray host = head.header("Host");
    if (host.isEmpty()) {
        m_pendingStatus = 400;
        m_pendingMessage = QStringLiteral("the request has no Host header");
        return;
    }
    m_provider = m_server->providerFor(host);
    if (m_provider.isEmpty()) {
        m_pendingStatus = 421; // answered once the body is read: the connection stays usable
        m_pendingMessage = QStringLiteral("this edge serves no provider for the host '%1'").arg(QString::fromLatin1(host));
        return;
    }
    const bool hasBody = head.chunked || head.contentLength > 0;
    if (hasBody && head.contentLength > m_server->settings().limits.maxBodyBytes) {
        m_pendingStatus = 413;
        m_pendingMessage = QStringLiteral("the request body is larger than this edge takes (%1 bytes)")
                               .arg(m_server->settings().limits.maxBodyBytes);
        return;
    }
    if (hasBody && head.header("Expect").toLower() == "100-continue" && head.isHttp11OrLater())
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    if (!head.chunked && head.contentLength > kStreamBodyBytes) {
        m_bodyPipe = std::make_shared<delivery::RequestBodyPipe>(head.contentLength);
        m_bodyPipe->setWriter(this, [this] { onReadyRead(); });
        m_dispatchAtHead = true;
    }
}

void EdgeConnection::dispatch()
{
    m_busy = true;
    armTimer();
    const QByteArray target = originFormTarget(m_head.target);
    if (target.isEmpty()) {
        answerOwn(400, QStringLiteral("the request target '%1' is not a path").arg(QString::fromLatin1(m_head.target)), true);
        return;
    }
    engine::ServeRequest request;
    request.provider = m_provider;
    request.method = m_head.method;
    request.path = QString::fromLatin1(target);
    request.client = m_client;
    request.requestId = m_requestId;
    request.headers = forwardedRequestHeaders(m_head, m_client);
    request.body = m_body;
    request.bodyPipe = m_bodyPipe;

    m_stream = engine::ResponseStream::create();
    connect(m_stream.get(), &engine::ResponseStream::headReady, this, &EdgeConnection::onResponseHead);
    connect(m_stream.get(), &engine::ResponseStream::dataReady, this, &EdgeConnection::pump);
    connect(m_stream.get(), &engine::ResponseStream::ended, this, &EdgeConnection::pump);
    m_streamCheck->start();
    m_server->front()->serve(request, m_stream);
}

void EdgeConnection::onResponseHead()
{
    if (!m_stream || m_headSent || m_closed)
        return;
    const std::optional<engine::ResponseHead> head = m_stream->head();
    if (!head)
        return;
    const bool keepAlive = m_parser->shouldKeepAlive() && !m_closeWhenIdle;
    m_socket->write(clientResponseHead(*head, m_head.method == "HEAD", m_head.isHttp11OrLater(), keepAlive, &m_framing));
    m_headSent = true;
    m_status = head->status;
    pump();
}

void EdgeConnection::pump()
{
    // The socket is flushed at once, not on the event loop's next pass (a poll and two notifier changes
    // less per response). flush() may emit bytesWritten, which calls pump(): never inside itself (a
    // nested pump would finish the same response twice) but once more after it. Inside a bytesWritten
    // handler Qt emits no second one, and a flush that empties the socket leaves no later one either:
    // whenever the flush wrote, pump again (the stream may hold what the socket now has room for).
    if (m_pumping) {
        m_pumpAgain = true;
        return;
    }
    const QScopedValueRollback pumping(m_pumping, true);
    do {
        m_pumpAgain = false;
        pumpOnce();
        const qint64 queued = m_closed ? 0 : m_socket->bytesToWrite();
        if (queued > 0) {
            m_socket->flush();
            m_pumpAgain = m_pumpAgain || (!m_closed && m_socket->bytesToWrite() < queued);
        }
    } while (m_pumpAgain && !m_closed);
}

void EdgeConnection::pumpOnce()
{
    if (!m_stream || m_closed)
        return;
    if (!m_headSent) {
        if (m_stream->head())
            onResponseHead(); // its signal is still on its way
        else if (m_stream->isEnded())
            finishResponse(); // ended without a head: every route failed
        return;
    }
    while (m_socket->bytesToWrite() < kSocketHighWater) {
        const QByteArray data = m_stream->take(kTakeBytes);
        if (data.isEmpty())
            break;
        m_socket->write(m_framing.kind == ClientFraming::Kind::Chunked ? chunk(data) : data);
        m_bodySent += data.size();
    }
    if (m_stream->isEnded() && m_stream->available() == 0)
        finishResponse();
}

void EdgeConnection::finishResponse()
{
    const engine::ServeResult result = m_stream->result();
    if (m_clientClosed) { // the client had the whole body and is gone
        logAccess(m_status, result.ok ? QStringLiteral("ok") : QStringLiteral("aborted"), &result);
        close();
        return;
    }
    if (!m_headSent) {
        // Nothing went out: the edge answers for the routes (each one's failure is in the message).
        m_stream.reset();
        logAccess(502, QStringLiteral("failed"), &result);
        answerOwn(502, QStringLiteral("no route reached the origin: %1").arg(result.error), !m_parser->shouldKeepAlive());
        return;
    }
    if (!result.ok) {
        // The head is out and the body cannot be completed: end the connection so that the client can
        // tell (no last chunk, fewer bytes than Content-Length), never a short body that looks whole.
        logAccess(m_status, QStringLiteral("aborted"), &result);
        log::get("edge")->warn("{} {} {}: the response broke after {} bytes: {}", m_client.toStdString(),
                               m_head.method.toStdString(), m_head.target.toStdString(), m_bodySent,
                               result.error.toStdString());
        m_socket->abort();
        close();
        return;
    }
    if (m_framing.kind == ClientFraming::Kind::Chunked)
        m_socket->write(kLastChunk);
    logAccess(m_status, QStringLiteral("ok"), &result);
    // A response that ended before its streamed request body did: the rest of that body is still on
    // the connection, which can carry no other request.
    const bool bodyLeft = m_bodyPipe && !m_complete;
    const bool closeAfter = m_framing.closeAfter || m_closeWhenIdle || bodyLeft;
    failBody(QStringLiteral("the origin answered before the whole request body"));
    resetRequest();
    if (closeAfter) {
        if (bodyLeft)
            m_closed = true; // the rest of that body is never parsed as a request
        m_socket->disconnectFromHost(); // after what is queued
        return;
    }
    armTimer();
    parse(); // a pipelined request waiting
}

void EdgeConnection::answerOwn(int status, const QString &message, bool closeAfter)
{
    closeAfter = closeAfter || m_closeWhenIdle || !m_parser->shouldKeepAlive();
    m_socket->write(edgeErrorResponse(status, message, closeAfter));
    if (status != 502)
        logAccess(status, QStringLiteral("refused"), nullptr);
    resetRequest();
    if (closeAfter) {
        m_closed = true; // reads nothing more
        m_timer->stop();
        m_socket->disconnectFromHost();
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            close();
        return;
    }
    armTimer();
    parse();
}

void EdgeConnection::logAccess(int status, const QString &outcome, const engine::ServeResult *result)
{
    m_logged = true;
    const double elapsedMs = m_clock.isValid() ? double(m_clock.nsecsElapsed()) / 1e6 : 0.0;
    m_server->metrics().countRequest(m_provider, result ? result->route : QString(), status, m_bodySent, elapsedMs / 1e3);
    log::JsonLinesLog *accessLog = m_server->accessLog();
    if (!accessLog)
        return;
    // Built field by field (log::JsonLine): QJsonObject and QDateTime::toString were a tenth of the
    // edge's CPU per request. Time first, then the request, then what the engine did.
    log::JsonLine line;
    line.addUtcTime("time", QDateTime::currentMSecsSinceEpoch())
        .add("client", m_client)
        .add("request_id", m_requestId)
        .addLatin1("host", m_head.header("Host"))
        .addLatin1("method", m_head.method)
        .addLatin1("path", m_head.target)
        .add("status", status)
        .add("bytes", m_bodySent)
        .add("duration_ms", elapsedMs)
        .add("outcome", outcome);
    if (result) {
        line.add("provider", m_provider)
            .add("route", result->route)
            .add("race", result->raced ? model::triggerName(result->trigger) : QStringLiteral("cached"))
            .add("failovers", int(result->failovers.size()))
            .add("framing", result->framing)
            .add("length_verified", result->lengthVerified);
        if (!result->error.isEmpty())
            line.add("error", result->error);
    }
    accessLog->writeLine(line.finish());
}

void EdgeConnection::resetRequest()
{
    m_head = {};
    m_provider.clear();
    m_body.clear();
    m_bodyPipe.reset();
    m_dispatchAtHead = false;
    m_pendingStatus = 0;
    m_pendingMessage.clear();
    m_complete = false;
    m_busy = false;
    m_logged = false;
    m_stream.reset();
    m_streamCheck->stop();
    m_sawUnannounced = false;
    m_headSent = false;
    m_status = 0;
    m_framing = {};
    m_bodySent = 0;
    m_headTimerRunning = false;
}

void EdgeConnection::close()
{
    if (m_gone)
        return;
    m_gone = true;
    m_closed = true;
    m_timer->stop();
    m_streamCheck->stop();
    if (m_stream) {
        m_stream->abandon();
        m_stream.reset();
    }
    QObject::disconnect(m_socket, nullptr, this, nullptr);
    if (m_socket->state() != QAbstractSocket::UnconnectedState)
        m_socket->abort();
    Q_EMIT closed();
}

} // namespace relayrace::edge
