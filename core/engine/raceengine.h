// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/enginesettings.h"
#include "engine/providersnapshot.h"
#include "engine/racespec.h"
#include "engine/racestart.h"
#include "engine/serverequest.h"
#include "map/routemap.h"
#include "model/failoverevent.h"
#include "model/raceresult.h"
#include "model/routechange.h"
#include "policy/routecache.h"
#include "race/routeclient.h"
#include "util/result.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

class QIODevice;
class QTimer;

namespace relayrace::history {
class HistoryStore;
}
namespace relayrace::delivery {
class FailoverLog;
}
namespace relayrace::race {
class Race;
}

namespace relayrace::engine {

class EngineRequest;
class ProviderState;

// The race engine: per provider its state (ProviderState: map, routes, clients, counters), the
// route cache with its re-test triggers and budget, races, deliveries and the history. Lives on one
// thread (EngineHost gives it its own) and is used on that thread only; drivers on other threads use
// an EngineFront (LocalEngine), which makes the hop. Signals carry values.
class RaceEngine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RaceEngine)
public:
    static constexpr int kMaxQueuedManualRaces = 8; // per provider (see raceNow); more are refused

    explicit RaceEngine(EngineSettings settings, QObject *parent = nullptr);
    ~RaceEngine() override;

    // Opens the history and the failover log; call once, before anything else.
    void initialize();
    const EngineSettings &settings() const { return m_settings; }
    // Applies what can change while the engine runs (docs/race-policy.md#settings-while-running):
    // edge region (every provider's routes chosen again), fairness, race timeout, race budget, CA
    // certificates, expired-map policy. Paths (history, failover log) and relay credentials stay.
    void updateSettings(const EngineSettings &settings);

    // Providers and their maps.
    void setMap(const map::RouteMap &map, const QString &mapTrust = QString());
    void removeProvider(const QString &provider);
    QStringList providers() const;
    const map::RouteMap *routeMap(const QString &provider) const;
    ProviderState *provider(const QString &id) const;
    ProviderSnapshot snapshot(const QString &provider) const;
    EngineStatus status() const;
    // Route ids of a provider in failover order (route cache, then last race figures, then map order).
    QStringList orderedRoutes(const QString &provider) const;
    // Why orderedRoutes() is empty, in words for a refused request (an expired map, say).
    QString noRouteReason(const QString &provider) const;
    race::RouteClient *client(const QString &provider, const QString &routeId) const;
    history::HistoryStore *history() const { return m_history.get(); }
    QString historyError() const { return m_historyError; }

    // A race someone asked for. A manual race while one of the provider's races runs waits its turn
    // (raceQueued); anything else that does not start is refused (raceRefused).
    void raceNow(const RaceOrder &order) { runOrder(order, false); }
    // Races the test object every interval (0 stops it). An empty provider: every provider, and those
    // whose maps arrive later.
    void setRaceInterval(const QString &provider, int intervalMs);

    // Serves one request: GET and HEAD may race; any other method never races and goes once, over
    // the optimal route. The body goes to sink as it arrives. The returned object emits finished()
    // once and is deleted by the engine afterwards (or with it).
    EngineRequest *serve(const ServeRequest &request, QIODevice *sink);

    // The one race starter (this thread): asks the route cache (in flight? budget?) once, starts the
    // race and announces it. The caller takes the winner's reply at the race's decided(); the engine
    // records the result at its finished() (after overtime, before the caller's handlers) and deletes
    // the race then (a winner's reply nobody took is drained). A refusal is reported (raceRefused for orders, the
    // log for traffic) and returned.
    Result<race::Race *> startRace(ProviderState &provider, const RaceSpec &spec);
    // The routes the provider's map gives now, under the expired-map policy.
    QStringList usableRouteIds(const ProviderState &provider, const QDateTime &now) const;
    // A request arrived for the provider: counts it, asks the re-test triggers.
    policy::Decision admitRequest(ProviderState &provider);
    // A request ended: counts its bytes.
    void requestFinished(ProviderState &provider, qint64 bytes);
    // A request served without a race: its first route's figures (the failover and degradation triggers).
    void served(const ProviderState &provider, const policy::ServedSample &sample);
    // Reads and drops a raced winner nobody wants (keeps its connection warm), up to drainLimitBytes.
    void drain(race::ReplyPtr reply);
    void recordFailover(const model::FailoverEvent &event);

Q_SIGNALS:
    void raceStarted(const relayrace::engine::RaceStart &start);
    void routeProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 thresholdBytes);
    void raceFinished(quint64 raceId, const relayrace::model::RaceResult &result);
    void raceRefused(const relayrace::engine::RaceRefusal &refusal);
    // A manual race asked for while one of the provider's races runs: it starts when that one ends.
    void raceQueued(quint64 orderId, const QString &provider, int position);
    void routeChanged(const relayrace::model::RouteChange &change);
    // A delivery moved to another route (also written to the failover log and the history).
    void failover(const relayrace::model::FailoverEvent &event);
    void providerChanged(const relayrace::engine::ProviderSnapshot &snapshot);
    void mapChanged(const relayrace::map::RouteMap &map);
    void providerRemoved(const QString &provider);
    void statusChanged(const relayrace::engine::EngineStatus &status);

private:
    race::RouteClient *clientFor(const map::Route &route);
    // At the decision: the route cache ends the race and applies hysteresis to the decided result
    // (as it always has: projections at the decision), so a request goes on with the new route at once.
    std::optional<model::RouteChange> onRaceDecided(const QString &providerId, const model::RaceResult &result);
    // When overtime is over: the final result (measured margin, overtime bytes) is counted, stored and
    // announced, with the route change made at the decision.
    void onRaceFinished(const QString &providerId, quint64 raceId, bool testObject, const model::RaceResult &result,
                        std::optional<model::RouteChange> change);
    void runOrder(const RaceOrder &order, bool quietWhenBusy);
    void startQueued(const QString &providerId);
    void startSchedule(ProviderState &provider, int intervalMs);
    void emitSnapshot(const ProviderState &provider);
    void emitStatus();
    void refuse(const ProviderState *provider, const QString &providerId, const RaceSpec &spec, const QString &reason);

    EngineSettings m_settings;
    std::unique_ptr<policy::RouteCache> m_cache;
    std::unique_ptr<history::HistoryStore> m_history;
    std::shared_ptr<delivery::FailoverLog> m_failoverLog;
    QString m_historyError;
    QHash<QString, std::shared_ptr<ProviderState>> m_providers;
    QHash<QString, race::RouteClient *> m_clients; // route id + relay -> client (children of the engine)
    quint64 m_nextRaceId = 1;
    bool m_initialized = false;
    int m_defaultIntervalMs = 0;                   // setRaceInterval("") for providers to come
    QTimer *m_retention = nullptr;
    QTimer *m_statusTimer = nullptr;
    QList<QDateTime> m_raceTimes;                  // the last minute's races
    QList<QDateTime> m_failoverTimes;              // the last hour's failovers
};

} // namespace relayrace::engine
