// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/edgemetrics.h"

#include "util/prometheustext.h"

#include <algorithm>

namespace relayrace::edge {

void EdgeMetrics::countRequest(const QString &provider, int status, qint64 bodyBytes, double seconds)
{
    PerProvider &p = m_providers[provider];
    ++p.byClass[status < 100 ? 0 : std::min(status / 100, 5)]; // 0: no response went out (client gone)
    p.bodyBytes += std::max<qint64>(bodyBytes, 0);
    seconds = std::max(seconds, 0.0);
    const auto bound = std::lower_bound(kDurationBounds.cbegin(), kDurationBounds.cend(), seconds);
    ++p.buckets[bound - kDurationBounds.cbegin()];
    p.secondsSum += seconds;
}

qint64 EdgeMetrics::requests(const QString &provider, int statusClass) const
{
    const auto it = m_providers.constFind(provider);
    return it == m_providers.cend() ? 0 : it->byClass.value(statusClass);
}

void EdgeMetrics::render(util::PrometheusText &out, int openConnections) const
{
    out.family("relayrace_edge_requests_total", "counter",
               "Requests the edge answered, by provider (empty: the Host matched none) and status class (none: the client left first).");
    for (auto it = m_providers.cbegin(); it != m_providers.cend(); ++it) {
        for (auto c = it->byClass.cbegin(); c != it->byClass.cend(); ++c)
            out.sample("relayrace_edge_requests_total",
                       {{"provider", it.key()},
                        {"code_class", c.key() == 0 ? QStringLiteral("none") : QStringLiteral("%1xx").arg(c.key())}},
                       double(c.value()));
    }
    out.family("relayrace_edge_response_body_bytes_total", "counter", "Response body bytes the edge sent to clients.");
    for (auto it = m_providers.cbegin(); it != m_providers.cend(); ++it)
        out.sample("relayrace_edge_response_body_bytes_total", {{"provider", it.key()}}, double(it->bodyBytes));
    out.family("relayrace_edge_request_duration_seconds", "histogram",
               "From a request's head to the end of its response (or the edge's own answer).");
    for (auto it = m_providers.cbegin(); it != m_providers.cend(); ++it) {
        QList<qint64> cumulative;
        qint64 running = 0;
        for (const qint64 n : it->buckets)
            cumulative.append(running += n);
        out.histogram("relayrace_edge_request_duration_seconds", {{"provider", it.key()}}, kDurationBounds, cumulative,
                      it->secondsSum);
    }
    out.family("relayrace_edge_client_connections", "gauge", "Client connections open now.");
    out.sample("relayrace_edge_client_connections", {}, openConnections);
}

} // namespace relayrace::edge
