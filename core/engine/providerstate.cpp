// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "engine/providerstate.h"

#include "model/raceresult.h"
#include "race/httpmessage.h"

#include <QTimer>

namespace relayrace::engine {


ProviderState::ProviderState(map::RouteMap map, const QString &edgeRegion, QString mapTrust)
    : m_map(std::move(map)), m_routes(map::routesFor(m_map, edgeRegion))
{
    m_stats.provider = m_map.provider;
    m_stats.origin = m_map.origin;
    m_stats.edgeRegion = edgeRegion;
    m_stats.mapTrust = std::move(mapTrust);
    m_stats.routes = routeIds();
    m_stats.mapExpiresAt = m_map.expiresAt();
}

ProviderState::~ProviderState() = default;

QStringList ProviderState::routeIds() const
{
    QStringList ids;
    for (const map::Route &route : m_routes)
        ids.append(route.id);
    return ids;
}

QUrl ProviderState::urlFor(const QString &path) const
{
    QUrl url = m_map.origin;
    const QString target = path.isEmpty() ? m_map.testObject : path;
    const qsizetype query = target.indexOf(u'?');
    url.setPath(query < 0 ? target : target.left(query), QUrl::TolerantMode);
    if (query >= 0)
        url.setQuery(target.mid(query + 1), QUrl::TolerantMode);
    return url;
}

race::RaceRequest ProviderState::raceRequest(const RaceSpec &spec, const EngineSettings &settings) const
{
    const bool testObject = racesTestObject(spec);
    race::RaceRequest request;
    request.provider = id();
    request.url = urlFor(testObject ? QString() : spec.path);
    request.thresholdBytes = spec.thresholdBytes > 0 ? spec.thresholdBytes : m_map.race.thresholdBytes;
    request.trigger = spec.trigger;
    request.fairness = settings.fairness;
    request.timeout = settings.raceTimeout;
    request.warmUpUrl = urlFor(QString());
    // A requested object's winner streams to the requester and may be resumed by Range elsewhere:
    // the one header filter every path uses (race::forwardedRequestHeaders; Accept-Encoding identity,
    // so offsets count the representation's own bytes; no Range, a race measures from byte 0).
    if (spec.requested) {
        request.method = spec.requested->method;
        request.headers = race::forwardedRequestHeaders(request.method, spec.requested->headers, false);
    } else if (!testObject) {
        request.headers = race::forwardedRequestHeaders(request.method, {}, false);
    }
    return request;
}

QList<race::RouteClient *> ProviderState::clients(const QStringList &routeIds) const
{
    QList<race::RouteClient *> list;
    for (const QString &id : routeIds) {
        if (race::RouteClient *c = m_clients.value(id))
            list.append(c);
    }
    return list;
}

void ProviderState::carryOver(ProviderState &previous)
{
    const ProviderSnapshot fresh = m_stats;
    m_stats = previous.m_stats;
    m_stats.origin = fresh.origin;
    m_stats.edgeRegion = fresh.edgeRegion;
    m_stats.mapTrust = fresh.mapTrust;
    m_stats.routes = fresh.routes;
    m_stats.mapExpiresAt = fresh.mapExpiresAt;
    m_smoothedTtfbMs = previous.m_smoothedTtfbMs;
    m_schedule = std::move(previous.m_schedule); // keeps racing on the new map
    m_queued = std::move(previous.m_queued);
}

void ProviderState::countRace(const model::RaceResult &result, bool testObject)
{
    ++m_stats.races;
    if (!result.ok())
        ++m_stats.racesFailed;
    qint64 bytes = 0;
    for (const model::RouteOutcome &route : result.routes) {
        bytes += route.bytes;
        if (route.ttfbMs <= 0)
            continue;
        double &smoothed = m_smoothedTtfbMs[route.routeId];
        smoothed = smoothed > 0 ? 0.75 * smoothed + 0.25 * route.ttfbMs : route.ttfbMs;
    }
    (testObject ? m_stats.raceBytesTestObject : m_stats.raceBytesRequested) += bytes;
}

void ProviderState::mergeSmoothedTtfb(const QHash<QString, double> &fromDelivery)
{
    for (auto it = fromDelivery.cbegin(); it != fromDelivery.cend(); ++it)
        m_smoothedTtfbMs.insert(it.key(), it.value());
}

void ProviderState::setSchedule(std::unique_ptr<QTimer> timer)
{
    m_schedule = std::move(timer);
}

} // namespace relayrace::engine
