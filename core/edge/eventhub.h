// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>

class QTcpSocket;
class QTimer;

namespace relayrace::engine {
class EngineFront;
}

namespace relayrace::edge {

// The admin API's live events (GET /api/v1/events, docs/api.md): the engine front's signals as
// Server-Sent Events, to every subscribed connection. A subscriber first gets "hello" (the API
// version, every provider's map and snapshot, the engine's status), then each event as it happens.
// Each event is encoded once, whatever the number of subscribers, and events are written in batches,
// every kFlushIntervalMs at most (a console's views coalesce at that pace anyway): with 10 subscribers
// and 50 races a second, a write per event and subscriber cost the edge a fifth of its throughput
// (docs/benchmarks.md). Route progress is throttled: at most one per route every
// kProgressIntervalMs, the latest. A subscriber that does not read (more
// than kMaxBacklogBytes waiting) is disconnected rather than buffered for ever; a comment every
// kHeartbeatMs keeps idle connections alive and finds dead ones.
class EventHub final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventHub)
public:
    static constexpr int kProgressIntervalMs = 100;
    static constexpr int kFlushIntervalMs = 50;
    static constexpr int kHeartbeatMs = 15000;
    static constexpr qint64 kMaxBacklogBytes = 8 * 1024 * 1024;
    static constexpr int kMaxSubscribers = 64;

    explicit EventHub(engine::EngineFront *front, QObject *parent = nullptr);
    ~EventHub() override;

    // Takes a connection whose response head was written; false when kMaxSubscribers are already in.
    bool subscribe(QTcpSocket *socket);
    int subscribers() const; // connected now
    // Subscribers disconnected for not reading, since the edge started.
    qint64 dropped() const { return m_dropped; }

private:
    void broadcast(const QByteArray &frame); // queued for the next flush
    void flush();
    void flushProgress();
    QByteArray hello() const;

    engine::EngineFront *m_front;
    QList<QPointer<QTcpSocket>> m_subscribers;
    struct Progress
    {
        quint64 raceId = 0;
        QString routeId;
        qint64 bytes = 0;
        qint64 thresholdBytes = 0;
    };
    QHash<QPair<quint64, QString>, Progress> m_progress; // waiting for the next flush
    QTimer *m_progressTimer;
    QTimer *m_heartbeat;
    QTimer *m_flushTimer;
    QByteArray m_pending;     // frames not written yet
    qint64 m_dropped = 0;
};

} // namespace relayrace::edge
