// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/enginesettings.h"
#include "engine/providersnapshot.h"
#include "engine/racespec.h"
#include "engine/racestart.h"
#include "map/routemap.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <memory>

class QTimer;

namespace relayrace::race {
class RouteClient;
}
namespace relayrace::model {
struct RaceResult;
}

namespace relayrace::engine {

// Everything the engine keeps for one provider: its map and the routes it gives this edge, the route
// clients, the schedule, the counters and the smoothed TTFB per route. Owned by the RaceEngine, used
// on its thread only. Replaced whole when the provider's map is (counters and schedule carried over).
class ProviderState final
{
public:
    ProviderState(map::RouteMap map, const QString &edgeRegion, QString mapTrust);
    ~ProviderState();
    ProviderState(const ProviderState &) = delete;
    ProviderState &operator=(const ProviderState &) = delete;

    const QString &id() const { return m_map.provider; }
    const map::RouteMap &map() const { return m_map; }
    const QList<map::Route> &routes() const { return m_routes; }
    QStringList routeIds() const;
    // The origin URL of a path ("" -> the test object), path and query kept as given.
    QUrl urlFor(const QString &path) const;
    bool isTestObject(const QString &path) const { return path.isEmpty() || path == m_map.testObject; }
    bool racesTestObject(const RaceSpec &spec) const { return !spec.requested && isTestObject(spec.path); }
    // The request a race of spec sends over every route, with the engine's settings.
    race::RaceRequest raceRequest(const RaceSpec &spec, const EngineSettings &settings) const;

    void setClient(const QString &routeId, race::RouteClient *client) { m_clients.insert(routeId, client); }
    race::RouteClient *client(const QString &routeId) const { return m_clients.value(routeId); }
    // The clients of the given route ids, in that order (unknown ids skipped).
    QList<race::RouteClient *> clients(const QStringList &routeIds) const;

    // Counters and how the last map arrived; the engine adds the route cache's view (snapshot()).
    ProviderSnapshot &stats() { return m_stats; }
    const ProviderSnapshot &stats() const { return m_stats; }
    // Keeps what outlives a map: the counters, the schedule and what waits in the queue.
    void carryOver(ProviderState &previous);

    // A finished race: counters and the per-route smoothed TTFB (as TCP's SRTT).
    void countRace(const model::RaceResult &result, bool testObject);
    const QHash<QString, double> &smoothedTtfbMs() const { return m_smoothedTtfbMs; }
    void mergeSmoothedTtfb(const QHash<QString, double> &fromDelivery);

    // The "race every" timer (owned here; nullptr when off).
    QTimer *schedule() const { return m_schedule.get(); }
    void setSchedule(std::unique_ptr<QTimer> timer);

    // Manual races asked for while one of the provider's races ran: they start in turn.
    QList<RaceOrder> &queuedOrders() { return m_queued; }

private:
    map::RouteMap m_map;
    QList<map::Route> m_routes;
    QHash<QString, race::RouteClient *> m_clients; // route id -> client (the engine owns clients)
    ProviderSnapshot m_stats;
    QHash<QString, double> m_smoothedTtfbMs;
    std::unique_ptr<QTimer> m_schedule;
    QList<RaceOrder> m_queued;
};

} // namespace relayrace::engine
