// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/providers/racewindow.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <limits>

namespace relayrace::ui {

namespace {
const QString kDirect = QStringLiteral("direct");
const QString kNone = QStringLiteral("—");
} // namespace

void RaceWindow::add(const model::RaceResult &result)
{
    if (!result.ok())
        return;
    QHash<QString, double> times;
    for (const model::RouteOutcome &route : result.routes) {
        const double ms = route.timeToThresholdMs >= 0 ? route.timeToThresholdMs : route.projectedMs;
        if (ms >= 0)
            times.insert(route.routeId, ms);
    }
    m_times.append(times);
    if (m_times.size() > kRaces)
        m_times.removeFirst();
    m_lastMarginMs = result.marginMs;
    m_lastMarginKind = result.marginKind;
    m_lastWinner = result.winner;
}

double RaceWindow::median(const QString &route, qsizetype *count) const
{
    QList<double> values;
    for (const auto &times : m_times) {
        if (const auto it = times.constFind(route); it != times.cend())
            values.append(*it);
    }
    if (count)
        *count = values.size();
    if (values.isEmpty())
        return std::numeric_limits<double>::quiet_NaN();
    std::sort(values.begin(), values.end());
    const qsizetype mid = values.size() / 2;
    return values.size() % 2 ? values.at(mid) : (values.at(mid - 1) + values.at(mid)) / 2;
}

double RaceWindow::gainPct(const QString &route) const
{
    const double direct = median(kDirect);
    const double via = median(route);
    if (std::isnan(direct) || std::isnan(via) || direct <= 0)
        return std::numeric_limits<double>::quiet_NaN();
    return (1.0 - via / direct) * 100.0;
}

QString RaceWindow::gainText(const QString &route) const
{
    if (route.isEmpty())
        return kNone;
    if (route == kDirect)
        return QObject::tr("direct");
    const double gain = gainPct(route);
    if (std::isnan(gain))
        return kNone;
    return gain >= 0 ? QObject::tr("%1% faster").arg(std::lround(gain)) : QObject::tr("%1% slower").arg(std::lround(-gain));
}

QString RaceWindow::gainToolTip(const QString &route) const
{
    qsizetype directRaces = 0;
    qsizetype routeRaces = 0;
    const double direct = median(kDirect, &directRaces);
    const double via = median(route, &routeRaces);
    const QLocale locale;
    const auto ms = [&locale](double v) { return std::isnan(v) ? QStringLiteral("-") : locale.toString(v, 'f', 1) + QStringLiteral(" ms"); };
    return QObject::tr("Median time to the threshold over the latest %1 races (measured, else projected):\n"
                       "%2: %3 (%4 races)\ndirect: %5 (%6 races)")
        .arg(kRaces)
        .arg(route.isEmpty() ? QObject::tr("(no optimal route)") : route, ms(via))
        .arg(routeRaces)
        .arg(ms(direct))
        .arg(directRaces);
}

QString RaceWindow::marginText() const
{
    if (m_lastMarginMs < 0)
        return kNone;
    const QLocale locale;
    switch (m_lastMarginKind) {
    case model::RaceResult::MarginKind::Measured: return locale.toString(m_lastMarginMs, 'f', 1) + QStringLiteral(" ms");
    case model::RaceResult::MarginKind::Projected: return QStringLiteral("≈ %1 ms").arg(std::lround(m_lastMarginMs));
    case model::RaceResult::MarginKind::LowerBound: return QStringLiteral("≥ %1 ms").arg(std::lround(m_lastMarginMs));
    case model::RaceResult::MarginKind::None: break;
    }
    return kNone;
}

QString RaceWindow::marginToolTip() const
{
    if (m_lastMarginMs < 0)
        return QObject::tr("No margin: the last race had no runner-up (or none yet)");
    return QObject::tr("The last race: %1 won by %2 (%3) over the runner-up's time to the threshold")
        .arg(m_lastWinner, marginText(), model::marginKindName(m_lastMarginKind).replace(u'_', u' '));
}

} // namespace relayrace::ui
