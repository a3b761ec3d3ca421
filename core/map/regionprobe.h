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
};

// One timed exchange with a region's relay on a fresh connection (docs/map-maker.md):
// - RelayAnswer: an origin-form request no forward proxy forwards; the relay answers it itself
//   (400 from tinyproxy and the lab relay). Takes 2e, e being the edge->relay round trip.
// - TunnelAnswer: CONNECT to the origin with a small first message pipelined behind it (an HTTP
//   `OPTIONS *` or a TLS ClientHello), timed to the origin's first byte after the relay's 200.
//   Takes 2e + 2o, o being the relay->origin round trip.
// Emits finished() exactly once, never from within start().
class RegionProbe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RegionProbe)
public:
    enum class Kind { RelayAnswer, TunnelAnswer };

    explicit RegionProbe(Kind kind, QUrl relay, QUrl origin, std::chrono::milliseconds timeout,
                         QObject *parent = nullptr);
    ~RegionProbe() override;

    void start();
    // Ends the probe now with this error (cancellation); no-op once finished.
    void abort(const QString &why);

Q_SIGNALS:
    void finished(const relayrace::map::ProbeOutcome &outcome);

private:
    enum class Stage { Idle, Connecting, AwaitingRelay, AwaitingTunnel, AwaitingOrigin, Done };

    void begin();
    void onConnected();
    void onReadyRead();
    void onError();
    void onTimeout();
    void readRelayAnswer();
    void readConnectAnswer();
    void succeed(double elapsedMs);
    void fail(const QString &error);
    void finish(const ProbeOutcome &outcome);
    double elapsedMs() const;
    QString relayName() const;
    QString originHostPort() const;

    const Kind m_kind;
    const QUrl m_relay;
    const QUrl m_origin;
    QTcpSocket *m_socket = nullptr;
    QTimer m_timeout;
    QElapsedTimer m_clock;
    QByteArray m_received;
    Stage m_stage = Stage::Idle;
    double m_firstByteMs = -1.0;
};

// A TLS ClientHello (TLS 1.3 and 1.2 offered) any TLS server answers within one round trip with its
// ServerHello or an alert. Public for tests.
QByteArray tlsClientHello(const QString &serverName);

} // namespace relayrace::map

Q_DECLARE_METATYPE(relayrace::map::ProbeOutcome)
