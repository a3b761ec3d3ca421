// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/prometheustext.h"

#include <QMap>
#include <QObject>
#include <QString>

#include <tuple>

namespace relayrace::engine {
class EngineFront;
}

namespace relayrace::edge {

// The engine's side of /metrics: what the front's signals say happened since the edge started
// (races by trigger and outcome, their decision time, each route's TTFB and time to threshold,
// failovers and their recovery time, optimal-route changes) and what its mirror says now (budget
// refusals, optimal routes, maps: expiry, age, trust). Labels are bounded: providers, routes,
// triggers, reasons and outcomes come from maps and the engine's own names, never from requests.
class FrontMetrics final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrontMetrics)
public:
    // Upper bounds in seconds: races and recoveries on loopback to far routes with slow objects.
    static inline const QList<double> kRaceBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    explicit FrontMetrics(engine::EngineFront *front, QObject *parent = nullptr);

    void render(util::PrometheusText &out) const;

private:
    using Key2 = std::pair<QString, QString>;
    using Key3 = std::tuple<QString, QString, QString>;
    static void observe(QMap<Key2, util::Histogram> &histograms, const Key2 &key, double seconds);

    engine::EngineFront *m_front;
    QMap<Key3, qint64> m_races;        // (provider, trigger, outcome); sorted: the same order on every scrape
    QMap<Key3, qint64> m_failovers;    // (provider, reason, outcome)
    QMap<QString, qint64> m_routeChanges;
    QMap<Key2, util::Histogram> m_decision;     // (provider, trigger): the winner's time to threshold
    QMap<Key2, util::Histogram> m_ttfb;         // (provider, route)
    QMap<Key2, util::Histogram> m_threshold;    // (provider, route): time to threshold, routes that got there
    QMap<Key2, util::Histogram> m_recovery;     // (provider, reason): failovers that recovered
};

} // namespace relayrace::edge
