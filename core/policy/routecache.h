// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "map/routemap.h"
#include "policy/racebudget.h"
#include "model/routechange.h"
#include "model/trigger.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace relayrace::model {
struct RaceResult;
}

namespace relayrace::policy {

// What the cache is keyed by: a provider as seen from one edge region.
struct RouteKey
{
    QString provider;
    QString edgeRegion;

    bool operator==(const RouteKey &) const = default;
    bool operator<(const RouteKey &other) const;  // provider, then edge region
};

// One route in the last race that finished for a key: what failover ordering sorts by.
struct RouteFigures
{
    bool failed = false;
    double projectedMs = -1;  // the winner's time to threshold, a loser's projection; -1 unknown
    double ttfbMs = -1;       // its time to first byte in that race; -1 none (no head, failed)
    QString error;            // why it failed
};

// What requests served over one route saw (requests that did not race), for the degradation trigger
// and for showing beside the race figures.
struct ServedFigures
{
    double ttfbMs = -1;             // smoothed TTFB (request written -> head); -1 none yet
    double throughputBps = -1;      // smoothed body bytes/s, bodies of kThroughputMinBytes or more only
    qint64 requests = 0;            // served requests that started on this route
    qint64 requestsSinceRace = 0;   // ... since the last race finished
    qint64 failovers = 0;           // ... that failed over away from it
};

// One served request as the route cache takes it: its first route and what that route did.
struct ServedSample
{
    QString route;
    double ttfbMs = -1;             // -1: no response head from it
    qint64 bodyBytes = 0;           // body bytes it delivered
    double bodyMs = -1;             // head -> end of its body; -1 unknown
    bool failedOver = false;        // it failed and another route took over
};

// The cache's state for one key (docs/race-policy.md defines every field). A snapshot: a value.
struct Entry
{
    RouteKey key;
    QString optimalRoute;                   // empty = none; kept after it expires, see validRoute()
    QDateTime chosenAt;                     // when optimalRoute became optimal
    QDateTime confirmedAt;                  // the last race that chose or kept it; the TTL runs from here
    QDateTime lastRaceAt;                   // the last race that finished (even a failed one); invalid: none
    QDateTime periodStart;                  // the first request seen for the key: start of the first period
    qint64 requestsSinceRace = 0;           // before any race: requests since periodStart
    bool raceInFlight = false;
    QDateTime raceStartedAt;                // of the race in flight
    model::Trigger lastTrigger = model::Trigger::None;    // of the last race begun
    model::Trigger pendingTrigger = model::Trigger::None; // a race the budget refused, still owed
    QDateTime owedUntil;                    // the budget is spent until then: the owed race waits, uncounted
    QMap<QString, RouteFigures> routeFigures;  // route id -> figures from the last finished race
    qint64 racesSkippedByBudget = 0;
    QString challenger;                     // a route that beat the incumbent by an unmeasurable margin
    int challengerWins = 0;                 // ... this many races in a row
    QString lastVerdict;                    // what the last finished race did to the optimal route
    QMap<QString, ServedFigures> served;    // route id -> what served requests saw on it
    bool failoverOwed = false;              // a served request failed over away from the optimal route
    qint64 routeTtlS = map::RaceSettings{}.routeTtlS;  // from the settings of the last call

    bool hasRaced() const { return lastRaceAt.isValid(); }
    bool isExpired(const QDateTime &now) const;
    // The optimal route while its TTL runs (claim 2), else empty.
    QString validRoute(const QDateTime &now) const;
};

// The degradation trigger for an entry (docs/race-policy.md): its optimal route's smoothed served TTFB,
// over at least degradeMinRequests served requests since the last race, is worse than that race's
// TTFB for it by more than degradePct and by at least RouteCache::kDegradeFloorMs.
bool degradedNow(const Entry &entry, const map::RaceSettings &settings, const QDateTime &now);

// What to do with one request.
// Whether a race may begin now (RouteCache::beginRace).
// OverBudget: refused now, counted; Owed: a race the budget already refused is still owed and the
// budget is still spent (not counted again, nothing new to say).
enum class Admission { Admitted, InFlight, OverBudget, Owed };

struct Decision
{
    bool race = false;                  // a race is due: call RouteCache::beginRace() to start it
    model::Trigger trigger = model::Trigger::None;
    QString route;                      // the valid optimal route; empty = use the map's order

    bool operator==(const Decision &) const = default;
};

// The optimal route per (provider, edge region), when to re-test it (T1, T2, N, TTL), hysteresis on
// changes and a per-provider race budget. Pure logic: every call takes the time (UTC), nothing runs by
// itself. Owned by the race engine on its thread; not thread-safe (no locking: one thread only).
class RouteCache final
{
public:
    // Races in a row a challenger must win when the incumbent's margin cannot be measured.
    static constexpr int kConfirmations = 2;
    // Served figures: each new sample's weight in the smoothed TTFB and throughput.
    static constexpr double kServedSmoothing = 0.2;
    // Throughput is smoothed from bodies this large only: a smaller one is mostly its TTFB.
    static constexpr qint64 kThroughputMinBytes = 256 * 1024;
    // The degradation trigger also needs the served TTFB this many ms above the race's, so that a
    // route of 1-2 ms (a LAN, loopback) does not race on every scheduler hiccup.
    static constexpr double kDegradeFloorMs = 10.0;

    // Races per provider per rolling 60 s; 0 = unlimited.
    explicit RouteCache(int maxRacesPerMinute = RaceBudget::kDefaultMaxRaces);

    // Counts the request and says whether a race is due (which trigger) and which route to use.
    // Never starts a race: the engine calls beginRace() when it starts one.
    Decision onRequest(const RouteKey &key, const map::RaceSettings &settings, const QDateTime &now);
    // The one place that asks "is a race already in flight?": InFlight when one is (not counted), else
    // the budget: OverBudget when it refuses (counted once; the trigger stays pending), Owed while that
    // refused race waits for the budget (not counted again, the budget not asked). Every race, manual
    // and scheduled ones too, begins here.
    Admission beginRace(const RouteKey &key, model::Trigger trigger, const QDateTime &now);
    // The race begun for the key will not finish (aborted, engine stopping): the trigger stays due.
    void abandonRace(const RouteKey &key);
    // A request served without a race (its first route's figures). Feeds the failover and degradation
    // triggers (docs/race-policy.md): the next request races when the optimal route failed over, or
    // when its smoothed served TTFB is worse than its last race's by more than race.degrade_pct.
    void onServed(const RouteKey &key, const ServedSample &sample);
    // Whether the degradation trigger holds for the key now.
    bool isDegraded(const RouteKey &key, const map::RaceSettings &settings, const QDateTime &now) const;
    // Records the race and applies hysteresis; returns the change of optimal route, if any.
    std::optional<model::RouteChange> finishRace(const RouteKey &key, const model::RaceResult &result,
                                          const map::RaceSettings &settings, const QDateTime &now);

    // Delivery's failover order over mapOrder's routes: the valid optimal route, routes by their last
    // figures (fastest first), routes without figures (map order), routes that failed (map order).
    QStringList orderedRoutes(const RouteKey &key, const QStringList &mapOrder, const QDateTime &now) const;

    std::optional<Entry> entry(const RouteKey &key) const;
    QList<Entry> entries() const;  // ordered by provider, then edge region
    qint64 skippedByBudget(const QString &provider) const;
    const RaceBudget &budget() const { return m_budget; }
    void setMaxRacesPerMinute(int max) { m_budget.setMaxRacesPerWindow(max); }
    // Milliseconds since the valid optimal route was chosen; -1 when there is none.
    qint64 routeAgeMs(const RouteKey &key, const QDateTime &now) const;
    // When the next time-based re-test falls due (may be past: the next request races): before the
    // first race the T1 deadline, after it the earlier of the T2 and TTL deadlines. Invalid when
    // unknown (no request yet).
    QDateTime nextRetestAt(const RouteKey &key, const map::RaceSettings &settings) const;

private:
    Entry &entryFor(const RouteKey &key);

    QMap<RouteKey, Entry> m_entries;
    RaceBudget m_budget;
};

} // namespace relayrace::policy

Q_DECLARE_METATYPE(relayrace::policy::RouteKey)
Q_DECLARE_METATYPE(relayrace::policy::RouteFigures)
Q_DECLARE_METATYPE(relayrace::policy::ServedFigures)
Q_DECLARE_METATYPE(relayrace::policy::Entry)
Q_DECLARE_METATYPE(relayrace::policy::Decision)
