// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/historyanswer.h"
#include "util/result.h"

#include <QHash>
#include <QHttpServerResponse>
#include <QMap>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QSslConfiguration>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <tuple>

class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponder;
class QTcpServer;

namespace relayrace::engine {
class EngineFront;
}

namespace relayrace::edge {

class EdgeServer;
class EventHub;
class FrontMetrics;

// The edge's admin listener (docs/api.md): GET /metrics (the Prometheus text format), /healthz (the
// process answers), /readyz (every provider has a map that has not expired); behind a bearer token,
// the JSON API (providers, maps, recent races, route changes, failovers), the live events
// (/api/v1/events, Server-Sent Events) and the actions (race now, race every, reload). Built on Qt's
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
    // What POST /api/v1/reload runs (the edge's SIGHUP reload); without one it answers 501.
    void setReloadHandler(std::function<Result<void>()> reload) { m_reload = std::move(reload); }

    // Starts listening, with TLS when tls is given (QSslServer; a handshake must end within 10 s); the
    // port (the one chosen when 0 was asked), or why not.
    Result<quint16> listen(const QHostAddress &address, quint16 port, const std::optional<QSslConfiguration> &tls = std::nullopt);

    QByteArray metricsText() const;
    // Empty when ready; else one line per provider that is not.
    QStringList notReady() const;

    EventHub *events() const { return m_events; }

private:
    void installApi();
    // Why a request to the JSON API is refused (no token configured, a wrong or missing one); none
    // when it may go on.
    std::optional<QHttpServerResponse> refusal(const QHttpServerRequest &request) const;
    void answerHistory(engine::HistoryQuery::Kind kind, const QString &provider, const QHttpServerRequest &request,
                       QHttpServerResponder &&responder);

    EdgeServer *m_edge;
    engine::EngineFront *m_front;
    std::unique_ptr<QHttpServer> m_http;
    QTcpServer *m_tcp = nullptr;
    QByteArray m_token;
    std::function<Result<void>()> m_reload;
    EventHub *m_events;
    FrontMetrics *m_frontMetrics;
    struct PendingAnswer
    {
        std::shared_ptr<QHttpServerResponder> responder;
        QPointer<QTcpSocket> socket; // null once the client left
    };
    QHash<quint64, PendingAnswer> m_pendingHistory; // by the front's ticket
};

} // namespace relayrace::edge
