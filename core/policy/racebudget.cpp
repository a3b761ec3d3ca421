// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "policy/racebudget.h"

#include <algorithm>

namespace relayrace::policy {

RaceBudget::RaceBudget(int maxRacesPerWindow) : m_max(maxRacesPerWindow) {}

QList<QDateTime> RaceBudget::live(const QString &provider, const QDateTime &now) const
{
    QList<QDateTime> times = m_granted.value(provider);
    // A grant exactly one window old has left it: the window is [now - 60 s + 1 ms, now].
    times.removeIf([&](const QDateTime &at) { return at.msecsTo(now) >= kWindowMs; });
    return times;
}

bool RaceBudget::tryAcquire(const QString &provider, const QDateTime &now)
{
    QList<QDateTime> times = live(provider, now);
    if (!unlimited() && times.size() >= m_max) {
        m_granted.insert(provider, times);
        return false;
    }
    times.append(now);
    m_granted.insert(provider, times);
    return true;
}

int RaceBudget::used(const QString &provider, const QDateTime &now) const
{
    return int(live(provider, now).size());
}

QDateTime RaceBudget::nextAllowedAt(const QString &provider, const QDateTime &now) const
{
    const QList<QDateTime> times = live(provider, now);
    if (unlimited() || times.size() < m_max)
        return now;
    // Grants are appended in call order, which a clock stepping back can make non-monotonic.
    QList<QDateTime> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    return sorted.at(sorted.size() - m_max).addMSecs(kWindowMs);
}

} // namespace relayrace::policy
