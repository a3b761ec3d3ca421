// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "race/race.h"
#include "util/relaycredentials.h"

#include <QList>
#include <QSslCertificate>
#include <QString>

#include <chrono>

namespace relayrace::engine {

// What the engine does with a provider whose map has expired and not been replaced (docs/race-policy.md).
enum class ExpiredMapPolicy {
    Keep,       // go on racing and serving over all its routes, saying so loudly (the default)
    DirectOnly, // serve over the direct route only, no races (no route left: refuse)
    Refuse,     // serve nothing for the provider until a valid map arrives
};

// How an engine runs: set once, when it is made.
struct EngineSettings
{
    QString edgeRegion = QStringLiteral("default"); // which of the maps' alternates lists applies
    race::RaceRequest::Fairness fairness = race::RaceRequest::Fairness::Warm;
    int maxRacesPerMinute = 60;                     // per provider; 0: unlimited
    std::chrono::milliseconds raceTimeout{30'000};
    QList<QSslCertificate> caCertificates;          // a private CA, added to the system's
    RelayCredentialMap relayCredentials;            // relays that want proxy authentication (never in maps)
    ExpiredMapPolicy expiredMap = ExpiredMapPolicy::Keep;
    QString historyPath;                            // SQLite file; empty: no history kept
    int historyDays = 30;                           // races, route changes and failovers older are deleted
    QString failoverLogPath;                        // JSON lines; empty: no failover log file
    // A raced winner's remaining body is read and dropped (keeping its connection warm) up to this
    // much; past it the winner is aborted. Races started by hand deliver their object to no one.
    qint64 drainLimitBytes = 8 * 1024 * 1024;
};

} // namespace relayrace::engine
