// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The history store's queries for the console (declared in historystore.h).
#include "history/historystore.h"

#include "history/sqlsupport.h"

#include <QSqlQuery>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

namespace relayrace::history {

using namespace detail;

namespace {

model::RouteOutcome::State stateFromName(const QString &name)
{
    using State = model::RouteOutcome::State;
    for (const State state : {State::Connecting, State::Racing, State::Won, State::Lost, State::Failed}) {
        if (model::stateName(state) == name)
            return state;
    }
    return State::Failed;
}

// A race stored before v2 has no kind: its margin was a projection or a lower bound (read as projected,
// as the race JSON of an older edge is).
model::RaceResult::MarginKind storedMarginKind(const QVariant &value, double marginMs)
{
    if (value.isNull())
        return marginMs >= 0 ? model::RaceResult::MarginKind::Projected : model::RaceResult::MarginKind::None;
    return model::marginKindFromName(value.toString()).value_or(model::RaceResult::MarginKind::None);
}

QString likePattern(const QString &text)
{
    QString escaped = text;
    escaped.replace(u'\\', QStringLiteral("\\\\")).replace(u'%', QStringLiteral("\\%")).replace(u'_', QStringLiteral("\\_"));
    return u'%' + escaped + u'%';
}

// The races of a provider in [from, to), and after afterRaceId when it is not negative. Those are looked
// up through the id (the table's rowid): the unary + keeps SQLite from using the (provider, started_at)
// index instead, which would walk every race of the range to find the few new ones.
QString raceFilter(QStringView table, qint64 afterRaceId)
{
    if (afterRaceId < 0)
        return QStringLiteral("%1provider = ? AND %1started_at >= ? AND %1started_at < ?").arg(table);
    return QStringLiteral("%1id > ? AND +%1provider = ? AND +%1started_at >= ? AND +%1started_at < ?").arg(table);
}

QVariantList raceFilterValues(const QString &provider, const QDateTime &from, const QDateTime &to, qint64 afterRaceId)
{
    QVariantList values{provider, lowerMs(from), upperMs(to)};
    if (afterRaceId >= 0)
        values.prepend(afterRaceId);
    return values;
}

} // namespace

Spread spreadOf(std::vector<double> &values)
{
    if (values.empty())
        return {};
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return {values.front(), n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0, values.back()};
}

qint64 floorDiv(qint64 value, qint64 divisor)
{
    qint64 quotient = value / divisor;
    if ((value % divisor != 0) && ((value < 0) != (divisor < 0)))
        --quotient;
    return quotient;
}

Result<QList<RouteSample>> HistoryStore::routeSamples(const QString &provider, const QDateTime &from,
                                                      const QDateTime &to, qint64 afterRaceId)
{
    checkThread();
    QSqlQuery query(m_db);
    if (auto failed = run(query, QStringLiteral(
            "SELECT r.started_at, r.id, rr.route_id, rr.state, rr.connect_ms, rr.ttfb_ms, rr.ttt_ms,"
            " rr.projected_ms, rr.bytes, coalesce(r.winner = rr.route_id, 0)"
            " FROM races r JOIN race_routes rr ON rr.race_id = r.id WHERE %1"
            " ORDER BY r.started_at, r.id, rr.position").arg(raceFilter(u"r.", afterRaceId)),
            raceFilterValues(provider, from, to, afterRaceId), m_path, QStringLiteral("cannot read route samples")))
        return *failed;
    QList<RouteSample> samples;
    while (query.next()) {
        samples.append(RouteSample{utcFromMs(query.value(0)), query.value(1).toLongLong(), query.value(2).toString(),
                                   stateFromName(query.value(3).toString()), realOr(query.value(4)),
                                   realOr(query.value(5)), realOr(query.value(6)), realOr(query.value(7)),
                                   query.value(8).toLongLong(), query.value(9).toBool()});
    }
    return samples;
}

Result<QList<WinnerPoint>> HistoryStore::winnerTimeline(const QString &provider, const QDateTime &from,
                                                        const QDateTime &to, qint64 afterRaceId)
{
    checkThread();
    QSqlQuery query(m_db);
    if (auto failed = run(query, QStringLiteral(
            "SELECT started_at, id, winner, \"trigger\", margin_ms, ok, margin_kind FROM races WHERE %1"
            " ORDER BY started_at, id")
            .arg(raceFilter(u"", afterRaceId)),
            raceFilterValues(provider, from, to, afterRaceId), m_path, QStringLiteral("cannot read the winner timeline")))
        return *failed;
    QList<WinnerPoint> points;
    while (query.next()) {
        points.append(WinnerPoint{utcFromMs(query.value(0)), query.value(1).toLongLong(), query.value(2).toString(),
                                  query.value(3).toString(), realOr(query.value(4)), query.value(5).toBool(),
                                  query.value(6).toString()});
    }
    return points;
}

Result<QList<model::RouteChange>> HistoryStore::routeChanges(const QString &provider, const QDateTime &from,
                                                              const QDateTime &to)
{
    checkThread();
    QSqlQuery query(m_db);
    if (auto failed = run(query, QStringLiteral(
            "SELECT provider, edge_region, from_route, to_route, at, reason, margin_pct, race_id"
            " FROM route_changes WHERE provider = ? AND at >= ? AND at < ? ORDER BY at, id"),
            {provider, lowerMs(from), upperMs(to)}, m_path, QStringLiteral("cannot read route changes")))
        return *failed;
    QList<model::RouteChange> changes;
    while (query.next()) {
        changes.append(model::RouteChange{query.value(0).toString(), query.value(1).toString(),
                                           query.value(2).toString(), query.value(3).toString(),
                                           utcFromMs(query.value(4)), query.value(5).toString(),
                                           realOr(query.value(6)), integerOr(query.value(7))});
    }
    return changes;
}

Result<QList<BandPoint>> HistoryStore::band(const QString &provider, const QDateTime &from, const QDateTime &to,
                                            int bucketSeconds, BandMetric metric)
{
    checkThread();
    if (bucketSeconds <= 0)
        return makeError(QStringLiteral("history band: bucket of %1 s; it must be at least 1 s").arg(bucketSeconds));
    const QString column = metric == BandMetric::TimeToThreshold ? QStringLiteral("rr.ttt_ms")
                           : metric == BandMetric::Projected     ? QStringLiteral("rr.projected_ms")
                                                                 : QStringLiteral("rr.ttfb_ms");
    QSqlQuery query(m_db);
    if (auto failed = run(query, QStringLiteral(
            "SELECT rr.route_id, r.started_at, %1 FROM races r JOIN race_routes rr ON rr.race_id = r.id"
            " WHERE r.provider = ? AND r.started_at >= ? AND r.started_at < ? AND %1 IS NOT NULL").arg(column),
            {provider, lowerMs(from), upperMs(to)}, m_path, QStringLiteral("cannot read the band")))
        return *failed;
    // SQLite has no median aggregate (a window-function median measured slower than this): group
    // here, sort each bucket, take the middle.
    const qint64 bucketMs = qint64(bucketSeconds) * 1000;
    std::map<std::pair<QString, qint64>, std::vector<double>> buckets;
    while (query.next())
        buckets[{query.value(0).toString(), floorDiv(query.value(1).toLongLong(), bucketMs)}].push_back(query.value(2).toDouble());
    QList<BandPoint> points;
    points.reserve(qsizetype(buckets.size()));
    for (auto &[key, values] : buckets) {
        const Spread spread = spreadOf(values);
        points.append(BandPoint{key.first, QDateTime::fromMSecsSinceEpoch(key.second * bucketMs, Qt::UTC),
                                spread.min, spread.median, spread.max, int(values.size())});
    }
    return points;
}

Result<QList<HistogramBin>> HistoryStore::ttfbHistogram(const QString &provider, const QString &routeId,
                                                        const QDateTime &from, const QDateTime &to, double binMs)
{
    checkThread();
    if (!(binMs > 0))
        return makeError(QStringLiteral("history histogram: bin of %1 ms; it must be positive").arg(binMs));
    QSqlQuery query(m_db);
    if (auto failed = run(query, QStringLiteral(
            "SELECT CAST(rr.ttfb_ms / ? AS INTEGER) AS bin, COUNT(*) FROM races r"
            " JOIN race_routes rr ON rr.race_id = r.id"
            " WHERE r.provider = ? AND rr.route_id = ? AND r.started_at >= ? AND r.started_at < ?"
            " AND rr.ttfb_ms IS NOT NULL GROUP BY bin ORDER BY bin"),
            {binMs, provider, routeId, lowerMs(from), upperMs(to)}, m_path,
            QStringLiteral("cannot read the TTFB histogram")))
        return *failed;
    QList<HistogramBin> bins;
    while (query.next()) {
        const qint64 bin = query.value(0).toLongLong();
        bins.append(HistogramBin{double(bin) * binMs, double(bin + 1) * binMs, query.value(1).toLongLong()});
    }
    return bins;
}

Result<QList<model::FailoverEvent>> HistoryStore::failovers(const FailoverQuery &filter)
{
    checkThread();
    QString sql = QStringLiteral("SELECT at, provider, request, from_route, to_route, reason, detail, bytes_delivered,"
                                 " resume_offset, recover_ms, outcome FROM failover_events WHERE 1");
    QVariantList values;
    if (!filter.provider.isEmpty()) {
        sql += QStringLiteral(" AND provider = ?");
        values << filter.provider;
    }
    if (!filter.route.isEmpty()) {
        sql += QStringLiteral(" AND (from_route = ? OR to_route = ?)");
        values << filter.route << filter.route;
    }
    if (!filter.reason.isEmpty()) {
        sql += QStringLiteral(" AND reason = ?");
        values << filter.reason;
    }
    if (filter.from.isValid()) {
        sql += QStringLiteral(" AND at >= ?");
        values << filter.from.toMSecsSinceEpoch();
    }
    if (filter.to.isValid()) {
        sql += QStringLiteral(" AND at < ?");
        values << filter.to.toMSecsSinceEpoch();
    }
    if (!filter.text.isEmpty()) {
        sql += QStringLiteral(" AND (request LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\')");
        values << likePattern(filter.text) << likePattern(filter.text);
    }
    sql += QStringLiteral(" ORDER BY at DESC, id DESC LIMIT ?");
    values << (filter.limit > 0 ? filter.limit : -1);
    QSqlQuery query(m_db);
    if (auto failed = run(query, sql, values, m_path, QStringLiteral("cannot read failover events")))
        return *failed;
    QList<model::FailoverEvent> events;
    while (query.next()) {
        model::FailoverEvent e;
        e.at = utcFromMs(query.value(0));
        e.provider = query.value(1).toString();
        e.request = query.value(2).toString();
        e.fromRoute = query.value(3).toString();
        e.toRoute = query.value(4).toString();
        e.reason = query.value(5).toString();
        e.detail = query.value(6).toString();
        e.bytesDelivered = query.value(7).toLongLong();
        e.resumeOffset = integerOr(query.value(8));
        e.recoverMs = realOr(query.value(9));
        e.outcome = model::outcomeFromName(query.value(10).toString()).value_or(model::FailoverEvent::Outcome::Failed);
        events.append(e);
    }
    return events;
}

Result<QList<model::RaceResult>> HistoryStore::recentRaces(const QString &provider, int limit)
{
    checkThread();
    QSqlQuery query(m_db);
    if (auto failed = run(query, QStringLiteral(
            "SELECT r.id, r.provider, r.started_at, r.\"trigger\", r.object, r.threshold, r.winner, r.margin_ms,"
            " r.wasted_bytes, r.fairness, r.error, rr.route_id, rr.relay, rr.state, rr.fresh, rr.connect_ms,"
            " rr.ttfb_ms, rr.ttt_ms, rr.projected_ms, rr.queued_ms, rr.bytes, rr.throughput, rr.http_status, rr.error,"
            " r.margin_kind FROM (SELECT * FROM races WHERE provider = ? ORDER BY started_at DESC, id DESC LIMIT ?) r"
            " LEFT JOIN race_routes rr ON rr.race_id = r.id ORDER BY r.started_at DESC, r.id DESC, rr.position"),
            {provider, limit > 0 ? limit : -1}, m_path, QStringLiteral("cannot read recent races")))
        return *failed;
    QList<model::RaceResult> races;
    qint64 current = -1;
    while (query.next()) {
        if (query.value(0).toLongLong() != current) {
            current = query.value(0).toLongLong();
            model::RaceResult r;
            r.provider = query.value(1).toString();
            r.startedAt = utcFromMs(query.value(2));
            // Every name this engine writes is known; a newer engine's name reads as none.
            r.trigger = model::triggerFromName(query.value(3).toString()).value_or(model::Trigger::None);
            r.object = query.value(4).toString();
            r.thresholdBytes = query.value(5).toLongLong();
            r.winner = query.value(6).toString();
            r.marginMs = realOr(query.value(7));
            r.wastedBytes = query.value(8).toLongLong();
            r.fairness = query.value(9).toString();
            r.error = query.value(10).toString();
            r.marginKind = storedMarginKind(query.value(24), r.marginMs);
            races.append(r);
        }
        if (query.value(11).isNull()) // a race without routes
            continue;
        model::RouteOutcome o;
        o.routeId = query.value(11).toString();
        o.relay = query.value(12).toString();
        o.state = stateFromName(query.value(13).toString());
        o.freshConnection = query.value(14).toBool();
        o.connectMs = realOr(query.value(15));
        o.ttfbMs = realOr(query.value(16));
        o.timeToThresholdMs = realOr(query.value(17));
        o.projectedMs = realOr(query.value(18));
        o.queuedMs = query.value(19).toDouble();
        o.bytes = query.value(20).toLongLong();
        o.throughputBytesPerSec = query.value(21).toDouble();
        o.httpStatus = int(integerOr(query.value(22), 0));
        o.error = query.value(23).toString();
        races.last().routes.append(o);
    }
    return races;
}

Result<QStringList> HistoryStore::providers()
{
    checkThread();
    QStringList names;
    // A skip scan over each (provider, time) index: a handful of lookups, not a scan of every row.
    for (const QString &table : {QStringLiteral("races"), QStringLiteral("route_changes"), QStringLiteral("failover_events")}) {
        QSqlQuery query(m_db);
        if (auto failed = run(query, QStringLiteral(
                "WITH RECURSIVE p(name) AS (SELECT MIN(provider) FROM %1 UNION ALL"
                " SELECT (SELECT MIN(provider) FROM %1 WHERE provider > p.name) FROM p WHERE p.name IS NOT NULL)"
                " SELECT name FROM p WHERE name IS NOT NULL").arg(table),
                {}, m_path, QStringLiteral("cannot read the providers")))
            return *failed;
        while (query.next())
            names.append(query.value(0).toString());
    }
    names.sort();
    names.removeDuplicates();
    return names;
}

Result<qint64> HistoryStore::count(const QString &sql, qint64 fromMs, qint64 toMs)
{
    checkThread();
    QSqlQuery query(m_db);
    if (auto failed = run(query, sql, {fromMs, toMs}, m_path, QStringLiteral("cannot count")))
        return *failed;
    return query.next() ? query.value(0).toLongLong() : 0;
}

Result<qint64> HistoryStore::raceCount(const QString &provider, const QDateTime &from, const QDateTime &to,
                                       qint64 upToRaceId)
{
    checkThread();
    QSqlQuery query(m_db);
    if (auto failed = run(query, QStringLiteral(
            "SELECT COUNT(*) FROM races WHERE provider = ? AND started_at >= ? AND started_at < ? AND id <= ?"),
            {provider, lowerMs(from), upperMs(to), upToRaceId}, m_path, QStringLiteral("cannot count races")))
        return *failed;
    return query.next() ? query.value(0).toLongLong() : 0;
}

Result<qint64> HistoryStore::racesSince(const QDateTime &from)
{
    return count(QStringLiteral("SELECT COUNT(*) FROM races WHERE started_at >= ? AND started_at < ?"),
                 lowerMs(from), upperMs({}));
}

Result<qint64> HistoryStore::failoversSince(const QDateTime &from)
{
    return count(QStringLiteral("SELECT COUNT(*) FROM failover_events WHERE at >= ? AND at < ?"), lowerMs(from),
                 upperMs({}));
}

Result<qint64> HistoryStore::racesPerMinute(const QDateTime &now)
{
    return count(QStringLiteral("SELECT COUNT(*) FROM races WHERE started_at > ? AND started_at <= ?"),
                 now.toMSecsSinceEpoch() - 60'000, now.toMSecsSinceEpoch());
}

} // namespace relayrace::history
