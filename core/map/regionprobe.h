// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <chrono>

class QTcpSocket;

namespace relayrace::map {

// What one probe saw: the time from the start of the TCP connect to the first byte of the answer it
// waits for (docs/map-maker.md has the algebra).
struct ProbeOutcome
{
    bool ok = false;
    double elapsedMs = 0.0;
    QString error; // when !ok: what went wrong, naming the relay
    // ForwardAnswer only: the second request's time, from its send to the first byte of its answer,
    // over the connections the first one opened; -1 when the relay closed after the first answer.
    double warmMs = -1.0;
};

// One timed exchange with a region's relay on a fresh connection (docs/map-maker.md):
// - RelayAnswer: an origin-form request no forward proxy forwards; the relay answers it itself
//   (400 from tinyproxy and the lab relay). Takes 2e, e being the edge->relay round trip.
// - TunnelAnswer: CONNECT to the origin with a small first message pipelined behind it (an HTTP
//   `OPTIONS *` or a TLS ClientHello), timed to the origin's first byte after the relay's 200.
//   Takes 2e + 2o, o being the relay->origin round trip.
// - ForwardAnswer (http origins, no CONNECT: stock squid refuses CONNECT to any port but 443): a
//   `HEAD http://origin/path` forwarded by the relay, then the same again on the same connection.
//   The first takes 2e + 2o on fresh connections (tinyproxy), or 2e + o when the relay reuses a
//   pooled connection to the origin (squid); the second, over connections now open, e + o.
// Emits finished() exactly once, never from within start().
class RegionProbe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RegionProbe)
public:
    enum class Kind { RelayAnswer, TunnelAnswer, ForwardAnswer };

    explicit RegionProbe(Kind kind, QUrl relay, QUrl origin, std::chrono::milliseconds timeout,
                         QObject *parent = nullptr);
    ~RegionProbe() override;

    void start();
    // ForwardAnswer: the path asked for (the map's test object; "/" by default).
    void setPath(const QString &path) { m_path = path; }
    // For a relay that wants proxy authentication: "Basic ..." sent with every probe's request.
    void setProxyAuthorization(const QByteArray &value) { m_proxyAuthorization = value; }
    // Ends the probe now with this error (cancellation); no-op once finished.
    void abort(const QString &why);

Q_SIGNALS:
    void finished(const relayrace::map::ProbeOutcome &outcome);

private:
    enum class Stage { Idle, Connecting, AwaitingRelay, AwaitingTunnel, AwaitingOrigin, AwaitingForward, AwaitingWarm, Done };

    void begin();
    void onConnected();
    void onReadyRead();
    void onError();
    void onTimeout();
    void readRelayAnswer();
    void readConnectAnswer();
    void readForwardAnswer();
    QByteArray forwardRequest() const;
    void succeed(double elapsedMs);
    void fail(const QString &error);
    void finish(const ProbeOutcome &outcome);
    double elapsedMs() const;
    QString relayName() const;
    QString originHostPort() const;
    QByteArray credentialLine() const;

    const Kind m_kind;
    const QUrl m_relay;
    const QUrl m_origin;
    QTcpSocket *m_socket = nullptr;
    QTimer m_timeout;
    QElapsedTimer m_clock;
    QByteArray m_received;
    Stage m_stage = Stage::Idle;
    double m_firstByteMs = -1.0;
    QString m_path = QStringLiteral("/");
    QByteArray m_proxyAuthorization;
    QElapsedTimer m_warmClock;
};

} // namespace relayrace::map

Q_DECLARE_METATYPE(relayrace::map::ProbeOutcome)
