// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/raceresult.h"

#include <QHash>
#include <QList>
#include <QString>

namespace relayrace::ui {

// A provider's latest races, as the providers table sums them up: the optimal route's gain over the
// direct route and the last race's margin.
class RaceWindow
{
public:
    static constexpr qsizetype kRaces = 20;

    void add(const model::RaceResult &result);
    qsizetype size() const { return m_times.size(); }

    // The gain of `route` over direct in percent: 1 - median(route) / median(direct), each route's
    // time to the threshold (measured, else its projection) over the latest kRaces races in which it
    // had one; NaN when either route has no time in the window.
    double gainPct(const QString &route) const;
    // "38% faster" (or "12% slower"), "direct" when the route is direct, "—" when unknown.
    QString gainText(const QString &route) const;
    QString gainToolTip(const QString &route) const;

    // The last race's margin as the table writes it: "12.3 ms" measured, "≈ 12 ms" projected,
    // "≥ 3 ms" a lower bound, "—" none.
    QString marginText() const;
    QString marginToolTip() const;
    double lastMarginMs() const { return m_lastMarginMs; }

    // The median of a route's times over the races kept; NaN when it has none. count: how many it had.
    double median(const QString &route, qsizetype *count = nullptr) const;

private:
    QList<QHash<QString, double>> m_times; // oldest first: route -> ms
    double m_lastMarginMs = -1;
    model::RaceResult::MarginKind m_lastMarginKind = model::RaceResult::MarginKind::None;
    QString m_lastWinner;
};

} // namespace relayrace::ui
