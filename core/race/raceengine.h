#pragma once

#include "delivery/failoverevent.h"
#include "map/routemap.h"
#include "policy/routechange.h"
#include "race/raceresult.h"
#include "race/race.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QSslCertificate>
#include <QString>

#include <chrono>
#include <memory>

class QIODevice;
class QTimer;

namespace relayrace::policy {
class RouteCache;
}
namespace relayrace::history {
class HistoryStore;
}
namespace relayrace::delivery {
class FailoverLog;
}

namespace relayrace::race {

class EngineRequest;

struct EngineSettings
{
    QString edgeRegion = QStringLiteral("default"); // which of the maps' alternates lists applies
    RaceRequest::Fairness fairness = RaceRequest::Fairness::Warm;
    int maxRacesPerMinute = 60;                     // per provider; 0: unlimited
    std::chrono::milliseconds raceTimeout{30'000};
    QList<QSslCertificate> caCertificates;          // a private CA, added to the system's
    QString historyPath;                            // SQLite file; empty: no history kept
    QString failoverLogPath;                        // JSON lines; empty: no failover log file
    // A raced winner's remaining body is read and dropped (keeping its connection warm) up to this
    // much; past it the winner is aborted. Races started by hand deliver their object to no one.
    qint64 drainLimitBytes = 8 * 1024 * 1024;
};

// What a race is about to do: the console's live panel opens its rows from this.
struct RaceStart
{
    quint64 raceId = 0; // engine-local, increasing
    QString provider;
    QString trigger;
    QString object;
    qint64 thresholdBytes = 0;
    bool testObject = false;
    QStringList routes;
    QDateTime at;
};

// Per provider: what the providers panel shows. Counters since the engine started.
struct ProviderSnapshot
{
    QString provider;
    QUrl origin;
    QString edgeRegion;
    QString optimalRoute;          // empty: none (not raced yet, or expired)
    QDateTime chosenAt;
    QDateTime nextRetestAt;        // when a time-based trigger fires next under traffic
    QString lastTrigger;
    QStringList routes;            // every candidate route, map order
    QDateTime mapExpiresAt;
    qint64 races = 0;
    qint64 racesFailed = 0;
    qint64 racesSkippedByBudget = 0;
    qint64 raceBytesTestObject = 0; // body bytes every route received in races on the test object
    qint64 raceBytesRequested = 0;  // ... in races on requested objects (the winner's are the user's)
    qint64 requests = 0;            // user requests served
    qint64 requestBytes = 0;
};

// A request served by the engine: the flow of ../shared/DESIGN.md (route cache -> re-test triggers ->
// race or the cached route).
struct ServeRequest
{
    QString provider;
    QByteArray method = QByteArrayLiteral("GET");
    QString path;                  // path and query on the provider's origin
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;               // POST/PUT/PATCH
};

struct ServeResult
{
    bool ok = false;               // the whole response was delivered to the sink
    QString route;                 // the route that delivered it
    bool raced = false;            // this request raced (on itself or on the test object)
    QList<delivery::FailoverEvent> failovers;
    QString trigger;               // what made it race; empty when it did not
    int httpStatus = 0;
    qint64 bytes = 0;
    QString error;
};

// The race engine: per provider a map, route clients (one per route, shared by providers that use
// the same relay), the route cache with its re-test triggers and budget, races, and the history.
// Lives on one thread (EngineHost gives it its own); observers on other threads get value structs
// over queued signals. Public slots may be invoked from any thread with QMetaObject::invokeMethod.
class RaceEngine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RaceEngine)
public:
    explicit RaceEngine(EngineSettings settings, QObject *parent = nullptr);
    ~RaceEngine() override;

    const EngineSettings &settings() const { return m_settings; }
    QStringList providers() const;
    const map::RouteMap *routeMap(const QString &provider) const;
    ProviderSnapshot snapshot(const QString &provider) const;
    // The history store, when one is open (this thread only).
    history::HistoryStore *history() const { return m_history.get(); }
    // Empty when the history opened (or none was asked for); else why not (the engine runs without).
    QString historyError() const { return m_historyError; }
    // Route ids of a provider in failover order (route cache, then last race figures, then map order).
    QStringList orderedRoutes(const QString &provider) const;
    RouteClient *client(const QString &provider, const QString &routeId) const;

    // Serves one request (see ServeRequest): GET and HEAD may race; any other method never races and
    // goes once, over the optimal route. The body goes to sink as it arrives. The returned object
    // emits finished() once and is deleted by the engine afterwards (or with it).
    EngineRequest *serve(const ServeRequest &request, QIODevice *sink);

    static constexpr int kMaxQueuedManualRaces = 8; // per provider (see raceNow); more are refused

public Q_SLOTS:
    // Opens the history (on the engine's thread); call once, before anything else.
    void initialize();
    void setMap(const relayrace::map::RouteMap &map);
    void removeProvider(const QString &provider);
    // A race started by hand (or by the schedule): path empty -> the provider's test object;
    // threshold 0 -> the map's. Returns the race id, or 0 when it did not start (raceRefused says why;
    // a manual race while one of the provider's races runs is queued instead: raceQueued).
    quint64 raceNow(const QString &provider, const QString &path = QString(), qint64 thresholdBytes = 0,
                    const QString &trigger = QStringLiteral("manual"));
    // Races the test object every interval (0 stops it).
    void setRaceInterval(const QString &provider, int intervalMs);

Q_SIGNALS:
    void raceStarted(const relayrace::race::RaceStart &start);
    void routeProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 thresholdBytes);
    void raceFinished(quint64 raceId, const relayrace::race::RaceResult &result);
    void raceRefused(const QString &provider, const QString &reason);
    // A manual race asked for while one of the provider's races runs: it starts when that one ends.
    void raceQueued(const QString &provider, int position);
    void routeChanged(const relayrace::policy::RouteChange &change);
    // A delivery moved to another route (also written to the failover log and the history).
    void failover(const relayrace::delivery::FailoverEvent &event);
    void providerChanged(const relayrace::race::ProviderSnapshot &snapshot);

private:
    friend class EngineRequest;
    struct Provider
    {
        map::RouteMap map;
        QStringList routes;                    // candidate route ids, map order (direct first)
        QHash<QString, RouteClient *> clients; // route id -> client
        QTimer *schedule = nullptr;
        ProviderSnapshot stats;
        QHash<QString, double> smoothedTtfbMs; // route id -> from races and deliveries (stall bounds)
        QList<std::pair<QString, qint64>> queuedManual; // path, threshold: manual races waiting their turn
    };

    Provider *provider(const QString &id) const;
    RouteClient *clientFor(const QString &routeId, const QUrl &relay);
    QUrl urlFor(const Provider &provider, const QString &path) const;
    // Starts a race; nullptr when refused (reason set). The caller connects to its finished(). A race
    // on the requested object uses the requester's method (GET or HEAD) and end-to-end headers.
    Race *startRace(Provider &provider, const QString &path, qint64 threshold, const QString &trigger,
                    bool testObject, quint64 *raceId, QString *reason, const ServeRequest *requested = nullptr);
    void onRaceFinished(Provider &provider, quint64 raceId, bool testObject, const RaceResult &result);
    void drain(ReplyPtr reply);
    void emitSnapshot(const Provider &provider);
    void recordFailover(const delivery::FailoverEvent &event);

    EngineSettings m_settings;
    std::unique_ptr<policy::RouteCache> m_cache;
    std::unique_ptr<history::HistoryStore> m_history;
    std::shared_ptr<delivery::FailoverLog> m_failoverLog;
    QString m_historyError;
    QHash<QString, std::shared_ptr<Provider>> m_providers;
    QHash<QString, RouteClient *> m_clients; // routeId + relay -> client (children of the engine)
    quint64 m_nextRaceId = 1;
    bool m_initialized = false;
    QTimer *m_retention = nullptr;
};

} // namespace relayrace::race

Q_DECLARE_METATYPE(relayrace::race::RaceStart)
Q_DECLARE_METATYPE(relayrace::race::ProviderSnapshot)
Q_DECLARE_METATYPE(relayrace::race::ServeResult)
