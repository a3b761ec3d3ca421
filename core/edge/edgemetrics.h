// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>

#include "util/prometheustext.h"

namespace relayrace::edge {

// What the edge's client side counts for /metrics: requests by provider and status class, body bytes
// sent, request durations (a histogram), open connections. Counted where the access log is written
// (one call per request), on the client I/O thread; read there by the admin server. Labels are
// bounded: the provider ids of the config ("" for a request that matched none) and five status
// classes, never paths or client addresses.
class EdgeMetrics final
{
public:
    // Upper bounds in seconds: from a cached small object on loopback to a large one on a far route.
    static inline const QList<double> kDurationBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1,     2.5,  5,     10,  30};

    // route: the one that delivered the response; empty when none did (the edge's own answer).
    void countRequest(const QString &provider, const QString &route, int status, qint64 bodyBytes, double seconds);

    qint64 requests(const QString &provider, int statusClass) const;
    // openConnections: the edge's count now (the gauge relayrace_edge_client_connections).
    void render(util::PrometheusText &out, int openConnections, quint64 acceptPauses) const;

private:
    struct PerProvider
    {
        QMap<std::pair<QString, int>, qint64> byRouteClass; // (route, 1..5 for 1xx..5xx; 0: no response went out)
        QMap<QString, qint64> bodyBytes;                    // by route
        util::Histogram duration{&kDurationBounds};
    };
    QMap<QString, PerProvider> m_providers;
};

} // namespace relayrace::edge
