// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "providersmodel.h"

#include "ui/theme/palette.h"

#include <QBrush>
#include <QColor>
#include <QGuiApplication>
#include <QLocale>
#include <QTimer>

#include <cmath>
#include <limits>

namespace relayrace::ui {

namespace {

QString durationText(qint64 seconds)
{
    seconds = qMax<qint64>(0, seconds);
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
    if (seconds < 86400)
        return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 d %2 h").arg(seconds / 86400).arg((seconds % 86400) / 3600);
}

QString utcText(const QDateTime &at)
{
    return at.isValid() ? at.toUTC().toString(Qt::ISODate) : QStringLiteral("never");
}

const QString kNone = QStringLiteral("—");

} // namespace

ProvidersModel::ProvidersModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
    , m_ticker(new QTimer(this))
{
    m_ticker->setInterval(1000);
    connect(m_ticker, &QTimer::timeout, this, &ProvidersModel::tick);
}

ProvidersModel::~ProvidersModel() = default;

void ProvidersModel::setClock(std::function<QDateTime()> clock)
{
    m_clock = std::move(clock);
    tick();
}

int ProvidersModel::rowOf(const QString &provider) const
{
    for (qsizetype row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).snapshot.provider == provider)
            return int(row);
    }
    return -1;
}

void ProvidersModel::updateProvider(const engine::ProviderSnapshot &snapshot)
{
    // The engine says how the map arrived when it takes one; a state set here since (a map source's:
    // not modified, last good kept) stays until the engine's word changes.
    if (!snapshot.mapTrust.isEmpty() && m_trustSeen.value(snapshot.provider) != snapshot.mapTrust) {
        m_trustSeen.insert(snapshot.provider, snapshot.mapTrust);
        m_mapStates.insert(snapshot.provider, snapshot.mapTrust);
    }
    const int row = rowOf(snapshot.provider);
    if (row >= 0) {
        m_rows[row].snapshot = snapshot;
        m_rows[row].mapState = m_mapStates.value(snapshot.provider);
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    const int at = int(m_rows.size());
    beginInsertRows({}, at, at);
    m_rows.append({snapshot, m_mapStates.value(snapshot.provider)});
    endInsertRows();
    if (!m_ticker->isActive())
        m_ticker->start();
}

void ProvidersModel::setMapState(const QString &provider, const QString &state)
{
    m_mapStates.insert(provider, state);
    const int row = rowOf(provider);
    if (row < 0)
        return;
    m_rows[row].mapState = state;
    Q_EMIT dataChanged(index(row, MapColumn), index(row, SignatureColumn)); // the brief and the full column
}

void ProvidersModel::removeProvider(const QString &provider)
{
    m_mapStates.remove(provider);
    m_trustSeen.remove(provider);
    m_races.remove(provider);
    const int row = rowOf(provider);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
    if (m_rows.isEmpty())
        m_ticker->stop();
}

void ProvidersModel::addRace(const model::RaceResult &result)
{
    m_races[result.provider].add(result);
    const int row = rowOf(result.provider);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, GainColumn), index(row, MarginColumn));
}

void ProvidersModel::tick()
{
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, MapColumn), index(rowCount() - 1, MapExpiryColumn), {Qt::DisplayRole});
}

QString ProvidersModel::mapText(const Row &row, bool brief) const
{
    const engine::ProviderSnapshot &s = row.snapshot;
    const QString state = row.mapState.isEmpty() ? tr("unknown") : row.mapState;
    if (!s.mapExpiresAt.isValid())
        return brief ? state : tr("no expiry");
    const qint64 left = m_clock().secsTo(s.mapExpiresAt);
    if (left > 0)
        return brief ? tr("%1 · %2 left").arg(state, durationText(left)) : tr("fresh, expires in %1").arg(durationText(left));
    // What the engine does about it (expired_map), in the cell itself: the one thing to act on.
    const QString doing = s.expiredMapPolicy == QLatin1String("direct")   ? tr("direct only")
                          : s.expiredMapPolicy == QLatin1String("refuse") ? tr("not serving")
                                                                           : tr("still racing on it");
    return brief ? tr("EXPIRED: %1").arg(doing) : tr("EXPIRED %1 ago: %2").arg(durationText(-left), doing);
}

int ProvidersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ProvidersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProvidersModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case Qt::ToolTipRole:
        return toolTip(row, index.column());
    case Qt::TextAlignmentRole:
        return index.column() >= RacesColumn ? QVariant((Qt::AlignRight | Qt::AlignVCenter).toInt()) : QVariant();
    case Qt::ForegroundRole:
        // Vermillion and orange (theme), with the word itself saying it: never colour alone.
        if ((index.column() == SignatureColumn || index.column() == MapColumn) && row.mapState.startsWith(QLatin1String("failed")))
            return QBrush(theme::readable(theme::Tone::Bad, QGuiApplication::palette()));
        if ((index.column() == MapExpiryColumn || index.column() == MapColumn) && row.snapshot.mapExpiresAt.isValid()
            && row.snapshot.mapExpiresAt <= m_clock())
            return QBrush(theme::readable(theme::Tone::Bad, QGuiApplication::palette()));
        if ((index.column() == SignatureColumn || index.column() == MapColumn) && row.mapState.startsWith(QLatin1String("last good kept")))
            return QBrush(theme::readable(theme::Tone::Warning, QGuiApplication::palette()));
        return {};
    case ProviderRole:
        return row.snapshot.provider;
    case SortRole:
        return sortValue(row, index.column());
    case SnapshotRole:
        return QVariant::fromValue(row.snapshot);
    default:
        return {};
    }
}

QVariant ProvidersModel::display(const Row &row, int column) const
{
    const engine::ProviderSnapshot &s = row.snapshot;
    const QDateTime now = m_clock();
    const QLocale locale;
    switch (column) {
    case ProviderColumn: return s.provider;
    case OriginColumn: return s.origin.toDisplayString();
    case OptimalRouteColumn:
        if (s.optimalRoute.isEmpty())
            return tr("(none)");
        return s.degraded ? tr("%1 (degraded)").arg(s.optimalRoute) : s.optimalRoute;
    case LastTriggerColumn: return s.lastTrigger == model::Trigger::None ? kNone : model::triggerName(s.lastTrigger);
    case RouteAgeColumn:
        return s.optimalRoute.isEmpty() || !s.chosenAt.isValid() ? kNone : durationText(s.chosenAt.secsTo(now));
    case RetestInColumn: {
        if (!s.nextRetestAt.isValid())
            return kNone;
        const qint64 left = now.secsTo(s.nextRetestAt);
        return left <= 0 ? tr("due") : durationText(left);
    }
    case MapExpiryColumn: return mapText(row, false);
    case MapColumn: return mapText(row, true);
    case GainColumn: return m_races.value(s.provider).gainText(s.optimalRoute);
    case MarginColumn: return m_races.value(s.provider).marginText();
    case SignatureColumn: return row.mapState.isEmpty() ? tr("unknown") : row.mapState;
    case RacesColumn:
        return s.racesFailed > 0 ? tr("%1 (%2 failed)").arg(locale.toString(s.races), locale.toString(s.racesFailed))
                                 : locale.toString(s.races);
    case SkippedColumn: return locale.toString(s.racesSkippedByBudget);
    case TestObjectBytesColumn: return locale.formattedDataSize(s.raceBytesTestObject);
    case RequestedBytesColumn: return locale.formattedDataSize(s.raceBytesRequested);
    case RequestsColumn: return locale.toString(s.requests);
    default: return {};
    }
}

QVariant ProvidersModel::toolTip(const Row &row, int column) const
{
    const engine::ProviderSnapshot &s = row.snapshot;
    const QLocale locale;
    switch (column) {
    case ProviderColumn:
        return tr("%1 (edge region %2), routes: %3").arg(s.provider, s.edgeRegion, s.routes.join(QStringLiteral(", ")));
    case OriginColumn: return s.origin.toString();
    case OptimalRouteColumn:
    case RouteAgeColumn: {
        QString text = s.optimalRoute.isEmpty() ? tr("No optimal route: not raced yet, or it expired")
                                                : tr("%1 chosen at %2 UTC").arg(s.optimalRoute, utcText(s.chosenAt));
        if (s.degraded)
            text += u'\n' + tr("Served requests see its time to first byte degraded: the next request races");
        // Raced beside served (docs/race-policy.md): what the last race measured, what traffic saw.
        const auto ms = [&locale](double v) { return v < 0 ? QStringLiteral("-") : locale.toString(v, 'f', 1) + QStringLiteral(" ms"); };
        for (const engine::RouteServing &r : s.serving) {
            text += u'\n' + tr("%1: TTFB raced %2, served %3 over %4 requests, %5 failovers")
                                 .arg(r.route, ms(r.racedTtfbMs), ms(r.servedTtfbMs), locale.toString(r.servedRequests),
                                      locale.toString(r.failovers));
        }
        return text;
    }
    case LastTriggerColumn: return tr("What made the last race run: %1").arg(model::triggerName(s.lastTrigger));
    case RetestInColumn:
        return tr("The time-based re-test fires under traffic at %1 UTC").arg(utcText(s.nextRetestAt));
    case MapExpiryColumn: return tr("The route map expires at %1 UTC").arg(utcText(s.mapExpiresAt));
    case MapColumn:
        return tr("%1\n%2; the route map expires at %3 UTC").arg(mapText(row, false), row.mapState.isEmpty() ? tr("unknown") : row.mapState, utcText(s.mapExpiresAt));
    case GainColumn: return m_races.value(s.provider).gainToolTip(s.optimalRoute);
    case MarginColumn: return m_races.value(s.provider).marginToolTip();
    case SignatureColumn:
        return tr("valid: signature checked; unsigned: no signature; last good kept: a refresh failed and the "
                  "previous map stays; failed: no usable map");
    case RacesColumn:
        return tr("%1 races since the engine started, %2 of them failed").arg(s.races).arg(s.racesFailed);
    case SkippedColumn:
        return tr("%1 races skipped because the provider's race budget was spent").arg(s.racesSkippedByBudget);
    case TestObjectBytesColumn:
        return tr("%1 body bytes received by all routes in races on the test object").arg(locale.toString(s.raceBytesTestObject));
    case RequestedBytesColumn:
        return tr("%1 body bytes received by all routes in races on requested objects (the winner's went to "
                  "the user)").arg(locale.toString(s.raceBytesRequested));
    case RequestsColumn:
        return tr("%1 user requests served, %2").arg(locale.toString(s.requests), locale.formattedDataSize(s.requestBytes));
    default: return {};
    }
}

QVariant ProvidersModel::sortValue(const Row &row, int column) const
{
    const engine::ProviderSnapshot &s = row.snapshot;
    const QDateTime now = m_clock();
    switch (column) {
    case RouteAgeColumn: return s.chosenAt.isValid() ? s.chosenAt.secsTo(now) : -1;
    case RetestInColumn: return s.nextRetestAt.isValid() ? now.secsTo(s.nextRetestAt) : std::numeric_limits<qint64>::max();
    case MapExpiryColumn:
    case MapColumn: return s.mapExpiresAt.isValid() ? now.secsTo(s.mapExpiresAt) : std::numeric_limits<qint64>::max();
    case GainColumn: {
        const double gain = m_races.value(s.provider).gainPct(s.optimalRoute);
        return std::isnan(gain) ? -1e9 : gain;
    }
    case MarginColumn: return m_races.value(s.provider).lastMarginMs();
    case RacesColumn: return s.races;
    case SkippedColumn: return s.racesSkippedByBudget;
    case TestObjectBytesColumn: return s.raceBytesTestObject;
    case RequestedBytesColumn: return s.raceBytesRequested;
    case RequestsColumn: return s.requests;
    default: return display(row, column);
    }
}

QVariant ProvidersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return {};
    switch (section) {
    case ProviderColumn: return tr("Provider");
    case OriginColumn: return tr("Origin");
    case OptimalRouteColumn: return tr("Optimal route");
    case LastTriggerColumn: return tr("Last trigger");
    case RouteAgeColumn: return tr("Route age");
    case RetestInColumn: return tr("Re-test in");
    case MapExpiryColumn: return tr("Map freshness");
    case SignatureColumn: return tr("Signature");
    case GainColumn: return tr("Gain");
    case MarginColumn: return tr("Last margin");
    case MapColumn: return tr("Map");
    case RacesColumn: return tr("Races");
    case SkippedColumn: return tr("Skipped (budget)");
    case TestObjectBytesColumn: return tr("Race bytes: test object");
    case RequestedBytesColumn: return tr("Race bytes: requested");
    case RequestsColumn: return tr("Requests");
    default: return {};
    }
}

} // namespace relayrace::ui
