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
};

// "t1", "t2", "n", "ttl", "manual", "schedule", "demo"; "" for None. The names RaceResult::trigger and the history carry.
QString triggerName(Trigger trigger);
// The inverse of triggerName(); nullopt for an unknown name ("" gives None).
std::optional<Trigger> triggerFromName(const QString &name);

} // namespace relayrace::model

Q_DECLARE_METATYPE(relayrace::model::Trigger)
