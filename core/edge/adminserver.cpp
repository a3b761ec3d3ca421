// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/adminserver.h"

#include "edge/eventhub.h"
#include "edge/frontmetrics.h"
#include "edge/edgeserver.h"
#include "engine/enginefront.h"
#include "util/prometheustext.h"

#include <QDateTime>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QSslServer>
#include <QTcpServer>

namespace relayrace::edge {

AdminServer::AdminServer(EdgeServer *edge, engine::EngineFront *front, QObject *parent)
    : QObject(parent), m_edge(edge), m_front(front), m_http(std::make_unique<QHttpServer>()),
      m_events(new EventHub(front, this)), m_frontMetrics(new FrontMetrics(front, this))
{
    const auto text = [](const QByteArray &body, QHttpServerResponse::StatusCode status) {
        return QHttpServerResponse(QByteArrayLiteral("text/plain; charset=utf-8"), body, status);
    };
    m_http->route(QStringLiteral("/metrics"), QHttpServerRequest::Method::Get, [this] {
        return QHttpServerResponse(util::PrometheusText::kContentType.toByteArray(), metricsText());
    });
    m_http->route(QStringLiteral("/healthz"), QHttpServerRequest::Method::Get,
                  [text] { return text(QByteArrayLiteral("ok\n"), QHttpServerResponse::StatusCode::Ok); });
    m_http->route(QStringLiteral("/readyz"), QHttpServerRequest::Method::Get, [this, text] {
        const QStringList why = notReady();
        if (why.isEmpty())
            return text(QByteArrayLiteral("ready\n"), QHttpServerResponse::StatusCode::Ok);
        const QString body = QStringLiteral("not ready:\n") + why.join(u'\n') + u'\n';
        return text(body.toUtf8(), QHttpServerResponse::StatusCode::ServiceUnavailable);
    });

    installApi();
}

AdminServer::~AdminServer() = default;

Result<quint16> AdminServer::listen(const QHostAddress &address, quint16 port, const std::optional<QSslConfiguration> &tls)
{
    QTcpServer *tcp = nullptr;
    if (tls) {
        auto *ssl = new QSslServer(this); // QHttpServer takes its connections once their handshake is done
        ssl->setSslConfiguration(*tls);
        ssl->setHandshakeTimeout(10'000);
        tcp = ssl;
    } else {
        tcp = new QTcpServer(this);
    }
    if (!tcp->listen(address, port)) {
        const QString why = tcp->errorString();
        delete tcp;
        return makeError(QStringLiteral("admin: cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(why));
    }
    m_http->bind(tcp);
    m_tcp = tcp;
    return m_tcp->serverPort();
}

QStringList AdminServer::notReady() const
{
    QStringList why;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QStringList providers = m_front->providers();
    if (providers.isEmpty())
        why.append(QStringLiteral("no provider has a map yet"));
    for (const QString &id : providers) {
        const QDateTime expires = m_front->snapshot(id).mapExpiresAt;
        if (expires.isValid() && expires <= now)
            why.append(QStringLiteral("%1: its map expired at %2").arg(id, expires.toString(Qt::ISODate)));
    }
    return why;
}

QByteArray AdminServer::metricsText() const
{
    util::PrometheusText out;
    m_edge->metrics().render(out, m_edge->connectionCount(), m_edge->acceptPauses());

    m_frontMetrics->render(out);
    out.family("relayrace_admin_event_subscribers", "gauge", "Connections subscribed to /api/v1/events.");
    out.sample("relayrace_admin_event_subscribers", {}, double(m_events->subscribers()));
    out.family("relayrace_admin_event_subscribers_dropped_total", "counter", "Event subscribers disconnected for not reading.");
    out.sample("relayrace_admin_event_subscribers_dropped_total", {}, double(m_events->dropped()));
    return out.text();
}

} // namespace relayrace::edge
