// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QMutex>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <deque>
#include <utility>

class QTcpServer;

namespace relayrace::lab {

class RelaySession;

struct RelayLimits
{
    // A request head larger than this is answered 431.
    qsizetype maxHeaderBytes = 16 * 1024;
    // Client connections beyond this are answered 503 and closed.
    int maxConnections = 256;
    // Connecting to the upstream takes longer than this: 504.
    std::chrono::milliseconds connectTimeout{10'000};
    // Nothing moved in either direction for this long: the connection is closed (an idle keep-alive
    // connection, a half-sent head, a stalled upstream; 504 if the response had not begun).
    std::chrono::milliseconds idleTimeout{60'000};
    // Backpressure: while this much is waiting to be written to one side, the other is not read.
    qint64 maxPendingBytes = 1024 * 1024;
};

// One relayed request (or CONNECT tunnel, or rejected input).
struct RelayLogEntry
{
    QDateTime time;       // when the request head arrived
    QString client;       // "address:port"
    QString method;       // empty when the input was not a request
    QString target;       // as the client sent it
    int status = 0;       // sent to the client; 0 if none (the client left before an answer)
    qint64 bytesUp = 0;   // written to the upstream (head, body, tunnel bytes)
    qint64 bytesDown = 0; // written to the client (head, body, tunnel bytes)
    qint64 durationMs = 0;
    QString error; // empty on success
};

struct RelayCounters
{
    int connectionsOpen = 0;
    qint64 connectionsAccepted = 0;
    qint64 connectionsRejected = 0;
    qint64 requests = 0; // including CONNECT
    qint64 tunnels = 0;
    qint64 upstreamConnections = 0; // opened
    qint64 upstreamReuses = 0;      // a request sent over a kept-alive upstream connection
    qint64 errors = 0;
    qint64 bytesUp = 0;
    qint64 bytesDown = 0;
};

// The HTTP/1.1 forward proxy a lab region exposes, in the manner of tinyproxy: absolute-form
// requests and CONNECT tunnels, streamed both ways with backpressure. Listens on 127.0.0.1 only.
class Relay final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Relay)
public:
    static constexpr int kLogCapacity = 1000;

    explicit Relay(QString regionId, QObject *parent = nullptr);
    ~Relay() override;

    // Port 0 picks a free port. Call setLimits() before.
    bool listen(quint16 port = 0, const QHostAddress &address = QHostAddress(QHostAddress::LocalHost));
    void close();
    bool isListening() const;
    quint16 port() const;
    QString errorString() const;
    QString regionId() const { return m_regionId; }

    // Applies to connections accepted afterwards.
    void setLimits(const RelayLimits &limits) { m_limits = limits; }
    RelayLimits limits() const { return m_limits; }

    // Connections the relay would open to host:port go to toHost:toPort instead; the request (Host
    // header included) is unchanged. The lab uses it to send a relay's upstream traffic through the
    // relay's own impaired link. Thread-safe; applies to connections opened afterwards.
    //
    // A routed upstream is also reached by an origin-form request ("GET /path", Host: host:port), as a
    // reverse proxy would: what lets nginx and HAProxy use a relay region as an upstream server over
    // the very links the relay's proxy traffic takes (docs/lab-topology.md, the peer comparison). An
    // origin-form request for any other Host is refused as before.
    void setUpstreamRoute(const QString &host, quint16 port, const QString &toHost, quint16 toPort);
    bool hasUpstreamRoute(const QString &host, quint16 port) const;
    void clearUpstreamRoutes();

    // Thread-safe: the oldest first, at most kLogCapacity.
    QList<RelayLogEntry> recentLog() const;
    // Thread-safe.
    RelayCounters counters() const;

Q_SIGNALS:
    // Emitted while the relay is at work: a directly connected slot must not destroy the relay.
    void relayed(const relayrace::lab::RelayLogEntry &entry);

private:
    friend class RelaySession;

    void acceptConnections();
    void record(const RelayLogEntry &entry);
    void countTraffic(qint64 up, qint64 down);
    void countUpstream(bool reused);
    void countTunnel();
    QByteArray viaValue() const;
    std::pair<QString, quint16> upstreamFor(const QString &host, quint16 port) const;

    QString m_regionId;
    RelayLimits m_limits;
    QTcpServer *m_server = nullptr;
    int m_activeSessions = 0;

    mutable QMutex m_routesMutex;
    QHash<QString, std::pair<QString, quint16>> m_routes; // "host:port" -> where to connect

    mutable QMutex m_logMutex;
    std::deque<RelayLogEntry> m_log;

    std::atomic<int> m_open{0};
    std::atomic<qint64> m_accepted{0};
    std::atomic<qint64> m_rejected{0};
    std::atomic<qint64> m_requests{0};
    std::atomic<qint64> m_tunnels{0};
    std::atomic<qint64> m_upstreamConnections{0};
    std::atomic<qint64> m_upstreamReuses{0};
    std::atomic<qint64> m_errors{0};
    std::atomic<qint64> m_bytesUp{0};
    std::atomic<qint64> m_bytesDown{0};
};

} // namespace relayrace::lab

Q_DECLARE_METATYPE(relayrace::lab::RelayLogEntry)
