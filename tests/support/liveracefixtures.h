// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// Races for the live race panel's tests (tst_liveracepanel, tst_racereplay): starts and results as
// the engine sends them.

#include "engine/racestart.h"
#include "model/raceresult.h"
#include "ui/race/lanedelegate.h"
#include "ui/race/lanegeometry.h"
#include "ui/race/liveracemodel.h"
#include "ui/race/liveracepanel.h"
#include "ui/race/racelanes.h"
#include "ui/race/racereplay.h"

#include <QAbstractItemModel>
#include <QDateTime>
#include <QStringList>

using namespace relayrace;
using relayrace::engine::RaceStart;
using relayrace::model::RaceResult;
using relayrace::model::RouteOutcome;
using relayrace::ui::Lane;
using relayrace::ui::LaneDelegate;
using relayrace::ui::LaneFrame;
using relayrace::ui::LiveRaceModel;
using relayrace::ui::LiveRacePanel;
using relayrace::ui::RaceLanes;
using relayrace::ui::RaceReplay;
namespace lanes = relayrace::ui::lanes;

namespace {

const QStringList kRoutes{QStringLiteral("direct"), QStringLiteral("via:fra"), QStringLiteral("via:ams")};
constexpr qint64 kThreshold = 256 * 1024;
constexpr qint64 kSmallObject = 9011; // "8.8 KiB", smaller than the threshold

inline RaceStart start(quint64 id, const QString &provider = QStringLiteral("acme"), const QStringList &routes = kRoutes)
{
    RaceStart s;
    s.raceId = id;
    s.provider = provider;
    s.trigger = model::Trigger::T1;
    s.object = QStringLiteral("/test.bin");
    s.thresholdBytes = kThreshold;
    s.testObject = true;
    s.routes = routes;
    s.at = QDateTime::currentDateTimeUtc();
    return s;
}

// via:fra wins (measured margin 23.4 ms), direct loses (projected 140 ms), via:ams fails.
inline RaceResult result(const QString &provider = QStringLiteral("acme"))
{
    RaceResult r;
    r.provider = provider;
    r.trigger = model::Trigger::T1;
    r.object = QStringLiteral("/test.bin");
    r.thresholdBytes = kThreshold;
    r.winner = QStringLiteral("via:fra");
    r.marginMs = 23.4;
    r.marginKind = RaceResult::MarginKind::Measured;
    r.wastedBytes = 1234;
    r.fairness = QStringLiteral("warm");
    r.startedAt = QDateTime::currentDateTimeUtc();
    RouteOutcome direct;
    direct.routeId = QStringLiteral("direct");
    direct.state = RouteOutcome::State::Lost;
    direct.connectMs = -1;
    direct.ttfbMs = 80.26;
    direct.projectedMs = 140;
    direct.bytes = 1234;
    direct.throughputBytesPerSec = 500000;
    RouteOutcome fra;
    fra.routeId = QStringLiteral("via:fra");
    fra.relay = QStringLiteral("http://127.0.0.1:9000");
    fra.state = RouteOutcome::State::Won;
    fra.freshConnection = true;
    fra.connectMs = 12.5;
    fra.ttfbMs = 40.0;
    fra.timeToThresholdMs = 116.6;
    fra.projectedMs = 116.6;
    fra.bytes = kThreshold;
    fra.throughputBytesPerSec = 2 * 1024 * 1024;
    RouteOutcome ams;
    ams.routeId = QStringLiteral("via:ams");
    ams.state = RouteOutcome::State::Failed;
    ams.error = QStringLiteral("connection refused");
    r.routes = {direct, fra, ams};
    return r;
}

// An object smaller than the threshold: via:fra read it whole at 60 ms, direct (first byte at 30 ms)
// had 4000 bytes of it, projected to finish at 75 ms.
inline RaceResult smallObjectResult()
{
    RaceResult r = result();
    r.thresholdBytes = 64 * 1024;
    r.routes[1].bytes = kSmallObject;
    r.routes[1].timeToThresholdMs = 60;
    r.routes[1].projectedMs = 60;
    r.routes[0].bytes = 4000;
    r.routes[0].ttfbMs = 30;
    r.routes[0].projectedMs = 75;
    r.marginKind = RaceResult::MarginKind::Projected;
    r.marginMs = 15;
    return r;
}

inline QString routeCell(const QAbstractItemModel &model, int raceRow, int routeRow, int column)
{
    return model.index(routeRow, column, model.index(raceRow, 0)).data().toString();
}

} // namespace
