// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/eventhub.h"

#include "engine/enginefront.h"
#include "model/failoverevent.h"
#include "model/raceresult.h"
#include "wire/frontjson.h"
#include "wire/sse.h"

#include <QJsonArray>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

namespace relayrace::edge {

EventHub::EventHub(engine::EngineFront *front, QObject *parent)
    : QObject(parent), m_front(front), m_progressTimer(new QTimer(this)), m_heartbeat(new QTimer(this)),
      m_flushTimer(new QTimer(this))
{
    using Front = engine::EngineFront;
    const auto send = [this](QByteArrayView name, const QJsonObject &data) {
        if (!m_subscribers.isEmpty())
            broadcast(wire::sseFrame(name, data));
    };
    connect(front, &Front::raceStarted, this, [send](const engine::RaceStart &start) {
        send("race_started", wire::toJson(start));
    });
    connect(front, &Front::routeProgress, this, [this](quint64 raceId, const QString &routeId, qint64 bytes, qint64 threshold) {
        if (m_subscribers.isEmpty())
            return;
        m_progress.insert({raceId, routeId}, Progress{raceId, routeId, bytes, threshold});
        if (!m_progressTimer->isActive())
            m_progressTimer->start();
    });
    connect(front, &Front::raceFinished, this, [this, send](quint64 raceId, const model::RaceResult &result) {
        flushProgress(); // a finished race's last progress comes before its result
        send("race_finished", QJsonObject{{QStringLiteral("race_id"), qint64(raceId)},
                                          {QStringLiteral("result"), model::toJson(result)}});
    });
    connect(front, &Front::raceRefused, this, [send](const engine::RaceRefusal &refusal) {
        send("race_refused", wire::toJson(refusal));
    });
    connect(front, &Front::raceQueued, this, [send](quint64 orderId, const QString &provider, int position) {
        send("race_queued", QJsonObject{{QStringLiteral("order_id"), qint64(orderId)},
                                        {QStringLiteral("provider"), provider},
                                        {QStringLiteral("position"), position}});
    });
    connect(front, &Front::routeChanged, this, [send](const model::RouteChange &change) {
        send("route_changed", wire::toJson(change));
    });
    connect(front, &Front::failover, this, [send](const model::FailoverEvent &event) {
        send("failover", model::toJson(event));
    });
    connect(front, &Front::providerChanged, this, [send](const engine::ProviderSnapshot &snapshot) {
        send("provider_changed", wire::toJson(snapshot));
    });
    connect(front, &Front::mapChanged, this, [send](const map::RouteMap &map) {
        send("map_changed", QJsonObject{{QStringLiteral("map"), wire::mapJson(map)}});
    });
    connect(front, &Front::providerRemoved, this, [send](const QString &provider) {
        send("provider_removed", QJsonObject{{QStringLiteral("provider"), provider}});
    });
    connect(front, &Front::statusChanged, this, [send](const engine::EngineStatus &status) {
        send("status_changed", wire::toJson(status));
    });

    m_progressTimer->setSingleShot(true);
    m_progressTimer->setInterval(kProgressIntervalMs);
    connect(m_progressTimer, &QTimer::timeout, this, &EventHub::flushProgress);
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(kFlushIntervalMs);
    connect(m_flushTimer, &QTimer::timeout, this, &EventHub::flush);
    m_heartbeat->setInterval(kHeartbeatMs);
    connect(m_heartbeat, &QTimer::timeout, this, [this] { broadcast(wire::sseComment("heartbeat")); });
}

EventHub::~EventHub()
{
    for (const QPointer<QTcpSocket> &socket : std::as_const(m_subscribers)) {
        if (socket)
            socket->disconnectFromHost();
    }
}

int EventHub::subscribers() const
{
    return int(std::count_if(m_subscribers.cbegin(), m_subscribers.cend(), [](const QPointer<QTcpSocket> &socket) {
        return socket && socket->state() == QAbstractSocket::ConnectedState;
    }));
}

bool EventHub::subscribe(QTcpSocket *socket)
{
    m_subscribers.removeAll(nullptr);
    if (m_subscribers.size() >= kMaxSubscribers)
        return false;
    flush(); // what is queued predates the hello this one gets: it goes to the others only
    m_subscribers.append(socket);
    // Gone once the server deletes the connection. Not at `disconnected`: a socket's destructor emits
    // it, when the object is no QTcpSocket any more (a QPointer<QTcpSocket> must not be read then).
    connect(socket, &QObject::destroyed, this, [this] { m_subscribers.removeAll(nullptr); });
    socket->write(hello());
    if (!m_heartbeat->isActive())
        m_heartbeat->start();
    return true;
}

QByteArray EventHub::hello() const
{
    QJsonArray providers;
    QStringList ids = m_front->providers();
    ids.sort();
    for (const QString &id : std::as_const(ids)) {
        QJsonObject provider{{QStringLiteral("snapshot"), wire::toJson(m_front->snapshot(id))}};
        if (const std::optional<map::RouteMap> routeMap = m_front->routeMap(id))
            provider.insert(QStringLiteral("map"), wire::mapJson(*routeMap));
        providers.append(provider);
    }
    return wire::sseFrame("hello", QJsonObject{{QStringLiteral("version"), wire::kApiVersion},
                                               {QStringLiteral("providers"), providers},
                                               {QStringLiteral("status"), wire::toJson(m_front->status())}});
}

void EventHub::flushProgress()
{
    m_progressTimer->stop();
    const auto waiting = std::exchange(m_progress, {});
    for (const Progress &p : waiting) {
        broadcast(wire::sseFrame("route_progress", QJsonObject{{QStringLiteral("race_id"), qint64(p.raceId)},
                                                               {QStringLiteral("route"), p.routeId},
                                                               {QStringLiteral("bytes"), p.bytes},
                                                               {QStringLiteral("threshold_bytes"), p.thresholdBytes}}));
    }
}

void EventHub::broadcast(const QByteArray &frame)
{
    if (m_subscribers.isEmpty())
        return;
    m_pending.append(frame);
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

void EventHub::flush()
{
    const QByteArray frames = std::exchange(m_pending, QByteArray());
    for (qsizetype i = 0; i < m_subscribers.size();) {
        QTcpSocket *socket = m_subscribers.at(i);
        if (!socket || socket->state() != QAbstractSocket::ConnectedState) {
            m_subscribers.removeAt(i);
            continue;
        }
        if (socket->bytesToWrite() > kMaxBacklogBytes) {
            ++m_dropped;
            m_subscribers.removeAt(i);
            socket->abort();
            continue;
        }
        socket->write(frames);
        ++i;
    }
    if (m_subscribers.isEmpty())
        m_heartbeat->stop();
}

} // namespace relayrace::edge
