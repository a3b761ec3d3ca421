// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/serverequest.h"
#include "model/raceresult.h"
#include "race/routeclient.h"

#include <QObject>
#include <QPointer>

#include <optional>

class QIODevice;
class QTimer;

namespace relayrace::delivery {
class Delivery;
}
namespace relayrace::race {
class Race;
}

namespace relayrace::engine {

// One request served by the RaceEngine (RaceEngine::serve): decides with the route cache whether
// to race, races (on the request itself or on the test object) or takes the cached route, and
// streams the response body into the sink through a delivery::Delivery, which alone decides when a
// body is complete. A raced winner's reply is that delivery's first attempt: when it dies mid-body
// (an error, a short body, a stall) the delivery continues it from the bytes already written, over
// the other routes in the cache's failover order and the failed winner last. Finishes once; the
// engine deletes it afterwards.
class RaceEngine;

class EngineRequest final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineRequest)
public:
    // Made by RaceEngine::serve, which starts it on the next turn.
    EngineRequest(RaceEngine *engine, ServeRequest request, QIODevice *sink);
    void start();

    const ServeRequest &request() const { return m_request; }
    const ServeResult &result() const { return m_result; }
    bool isFinished() const { return m_finished; }

Q_SIGNALS:
    void finished(const relayrace::engine::ServeResult &result);

private:
    void onRaceDone(race::Race *race, const model::RaceResult &result, bool testObject);
    // Delivers over routeId first, failing over (and resuming) along the cache's order.
    void sendOver(const QString &routeId);
    // A delivery over order; with running (a race's winner, sent over order's first route), it
    // starts with that reply.
    void deliver(const QStringList &order, race::ReplyPtr running);
    void finish(bool ok, const QString &error);

    RaceEngine *m_engine;
    ServeRequest m_request;
    QPointer<QIODevice> m_sink;
    delivery::Delivery *m_delivery = nullptr;
    ServeResult m_result;
    bool m_finished = false;
};

} // namespace relayrace::engine
