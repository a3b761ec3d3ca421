#pragma once

#include <QObject>
#include <QStringList>

class QTimer;

namespace relayrace::race {
class RaceEngine;
}

namespace relayrace::lab {

// The demo's users: every interval, one GET per provider through the engine (the route cache, the
// triggers, delivery with failover), so that an operator who cuts a link in the console sees a
// failover. Lives on the engine's thread, as a child of the engine.
class DemoTraffic final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoTraffic)
public:
    static constexpr int kDefaultIntervalMs = 1000;
    static constexpr qint64 kObjectBytes = 512 * 1024;

    DemoTraffic(race::RaceEngine *engine, QStringList providers, int intervalMs = kDefaultIntervalMs);

    qint64 requestsServed() const { return m_served; }

private:
    void tick();

    race::RaceEngine *m_engine;
    QStringList m_providers;
    QTimer *m_timer;
    int m_inFlight = 0;
    qint64 m_served = 0;
    quint64 m_sequence = 0;
};

} // namespace relayrace::lab
