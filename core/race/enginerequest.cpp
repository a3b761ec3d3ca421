#include "race/enginerequest.h"

#include "delivery/delivery.h"
#include "log/logging.h"
#include "policy/routecache.h"

#include <QIODevice>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace relayrace::race {

EngineRequest::EngineRequest(RaceEngine *engine, ServeRequest request, QIODevice *sink)
    : QObject(engine), m_engine(engine), m_request(std::move(request)), m_sink(sink)
{
}

void EngineRequest::start()
{
    RaceEngine::Provider *p = m_engine->provider(m_request.provider);
    if (!p) {
        finish(false, QStringLiteral("no map for provider '%1'").arg(m_request.provider));
        return;
    }
    if (!m_sink || !m_sink->isWritable()) {
        finish(false, QStringLiteral("the response has nowhere to go (the sink is not writable)"));
        return;
    }
    ++p->stats.requests;
    const policy::RouteKey key{m_request.provider, m_engine->m_settings.edgeRegion};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const policy::Decision decision = m_engine->m_cache->onRequest(key, p->map.race, now);
    const bool idempotent = m_request.method == "GET" || m_request.method == "HEAD";
    // Non-idempotent requests are never raced: they go once, over the optimal route.
    if (decision.race && idempotent) {
        const QString trigger = policy::triggerName(decision.trigger);
        const bool onTestObject = p->map.race.object == map::RaceSettings::Object::TestObject;
        quint64 raceId = 0;
        QString refused;
        Race *race = m_engine->startRace(*p, onTestObject ? QString() : m_request.path, 0, trigger, onTestObject,
                                         &raceId, &refused);
        if (race) {
            m_result.raced = true;
            m_result.trigger = trigger;
            connect(race, &Race::finished, this, [this, race, onTestObject](const RaceResult &result) {
                onRaceDone(race, result, onTestObject);
            });
            return;
        }
        log::get("engine")->info("request {} {}: not raced: {}", m_request.provider.toStdString(),
                                 m_request.path.toStdString(), refused.toStdString());
    }
    const QStringList order = m_engine->orderedRoutes(m_request.provider);
    if (order.isEmpty()) {
        finish(false, QStringLiteral("provider '%1' has no route").arg(m_request.provider));
        return;
    }
    sendOver(order.first());
}

void EngineRequest::onRaceDone(Race *race, const RaceResult &result, bool testObject)
{
    if (testObject) {
        m_engine->drain(race->takeWinnerReply());
        race->deleteLater();
        // The request itself then goes over the winner (or, when the race failed, the best we know).
        const QStringList order = m_engine->orderedRoutes(m_request.provider);
        const QString route = result.ok() ? result.winner : (order.isEmpty() ? QString() : order.first());
        if (route.isEmpty()) {
            finish(false, result.error);
            return;
        }
        sendOver(route);
        return;
    }
    ReplyPtr winner = race->takeWinnerReply();
    race->deleteLater();
    if (!result.ok() || !winner) {
        finish(false, result.error.isEmpty() ? QStringLiteral("the race produced no winner") : result.error);
        return;
    }
    stream(std::move(winner), result.winner);
}

void EngineRequest::sendOver(const QString &routeId)
{
    RaceEngine::Provider *p = m_engine->provider(m_request.provider);
    if (!p) {
        finish(false, QStringLiteral("provider '%1' is gone").arg(m_request.provider));
        return;
    }
    // The chosen route first, then the rest in the cache's failover order.
    QStringList order = m_engine->orderedRoutes(m_request.provider);
    order.removeAll(routeId);
    order.prepend(routeId);
    delivery::DeliveryRequest request;
    request.provider = m_request.provider;
    request.method = m_request.method;
    request.url = m_engine->urlFor(*p, m_request.path);
    request.headers = m_request.headers;
    request.body = m_request.body;
    for (const QString &id : std::as_const(order)) {
        if (RouteClient *client = p->clients.value(id))
            request.routes.append(client);
    }
    request.stall.smoothedTtfbMs = p->smoothedTtfbMs;
    m_result.route = routeId;
    m_delivery = new delivery::Delivery(request, m_sink, this);
    connect(m_delivery, &delivery::Delivery::failover, this, [this](const delivery::FailoverEvent &event) {
        m_result.failovers.append(event);
        m_engine->recordFailover(event);
    });
    connect(m_delivery, &delivery::Delivery::finished, this, [this](const delivery::DeliveryResult &result) {
        if (RaceEngine::Provider *current = m_engine->provider(m_request.provider)) {
            for (auto it = result.smoothedTtfbMs.cbegin(); it != result.smoothedTtfbMs.cend(); ++it)
                current->smoothedTtfbMs.insert(it.key(), it.value());
        }
        m_result.route = result.route.isEmpty() ? m_result.route : result.route;
        m_result.bytes = result.bytes;
        m_result.httpStatus = result.httpStatus;
        m_delivery->deleteLater();
        m_delivery = nullptr;
        finish(result.ok, result.error);
    });
    if (const Result<bool> started = m_delivery->start(); !started) {
        m_delivery->deleteLater();
        m_delivery = nullptr;
        finish(false, started.error());
    }
}

void EngineRequest::stream(ReplyPtr reply, const QString &routeId)
{
    m_result.route = routeId;
    m_reply = std::move(reply);
    QNetworkReply *r = m_reply.get();
    connect(r, &QNetworkReply::readyRead, this, &EngineRequest::pump);
    connect(r, &QNetworkReply::finished, this, &EngineRequest::onReplyFinished);
    // The winner of a race carries no transfer timeout (see Race): the body must keep moving.
    m_idle.start();
    auto *watchdog = new QTimer(this);
    watchdog->setInterval(1000);
    connect(watchdog, &QTimer::timeout, this, [this] {
        const qint64 limit = m_engine->m_settings.raceTimeout.count();
        if (!m_finished && m_idle.elapsed() > limit)
            finish(false, QStringLiteral("route %1: no data for %2 ms after %3 bytes")
                              .arg(m_result.route)
                              .arg(limit)
                              .arg(m_result.bytes));
    });
    watchdog->start();
    pump(); // what arrived during the race
    if (r->isFinished())
        QMetaObject::invokeMethod(this, &EngineRequest::onReplyFinished, Qt::QueuedConnection);
}

void EngineRequest::pump()
{
    if (!m_reply || m_finished)
        return;
    const QByteArray chunk = m_reply->readAll();
    if (chunk.isEmpty())
        return;
    m_idle.start();
    if (!m_sink || m_sink->write(chunk) != chunk.size()) {
        finish(false, QStringLiteral("writing the response failed after %1 bytes: %2")
                          .arg(m_result.bytes)
                          .arg(m_sink ? m_sink->errorString() : QStringLiteral("the sink is gone")));
        return;
    }
    m_result.bytes += chunk.size();
}

void EngineRequest::onReplyFinished()
{
    if (!m_reply || m_finished)
        return;
    pump();
    if (m_finished)
        return;
    QNetworkReply *r = m_reply.get();
    m_result.httpStatus = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (!endedIntact(*r)) {
        finish(false, QStringLiteral("route %1: %2 after %3 bytes").arg(m_result.route, r->errorString()).arg(m_result.bytes));
        return;
    }
    const QVariant length = r->header(QNetworkRequest::ContentLengthHeader);
    if (m_request.method != "HEAD" && length.isValid() && length.toLongLong() != m_result.bytes) {
        finish(false, QStringLiteral("route %1: the body ended at %2 of %3 bytes")
                          .arg(m_result.route)
                          .arg(m_result.bytes)
                          .arg(length.toLongLong()));
        return;
    }
    finish(true, QString());
}

void EngineRequest::finish(bool ok, const QString &error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_result.ok = ok;
    m_result.error = error;
    if (m_reply) {
        QObject::disconnect(m_reply.get(), nullptr, this, nullptr);
        m_reply.reset();
    }
    if (RaceEngine::Provider *p = m_engine->provider(m_request.provider)) {
        p->stats.requestBytes += m_result.bytes;
        m_engine->emitSnapshot(*p);
    }
    Q_EMIT finished(m_result);
}

} // namespace relayrace::race
