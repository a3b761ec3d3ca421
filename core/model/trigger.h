// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QMetaType>
#include <QString>

#include <optional>

namespace relayrace::model {

// Why a race runs (docs/race-policy.md). None: no race is due.
enum class Trigger {
    None,
    T1,       // no race within the first period after the key's first request
    T2,       // retestAfterS elapsed since the last race
    Requests, // retestAfterRequests requests without a race
    Ttl,      // the optimal route reached routeTtlS since it was last confirmed (claim 2)
    Manual,   // asked for by a person (console, CLI, admin API)
    Schedule, // a "race every" interval set by an operator
    Demo,     // the headless demo's rounds
    Failover, // a served request failed over away from the cached route
    Degraded, // served requests saw the cached route's TTFB degrade past race.degrade_pct
};

// "t1", "t2", "n", "ttl", "manual", "schedule", "demo", "failover", "degraded"; "" for None. The names RaceResult::trigger and the history carry.
QString triggerName(Trigger trigger);
// The inverse of triggerName(); nullopt for an unknown name ("" gives None).
std::optional<Trigger> triggerFromName(const QString &name);

} // namespace relayrace::model

Q_DECLARE_METATYPE(relayrace::model::Trigger)
