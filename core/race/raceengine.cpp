#include "race/raceengine.h"

#include "delivery/failoverlog.h"
#include "history/historystore.h"
#include "log/logging.h"
#include "policy/routecache.h"
#include "race/enginerequest.h"

#include <QNetworkReply>
#include <QTimer>

namespace relayrace::race {

namespace {
constexpr int kRetentionIntervalMs = 10 * 60 * 1000;
} // namespace

RaceEngine::RaceEngine(EngineSettings settings, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)),
      m_cache(std::make_unique<policy::RouteCache>(m_settings.maxRacesPerMinute))
{
    qRegisterMetaType<RaceStart>();
    qRegisterMetaType<ProviderSnapshot>();
    qRegisterMetaType<ServeResult>();
    qRegisterMetaType<RaceResult>();
    qRegisterMetaType<policy::RouteChange>();
    qRegisterMetaType<map::RouteMap>();
    qRegisterMetaType<delivery::FailoverEvent>();
}

void RaceEngine::initialize()
{
    if (m_initialized)
        return;
    m_initialized = true;
    if (!m_settings.failoverLogPath.isEmpty()) {
        auto opened = delivery::FailoverLog::open(m_settings.failoverLogPath);
        if (opened)
            m_failoverLog = std::move(opened).value();
        else
            log::get("engine")->error("failover log off: {}", opened.error().toStdString());
    }
    if (m_settings.historyPath.isEmpty())
        return;
    // Opened here, on the engine's thread: a Qt SQL connection belongs to the thread that opened it.
    auto store = history::HistoryStore::open(m_settings.historyPath);
    if (!store) {
        m_historyError = store.error();
        log::get("engine")->error("history off: {}", m_historyError.toStdString());
        return;
    }
    m_history = std::move(store).value();
    m_retention = new QTimer(this);
    m_retention->setInterval(kRetentionIntervalMs);
    connect(m_retention, &QTimer::timeout, this, [this] {
        if (m_history)
            (void)m_history->applyRetention(QDateTime::currentDateTimeUtc());
    });
    m_retention->start();
    (void)m_history->applyRetention(QDateTime::currentDateTimeUtc());
}

RaceEngine::~RaceEngine()
{
    // Requests and races go before the clients whose replies they hold.
    const auto children = findChildren<QObject *>(Qt::FindDirectChildrenOnly);
    for (QObject *child : children) {
        if (qobject_cast<EngineRequest *>(child) || qobject_cast<Race *>(child))
            delete child;
    }
}

QStringList RaceEngine::providers() const
{
    QStringList ids = m_providers.keys();
    ids.sort();
    return ids;
}

RaceEngine::Provider *RaceEngine::provider(const QString &id) const
{
    const auto it = m_providers.find(id);
    return it == m_providers.end() ? nullptr : it->get();
}

const map::RouteMap *RaceEngine::routeMap(const QString &id) const
{
    const Provider *p = provider(id);
    return p ? &p->map : nullptr;
}

RouteClient *RaceEngine::client(const QString &providerId, const QString &routeId) const
{
    const Provider *p = provider(providerId);
    return p ? p->clients.value(routeId) : nullptr;
}

RouteClient *RaceEngine::clientFor(const QString &routeId, const QUrl &relay)
{
    const QString key = routeId + u' ' + relay.toString();
    if (RouteClient *existing = m_clients.value(key))
        return existing;
    auto *client = new RouteClient(routeId, relay, this);
    if (!m_settings.caCertificates.isEmpty())
        client->setCaCertificates(m_settings.caCertificates);
    m_clients.insert(key, client);
    return client;
}

void RaceEngine::setMap(const map::RouteMap &map)
{
    auto p = std::make_shared<Provider>();
    p->map = map;
    if (map.direct)
        p->routes.append(map::directRouteId());
    for (const QString &regionId : map.alternatesFor(m_settings.edgeRegion)) {
        const map::Region *region = map.region(regionId);
        if (region && !region->relay.isEmpty())
            p->routes.append(map::viaRouteId(regionId));
    }
    for (const QString &routeId : std::as_const(p->routes)) {
        const QString regionId = routeId.startsWith(u"via:") ? routeId.mid(4) : QString();
        const map::Region *region = regionId.isEmpty() ? nullptr : map.region(regionId);
        p->clients.insert(routeId, clientFor(routeId, region ? region->relay : QUrl()));
    }
    if (const Provider *old = provider(map.provider)) {
        p->stats = old->stats;
        if (old->schedule) {
            p->schedule = old->schedule; // keeps racing on the new map
        }
    }
    p->stats.provider = map.provider;
    p->stats.origin = map.origin;
    p->stats.edgeRegion = m_settings.edgeRegion;
    p->stats.routes = p->routes;
    p->stats.mapExpiresAt = map.expiresAt();
    m_providers.insert(map.provider, p);
    log::get("engine")->info("provider {}: {} routes ({})", map.provider.toStdString(), p->routes.size(),
                             p->routes.join(u", ").toStdString());
    emitSnapshot(*p);
}

void RaceEngine::removeProvider(const QString &id)
{
    if (Provider *p = provider(id)) {
        delete p->schedule;
        m_providers.remove(id);
    }
}

QUrl RaceEngine::urlFor(const Provider &p, const QString &path) const
{
    QUrl url = p.map.origin;
    const QString target = path.isEmpty() ? p.map.testObject : path;
    const qsizetype query = target.indexOf(u'?');
    url.setPath(query < 0 ? target : target.left(query), QUrl::TolerantMode);
    if (query >= 0)
        url.setQuery(target.mid(query + 1), QUrl::TolerantMode);
    return url;
}

QStringList RaceEngine::orderedRoutes(const QString &providerId) const
{
    const Provider *p = provider(providerId);
    if (!p)
        return {};
    return m_cache->orderedRoutes({providerId, m_settings.edgeRegion}, p->routes, QDateTime::currentDateTimeUtc());
}

ProviderSnapshot RaceEngine::snapshot(const QString &providerId) const
{
    const Provider *p = provider(providerId);
    if (!p)
        return {};
    ProviderSnapshot s = p->stats;
    const policy::RouteKey key{providerId, m_settings.edgeRegion};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (const auto entry = m_cache->entry(key)) {
        s.optimalRoute = entry->validRoute(now);
        s.chosenAt = s.optimalRoute.isEmpty() ? QDateTime() : entry->chosenAt;
        s.lastTrigger = entry->lastTrigger == policy::Trigger::None ? QString() : policy::triggerName(entry->lastTrigger);
    }
    s.nextRetestAt = m_cache->nextRetestAt(key, p->map.race);
    s.racesSkippedByBudget = m_cache->skippedByBudget(providerId);
    return s;
}

void RaceEngine::emitSnapshot(const Provider &p)
{
    Q_EMIT providerChanged(snapshot(p.map.provider));
}

quint64 RaceEngine::raceNow(const QString &providerId, const QString &path, qint64 thresholdBytes,
                            const QString &trigger)
{
    Provider *p = provider(providerId);
    if (!p) {
        Q_EMIT raceRefused(providerId, QStringLiteral("no map for provider '%1'").arg(providerId));
        return 0;
    }
    // An operator's race while another of the provider's races runs waits its turn (a few at most).
    const auto entry = m_cache->entry(policy::RouteKey{providerId, m_settings.edgeRegion});
    if (trigger == u"manual" && entry && entry->raceInFlight) {
        if (p->queuedManual.size() >= kMaxQueuedManualRaces) {
            Q_EMIT raceRefused(providerId, QStringLiteral("%1 manual races for %2 are already waiting")
                                               .arg(p->queuedManual.size())
                                               .arg(providerId));
            return 0;
        }
        p->queuedManual.append({path, thresholdBytes});
        Q_EMIT raceQueued(providerId, int(p->queuedManual.size()));
        return 0;
    }
    quint64 raceId = 0;
    QString reason;
    const bool testObject = path.isEmpty() || path == p->map.testObject;
    Race *race = startRace(*p, path, thresholdBytes, trigger, testObject, &raceId, &reason);
    if (!race) {
        Q_EMIT raceRefused(providerId, reason);
        return 0;
    }
    connect(race, &Race::finished, this, [this, race] {
        drain(race->takeWinnerReply()); // nobody asked for the object: keep the connection warm
        race->deleteLater();
    });
    return raceId;
}

Race *RaceEngine::startRace(Provider &p, const QString &path, qint64 threshold, const QString &trigger,
                            bool testObject, quint64 *raceId, QString *reason, const ServeRequest *requested)
{
    const policy::RouteKey key{p.map.provider, m_settings.edgeRegion};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    // Names the engine's callers use beyond the policy's own ("demo", "schedule") count as manual.
    const policy::Trigger kind = policy::triggerFromName(trigger).value_or(policy::Trigger::Manual);
    const auto before = m_cache->entry(key);
    if (before && before->raceInFlight) {
        *reason = QStringLiteral("a race for %1 is already running").arg(p.map.provider);
        return nullptr;
    }
    if (!m_cache->beginRace(key, kind, now)) {
        *reason = QStringLiteral("race budget reached (%1 races per minute for %2)")
                      .arg(m_settings.maxRacesPerMinute)
                      .arg(p.map.provider);
        emitSnapshot(p);
        return nullptr;
    }
    QList<RouteClient *> clients;
    for (const QString &routeId : std::as_const(p.routes))
        clients.append(p.clients.value(routeId));
    RaceRequest request;
    request.provider = p.map.provider;
    request.url = urlFor(p, path);
    request.thresholdBytes = threshold > 0 ? threshold : p.map.race.thresholdBytes;
    request.trigger = trigger;
    request.fairness = m_settings.fairness;
    request.timeout = m_settings.raceTimeout;
    request.warmUpUrl = urlFor(p, p.map.testObject);
    if (requested && !testObject) {
        request.method = requested->method;
        // The requester's end-to-end headers (a conditional GET gets its 304). Not the ones the race
        // owns: hop-by-hop headers, Host, Range (a race measures a body from its first byte), and
        // Accept-Encoding (below).
        static const QList<QByteArray> owned{"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te",
                                             "trailer", "transfer-encoding", "upgrade", "host", "range", "if-range",
                                             "accept-encoding", "content-length"};
        for (const auto &[name, value] : requested->headers) {
            if (!owned.contains(name.toLower()))
                request.headers.append({name, value});
        }
    }
    // A requested object's winner streams to the requester and may be resumed by Range elsewhere:
    // its bytes must be the representation's own, not Qt's inflation of a gzip body (as Delivery).
    if (!testObject)
        request.headers.append({QByteArrayLiteral("Accept-Encoding"), QByteArrayLiteral("identity")});

    auto *race = new Race(clients, this);
    const quint64 id = m_nextRaceId++;
    connect(race, &Race::progress, this, [this, id](const QString &routeId, qint64 bytes, qint64 total) {
        Q_EMIT routeProgress(id, routeId, bytes, total);
    });
    // Connected before the caller's handler: the cache and history see the result first.
    connect(race, &Race::finished, this, [this, providerId = p.map.provider, id, testObject](const RaceResult &result) {
        if (Provider *current = provider(providerId))
            onRaceFinished(*current, id, testObject, result);
    });
    const Result<bool> started = race->start(request);
    if (!started) {
        m_cache->abandonRace(key);
        delete race;
        *reason = started.error();
        return nullptr;
    }
    *raceId = id;
    RaceStart info;
    info.raceId = id;
    info.provider = p.map.provider;
    info.trigger = trigger;
    info.object = request.url.path();
    info.thresholdBytes = request.thresholdBytes;
    info.testObject = testObject;
    info.routes = p.routes;
    info.at = now;
    Q_EMIT raceStarted(info);
    return race;
}

void RaceEngine::onRaceFinished(Provider &p, quint64 raceId, bool testObject, const RaceResult &result)
{
    const policy::RouteKey key{p.map.provider, m_settings.edgeRegion};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    std::optional<policy::RouteChange> change = m_cache->finishRace(key, result, p.map.race, now);
    ++p.stats.races;
    for (const RouteOutcome &route : result.routes) {
        if (route.ttfbMs <= 0)
            continue;
        double &smoothed = p.smoothedTtfbMs[route.routeId];
        smoothed = smoothed > 0 ? 0.75 * smoothed + 0.25 * route.ttfbMs : route.ttfbMs; // as TCP's SRTT
    }
    if (!result.ok())
        ++p.stats.racesFailed;
    qint64 raceBytes = 0;
    for (const RouteOutcome &route : result.routes)
        raceBytes += route.bytes;
    (testObject ? p.stats.raceBytesTestObject : p.stats.raceBytesRequested) += raceBytes;
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
    emitSnapshot(p);
    if (!p.queuedManual.isEmpty()) {
        // Next turn: the race that just ended is still emitting its finished().
        QMetaObject::invokeMethod(this, [this, providerId = p.map.provider] {
            Provider *current = provider(providerId);
            if (!current || current->queuedManual.isEmpty())
                return;
            const auto [path, threshold] = current->queuedManual.takeFirst();
            raceNow(providerId, path, threshold, QStringLiteral("manual"));
        }, Qt::QueuedConnection);
    }
}

void RaceEngine::recordFailover(const delivery::FailoverEvent &event)
{
    if (m_failoverLog)
        m_failoverLog->write(event);
    if (m_history) {
        if (const auto stored = m_history->addFailover(event); !stored)
            log::get("engine")->warn("history: {}", stored.error().toStdString());
    }
    Q_EMIT failover(event);
}

void RaceEngine::drain(ReplyPtr reply)
{
    if (!reply)
        return;
    QNetworkReply *r = reply.release();
    const qint64 limit = m_settings.drainLimitBytes;
    auto read = std::make_shared<qint64>(0);
    const auto consume = [r, read, limit] {
        *read += r->skip(r->bytesAvailable());
        if (*read > limit)
            ReplyDeleter{}(r); // not worth a connection: aborted
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
    Provider *p = provider(providerId);
    if (!p)
        return;
    if (intervalMs <= 0) {
        delete p->schedule;
        p->schedule = nullptr;
        return;
    }
    if (!p->schedule) {
        p->schedule = new QTimer(this);
        connect(p->schedule, &QTimer::timeout, this, [this, providerId] {
            const Provider *current = provider(providerId);
            // A scheduled race is not a pile-up: it waits for the previous one.
            const auto entry = m_cache->entry({providerId, m_settings.edgeRegion});
            if (current && !(entry && entry->raceInFlight))
                raceNow(providerId, QString(), 0, QStringLiteral("schedule"));
        });
    }
    p->schedule->start(intervalMs);
}

EngineRequest *RaceEngine::serve(const ServeRequest &request, QIODevice *sink)
{
    auto *r = new EngineRequest(this, request, sink);
    connect(r, &EngineRequest::finished, r, &QObject::deleteLater, Qt::QueuedConnection);
    QMetaObject::invokeMethod(r, &EngineRequest::start, Qt::QueuedConnection);
    return r;
}

} // namespace relayrace::race
