// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// The hand-built map of the topology tests (tst_topologyview, tst_topologylayout): three regions
// around Frankfurt, and a race over them whose third route may fail.

#include "map/routemap.h"
#include "model/raceresult.h"

#include <QDateTime>
#include <QUrl>

#include <optional>

namespace relayrace::testsupport::topology {

inline map::Region region(const QString &id, double lat, double lon, std::optional<double> rtt = std::nullopt)
{
    map::Region r;
    r.id = id;
    r.name = id.toUpper();
    r.relay = QUrl(QStringLiteral("http://127.0.0.1:3128"));
    r.lat = lat;
    r.lon = lon;
    r.rttToOriginMs = rtt;
    r.samples = 5;
    return r;
}

inline map::RouteMap threeRegionMap(const QString &provider = QStringLiteral("shop"))
{
    map::RouteMap m;
    m.provider = provider;
    m.origin = QUrl(QStringLiteral("http://127.0.0.1:8080"));
    m.generatedAt = QDateTime::currentDateTimeUtc();
    m.regions = {region(QStringLiteral("fra"), 50.1, 8.7, 42.5), region(QStringLiteral("ams"), 52.4, 4.9, 30.0),
                 region(QStringLiteral("par"), 48.9, 2.4, std::nullopt)};
    m.alternates.insert(QStringLiteral("default"), {QStringLiteral("fra"), QStringLiteral("ams"), QStringLiteral("par")});
    return m;
}

inline model::RouteOutcome outcome(const QString &id, model::RouteOutcome::State state, double ttfb, double ttt,
                                   double projected, const QString &error = QString())
{
    model::RouteOutcome o;
    o.routeId = id;
    o.state = state;
    o.ttfbMs = ttfb;
    o.timeToThresholdMs = ttt;
    o.projectedMs = projected;
    o.error = error;
    return o;
}

inline model::RaceResult raceResult(bool parFails)
{
    using State = model::RouteOutcome::State;
    model::RaceResult r;
    r.provider = QStringLiteral("shop");
    r.winner = QStringLiteral("via:fra");
    r.thresholdBytes = 65536;
    r.startedAt = QDateTime::currentDateTimeUtc();
    r.routes = {outcome(QStringLiteral("direct"), State::Lost, 61.0, -1, 310.0),
                outcome(QStringLiteral("via:fra"), State::Won, 23.4, 80.0, 80.0),
                outcome(QStringLiteral("via:ams"), State::Lost, 30.0, -1, 95.0),
                parFails ? outcome(QStringLiteral("via:par"), State::Failed, -1, -1, -1, QStringLiteral("connection refused"))
                         : outcome(QStringLiteral("via:par"), State::Lost, 35.0, -1, 100.0)};
    return r;
}

} // namespace relayrace::testsupport::topology
