// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "edge/edgemetrics.h"
#include "util/result.h"

#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QString>

#include <memory>
#include <optional>

class QTcpSocket;

namespace relayrace::engine {
class EngineFront;
}
namespace relayrace::log {
class JsonLinesLog;
}

namespace relayrace::edge {

class EdgeConnection;
class Listener;

// What the edge allows a client (docs/edge.md).
struct EdgeLimits
{
    qsizetype maxHeaderBytes = 16 * 1024;   // a longer request head: 431
    qint64 maxBodyBytes = 64 * 1024 * 1024; // a longer request body: 413
    int headerTimeoutMs = 10'000;           // a request head not complete by then: 408, closed
    int idleTimeoutMs = 60'000;             // a kept-alive connection with no request: closed
    int maxConnections = 10'000;            // past it: 503 and closed at once
};

struct EdgeSettings
{
    QHash<QString, QString> hosts; // lower-case host name (no port) -> provider
    EdgeLimits limits;
};

// The edge: a reverse proxy for HTTP/1.1 clients in front of an engine (through its front). A client
// sends "GET /path" with "Host: <a provider's host>"; the request is served by the engine (route
// cache, races, failover) and the response streams back as it arrives, with back-pressure
// (engine::ResponseStream). Lives on one thread (the front's), where its clients' sockets are.
class EdgeServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EdgeServer)
public:
    static constexpr int kListenBacklog = 4096;

    EdgeServer(engine::EngineFront *front, EdgeSettings settings, QObject *parent = nullptr);
    ~EdgeServer() override;

    // Listens (port 0: any free port), with TLS when tls is given (the handshake must end within the
    // header timeout); the port it listens on, or why it cannot. Out of file descriptors, accepting
    // pauses (edge::Listener) instead of spinning.
    Result<quint16> listen(const QHostAddress &address, quint16 port,
                           const std::optional<QSslConfiguration> &tls = std::nullopt);
    // A TLS listener's certificate and key for the connections it accepts from now on (reload).
    bool setTlsConfiguration(quint16 port, const QSslConfiguration &tls);
    // The host table and limits for new requests (reload); connections in flight keep going.
    void setSettings(EdgeSettings settings) { m_settings = std::move(settings); }
    void setAccessLog(std::shared_ptr<log::JsonLinesLog> log) { m_accessLog = std::move(log); }
    // Stops accepting; connections in flight go on. drained() once none is left.
    void stopAccepting();

    int connectionCount() const { return int(m_connections.size()); }
    // How often accepting paused for want of file descriptors or memory (relayrace_edge_accept_pauses_total).
    quint64 acceptPauses() const;
    engine::EngineFront *front() const { return m_front; }
    const EdgeSettings &settings() const { return m_settings; }
    log::JsonLinesLog *accessLog() const { return m_accessLog.get(); }
    EdgeMetrics &metrics() { return m_metrics; }
    // The provider serving a Host header value (port and case ignored); empty when none.
    QString providerFor(const QByteArray &host) const;
    // An id for the next request ("<start time>-<n>"), in its access log line and its failover events.
    QString nextRequestId() { return m_idPrefix + QString::number(++m_requestSerial); }

Q_SIGNALS:
    void drained();

private:
    void accept(QTcpSocket *socket);
    void connectionClosed(EdgeConnection *connection);

    engine::EngineFront *m_front;
    EdgeSettings m_settings;
    std::shared_ptr<log::JsonLinesLog> m_accessLog;
    EdgeMetrics m_metrics;
    QList<Listener *> m_listeners;
    QList<EdgeConnection *> m_connections;
    bool m_accepting = true;
    QString m_idPrefix;
    quint64 m_requestSerial = 0;
};

// A listener's TLS settings from a certificate chain and its private key (PEM files): TLS 1.2 or
// later, no client certificates.
Result<QSslConfiguration> serverTlsConfiguration(const QString &certificateFile, const QString &keyFile);

} // namespace relayrace::edge
