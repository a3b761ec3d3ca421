// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "engine/enginerequest.h"

#include "delivery/delivery.h"
#include "delivery/failurereason.h"
#include "log/logging.h"
#include "engine/providerstate.h"
#include "engine/raceengine.h"
#include "race/race.h"

#include <QIODevice>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <cmath>

namespace relayrace::engine {

EngineRequest::EngineRequest(RaceEngine *engine, ServeRequest request, QIODevice *sink)
    : QObject(engine), m_engine(engine), m_request(std::move(request)), m_sink(sink)
{
}

void EngineRequest::start()
{
    ProviderState *p = m_engine->provider(m_request.provider);
    if (!p) {
        finish(false, QStringLiteral("no map for provider '%1'").arg(m_request.provider));
        return;
    }
    if (!m_sink || !m_sink->isWritable()) {
        finish(false, QStringLiteral("the response has nowhere to go (the sink is not writable)"));
        return;
    }
    const policy::Decision decision = m_engine->admitRequest(*p);
    const bool idempotent = m_request.method == "GET" || m_request.method == "HEAD";
    // Non-idempotent requests are never raced: they go once, over the optimal route.
    if (decision.race && idempotent) {
        const bool onTestObject = p->map().race.object == map::RaceSettings::Object::TestObject;
        RaceSpec spec;
        spec.path = onTestObject ? QString() : m_request.path;
        spec.trigger = decision.trigger;
        spec.requested = onTestObject ? nullptr : &m_request;
        // Refused (in flight, budget): the engine logs why; the request goes over the best route known.
        if (const Result<race::Race *> started = m_engine->startRace(*p, spec)) {
            race::Race *race = *started;
            m_result.raced = true;
            m_result.trigger = decision.trigger;
            connect(race, &race::Race::finished, this, [this, race, onTestObject](const model::RaceResult &result) {
                onRaceDone(race, result, onTestObject);
            });
            return;
        }
    }
    const QStringList order = m_engine->orderedRoutes(m_request.provider);
    if (order.isEmpty()) {
        finish(false, QStringLiteral("provider '%1' has no route").arg(m_request.provider));
        return;
    }
    sendOver(order.first());
}

void EngineRequest::onRaceDone(race::Race *race, const model::RaceResult &result, bool testObject)
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
    race::ReplyPtr winner = race->takeWinnerReply();
    race->deleteLater();
    if (!result.ok() || !winner) {
        finish(false, result.error.isEmpty() ? QStringLiteral("the race produced no winner") : result.error);
        return;
    }
    stream(std::move(winner), result.winner);
}

void EngineRequest::sendOver(const QString &routeId)
{
    // The chosen route first, then the rest in the cache's failover order.
    QStringList order = m_engine->orderedRoutes(m_request.provider);
    order.removeAll(routeId);
    order.prepend(routeId);
    m_result.route = routeId;
    deliver(order, std::nullopt);
}

void EngineRequest::deliver(const QStringList &order, std::optional<delivery::DeliveryContinuation> continuation)
{
    const ProviderState *p = m_engine->provider(m_request.provider);
    if (!p) {
        finish(false, QStringLiteral("provider '%1' is gone").arg(m_request.provider));
        return;
    }
    delivery::DeliveryRequest request;
    request.provider = m_request.provider;
    request.method = m_request.method;
    request.url = p->urlFor(m_request.path);
    request.headers = m_request.headers;
    request.body = m_request.body;
    request.routes = p->clients(order);
    request.stall.smoothedTtfbMs = p->smoothedTtfbMs();
    request.continuation = std::move(continuation);
    m_delivery = new delivery::Delivery(request, m_sink, this);
    connect(m_delivery, &delivery::Delivery::failover, this, [this](const model::FailoverEvent &event) {
        m_result.failovers.append(event);
        m_engine->recordFailover(event);
    });
    connect(m_delivery, &delivery::Delivery::finished, this, [this](const delivery::DeliveryResult &result) {
        if (ProviderState *current = m_engine->provider(m_request.provider))
            current->mergeSmoothedTtfb(result.smoothedTtfbMs);
        m_result.route = result.route.isEmpty() ? m_result.route : result.route;
        m_result.bytes = result.bytes; // a continuation's offset included
        m_result.httpStatus = result.httpStatus;
        m_delivery->deleteLater();
        m_delivery = nullptr;
        finish(result.ok, result.error);
    });
    if (const Result<void> started = m_delivery->start(); !started) {
        m_delivery->deleteLater();
        m_delivery = nullptr;
        finish(false, started.error());
    }
}

void EngineRequest::stream(race::ReplyPtr reply, const QString &routeId)
{
    m_result.route = routeId;
    m_reply = std::move(reply);
    QNetworkReply *r = m_reply.get();
    m_result.httpStatus = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    connect(r, &QNetworkReply::readyRead, this, &EngineRequest::pump);
    connect(r, &QNetworkReply::finished, this, &EngineRequest::onReplyFinished);
    // The winner of a race carries no transfer timeout (see Race): the body must keep moving, by the
    // rule a delivery applies to its own routes.
    const ProviderState *p = m_engine->provider(m_request.provider);
    const double bound = delivery::StallSettings{}.boundMs(p ? p->smoothedTtfbMs().value(routeId, -1) : -1);
    m_stallTimer = new QTimer(this);
    m_stallTimer->setSingleShot(true);
    m_stallTimer->setTimerType(Qt::PreciseTimer);
    m_stallTimer->setInterval(int(std::ceil(bound)));
    connect(m_stallTimer, &QTimer::timeout, this, [this, bound] {
        if (!m_finished && m_reply)
            handOver(QStringLiteral("stall"),
                     QStringLiteral("%1: no body bytes for %2 ms (the stall bound of this route)")
                         .arg(m_result.route)
                         .arg(qRound(bound)));
    });
    m_stallTimer->start();
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
    m_stallTimer->start();
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
    if (!race::endedIntact(*r)) {
        handOver(delivery::failureReason(r->error()), m_result.route + u": " + r->errorString());
        return;
    }
    const QVariant length = r->header(QNetworkRequest::ContentLengthHeader);
    if (m_request.method != "HEAD" && length.isValid() && length.toLongLong() != m_result.bytes) {
        // Qt can end a body that the connection cut short without an error: the length is the truth.
        handOver(QStringLiteral("reset"), QStringLiteral("%1: the body ended at byte %2 of %3")
                                              .arg(m_result.route)
                                              .arg(m_result.bytes)
                                              .arg(length.toLongLong()));
        return;
    }
    finish(true, QString());
}

void EngineRequest::handOver(const QString &reason, const QString &detail)
{
    m_stallTimer->stop();
    delivery::DeliveryContinuation c;
    c.offset = m_result.bytes;
    c.httpStatus = m_result.httpStatus;
    for (const auto &[name, value] : m_reply->rawHeaderPairs())
        c.headers.append({name, value});
    c.fromRoute = m_result.route;
    c.reason = reason;
    c.detail = detail;
    // Often inside the reply's own finished(): it goes on the next turn (as Delivery drops its own).
    QObject::disconnect(m_reply.get(), nullptr, this, nullptr);
    QNetworkReply *reply = m_reply.release();
    QTimer::singleShot(0, reply, [reply] { race::ReplyDeleter{}(reply); });
    log::get("engine")->info("request {} {}: winner {} failed after {} B ({}); continuing over the other routes",
                             m_request.provider.toStdString(), m_request.path.toStdString(),
                             c.fromRoute.toStdString(), c.offset, detail.toStdString());
    // The other routes in the cache's failover order, the failed winner last: one broken connection
    // does not condemn a route, but it is asked again only when every other route failed.
    QStringList order = m_engine->orderedRoutes(m_request.provider);
    order.removeAll(c.fromRoute);
    order.append(c.fromRoute);
    deliver(order, std::move(c));
}

void EngineRequest::finish(bool ok, const QString &error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_result.ok = ok;
    m_result.error = error;
    if (m_stallTimer)
        m_stallTimer->stop();
    if (m_reply) {
        QObject::disconnect(m_reply.get(), nullptr, this, nullptr);
        m_reply.reset();
    }
    if (ProviderState *p = m_engine->provider(m_request.provider))
        m_engine->requestFinished(*p, m_result.bytes);
    Q_EMIT finished(m_result);
}

} // namespace relayrace::engine
