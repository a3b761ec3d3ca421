// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "demo/demotraffic.h"

#include "engine/enginefront.h"

#include <QTimer>

namespace relayrace::demo {

DemoTraffic::DemoTraffic(engine::EngineFront *front, QStringList providers, int intervalMs, QObject *parent)
    : QObject(parent), m_front(front), m_providers(std::move(providers)), m_timer(new QTimer(this))
{
    connect(m_front, &engine::EngineFront::served, this, &DemoTraffic::onServed);
    connect(m_timer, &QTimer::timeout, this, &DemoTraffic::tick);
    m_timer->start(intervalMs);
}

void DemoTraffic::tick()
{
    // A slow demo machine must not pile requests up: one round at a time.
    if (!m_inFlight.isEmpty())
        return;
    for (const QString &provider : std::as_const(m_providers)) {
        engine::ServeRequest request;
        request.provider = provider;
        // Objects vary so caches in between (none here, but in real life) would not answer.
        request.path = QStringLiteral("/obj/demo-%1?size=%2").arg(++m_sequence % 16).arg(kObjectBytes);
        m_inFlight.insert(m_front->serve(request));
    }
}

void DemoTraffic::onServed(quint64 ticket, const engine::ServeResult &)
{
    if (m_inFlight.remove(ticket))
        ++m_served;
}

} // namespace relayrace::demo
