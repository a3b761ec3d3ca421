// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "lab/relay.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <memory>

class QTcpSocket;

namespace relayrace::http {
class HttpParser;
struct HttpHead;
} // namespace relayrace::http

namespace relayrace::lab {

using http::HttpHead;
using http::HttpParser;



// One client connection of a Relay (internal to it). Requests are handled one at a time: each is
// forwarded over an upstream connection, kept for the next request to the same host:port, and the
// response is streamed back; after CONNECT the connection becomes a raw tunnel.
//
// Every socket signal only records what happened and calls pump(), the one place that moves data
// and changes phase. pump() does not re-enter: socket calls that emit synchronously (abort(),
// disconnectFromHost()) just ask for another round.
class RelaySession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RelaySession)
public:
    RelaySession(QTcpSocket *client, Relay *relay);
    ~RelaySession() override;

    void start();
    // Over the relay's connection limit: answers 503 and closes.
    void rejectBusy();

Q_SIGNALS:
    void finished();

private:
    enum class Phase
    {
        ReadingHead,
        Exchanging,
        ConnectingTunnel,
        Tunnel,
        Closing,
        Done
    };

    struct Exchange
    {
        bool active = false;
        RelayLogEntry entry;
        QElapsedTimer clock;
        bool headRequest = false;
        bool clientHttp11 = true;
        bool clientKeepAlive = false;
        bool requestChunked = false;
        bool requestDone = false;
        qint64 requestBodyBytes = 0;
        QByteArray upstreamHead; // kept to retry once on a kept-alive connection the origin closed
        bool reused = false;
        bool retried = false;
        qint64 responseBytes = 0;
        bool interim = false;
        bool responseHeadSent = false;
        bool responseDone = false;
        bool chunkedDown = false;
    };

    void watchClient();
    void pump();
    void pumpOnce();
    void readRequests();
    void readResponse();
    void pumpConnectingTunnel();
    void pumpTunnel();
    void pumpClosing();

    void beginEntry();
    void beginRequest(const HttpHead &head);
    void forwardRequestBody(QByteArrayView data);
    void beginResponse(const HttpHead &head);
    void forwardResponseBody(QByteArrayView data);
    void responseComplete();
    void finishExchange();
    void upstreamEnded();
    void endExchange();

    void openUpstream(const QByteArray &host, quint16 port);
    void dropUpstream(bool graceful);
    bool upstreamDrained() const;
    QString upstreamName() const;

    void respondError(int status, const QString &message);
    void abortClient(const QString &why);
    void closeGracefully();
    void finishSession();
    void onIdleTimeout();
    void onConnectTimeout();
    void touch();
    void writeUp(QByteArrayView data);
    void writeDown(QByteArrayView data);

    Relay *m_relay;
    RelayLimits m_limits;
    QByteArray m_via;
    QTcpSocket *m_client;
    QString m_clientName;
    std::unique_ptr<HttpParser> m_request;
    QByteArray m_clientPending;
    bool m_clientEof = false;

    QTcpSocket *m_upstream = nullptr;
    std::unique_ptr<HttpParser> m_response;
    QByteArray m_upstreamPending;
    QByteArray m_upstreamHost;
    quint16 m_upstreamPort = 0;
    bool m_upstreamConnected = false;
    bool m_upstreamClosed = false;
    bool m_upstreamTimedOut = false;
    QString m_upstreamError;

    Phase m_phase = Phase::ReadingHead;
    Exchange m_ex;
    QTimer m_idleTimer;
    QTimer m_connectTimer;
    QTimer m_lingerTimer;
    bool m_lingering = false;
    bool m_shutdownSent = false;
    bool m_pumping = false;
    bool m_pumpAgain = false;
};

} // namespace relayrace::lab
