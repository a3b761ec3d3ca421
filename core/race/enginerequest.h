#pragma once

#include "race/raceengine.h"
#include "race/routeclient.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

class QIODevice;

namespace relayrace::delivery {
class Delivery;
}

namespace relayrace::race {

// One request served by the RaceEngine (RaceEngine::serve): decides with the route cache whether
// to race, races (on the request itself or on the test object) or takes the cached route, and
// streams the response body into the sink. Finishes once; the engine deletes it afterwards.
class EngineRequest final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineRequest)
public:
    const ServeRequest &request() const { return m_request; }
    const ServeResult &result() const { return m_result; }
    bool isFinished() const { return m_finished; }

Q_SIGNALS:
    void finished(const relayrace::race::ServeResult &result);

private:
    friend class RaceEngine;
    EngineRequest(RaceEngine *engine, ServeRequest request, QIODevice *sink);

    void start();
    void onRaceDone(Race *race, const RaceResult &result, bool testObject);
    // Delivers over routeId first, failing over (and resuming) along the cache's order.
    void sendOver(const QString &routeId);
    void stream(ReplyPtr reply, const QString &routeId);
    void pump();
    void onReplyFinished();
    void finish(bool ok, const QString &error);

    RaceEngine *m_engine;
    ServeRequest m_request;
    QPointer<QIODevice> m_sink;
    ReplyPtr m_reply;
    delivery::Delivery *m_delivery = nullptr; // the cached route's delivery, with failover
    QElapsedTimer m_idle; // since the last body bytes
    ServeResult m_result;
    bool m_finished = false;
};

} // namespace relayrace::race
