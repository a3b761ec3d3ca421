// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "engine/raceengine.h"

#include "delivery/failoverlog.h"
#include "engine/enginerequest.h"
#include "engine/mapexpiry.h"
#include "engine/providerstate.h"
#include "history/historystore.h"
#include "log/logging.h"
#include "race/race.h"

#include <QNetworkReply>
#include <QTimer>

namespace relayrace::engine {

namespace {
constexpr int kRetentionIntervalMs = 10 * 60 * 1000;
constexpr int kStatusIntervalMs = 1000;

bool askedBySomeone(model::Trigger trigger)
{
    return trigger == model::Trigger::Manual || trigger == model::Trigger::Schedule || trigger == model::Trigger::Demo;
}
} // namespace

RaceEngine::RaceEngine(EngineSettings settings, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)),
      m_cache(std::make_unique<policy::RouteCache>(m_settings.maxRacesPerMinute))
{
    qRegisterMetaType<RaceOrder>();
    qRegisterMetaType<RaceStart>();
    qRegisterMetaType<RaceRefusal>();
    qRegisterMetaType<ProviderSnapshot>();
    qRegisterMetaType<EngineStatus>();
    qRegisterMetaType<ServeRequest>();
    qRegisterMetaType<ServeResult>();
    qRegisterMetaType<model::RaceResult>();
    qRegisterMetaType<model::RouteChange>();
    qRegisterMetaType<model::FailoverEvent>();
    qRegisterMetaType<map::RouteMap>();
}

void RaceEngine::initialize()
{
    if (m_initialized)
        return;
    m_initialized = true;
    m_statusTimer = new QTimer(this);
    m_statusTimer->setInterval(kStatusIntervalMs);
    connect(m_statusTimer, &QTimer::timeout, this, &RaceEngine::emitStatus);
    m_statusTimer->start();
    if (!m_settings.failoverLogPath.isEmpty()) {
        auto opened = delivery::FailoverLog::open(m_settings.failoverLogPath);
        if (opened)
            m_failoverLog = std::move(opened).value();
        else
            log::get("engine")->error("failover log off: {}", opened.error().toStdString());
    }
    if (!m_settings.historyPath.isEmpty()) {
        // Opened here, on the engine's thread: a Qt SQL connection belongs to the thread that opened it.
        history::Retention retention;
        retention.maxAgeDays = m_settings.historyDays;
        auto store = history::HistoryStore::open(m_settings.historyPath, retention);
        if (store) {
            m_history = std::move(store).value();
            m_retention = new QTimer(this);
            m_retention->setInterval(kRetentionIntervalMs);
            connect(m_retention, &QTimer::timeout, this, [this] {
                (void)m_history->applyRetention(QDateTime::currentDateTimeUtc());
            });
            m_retention->start();
            (void)m_history->applyRetention(QDateTime::currentDateTimeUtc());
        } else {
            m_historyError = store.error();
            log::get("engine")->error("history off: {}", m_historyError.toStdString());
        }
    }
    emitStatus();
}

RaceEngine::~RaceEngine()
{
    // Requests and races go before the clients whose replies they hold; schedules with the providers.
    const auto children = findChildren<QObject *>(Qt::FindDirectChildrenOnly);
    for (QObject *child : children) {
        if (qobject_cast<EngineRequest *>(child) || qobject_cast<race::Race *>(child))
            delete child;
    }
    m_providers.clear();
}

QStringList RaceEngine::providers() const
{
    QStringList ids = m_providers.keys();
    ids.sort();
    return ids;
}

ProviderState *RaceEngine::provider(const QString &id) const
{
    const auto it = m_providers.find(id);
    return it == m_providers.end() ? nullptr : it->get();
}

const map::RouteMap *RaceEngine::routeMap(const QString &id) const
{
    const ProviderState *p = provider(id);
    return p ? &p->map() : nullptr;
}

race::RouteClient *RaceEngine::client(const QString &providerId, const QString &routeId) const
{
    const ProviderState *p = provider(providerId);
    return p ? p->client(routeId) : nullptr;
}

race::RouteClient *RaceEngine::clientFor(const map::Route &route)
{
    const QString key = route.id + u' ' + route.relay.toString() + u' ' + route.relayName;
    if (race::RouteClient *existing = m_clients.value(key))
        return existing;
    auto *client = new race::RouteClient(route.id, route.relay, this);
    client->setRelayMarkers({route.relayName.toLatin1()});
    if (!m_settings.caCertificates.isEmpty())
        client->setCaCertificates(m_settings.caCertificates);
    if (!route.relay.isEmpty())
        client->setRelayCredentials(m_settings.relayCredentials.value(relayCredentialsKey(route.relay)));
    m_clients.insert(key, client);
    return client;
}

void RaceEngine::setMap(const map::RouteMap &map, const QString &mapTrust)
{
    auto state = std::make_shared<ProviderState>(map, m_settings.edgeRegion, mapTrust);
    for (const map::Route &route : state->routes())
        state->setClient(route.id, clientFor(route));
    if (ProviderState *old = provider(map.provider))
        state->carryOver(*old);
    m_providers.insert(map.provider, state);
    log::get("engine")->info("provider {}: {} routes ({})", map.provider.toStdString(), state->routes().size(),
                             state->routeIds().join(u", ").toStdString());
    if (!state->schedule() && m_defaultIntervalMs > 0)
        startSchedule(*state, m_defaultIntervalMs);
    Q_EMIT mapChanged(map);
    emitSnapshot(*state);
    emitStatus();
}

void RaceEngine::removeProvider(const QString &id)
{
    if (m_providers.remove(id) > 0) {
        Q_EMIT providerRemoved(id);
        emitStatus();
    }
}

QStringList RaceEngine::orderedRoutes(const QString &providerId) const
{
    const ProviderState *p = provider(providerId);
    if (!p)
        return {};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    return m_cache->orderedRoutes({providerId, m_settings.edgeRegion}, usableRouteIds(*p, now), now);
}

QStringList RaceEngine::usableRouteIds(const ProviderState &p, const QDateTime &now) const
{
    return usableRoutes(p.routeIds(), p.map().isExpired(now), m_settings.expiredMap);
}

QString RaceEngine::noRouteReason(const QString &providerId) const
{
    const ProviderState *p = provider(providerId);
    if (!p)
        return QStringLiteral("provider '%1' is gone").arg(providerId);
    if (p->map().isExpired(QDateTime::currentDateTimeUtc()))
        return expiredMapNotice(p->map(), m_settings.expiredMap);
    return QStringLiteral("provider '%1' has no route").arg(providerId);
}

ProviderSnapshot RaceEngine::snapshot(const QString &providerId) const
{
    const ProviderState *p = provider(providerId);
    if (!p)
        return {};
    ProviderSnapshot s = p->stats();
    const policy::RouteKey key{providerId, m_settings.edgeRegion};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (const auto entry = m_cache->entry(key)) {
        s.optimalRoute = entry->validRoute(now);
        s.chosenAt = s.optimalRoute.isEmpty() ? QDateTime() : entry->chosenAt;
        s.lastTrigger = entry->lastTrigger;
        for (const QString &route : s.routes) {
            RouteServing r;
            r.route = route;
            r.racedTtfbMs = entry->routeFigures.value(route).ttfbMs;
            const policy::ServedFigures served = entry->served.value(route);
            r.servedTtfbMs = served.ttfbMs;
            r.servedThroughputBps = served.throughputBps;
            r.servedRequests = served.requests;
            r.failovers = served.failovers;
            s.serving.append(r);
        }
        s.degraded = m_cache->isDegraded(key, p->map().race, now);
    }
    s.nextRetestAt = m_cache->nextRetestAt(key, p->map().race);
    s.racesSkippedByBudget = m_cache->skippedByBudget(providerId);
    s.mapExpired = p->map().isExpired(now);
    s.expiredMapPolicy = expiredMapPolicyName(m_settings.expiredMap);
    return s;
}

EngineStatus RaceEngine::status() const
{
    EngineStatus s;
    s.running = m_initialized;
    s.providers = int(m_providers.size());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    s.racesLastMinute = int(std::count_if(m_raceTimes.cbegin(), m_raceTimes.cend(),
                                          [&](const QDateTime &at) { return at.msecsTo(now) <= 60'000; }));
    s.failoversLastHour = int(std::count_if(m_failoverTimes.cbegin(), m_failoverTimes.cend(),
                                            [&](const QDateTime &at) { return at.msecsTo(now) <= 3'600'000; }));
    for (const auto &p : m_providers) {
        const QDateTime expiry = p->map().expiresAt();
        if (!s.earliestMapExpiry.isValid() || expiry < s.earliestMapExpiry)
            s.earliestMapExpiry = expiry;
    }
    s.historyError = m_historyError;
    return s;
}

void RaceEngine::emitSnapshot(const ProviderState &p)
{
    Q_EMIT providerChanged(snapshot(p.id()));
}

void RaceEngine::emitStatus()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_raceTimes.removeIf([&](const QDateTime &at) { return at.msecsTo(now) > 60'000; });
    m_failoverTimes.removeIf([&](const QDateTime &at) { return at.msecsTo(now) > 3'600'000; });
    // A map that expired since the last tick (or was replaced by a valid one): said loudly, once.
    for (const auto &p : m_providers) {
        const bool expired = p->map().isExpired(now);
        if (expired == p->stats().mapExpired)
            continue;
        p->stats().mapExpired = expired;
        if (expired)
            log::get("engine")->warn("{}", expiredMapNotice(p->map(), m_settings.expiredMap).toStdString());
        emitSnapshot(*p);
    }
    // Every second even when unchanged: a map's remaining validity is read against the clock.
    Q_EMIT statusChanged(status());
}

void RaceEngine::runOrder(const RaceOrder &order, bool quietWhenBusy)
{
    ProviderState *p = provider(order.provider);
    RaceSpec spec;
    spec.path = order.path;
    spec.thresholdBytes = order.thresholdBytes;
    spec.trigger = order.trigger;
    spec.orderId = order.orderId;
    spec.quietWhenBusy = quietWhenBusy;
    if (!p) {
        refuse(nullptr, order.provider, spec, QStringLiteral("no map for provider '%1'").arg(order.provider));
        return;
    }
    const Result<race::Race *> started = startRace(*p, spec);
    if (!started)
        return; // refused (said) or queued (said)
    race::Race *race = *started;
    connect(race, &race::Race::decided, this, [this, race] {
        drain(race->takeWinnerReply()); // nobody asked for the object: keep the connection warm
    });
}

void RaceEngine::refuse(const ProviderState *p, const QString &providerId, const RaceSpec &spec, const QString &reason)
{
    if (askedBySomeone(spec.trigger))
        Q_EMIT raceRefused(RaceRefusal{spec.orderId, providerId, spec.trigger, reason});
    else
        log::get("engine")->info("{}: {} race not run: {}", providerId.toStdString(),
                                 model::triggerName(spec.trigger).toStdString(), reason.toStdString());
    if (p)
        emitSnapshot(*p);
}

Result<race::Race *> RaceEngine::startRace(ProviderState &p, const RaceSpec &spec)
{
    const policy::RouteKey key{p.id(), m_settings.edgeRegion};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QStringList routeIds = usableRouteIds(p, now);
    if (routeIds != p.routeIds()) {
        // An expired map under expired_map=direct or refuse: nothing to race. Said (logged at the
        // expiry, once) and refused to an operator who asked; traffic is served without one.
        const QString reason = expiredMapNotice(p.map(), m_settings.expiredMap);
        if (spec.trigger == model::Trigger::Manual)
            refuse(&p, p.id(), spec, reason);
        return makeError(reason);
    }
    const policy::Admission admission = m_cache->beginRace(key, spec.trigger, now);
    switch (admission) {
    case policy::Admission::Admitted:
        break;
    case policy::Admission::InFlight: {
        if (spec.trigger == model::Trigger::Manual && p.queuedOrders().size() < kMaxQueuedManualRaces) {
            // An operator's race waits its turn (a few at most).
            p.queuedOrders().append(RaceOrder{p.id(), spec.path, spec.thresholdBytes, spec.trigger, spec.orderId});
            Q_EMIT raceQueued(spec.orderId, p.id(), int(p.queuedOrders().size()));
            return makeError(QStringLiteral("queued behind the race in flight"));
        }
        const QString reason = spec.trigger == model::Trigger::Manual
                                   ? QStringLiteral("%1 manual races for %2 are already waiting").arg(p.queuedOrders().size()).arg(p.id())
                                   : QStringLiteral("a race for %1 is already running").arg(p.id());
        if (!spec.quietWhenBusy)
            refuse(&p, p.id(), spec, reason);
        return makeError(reason);
    }
    case policy::Admission::OverBudget:
    case policy::Admission::Owed: {
        // An owed race asked for again by traffic was said and counted when it was first refused.
        if (admission == policy::Admission::Owed && !askedBySomeone(spec.trigger))
            return makeError(QStringLiteral("a race is owed: the race budget is spent"));
        const QString reason = QStringLiteral("race budget reached (%1 races per minute for %2)")
                                   .arg(m_settings.maxRacesPerMinute)
                                   .arg(p.id());
        refuse(&p, p.id(), spec, reason);
        return makeError(reason);
    }
    }
    const bool testObject = p.racesTestObject(spec);
    const race::RaceRequest request = p.raceRequest(spec, m_settings);
    auto *race = new race::Race(p.clients(routeIds), this);
    const quint64 id = m_nextRaceId++;
    connect(race, &race::Race::progress, this, [this, id](const QString &routeId, qint64 bytes, qint64 total) {
        Q_EMIT routeProgress(id, routeId, bytes, total);
    });
    // The caller takes the winner's reply at the decision (Race::decided); the result, with its
    // margin, comes when overtime is over: then it is recorded and the race goes. Connected before
    // the caller's handlers: the cache and history see the result first.
    auto change = std::make_shared<std::optional<model::RouteChange>>();
    connect(race, &race::Race::decided, this, [this, change, providerId = p.id()](const model::RaceResult &result) {
        *change = onRaceDecided(providerId, result);
    });
    connect(race, &race::Race::finished, this,
            [this, race, change, providerId = p.id(), id, testObject](const model::RaceResult &result) {
                onRaceFinished(providerId, id, testObject, result, *change);
                drain(race->takeWinnerReply()); // not taken by anyone: keep the connection warm
                race->deleteLater();
            });
    if (const Result<void> launched = race->start(request); !launched) {
        m_cache->abandonRace(key);
        delete race;
        refuse(&p, p.id(), spec, launched.error());
        return makeError(launched.error());
    }
    Q_EMIT raceStarted(RaceStart{id, spec.orderId, p.id(), spec.trigger, request.url.path(), request.thresholdBytes,
                                 testObject, p.routeIds(), now});
    return race;
}

std::optional<model::RouteChange> RaceEngine::onRaceDecided(const QString &providerId, const model::RaceResult &result)
{
    const ProviderState *p = provider(providerId);
    const policy::RouteKey key{providerId, m_settings.edgeRegion};
    // A provider removed during its race: the cache entry still ends the race.
    return m_cache->finishRace(key, result, p ? p->map().race : map::RaceSettings{}, QDateTime::currentDateTimeUtc());
}

void RaceEngine::onRaceFinished(const QString &providerId, quint64 raceId, bool testObject,
                                const model::RaceResult &result, std::optional<model::RouteChange> change)
{
    ProviderState *p = provider(providerId);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!p)
        return; // removed during its race: nothing is kept
    p->countRace(result, testObject);
    m_raceTimes.append(now);
    qint64 historyId = -1;
    if (m_history) {
        const auto stored = m_history->addRace(result, m_settings.edgeRegion, testObject);
        if (stored)
            historyId = *stored;
        else
            log::get("engine")->warn("history: {}", stored.error().toStdString());
    }
    Q_EMIT raceFinished(raceId, result);
    if (change) {
        change->raceId = historyId;
        if (m_history) {
            if (const auto stored = m_history->addRouteChange(*change); !stored)
                log::get("engine")->warn("history: {}", stored.error().toStdString());
        }
        log::get("engine")->info("provider {}: optimal route {} -> {} ({})", change->provider.toStdString(),
                                 change->fromRoute.toStdString(), change->toRoute.toStdString(),
                                 change->reason.toStdString());
        Q_EMIT routeChanged(*change);
    }
    emitSnapshot(*p);
    if (!p->queuedOrders().isEmpty()) {
        // Next turn: the race that just ended is still emitting its finished().
        QMetaObject::invokeMethod(this, [this, providerId] { startQueued(providerId); }, Qt::QueuedConnection);
    }
}

void RaceEngine::startQueued(const QString &providerId)
{
    ProviderState *p = provider(providerId);
    if (p && !p->queuedOrders().isEmpty())
        raceNow(p->queuedOrders().takeFirst());
}

void RaceEngine::recordFailover(const model::FailoverEvent &event)
{
    if (m_failoverLog)
        m_failoverLog->write(event);
    if (m_history) {
        if (const auto stored = m_history->addFailover(event); !stored)
            log::get("engine")->warn("history: {}", stored.error().toStdString());
    }
    m_failoverTimes.append(QDateTime::currentDateTimeUtc());
    Q_EMIT failover(event);
}

void RaceEngine::drain(race::ReplyPtr reply)
{
    if (!reply)
        return;
    QNetworkReply *r = reply.release();
    const qint64 limit = m_settings.drainLimitBytes;
    auto read = std::make_shared<qint64>(0);
    const auto consume = [r, read, limit] {
        *read += r->skip(r->bytesAvailable());
        if (*read > limit)
            race::ReplyDeleter{}(r); // not worth a connection: aborted
    };
    connect(r, &QNetworkReply::readyRead, this, consume);
    connect(r, &QNetworkReply::finished, r, &QObject::deleteLater);
    if (r->isFinished())
        r->deleteLater();
    else
        consume();
}

void RaceEngine::setRaceInterval(const QString &providerId, int intervalMs)
{
    if (providerId.isEmpty()) {
        m_defaultIntervalMs = std::max(0, intervalMs);
        for (const auto &p : std::as_const(m_providers))
            startSchedule(*p, intervalMs);
        return;
    }
    if (ProviderState *p = provider(providerId))
        startSchedule(*p, intervalMs);
}

void RaceEngine::startSchedule(ProviderState &p, int intervalMs)
{
    if (intervalMs <= 0) {
        p.setSchedule(nullptr);
        return;
    }
    if (!p.schedule()) {
        auto timer = std::make_unique<QTimer>();
        connect(timer.get(), &QTimer::timeout, this, [this, providerId = p.id()] {
            runOrder(RaceOrder{providerId, QString(), 0, model::Trigger::Schedule, 0}, true);
        });
        p.setSchedule(std::move(timer));
    }
    p.schedule()->start(intervalMs);
}

policy::Decision RaceEngine::admitRequest(ProviderState &p)
{
    ++p.stats().requests;
    return m_cache->onRequest({p.id(), m_settings.edgeRegion}, p.map().race, QDateTime::currentDateTimeUtc());
}

void RaceEngine::served(const ProviderState &p, const policy::ServedSample &sample)
{
    m_cache->onServed({p.id(), m_settings.edgeRegion}, sample);
}

void RaceEngine::requestFinished(ProviderState &p, qint64 bytes)
{
    p.stats().requestBytes += bytes;
    emitSnapshot(p);
}

EngineRequest *RaceEngine::serve(const ServeRequest &request, QIODevice *sink)
{
    auto *r = new EngineRequest(this, request, sink);
    connect(r, &EngineRequest::finished, r, &QObject::deleteLater, Qt::QueuedConnection);
    QMetaObject::invokeMethod(r, &EngineRequest::start, Qt::QueuedConnection);
    return r;
}

} // namespace relayrace::engine
