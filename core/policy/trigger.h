#pragma once

#include <QMetaType>
#include <QString>

#include <optional>

namespace relayrace::policy {

// Why a race runs (docs/race-policy.md). None: no race is due.
enum class Trigger {
    None,
    T1,       // no race within the first period after the key's first request
    T2,       // retestAfterS elapsed since the last race
    Requests, // retestAfterRequests requests without a race
    Ttl,      // the optimal route reached routeTtlS since it was last confirmed (claim 2)
    Manual,   // asked for by a person (console, CLI)
};

// "t1", "t2", "n", "ttl", "manual"; "" for None. The names RaceResult::trigger and the history carry.
QString triggerName(Trigger trigger);
// The inverse of triggerName(); nullopt for an unknown name ("" gives None).
std::optional<Trigger> triggerFromName(const QString &name);

} // namespace relayrace::policy

Q_DECLARE_METATYPE(relayrace::policy::Trigger)
