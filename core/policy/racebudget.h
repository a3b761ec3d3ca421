// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

namespace relayrace::policy {

// At most maxRacesPerWindow races per provider in any rolling window (60 s): a storm of triggers
// (many edge regions re-testing at once, a manual button held down) must not turn races into the bulk
// of a provider's traffic. Pure bookkeeping: the caller passes the time. Not thread-safe.
class RaceBudget final
{
public:
    static constexpr qint64 kWindowMs = 60'000;
    static constexpr int kDefaultMaxRaces = 60;

    // 0 (or less) = unlimited.
    explicit RaceBudget(int maxRacesPerWindow = kDefaultMaxRaces);

    int maxRacesPerWindow() const { return m_max; }
    // A new limit, from the next race on (races already granted stay counted).
    void setMaxRacesPerWindow(int max) { m_max = max; }
    bool unlimited() const { return m_max <= 0; }

    // Grants and records a race for the provider at `now`, or returns false.
    bool tryAcquire(const QString &provider, const QDateTime &now);
    // A race the budget refused (the caller counts each refused race once, however often it asks).
    void countSkip(const QString &provider) { ++m_skipped[provider]; }
    // Races granted to the provider within the window ending at `now`.
    int used(const QString &provider, const QDateTime &now) const;
    // When the next race can be granted: `now` when one can be already.
    QDateTime nextAllowedAt(const QString &provider, const QDateTime &now) const;
    qint64 skipped(const QString &provider) const { return m_skipped.value(provider); }

private:
    // Grant times still inside the window ending at `now`, oldest first.
    QList<QDateTime> live(const QString &provider, const QDateTime &now) const;

    int m_max;
    QHash<QString, QList<QDateTime>> m_granted;  // oldest first; pruned on every tryAcquire
    QHash<QString, qint64> m_skipped;
};

} // namespace relayrace::policy
