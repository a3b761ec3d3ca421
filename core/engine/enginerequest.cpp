// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "engine/enginerequest.h"

#include "delivery/delivery.h"
#include "delivery/failurereason.h"
#include "log/logging.h"
#include "engine/providerstate.h"
#include "engine/raceengine.h"
#include "engine/responsestream.h"
#include "policy/routecache.h"
#include "race/httpmessage.h"
#include "race/race.h"

#include <QIODevice>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <cmath>

namespace relayrace::engine {
namespace {

policy::ServedSample servedSample(const delivery::DeliveryResult &result)
{
    // The first attempt went over the route the cache chose: what served traffic saw on it.
    const delivery::DeliveryAttempt &first = result.attempts.first();
    policy::ServedSample sample;
    sample.route = first.route;
    sample.ttfbMs = first.ttfbMs;
    sample.bodyBytes = first.bytes;
    sample.failedOver = !first.error.isEmpty() && result.attempts.size() > 1;
    if (first.ttfbMs >= 0 && result.attempts.size() == 1)
        sample.bodyMs = result.elapsedMs - first.ttfbMs;
    return sample;
}

} // namespace

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
        // A race measures a body from its first byte: a request for a range of it (or a conditional
        // one that may answer with no body) races on the test object and then goes over the winner
        // with its own headers.
        const bool partial = !race::headerValue(m_request.headers, "Range").isEmpty();
        const bool onTestObject = partial || p->map().race.object == map::RaceSettings::Object::TestObject;
        RaceSpec spec;
        spec.path = onTestObject ? QString() : m_request.path;
        spec.trigger = decision.trigger;
        spec.requested = onTestObject ? nullptr : &m_request;
        // Refused (in flight, budget): the engine logs why; the request goes over the best route known.
        if (const Result<race::Race *> started = m_engine->startRace(*p, spec)) {
            race::Race *race = *started;
            m_result.raced = true;
            m_result.trigger = decision.trigger;
            // At the decision: the winner's reply streams to the requester at once; the engine
            // records the result (and deletes the race) when its overtime is over.
            connect(race, &race::Race::decided, this, [this, race, onTestObject](const model::RaceResult &result) {
                onRaceDone(race, result, onTestObject);
            });
            return;
        }
    }
    const QStringList order = m_engine->orderedRoutes(m_request.provider);
    if (order.isEmpty()) {
        finish(false, m_engine->noRouteReason(m_request.provider));
        return;
    }
    sendOver(order.first());
}

void EngineRequest::onRaceDone(race::Race *race, const model::RaceResult &result, bool testObject)
{
    if (testObject) {
        m_engine->drain(race->takeWinnerReply());
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
    if (!result.ok() || !winner) {
        finish(false, result.error.isEmpty() ? QStringLiteral("the race produced no winner") : result.error);
        return;
    }
    // The winner's reply goes on as the first attempt of a delivery, which checks its body and, when
    // it dies, continues it over the other routes in the cache's failover order and the winner last:
    // one broken connection does not condemn a route, but it is asked again only when every other
    // route failed.
    QStringList order = m_engine->orderedRoutes(m_request.provider);
    order.removeAll(result.winner);
    order.prepend(result.winner);
    order.append(result.winner);
    m_result.route = result.winner;
    deliver(order, std::move(winner));
}

void EngineRequest::sendOver(const QString &routeId)
{
    // The chosen route first, then the rest in the cache's failover order.
    QStringList order = m_engine->orderedRoutes(m_request.provider);
    order.removeAll(routeId);
    order.prepend(routeId);
    m_result.route = routeId;
    deliver(order, nullptr);
}

void EngineRequest::deliver(const QStringList &order, race::ReplyPtr running)
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
    request.resendWrites = m_request.resendWrites;
    request.bodyPipe = m_request.bodyPipe;
    request.client = m_request.client;
    request.requestId = m_request.requestId;
    request.hashBody = false; // a ServeResult carries no digest; a stated Repr-Digest is still checked
    auto *stream = qobject_cast<ResponseStream *>(m_sink.data());
    if (stream && stream->isAbandoned()) {
        // The client left during the race: nothing to deliver, and no route to hold for it.
        finish(false, QString::fromLatin1(delivery::Delivery::kRequesterGone));
        return;
    }
    m_delivery = new delivery::Delivery(request, m_sink, this);
    if (stream) {
        connect(m_delivery, &delivery::Delivery::headCommitted, stream,
                [stream](int status, const QList<std::pair<QByteArray, QByteArray>> &headers, const QString &framing,
                         qint64 length) { stream->setHead({status, headers, framing, length}); });
        // The client left mid-body: abandon() wakes the writer. A delivery waiting for room would
        // otherwise hold its route connection, unread, until its deadline (300 s): a hundred clients
        // leaving that way used up a route's connections (docs/reliability.md).
        connect(stream, &QIODevice::bytesWritten, m_delivery, [this, stream] {
            if (m_delivery && !m_delivery->isFinished() && stream->isAbandoned())
                m_delivery->cancel(QString::fromLatin1(delivery::Delivery::kRequesterGone));
        });
    }
    connect(m_delivery, &delivery::Delivery::failover, this, [this](const model::FailoverEvent &event) {
        m_result.failovers.append(event);
        m_engine->recordFailover(event);
    });
    connect(m_delivery, &delivery::Delivery::finished, this, [this](const delivery::DeliveryResult &result) {
        if (ProviderState *current = m_engine->provider(m_request.provider)) {
            current->mergeSmoothedTtfb(result.smoothedTtfbMs);
            if (!m_result.raced && !result.attempts.isEmpty())
                m_engine->served(*current, servedSample(result));
        }
        m_result.route = result.route.isEmpty() ? m_result.route : result.route;
        m_result.bytes = result.bytes;
        m_result.httpStatus = result.httpStatus;
        m_result.framing = result.framing;
        m_result.lengthVerified = result.lengthVerified;
        m_delivery->deleteLater();
        m_delivery = nullptr;
        finish(result.ok, result.error);
    });
    const Result<void> started = running ? m_delivery->startWith(std::move(running)) : m_delivery->start();
    if (!started) {
        m_delivery->deleteLater();
        m_delivery = nullptr;
        finish(false, started.error());
    }
}

void EngineRequest::finish(bool ok, const QString &error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_result.ok = ok;
    m_result.error = error;
    if (ProviderState *p = m_engine->provider(m_request.provider))
        m_engine->requestFinished(*p, m_result.bytes);
    Q_EMIT finished(m_result);
}

} // namespace relayrace::engine
