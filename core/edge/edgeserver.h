// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

class QTcpServer;

namespace relayrace::engine {
class EngineFront;
}
namespace relayrace::log {
class JsonLinesLog;
}

namespace relayrace::edge {

class EdgeConnection;

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

    // Listens (port 0: any free port); the port it listens on, or why it cannot.
    Result<quint16> listen(const QHostAddress &address, quint16 port);
    void setAccessLog(std::shared_ptr<log::JsonLinesLog> log) { m_accessLog = std::move(log); }
    // Stops accepting; connections in flight go on. drained() once none is left.
    void stopAccepting();

    int connectionCount() const { return int(m_connections.size()); }
    engine::EngineFront *front() const { return m_front; }
    const EdgeSettings &settings() const { return m_settings; }
    log::JsonLinesLog *accessLog() const { return m_accessLog.get(); }
    // The provider serving a Host header value (port and case ignored); empty when none.
    QString providerFor(const QByteArray &host) const;

Q_SIGNALS:
    void drained();

private:
    void accept(QTcpServer *server);
    void connectionClosed(EdgeConnection *connection);

    engine::EngineFront *m_front;
    EdgeSettings m_settings;
    std::shared_ptr<log::JsonLinesLog> m_accessLog;
    QList<QTcpServer *> m_servers;
    QList<EdgeConnection *> m_connections;
    bool m_accepting = true;
};

} // namespace relayrace::edge
