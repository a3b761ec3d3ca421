#include "lab/demotraffic.h"

#include "race/enginerequest.h"
#include "race/raceengine.h"
#include "util/discarddevice.h"

#include <QTimer>

namespace relayrace::lab {

DemoTraffic::DemoTraffic(race::RaceEngine *engine, QStringList providers, int intervalMs)
    : QObject(engine), m_engine(engine), m_providers(std::move(providers)), m_timer(new QTimer(this))
{
    connect(m_timer, &QTimer::timeout, this, &DemoTraffic::tick);
    m_timer->start(intervalMs);
}

void DemoTraffic::tick()
{
    // A slow demo machine must not pile requests up: one round at a time.
    if (m_inFlight > 0)
        return;
    for (const QString &provider : std::as_const(m_providers)) {
        race::ServeRequest request;
        request.provider = provider;
        // Objects vary so caches in between (none here, but in real life) would not answer.
        request.path = QStringLiteral("/obj/demo-%1?size=%2").arg(++m_sequence % 16).arg(kObjectBytes);
        auto *sink = new DiscardDevice(this);
        race::EngineRequest *served = m_engine->serve(request, sink);
        ++m_inFlight;
        connect(served, &race::EngineRequest::finished, this, [this, sink] {
            --m_inFlight;
            ++m_served;
            sink->deleteLater();
        });
    }
}

} // namespace relayrace::lab
