// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The history charts' rows on the wire (route samples, winners, race counts): what a console attached
// to an edge draws its history from.
#include "wire/frontjson.h"

#include "model/raceresult.h"
#include "util/jsonfields.h"

#include <QJsonArray>

namespace relayrace::wire {

namespace {

QJsonValue msOrNull(double ms)
{
    return ms < 0 ? QJsonValue() : QJsonValue(ms);
}

QString at(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

Result<model::RouteOutcome::State> state(const QString &name)
{
    for (const auto known : {model::RouteOutcome::State::Connecting, model::RouteOutcome::State::Racing, model::RouteOutcome::State::Won,
                             model::RouteOutcome::State::Lost, model::RouteOutcome::State::Failed}) {
        if (model::stateName(known) == name)
            return known;
    }
    return makeError(QStringLiteral("state: unknown \"%1\"").arg(name));
}

} // namespace

QJsonObject chartRowsJson(const engine::HistoryAnswer &answer)
{
    QJsonArray rows;
    switch (answer.kind) {
    case engine::HistoryQuery::Kind::RouteSamples:
        for (const history::RouteSample &s : answer.routeSamples)
            rows.append(QJsonObject{{QStringLiteral("at"), at(s.at)}, {QStringLiteral("race_id"), s.raceId},
                                    {QStringLiteral("route"), s.routeId}, {QStringLiteral("state"), model::stateName(s.state)},
                                    {QStringLiteral("connect_ms"), msOrNull(s.connectMs)}, {QStringLiteral("ttfb_ms"), msOrNull(s.ttfbMs)},
                                    {QStringLiteral("time_to_threshold_ms"), msOrNull(s.timeToThresholdMs)},
                                    {QStringLiteral("projected_ms"), msOrNull(s.projectedMs)}, {QStringLiteral("bytes"), s.bytes},
                                    {QStringLiteral("winner"), s.winner}});
        return QJsonObject{{QStringLiteral("route_samples"), rows}};
    case engine::HistoryQuery::Kind::Winners:
        for (const history::WinnerPoint &w : answer.winners)
            rows.append(QJsonObject{{QStringLiteral("at"), at(w.at)}, {QStringLiteral("race_id"), w.raceId},
                                    {QStringLiteral("winner"), w.winner.isEmpty() ? QJsonValue() : QJsonValue(w.winner)},
                                    {QStringLiteral("trigger"), w.trigger}, {QStringLiteral("margin_ms"), msOrNull(w.marginMs)},
                                    {QStringLiteral("ok"), w.ok}});
        return QJsonObject{{QStringLiteral("winners"), rows}};
    case engine::HistoryQuery::Kind::RaceCount:
        return QJsonObject{{QStringLiteral("races"), answer.count}};
    default:
        return {};
    }
}

Result<void> readChartRows(const QJsonObject &object, engine::HistoryAnswer &answer)
{
    const auto array = [&object](const QString &field) -> Result<QJsonArray> {
        if (!object.value(field).isArray())
            return makeError(QStringLiteral("%1: expected an array").arg(field));
        return object.value(field).toArray();
    };
    switch (answer.kind) {
    case engine::HistoryQuery::Kind::RouteSamples: {
        const Result<QJsonArray> rows = array(QStringLiteral("route_samples"));
        if (!rows)
            return makeError(rows.error());
        for (qsizetype i = 0; i < rows->size(); ++i) {
            util::JsonFields read(rows->at(i).toObject());
            history::RouteSample s;
            s.at = read.time(QStringLiteral("at"));
            s.raceId = read.integer(QStringLiteral("race_id"), -1);
            s.routeId = read.text(QStringLiteral("route"), true);
            const QString name = read.text(QStringLiteral("state"), true);
            s.connectMs = read.number(QStringLiteral("connect_ms"), -1, false);
            s.ttfbMs = read.number(QStringLiteral("ttfb_ms"), -1, false);
            s.timeToThresholdMs = read.number(QStringLiteral("time_to_threshold_ms"), -1, false);
            s.projectedMs = read.number(QStringLiteral("projected_ms"), -1, false);
            s.bytes = read.integer(QStringLiteral("bytes"));
            s.winner = read.boolean(QStringLiteral("winner"));
            const Result<model::RouteOutcome::State> parsed = read.ok() ? state(name) : Result<model::RouteOutcome::State>(Error{read.error()});
            if (!parsed)
                return makeError(QStringLiteral("route_samples[%1]: %2").arg(i).arg(parsed.error()));
            s.state = *parsed;
            answer.routeSamples.append(s);
        }
        return {};
    }
    case engine::HistoryQuery::Kind::Winners: {
        const Result<QJsonArray> rows = array(QStringLiteral("winners"));
        if (!rows)
            return makeError(rows.error());
        for (qsizetype i = 0; i < rows->size(); ++i) {
            util::JsonFields read(rows->at(i).toObject());
            history::WinnerPoint w;
            w.at = read.time(QStringLiteral("at"));
            w.raceId = read.integer(QStringLiteral("race_id"), -1);
            w.winner = read.text(QStringLiteral("winner"));
            w.trigger = read.text(QStringLiteral("trigger"));
            w.marginMs = read.number(QStringLiteral("margin_ms"), -1, false);
            w.ok = read.boolean(QStringLiteral("ok"));
            if (!read.ok())
                return makeError(QStringLiteral("winners[%1]: %2").arg(i).arg(read.error()));
            answer.winners.append(w);
        }
        return {};
    }
    case engine::HistoryQuery::Kind::RaceCount: {
        util::JsonFields read(object);
        answer.count = read.integer(QStringLiteral("races"), -1);
        if (!read.ok() || answer.count < 0)
            return makeError(read.ok() ? QStringLiteral("missing races") : read.error());
        return {};
    }
    default:
        return {};
    }
}

} // namespace relayrace::wire
