// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/edgemetrics.h"

#include "util/prometheustext.h"

#include <algorithm>

namespace relayrace::edge {

void EdgeMetrics::countRequest(const QString &provider, const QString &route, int status, qint64 bodyBytes, double seconds)
{
    PerProvider &p = m_providers[provider];
    const QString routeLabel = route.isEmpty() ? QStringLiteral("none") : route;
    ++p.byRouteClass[{routeLabel, status < 100 ? 0 : std::min(status / 100, 5)}]; // 0: no response went out (client gone)
    p.bodyBytes[routeLabel] += std::max<qint64>(bodyBytes, 0);
    p.duration.observe(seconds);
}

qint64 EdgeMetrics::requests(const QString &provider, int statusClass) const
{
    const auto it = m_providers.constFind(provider);
    if (it == m_providers.cend())
        return 0;
    qint64 n = 0;
    for (auto c = it->byRouteClass.cbegin(); c != it->byRouteClass.cend(); ++c)
        n += c.key().second == statusClass ? c.value() : 0;
    return n;
}

void EdgeMetrics::render(util::PrometheusText &out, int openConnections, quint64 acceptPauses) const
{
    out.family("relayrace_edge_requests_total", "counter",
               "Requests the edge answered, by provider (empty: the Host matched none), the route that delivered the "
               "response (none: the edge answered itself) and status class (none: the client left first).");
    for (auto it = m_providers.cbegin(); it != m_providers.cend(); ++it) {
        for (auto c = it->byRouteClass.cbegin(); c != it->byRouteClass.cend(); ++c)
            out.sample("relayrace_edge_requests_total",
                       {{"provider", it.key()}, {"route", c.key().first},
                        {"code_class", c.key().second == 0 ? QStringLiteral("none") : QStringLiteral("%1xx").arg(c.key().second)}},
                       double(c.value()));
    }
    out.family("relayrace_edge_response_body_bytes_total", "counter", "Response body bytes the edge sent to clients, by provider and route.");
    for (auto it = m_providers.cbegin(); it != m_providers.cend(); ++it) {
        for (auto b = it->bodyBytes.cbegin(); b != it->bodyBytes.cend(); ++b)
            out.sample("relayrace_edge_response_body_bytes_total", {{"provider", it.key()}, {"route", b.key()}}, double(b.value()));
    }
    out.family("relayrace_edge_request_duration_seconds", "histogram",
               "From a request's head to the end of its response (or the edge's own answer).");
    for (auto it = m_providers.cbegin(); it != m_providers.cend(); ++it)
        it->duration.render(out, "relayrace_edge_request_duration_seconds", {{"provider", it.key()}});
    out.family("relayrace_edge_client_connections", "gauge", "Client connections open now.");
    out.sample("relayrace_edge_client_connections", {}, openConnections);
    out.family("relayrace_edge_accept_pauses_total", "counter",
               "How often accepting paused because a connection could not be accepted (out of file descriptors or memory).");
    out.sample("relayrace_edge_accept_pauses_total", {}, double(acceptPauses));
}

} // namespace relayrace::edge
