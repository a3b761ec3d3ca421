// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QSet>
#include <QStringList>

class QTimer;

namespace relayrace::engine {
class EngineFront;
struct ServeResult;
}

namespace relayrace::demo {

// The demo's users: every interval, one GET per provider through the engine front (the route cache,
// the triggers, delivery with failover), so that an operator who cuts a link in the console sees a
// failover. A driver like any other: it lives on the front's thread and owns nothing of the engine.
class DemoTraffic final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoTraffic)
public:
    static constexpr int kDefaultIntervalMs = 1000;
    static constexpr qint64 kObjectBytes = 512 * 1024;

    DemoTraffic(engine::EngineFront *front, QStringList providers, int intervalMs = kDefaultIntervalMs,
                QObject *parent = nullptr);

    qint64 requestsServed() const { return m_served; }

private:
    void tick();
    void onServed(quint64 ticket, const engine::ServeResult &result);

    engine::EngineFront *m_front;
    QStringList m_providers;
    QTimer *m_timer;
    QSet<quint64> m_inFlight; // tickets of this round's requests
    qint64 m_served = 0;
    quint64 m_sequence = 0;
};

} // namespace relayrace::demo
