// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QMap>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <memory>
#include <tuple>

class QHttpServer;
class QTcpServer;

namespace relayrace::engine {
class EngineFront;
}

namespace relayrace::edge {

class EdgeServer;

// The edge's admin listener (docs/api.md): GET /metrics (the Prometheus text format), /healthz (the
// process answers), /readyz (every provider has a map that has not expired). Built on Qt's
// QHttpServer, on the client I/O thread, beside the edge it reports on; what it says of the engine
// comes from the engine front's mirror and signals, never from the engine's thread.
class AdminServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminServer)
public:
    AdminServer(EdgeServer *edge, engine::EngineFront *front, QObject *parent = nullptr);
    ~AdminServer() override;

    // The bearer token the JSON API asks for (Authorization: Bearer <token>); without one the API
    // answers 403. /metrics, /healthz and /readyz never ask.
    void setToken(const QByteArray &token) { m_token = token; }

    // Starts listening; the port (the one chosen when 0 was asked), or why not.
    Result<quint16> listen(const QHostAddress &address, quint16 port);

    QByteArray metricsText() const;
    // Empty when ready; else one line per provider that is not.
    QStringList notReady() const;

private:
    EdgeServer *m_edge;
    engine::EngineFront *m_front;
    std::unique_ptr<QHttpServer> m_http;
    QTcpServer *m_tcp = nullptr;
    QByteArray m_token;
    // Counted from the front's signals since the edge started (labels: provider, trigger, outcome /
    // provider, reason, outcome / provider).
    QMap<std::tuple<QString, QString, QString>, qint64> m_races; // sorted: the same order on every scrape
    QMap<std::tuple<QString, QString, QString>, qint64> m_failovers;
    QMap<QString, qint64> m_routeChanges;
};

} // namespace relayrace::edge
