// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "engine/enginefront.h"

namespace relayrace::engine {

EngineFront::EngineFront(QObject *parent) : QObject(parent)
{
    // The mirror follows the signals, whoever emits them (a local engine's thread, a remote edge).
    connect(this, &EngineFront::mapChanged, this, [this](const map::RouteMap &map) { m_maps.insert(map.provider, map); });
    connect(this, &EngineFront::providerChanged, this,
            [this](const ProviderSnapshot &snapshot) { m_snapshots.insert(snapshot.provider, snapshot); });
    connect(this, &EngineFront::providerRemoved, this, [this](const QString &provider) {
        m_maps.remove(provider);
        m_snapshots.remove(provider);
    });
    connect(this, &EngineFront::statusChanged, this, [this](const EngineStatus &status) { m_status = status; });
}

EngineFront::~EngineFront() = default;

quint64 EngineFront::raceNow(RaceOrder order)
{
    order.orderId = m_nextOrder++;
    submitRace(order);
    return order.orderId;
}

quint64 EngineFront::serve(const ServeRequest &request, std::shared_ptr<ResponseStream> stream)
{
    const quint64 ticket = m_nextTicket++;
    submitServe(ticket, request, std::move(stream));
    return ticket;
}

quint64 EngineFront::queryHistory(const HistoryQuery &query)
{
    const quint64 ticket = m_nextTicket++;
    submitHistoryQuery(ticket, query);
    return ticket;
}

QStringList EngineFront::providers() const
{
    QStringList ids = m_maps.keys();
    ids.sort();
    return ids;
}

std::optional<map::RouteMap> EngineFront::routeMap(const QString &provider) const
{
    const auto it = m_maps.constFind(provider);
    if (it == m_maps.cend())
        return std::nullopt;
    return *it;
}

ProviderSnapshot EngineFront::snapshot(const QString &provider) const
{
    return m_snapshots.value(provider);
}

} // namespace relayrace::engine
