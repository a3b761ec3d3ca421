// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/frontmetrics.h"

#include "engine/enginefront.h"
#include "model/failoverevent.h"
#include "model/raceresult.h"

#include <QDateTime>

#include <functional>

namespace relayrace::edge {

namespace {

void renderCounts(util::PrometheusText &out, QByteArrayView name, QByteArrayView b, QByteArrayView c,
                  const QMap<std::tuple<QString, QString, QString>, qint64> &counts)
{
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        const auto &[provider, first, second] = it.key();
        out.sample(name, {{"provider", provider}, {b, first}, {c, second}}, double(*it));
    }
}

void renderHistograms(util::PrometheusText &out, QByteArrayView name, QByteArrayView second,
                      const QMap<std::pair<QString, QString>, util::Histogram> &histograms)
{
    for (auto it = histograms.cbegin(); it != histograms.cend(); ++it)
        it->render(out, name, {{"provider", it.key().first}, {second, it.key().second}});
}

} // namespace

void FrontMetrics::observe(QMap<Key2, util::Histogram> &histograms, const Key2 &key, double seconds)
{
    auto it = histograms.find(key);
    if (it == histograms.end())
        it = histograms.insert(key, util::Histogram(&kRaceBounds));
    it->observe(seconds);
}

FrontMetrics::FrontMetrics(engine::EngineFront *front, QObject *parent) : QObject(parent), m_front(front)
{
    connect(front, &engine::EngineFront::raceFinished, this, [this](quint64, const model::RaceResult &r) {
        const QString trigger = model::triggerName(r.trigger);
        ++m_races[{r.provider, trigger, r.ok() ? QStringLiteral("won") : QStringLiteral("failed")}];
        for (const model::RouteOutcome &route : r.routes) {
            if (route.ttfbMs >= 0)
                observe(m_ttfb, {r.provider, route.routeId}, route.ttfbMs / 1e3);
            if (route.timeToThresholdMs >= 0)
                observe(m_threshold, {r.provider, route.routeId}, route.timeToThresholdMs / 1e3);
        }
        if (const model::RouteOutcome *winner = r.ok() ? r.route(r.winner) : nullptr; winner && winner->timeToThresholdMs >= 0)
            observe(m_decision, {r.provider, trigger}, winner->timeToThresholdMs / 1e3);
    });
    connect(front, &engine::EngineFront::failover, this, [this](const model::FailoverEvent &e) {
        ++m_failovers[{e.provider, e.reason, model::outcomeName(e.outcome)}];
        if (e.recoverMs >= 0)
            observe(m_recovery, {e.provider, e.reason}, e.recoverMs / 1e3);
    });
    connect(front, &engine::EngineFront::routeChanged, this,
            [this](const model::RouteChange &change) { ++m_routeChanges[change.provider]; });
}

void FrontMetrics::render(util::PrometheusText &out) const
{
    QStringList providers = m_front->providers();
    providers.sort();
    out.family("relayrace_races_total", "counter", "Races finished since the edge started, by trigger and outcome.");
    renderCounts(out, "relayrace_races_total", "trigger", "outcome", m_races);
    out.family("relayrace_race_decision_seconds", "histogram", "From a race's requests to its winner reaching the threshold, by trigger.");
    renderHistograms(out, "relayrace_race_decision_seconds", "trigger", m_decision);
    out.family("relayrace_route_ttfb_seconds", "histogram", "Each route's time to its first body byte in races.");
    renderHistograms(out, "relayrace_route_ttfb_seconds", "route", m_ttfb);
    out.family("relayrace_route_time_to_threshold_seconds", "histogram", "Each route's time to the threshold in races (routes that got there).");
    renderHistograms(out, "relayrace_route_time_to_threshold_seconds", "route", m_threshold);
    out.family("relayrace_races_skipped_by_budget_total", "counter", "Races the race budget refused (each owed race once).");
    for (const QString &id : std::as_const(providers))
        out.sample("relayrace_races_skipped_by_budget_total", {{"provider", id}}, double(m_front->snapshot(id).racesSkippedByBudget));
    out.family("relayrace_failovers_total", "counter", "Deliveries that left a route mid-way, by reason and outcome.");
    renderCounts(out, "relayrace_failovers_total", "reason", "outcome", m_failovers);
    out.family("relayrace_failover_recovery_seconds", "histogram", "From a route failing to the next one delivering, by reason.");
    renderHistograms(out, "relayrace_failover_recovery_seconds", "reason", m_recovery);
    out.family("relayrace_optimal_route_changes_total", "counter", "Times a race moved the optimal route.");
    for (const QString &id : std::as_const(providers))
        out.sample("relayrace_optimal_route_changes_total", {{"provider", id}}, double(m_routeChanges.value(id)));
    out.family("relayrace_optimal_route_info", "gauge", "1 for each provider's optimal route now (none: no valid one).");
    for (const QString &id : std::as_const(providers)) {
        const QString route = m_front->snapshot(id).optimalRoute;
        out.sample("relayrace_optimal_route_info", {{"provider", id}, {"route", route.isEmpty() ? QStringLiteral("none") : route}}, 1);
    }
    // Raced beside served: what each route's last race measured and what the requests it served saw
    // since (the degradation trigger compares the two; docs/race-policy.md). One family at a time.
    QList<engine::ProviderSnapshot> snapshots;
    for (const QString &id : std::as_const(providers))
        snapshots.append(m_front->snapshot(id));
    const auto perRoute = [&](QByteArrayView name, QByteArrayView type, QByteArrayView help,
                              const std::function<double(const engine::RouteServing &)> &value) {
        out.family(name, type, help);
        for (const engine::ProviderSnapshot &snapshot : std::as_const(snapshots)) {
            for (const engine::RouteServing &r : snapshot.serving) {
                if (const double v = value(r); v >= 0)
                    out.sample(name, {{"provider", snapshot.provider}, {"route", r.route}}, v);
            }
        }
    };
    perRoute("relayrace_route_raced_ttfb_seconds", "gauge", "Each route's time to first byte in its provider's last race.",
             [](const engine::RouteServing &r) { return r.racedTtfbMs < 0 ? -1 : r.racedTtfbMs / 1000.0; });
    perRoute("relayrace_route_served_ttfb_seconds", "gauge",
             "Each route's smoothed time to first byte over the requests it served (not races).",
             [](const engine::RouteServing &r) { return r.servedTtfbMs < 0 ? -1 : r.servedTtfbMs / 1000.0; });
    perRoute("relayrace_route_served_failovers_total", "counter",
             "Served requests that failed over away from the route they started on.",
             [](const engine::RouteServing &r) { return double(r.failovers); });
    out.family("relayrace_degraded", "gauge", "1 while served requests see the optimal route's TTFB degraded past race.degrade_pct.");
    for (const engine::ProviderSnapshot &snapshot : std::as_const(snapshots))
        out.sample("relayrace_degraded", {{"provider", snapshot.provider}}, snapshot.degraded ? 1 : 0);
    out.family("relayrace_map_info", "gauge", "1 for each provider's map, with its trust (how it was obtained: valid signature, unsigned, ...).");
    for (const QString &id : std::as_const(providers))
        out.sample("relayrace_map_info", {{"provider", id}, {"trust", m_front->snapshot(id).mapTrust}}, 1);
    out.family("relayrace_map_generated_timestamp_seconds", "gauge", "When each provider's map was made (Unix time): its age is time() minus this.");
    for (const QString &id : std::as_const(providers)) {
        const std::optional<map::RouteMap> routeMap = m_front->routeMap(id);
        if (routeMap && routeMap->generatedAt.isValid())
            out.sample("relayrace_map_generated_timestamp_seconds", {{"provider", id}}, double(routeMap->generatedAt.toSecsSinceEpoch()));
    }
    out.family("relayrace_map_expired", "gauge", "1 while a provider's map has expired and no valid one replaced it (what follows: expired_map).");
    for (const QString &id : std::as_const(providers))
        out.sample("relayrace_map_expired", {{"provider", id}}, m_front->snapshot(id).mapExpired ? 1 : 0);
    out.family("relayrace_map_expiry_timestamp_seconds", "gauge", "When each provider's map expires (Unix time).");
    for (const QString &id : std::as_const(providers)) {
        const QDateTime expires = m_front->snapshot(id).mapExpiresAt;
        if (expires.isValid())
            out.sample("relayrace_map_expiry_timestamp_seconds", {{"provider", id}}, double(expires.toSecsSinceEpoch()));
    }
}

} // namespace relayrace::edge
