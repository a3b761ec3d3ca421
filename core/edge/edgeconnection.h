// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "edge/edgeresponse.h"
#include "http/httpparser.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <memory>

class QTcpSocket;
class QTimer;

namespace relayrace::delivery {
class RequestBodyPipe;
}
namespace relayrace::engine {
class ResponseStream;
struct ServeResult;
}

namespace relayrace::edge {

class EdgeServer;

// One client connection of the edge: requests parsed by http_parser (http::HttpParser), one at a time
// (a pipelined request waits for the answer before it), each served through the engine front and
// answered as the response streams in. Keep-alive, HEAD, Expect: 100-continue, request bodies with
// Content-Length streamed to the origin as they arrive (past kStreamBodyBytes; smaller ones and
// chunked ones buffered up to the limit), the edge's own errors (400, 408, 413, 421,
// 431, 501, 502). A response that fails after its head went out ends the connection abruptly (no
// final chunk, fewer bytes than its Content-Length), so the client can tell. docs/edge.md.
class EdgeConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EdgeConnection)
public:
    static constexpr qint64 kSocketHighWater = 256 * 1024; // unsent bytes before the stream waits
    static constexpr qint64 kTakeBytes = 64 * 1024;
    // A request body with a Content-Length above this streams to the origin from its head on (over one
    // route: none is sent twice); below it, it is buffered (and may go to the next route when the first
    // refused it). A chunked body is buffered whatever its size: Qt 6.4 cannot upload one without
    // knowing its length.
    static constexpr qint64 kStreamBodyBytes = 64 * 1024;
    static constexpr qint64 kSocketReadBuffer = 256 * 1024;

    EdgeConnection(QTcpSocket *socket, EdgeServer *server);
    ~EdgeConnection() override;

    void start();
    // Finish the request in flight (if any), then close.
    void closeWhenIdle();

Q_SIGNALS:
    void closed();

private:
    void onReadyRead();
    void parse();
    void armTimer();
    void onTimer();
    void onRequestHead(const http::HttpHead &head);
    void dispatch();
    void onResponseHead();
    void pump();
    void pumpOnce();
    void finishResponse();
    void answerOwn(int status, const QString &message, bool close);
    void logAccess(int status, const QString &outcome, const engine::ServeResult *result);
    void resetRequest();
    void close();
    bool streamingBody() const { return m_bodyPipe && m_busy && !m_complete; }
    void failBody(const QString &why);

    QTcpSocket *m_socket;
    EdgeServer *m_server;
    QString m_client;
    std::unique_ptr<http::HttpParser> m_parser;
    QByteArray m_input;
    QTimer *m_timer;
    // While a response streams: a look at the stream every second, in case a wake-up from the engine's
    // thread was lost (seen: a response whose end never reached the connection, 1 run in about 20 of
    // tst_edge under load; the cause is not found yet). Logs when it finds what no signal announced.
    QTimer *m_streamCheck;
    bool m_sawUnannounced = false;
    bool m_headTimerRunning = false;

    // The request in flight.
    http::HttpHead m_head;
    QString m_requestId;
    QString m_provider;
    QByteArray m_body;
    std::shared_ptr<delivery::RequestBodyPipe> m_bodyPipe; // a body streamed while it is served
    bool m_dispatchAtHead = false;
    int m_pendingStatus = 0; // an own answer decided while parsing
    QString m_pendingMessage;
    bool m_complete = false;
    bool m_busy = false;
    std::shared_ptr<engine::ResponseStream> m_stream;
    bool m_headSent = false;
    int m_status = 0;
    ClientFraming m_framing;
    qint64 m_bodySent = 0;
    QElapsedTimer m_clock;

    bool m_clientClosed = false; // after the whole body, before the engine's end
    bool m_logged = false;       // this request's access line is written
    bool m_closeWhenIdle = false;
    bool m_closed = false; // reads nothing more
    bool m_pumping = false;
    bool m_pumpAgain = false;
    bool m_gone = false;   // closed() emitted
};

} // namespace relayrace::edge
