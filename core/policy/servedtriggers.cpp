// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The route cache's served-traffic triggers (docs/race-policy.md): what served requests saw per
// route, the failover trigger and the degradation trigger.
#include "policy/routecache.h"

namespace relayrace::policy {

bool degradedNow(const Entry &entry, const map::RaceSettings &settings, const QDateTime &now)
{
    const QString route = entry.validRoute(now);
    if (route.isEmpty() || settings.degradePct <= 0)
        return false;
    const auto served = entry.served.constFind(route);
    const auto raced = entry.routeFigures.constFind(route);
    if (served == entry.served.cend() || raced == entry.routeFigures.cend() || raced->ttfbMs <= 0 || served->ttfbMs < 0)
        return false;
    if (served->requestsSinceRace < settings.degradeMinRequests)
        return false;
    return served->ttfbMs > raced->ttfbMs * (1.0 + settings.degradePct / 100.0)
           && served->ttfbMs - raced->ttfbMs >= RouteCache::kDegradeFloorMs;
}

void RouteCache::onServed(const RouteKey &key, const ServedSample &sample)
{
    if (sample.route.isEmpty())
        return;
    Entry &e = entryFor(key);
    ServedFigures &f = e.served[sample.route];
    ++f.requests;
    ++f.requestsSinceRace;
    const auto smooth = [](double &value, double x) {
        value = value < 0 ? x : (1.0 - kServedSmoothing) * value + kServedSmoothing * x;
    };
    if (sample.ttfbMs >= 0)
        smooth(f.ttfbMs, sample.ttfbMs);
    if (!sample.failedOver && sample.bodyBytes >= kThroughputMinBytes && sample.bodyMs > 0)
        smooth(f.throughputBps, double(sample.bodyBytes) * 1000.0 / sample.bodyMs);
    if (sample.failedOver) {
        ++f.failovers;
        if (sample.route == e.optimalRoute)
            e.failoverOwed = true;
    }
}

bool RouteCache::isDegraded(const RouteKey &key, const map::RaceSettings &settings, const QDateTime &now) const
{
    const auto it = m_entries.constFind(key);
    return it != m_entries.cend() && degradedNow(*it, settings, now);
}

} // namespace relayrace::policy
