// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/adminserver.h"

#include "edge/eventhub.h"
#include "edge/edgeserver.h"
#include "engine/enginefront.h"
#include "model/trigger.h"
#include "util/prometheustext.h"

#include <QDateTime>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QTcpServer>

namespace relayrace::edge {

namespace {

// One sample per (provider, label b, label c) counted from the front's signals.
void renderCounts(util::PrometheusText &out, QByteArrayView name, QByteArrayView b, QByteArrayView c,
                  const QMap<std::tuple<QString, QString, QString>, qint64> &counts)
{
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        const auto &[provider, first, second] = it.key();
        out.sample(name, {{"provider", provider}, {b, first}, {c, second}}, double(*it));
    }
}

} // namespace

AdminServer::AdminServer(EdgeServer *edge, engine::EngineFront *front, QObject *parent)
    : QObject(parent), m_edge(edge), m_front(front), m_http(std::make_unique<QHttpServer>()),
      m_events(new EventHub(front, this))
{
    connect(front, &engine::EngineFront::raceFinished, this, [this](quint64, const model::RaceResult &r) {
        ++m_races[{r.provider, model::triggerName(r.trigger), r.ok() ? QStringLiteral("won") : QStringLiteral("failed")}];
    });
    connect(front, &engine::EngineFront::failover, this, [this](const model::FailoverEvent &e) {
        ++m_failovers[{e.provider, e.reason, model::outcomeName(e.outcome)}];
    });
    connect(front, &engine::EngineFront::routeChanged, this,
            [this](const model::RouteChange &change) { ++m_routeChanges[change.provider]; });

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

Result<quint16> AdminServer::listen(const QHostAddress &address, quint16 port)
{
    auto *tcp = new QTcpServer(this);
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
    m_edge->metrics().render(out, m_edge->connectionCount());

    const QStringList providers = [this] {
        QStringList list = m_front->providers();
        list.sort();
        return list;
    }();
    out.family("relayrace_races_total", "counter", "Races finished since the edge started, by trigger and outcome.");
    renderCounts(out, "relayrace_races_total", "trigger", "outcome", m_races);
    out.family("relayrace_races_skipped_by_budget_total", "counter", "Races the race budget refused (each owed race once).");
    for (const QString &id : providers)
        out.sample("relayrace_races_skipped_by_budget_total", {{"provider", id}}, double(m_front->snapshot(id).racesSkippedByBudget));
    out.family("relayrace_failovers_total", "counter", "Deliveries that left a route mid-way, by reason and outcome.");
    renderCounts(out, "relayrace_failovers_total", "reason", "outcome", m_failovers);
    out.family("relayrace_optimal_route_changes_total", "counter", "Times a race moved the optimal route.");
    for (const QString &id : providers)
        out.sample("relayrace_optimal_route_changes_total", {{"provider", id}}, double(m_routeChanges.value(id)));
    out.family("relayrace_optimal_route_info", "gauge", "1 for each provider's optimal route now (none: no valid one).");
    for (const QString &id : providers) {
        const QString route = m_front->snapshot(id).optimalRoute;
        out.sample("relayrace_optimal_route_info", {{"provider", id}, {"route", route.isEmpty() ? QStringLiteral("none") : route}}, 1);
    }
    out.family("relayrace_map_expiry_timestamp_seconds", "gauge", "When each provider's map expires (Unix time).");
    for (const QString &id : providers) {
        const QDateTime expires = m_front->snapshot(id).mapExpiresAt;
        if (expires.isValid())
            out.sample("relayrace_map_expiry_timestamp_seconds", {{"provider", id}}, double(expires.toSecsSinceEpoch()));
    }
    out.family("relayrace_admin_event_subscribers", "gauge", "Connections subscribed to /api/v1/events.");
    out.sample("relayrace_admin_event_subscribers", {}, double(m_events->subscribers()));
    out.family("relayrace_admin_event_subscribers_dropped_total", "counter", "Event subscribers disconnected for not reading.");
    out.sample("relayrace_admin_event_subscribers_dropped_total", {}, double(m_events->dropped()));
    return out.text();
}

} // namespace relayrace::edge
