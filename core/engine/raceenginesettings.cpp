// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// RaceEngine::updateSettings: the settings an operator changes while the engine runs.
#include "engine/raceengine.h"

#include "engine/mapexpiry.h"
#include "engine/providerstate.h"
#include "history/historystore.h"
#include "log/logging.h"
#include "race/routeclient.h"

namespace relayrace::engine {

void RaceEngine::updateSettings(const EngineSettings &next)
{
    QStringList changed;
    if (next.fairness != m_settings.fairness)
        changed << QStringLiteral("fairness %1").arg(next.fairness == race::RaceRequest::Fairness::Cold ? u"cold" : u"warm");
    if (next.raceTimeout != m_settings.raceTimeout)
        changed << QStringLiteral("race timeout %1 s").arg(double(next.raceTimeout.count()) / 1000.0);
    if (next.maxRacesPerMinute != m_settings.maxRacesPerMinute)
        changed << QStringLiteral("race budget %1 per minute").arg(next.maxRacesPerMinute);
    if (next.expiredMap != m_settings.expiredMap)
        changed << QStringLiteral("expired_map %1").arg(expiredMapPolicyName(next.expiredMap));
    const bool caChanged = next.caCertificates != m_settings.caCertificates;
    if (caChanged)
        changed << QStringLiteral("%1 CA certificates").arg(next.caCertificates.size());
    const bool daysChanged = next.historyDays != m_settings.historyDays && next.historyDays > 0;
    if (daysChanged)
        changed << QStringLiteral("history kept %1 days").arg(next.historyDays);
    const bool regionChanged = next.edgeRegion != m_settings.edgeRegion && !next.edgeRegion.isEmpty();
    if (regionChanged)
        changed << QStringLiteral("edge region %1").arg(next.edgeRegion);
    if (changed.isEmpty())
        return;

    m_settings.fairness = next.fairness;
    m_settings.raceTimeout = next.raceTimeout;
    m_settings.maxRacesPerMinute = next.maxRacesPerMinute;
    m_settings.expiredMap = next.expiredMap;
    m_cache->setMaxRacesPerMinute(next.maxRacesPerMinute);
    if (caChanged) {
        m_settings.caCertificates = next.caCertificates;
        for (race::RouteClient *client : std::as_const(m_clients))
            client->setCaCertificates(m_settings.caCertificates); // new connections verify with them
    }
    if (daysChanged) {
        m_settings.historyDays = next.historyDays;
        if (m_history) { // applied now, not at the next hourly pass
            history::Retention retention = m_history->retention();
            retention.maxAgeDays = next.historyDays;
            m_history->setRetention(retention);
            if (const Result<qint64> deleted = m_history->applyRetention(QDateTime::currentDateTimeUtc()); !deleted)
                log::get("engine")->error("history retention: {}", deleted.error().toStdString());
        }
    }
    if (regionChanged) {
        // Each provider's routes are those of the new region's alternates: its state is made again
        // from its map (counters and schedule carried over; the route cache keys by region).
        m_settings.edgeRegion = next.edgeRegion;
        const auto providers = m_providers;
        for (const auto &p : providers)
            setMap(p->map(), p->stats().mapTrust);
    }
    log::get("engine")->info("settings changed: {}", changed.join(QStringLiteral(", ")).toStdString());
    for (const auto &p : std::as_const(m_providers))
        emitSnapshot(*p);
    emitStatus();
}

} // namespace relayrace::engine
