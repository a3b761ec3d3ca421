// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "wire/frontjson.h"

#include "map/mapcodec.h"
#include "model/failoverevent.h"
#include "model/raceresult.h"
#include "util/jsonfields.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace relayrace::wire {

namespace {

QJsonValue time(const QDateTime &at)
{
    return at.isValid() ? QJsonValue(at.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue() : QJsonValue(text);
}

Result<model::Trigger> trigger(const QString &name)
{
    if (name.isEmpty())
        return model::Trigger::None;
    const std::optional<model::Trigger> parsed = model::triggerFromName(name);
    if (!parsed)
        return makeError(QStringLiteral("trigger: unknown \"%1\"").arg(name));
    return *parsed;
}

// The rows of one array field, each read by `read`; the first that does not parse names its index.
template<typename T, typename Read>
Result<QList<T>> rows(const QJsonObject &object, const QString &field, Read read)
{
    const QJsonValue value = object.value(field);
    if (!value.isArray())
        return makeError(QStringLiteral("%1: expected an array").arg(field));
    QList<T> list;
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        Result<T> row = read(array.at(i).toObject());
        if (!row)
            return makeError(QStringLiteral("%1[%2]: %3").arg(field).arg(i).arg(row.error()));
        list.append(std::move(row).value());
    }
    return list;
}

QJsonValue figureOrNull(double value)
{
    return value < 0 ? QJsonValue() : QJsonValue(value);
}

QJsonArray servingJson(const QList<engine::RouteServing> &serving)
{
    QJsonArray rows;
    for (const engine::RouteServing &r : serving) {
        rows.append(QJsonObject{{QStringLiteral("route"), r.route},
                                {QStringLiteral("raced_ttfb_ms"), figureOrNull(r.racedTtfbMs)},
                                {QStringLiteral("served_ttfb_ms"), figureOrNull(r.servedTtfbMs)},
                                {QStringLiteral("served_throughput_bps"), figureOrNull(r.servedThroughputBps)},
                                {QStringLiteral("served_requests"), r.servedRequests},
                                {QStringLiteral("failovers"), r.failovers}});
    }
    return rows;
}

Result<engine::RouteServing> servingFromJson(const QJsonObject &object)
{
    util::JsonFields read(object);
    engine::RouteServing r;
    r.route = read.text(QStringLiteral("route"), true);
    r.racedTtfbMs = read.real(QStringLiteral("raced_ttfb_ms"), -1);
    r.servedTtfbMs = read.real(QStringLiteral("served_ttfb_ms"), -1);
    r.servedThroughputBps = read.real(QStringLiteral("served_throughput_bps"), -1);
    r.servedRequests = read.integer(QStringLiteral("served_requests"));
    r.failovers = read.integer(QStringLiteral("failovers"));
    if (!read.ok())
        return makeError(read.error());
    return r;
}

} // namespace

QJsonObject toJson(const engine::ProviderSnapshot &s)
{
    return QJsonObject{
        {QStringLiteral("provider"), s.provider},
        {QStringLiteral("origin"), s.origin.toString()},
        {QStringLiteral("edge_region"), s.edgeRegion},
        {QStringLiteral("map_trust"), s.mapTrust},
        {QStringLiteral("map_expires_at"), time(s.mapExpiresAt)},
        {QStringLiteral("map_expired"), s.mapExpired},
        {QStringLiteral("expired_map_policy"), s.expiredMapPolicy},
        {QStringLiteral("routes"), QJsonArray::fromStringList(s.routes)},
        {QStringLiteral("optimal_route"), textOrNull(s.optimalRoute)},
        {QStringLiteral("chosen_at"), time(s.chosenAt)},
        {QStringLiteral("next_retest_at"), time(s.nextRetestAt)},
        {QStringLiteral("last_trigger"), model::triggerName(s.lastTrigger)},
        {QStringLiteral("races"), s.races},
        {QStringLiteral("races_failed"), s.racesFailed},
        {QStringLiteral("races_skipped_by_budget"), s.racesSkippedByBudget},
        {QStringLiteral("race_bytes_test_object"), s.raceBytesTestObject},
        {QStringLiteral("race_bytes_requested"), s.raceBytesRequested},
        {QStringLiteral("requests"), s.requests},
        {QStringLiteral("request_bytes"), s.requestBytes},
        {QStringLiteral("serving"), servingJson(s.serving)},
        {QStringLiteral("degraded"), s.degraded},
    };
}

Result<engine::ProviderSnapshot> providerFromJson(const QJsonObject &object)
{
    util::JsonFields read(object);
    engine::ProviderSnapshot s;
    s.provider = read.text(QStringLiteral("provider"), true);
    s.origin = QUrl(read.text(QStringLiteral("origin")));
    s.edgeRegion = read.text(QStringLiteral("edge_region"));
    s.mapTrust = read.text(QStringLiteral("map_trust"));
    s.mapExpiresAt = read.time(QStringLiteral("map_expires_at"));
    s.mapExpired = read.boolean(QStringLiteral("map_expired"));
    s.expiredMapPolicy = read.text(QStringLiteral("expired_map_policy"));
    s.routes = read.texts(QStringLiteral("routes"));
    s.optimalRoute = read.text(QStringLiteral("optimal_route"));
    s.chosenAt = read.time(QStringLiteral("chosen_at"));
    s.nextRetestAt = read.time(QStringLiteral("next_retest_at"));
    const QString last = read.text(QStringLiteral("last_trigger"));
    s.races = read.integer(QStringLiteral("races"));
    s.racesFailed = read.integer(QStringLiteral("races_failed"));
    s.racesSkippedByBudget = read.integer(QStringLiteral("races_skipped_by_budget"));
    s.raceBytesTestObject = read.integer(QStringLiteral("race_bytes_test_object"));
    s.raceBytesRequested = read.integer(QStringLiteral("race_bytes_requested"));
    s.requests = read.integer(QStringLiteral("requests"));
    s.requestBytes = read.integer(QStringLiteral("request_bytes"));
    s.degraded = read.boolean(QStringLiteral("degraded"));
    if (!read.ok())
        return makeError(read.error());
    if (object.contains(QStringLiteral("serving"))) { // absent from an edge older than the field
        Result<QList<engine::RouteServing>> serving = rows<engine::RouteServing>(object, QStringLiteral("serving"), servingFromJson);
        if (!serving)
            return makeError(serving.error());
        s.serving = std::move(serving).value();
    }
    const Result<model::Trigger> parsed = trigger(last);
    if (!parsed)
        return makeError(parsed.error());
    s.lastTrigger = *parsed;
    return s;
}

QJsonObject toJson(const engine::EngineStatus &status)
{
    return QJsonObject{
        {QStringLiteral("running"), status.running},
        {QStringLiteral("providers"), status.providers},
        {QStringLiteral("races_last_minute"), status.racesLastMinute},
        {QStringLiteral("failovers_last_hour"), status.failoversLastHour},
        {QStringLiteral("earliest_map_expiry"), time(status.earliestMapExpiry)},
        {QStringLiteral("history_error"), textOrNull(status.historyError)},
    };
}

Result<engine::EngineStatus> statusFromJson(const QJsonObject &object)
{
    util::JsonFields read(object);
    engine::EngineStatus status;
    status.running = read.boolean(QStringLiteral("running"));
    status.providers = int(read.integer(QStringLiteral("providers")));
    status.racesLastMinute = int(read.integer(QStringLiteral("races_last_minute")));
    status.failoversLastHour = int(read.integer(QStringLiteral("failovers_last_hour")));
    status.earliestMapExpiry = read.time(QStringLiteral("earliest_map_expiry"));
    status.historyError = read.text(QStringLiteral("history_error"));
    if (!read.ok())
        return makeError(read.error());
    return status;
}

QJsonObject toJson(const engine::RaceStart &start)
{
    return QJsonObject{
        {QStringLiteral("race_id"), qint64(start.raceId)},
        {QStringLiteral("order_id"), start.orderId ? QJsonValue(qint64(start.orderId)) : QJsonValue()},
        {QStringLiteral("provider"), start.provider},
        {QStringLiteral("trigger"), model::triggerName(start.trigger)},
        {QStringLiteral("object"), start.object},
        {QStringLiteral("threshold_bytes"), start.thresholdBytes},
        {QStringLiteral("test_object"), start.testObject},
        {QStringLiteral("routes"), QJsonArray::fromStringList(start.routes)},
        {QStringLiteral("at"), time(start.at)},
    };
}

Result<engine::RaceStart> raceStartFromJson(const QJsonObject &object)
{
    util::JsonFields read(object);
    engine::RaceStart start;
    start.raceId = quint64(read.integer(QStringLiteral("race_id")));
    start.orderId = quint64(read.integer(QStringLiteral("order_id")));
    start.provider = read.text(QStringLiteral("provider"), true);
    const QString name = read.text(QStringLiteral("trigger"), true);
    start.object = read.text(QStringLiteral("object"));
    start.thresholdBytes = read.integer(QStringLiteral("threshold_bytes"));
    start.testObject = read.boolean(QStringLiteral("test_object"));
    start.routes = read.texts(QStringLiteral("routes"));
    start.at = read.time(QStringLiteral("at"));
    if (!read.ok())
        return makeError(read.error());
    const Result<model::Trigger> parsed = trigger(name);
    if (!parsed)
        return makeError(parsed.error());
    start.trigger = *parsed;
    return start;
}

QJsonObject toJson(const engine::RaceRefusal &refusal)
{
    return QJsonObject{
        {QStringLiteral("order_id"), refusal.orderId ? QJsonValue(qint64(refusal.orderId)) : QJsonValue()},
        {QStringLiteral("provider"), refusal.provider},
        {QStringLiteral("trigger"), model::triggerName(refusal.trigger)},
        {QStringLiteral("reason"), refusal.reason},
    };
}

Result<engine::RaceRefusal> raceRefusalFromJson(const QJsonObject &object)
{
    util::JsonFields read(object);
    engine::RaceRefusal refusal;
    refusal.orderId = quint64(read.integer(QStringLiteral("order_id")));
    refusal.provider = read.text(QStringLiteral("provider"), true);
    const QString name = read.text(QStringLiteral("trigger"), true);
    refusal.reason = read.text(QStringLiteral("reason"));
    if (!read.ok())
        return makeError(read.error());
    const Result<model::Trigger> parsed = trigger(name);
    if (!parsed)
        return makeError(parsed.error());
    refusal.trigger = *parsed;
    return refusal;
}

QJsonObject toJson(const model::RouteChange &change)
{
    return QJsonObject{
        {QStringLiteral("provider"), change.provider},
        {QStringLiteral("edge_region"), change.edgeRegion},
        {QStringLiteral("from_route"), textOrNull(change.fromRoute)},
        {QStringLiteral("to_route"), change.toRoute},
        {QStringLiteral("at"), time(change.at)},
        {QStringLiteral("reason"), change.reason},
        {QStringLiteral("margin_pct"), change.marginPct < 0 ? QJsonValue() : QJsonValue(change.marginPct)},
        {QStringLiteral("race_id"), change.raceId < 0 ? QJsonValue() : QJsonValue(change.raceId)},
    };
}

Result<model::RouteChange> routeChangeFromJson(const QJsonObject &object)
{
    util::JsonFields read(object);
    model::RouteChange change;
    change.provider = read.text(QStringLiteral("provider"), true);
    change.edgeRegion = read.text(QStringLiteral("edge_region"));
    change.fromRoute = read.text(QStringLiteral("from_route"));
    change.toRoute = read.text(QStringLiteral("to_route"));
    change.at = read.time(QStringLiteral("at"));
    change.reason = read.text(QStringLiteral("reason"));
    change.marginPct = read.number(QStringLiteral("margin_pct"), -1, false);
    change.raceId = read.integer(QStringLiteral("race_id"), -1);
    if (!read.ok())
        return makeError(read.error());
    return change;
}

QJsonObject mapJson(const map::RouteMap &map)
{
    return QJsonDocument::fromJson(map::serializeRouteMap(map)).object();
}

Result<map::RouteMap> mapFromJson(const QJsonObject &object)
{
    return map::parseRouteMap(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject toJson(const engine::HistoryAnswer &answer)
{
    QJsonArray rows;
    switch (answer.kind) {
    case engine::HistoryQuery::Kind::RecentRaces:
        for (const model::RaceResult &race : answer.races)
            rows.append(model::toJson(race));
        return QJsonObject{{QStringLiteral("races"), rows}};
    case engine::HistoryQuery::Kind::RouteChanges:
        for (const model::RouteChange &change : answer.routeChanges)
            rows.append(toJson(change));
        return QJsonObject{{QStringLiteral("route_changes"), rows}};
    case engine::HistoryQuery::Kind::Failovers:
        for (const model::FailoverEvent &event : answer.failovers)
            rows.append(model::toJson(event));
        return QJsonObject{{QStringLiteral("failovers"), rows}};
    case engine::HistoryQuery::Kind::RouteSamples:
    case engine::HistoryQuery::Kind::Winners:
    case engine::HistoryQuery::Kind::RaceCount:
        return chartRowsJson(answer);
    }
    return {};
}

Result<engine::HistoryAnswer> historyAnswerFromJson(engine::HistoryQuery::Kind kind, const QJsonObject &object)
{
    engine::HistoryAnswer answer;
    answer.kind = kind;
    switch (kind) {
    case engine::HistoryQuery::Kind::RecentRaces: {
        auto races = rows<model::RaceResult>(object, QStringLiteral("races"), model::raceResultFromJson);
        if (!races)
            return makeError(races.error());
        answer.races = std::move(races).value();
        break;
    }
    case engine::HistoryQuery::Kind::RouteChanges: {
        auto changes = rows<model::RouteChange>(object, QStringLiteral("route_changes"), routeChangeFromJson);
        if (!changes)
            return makeError(changes.error());
        answer.routeChanges = std::move(changes).value();
        break;
    }
    case engine::HistoryQuery::Kind::Failovers: {
        const auto read = [](const QJsonObject &row) { return model::fromJson(row); };
        auto failovers = rows<model::FailoverEvent>(object, QStringLiteral("failovers"), read);
        if (!failovers)
            return makeError(failovers.error());
        answer.failovers = std::move(failovers).value();
        break;
    }
    case engine::HistoryQuery::Kind::RouteSamples:
    case engine::HistoryQuery::Kind::Winners:
    case engine::HistoryQuery::Kind::RaceCount:
        if (const Result<void> read = readChartRows(object, answer); !read)
            return makeError(read.error());
        break;
    }
    return answer;
}

} // namespace relayrace::wire
