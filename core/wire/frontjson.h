// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/historyanswer.h"
#include "engine/providersnapshot.h"
#include "engine/racestart.h"
#include "map/routemap.h"
#include "model/routechange.h"
#include "util/result.h"

#include <QJsonObject>
#include <QUrlQuery>

namespace relayrace::wire {

// The engine front's value types as JSON, both ways: what an edge's admin API answers and its event
// stream carries (docs/api.md), and what a front attached to that edge reads back. Field names are
// the contract; times are ISO 8601 UTC with milliseconds; what does not apply is null. A reader
// names the first field it could not take.
inline constexpr int kApiVersion = 1;

QJsonObject toJson(const engine::ProviderSnapshot &snapshot);
Result<engine::ProviderSnapshot> providerFromJson(const QJsonObject &object);

QJsonObject toJson(const engine::EngineStatus &status);
Result<engine::EngineStatus> statusFromJson(const QJsonObject &object);

QJsonObject toJson(const engine::RaceStart &start);
Result<engine::RaceStart> raceStartFromJson(const QJsonObject &object);

QJsonObject toJson(const engine::RaceRefusal &refusal);
Result<engine::RaceRefusal> raceRefusalFromJson(const QJsonObject &object);

QJsonObject toJson(const model::RouteChange &change);
Result<model::RouteChange> routeChangeFromJson(const QJsonObject &object);

// A map as the object its file holds (map::serializeRouteMap), and back through the map codec's checks.
QJsonObject mapJson(const map::RouteMap &map);
Result<map::RouteMap> mapFromJson(const QJsonObject &object);

// A history question as its API path and query string (docs/api.md): /api/v1/providers/{id}/races
// (limit), /api/v1/providers/{id}/route-changes (since, until), /api/v1/failovers (provider, route,
// reason, text, since, until, limit: the filters `relayrace log` has). And back, from the path's
// provider (empty for failovers) and the query string; a parameter that does not parse is an error
// naming it.
QString historyPath(const engine::HistoryQuery &query);
QUrlQuery historyUrlQuery(const engine::HistoryQuery &query);
Result<engine::HistoryQuery> historyQueryFrom(engine::HistoryQuery::Kind kind, const QString &provider, const QUrlQuery &query);
// An answer's rows as the API sends them ({"races": [...]}, {"route_changes": [...]}, {"failovers": [...]}),
// and back.
QJsonObject toJson(const engine::HistoryAnswer &answer);
Result<engine::HistoryAnswer> historyAnswerFromJson(engine::HistoryQuery::Kind kind, const QJsonObject &object);
// The history charts' rows (RouteSamples: {"route_samples": [...]}, Winners: {"winners": [...]},
// RaceCount: {"races": n}), times to the millisecond and figures unrounded; and back into answer.
QJsonObject chartRowsJson(const engine::HistoryAnswer &answer);
Result<void> readChartRows(const QJsonObject &object, engine::HistoryAnswer &answer);

} // namespace relayrace::wire
