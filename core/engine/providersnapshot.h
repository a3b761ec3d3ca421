// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/trigger.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace relayrace::engine {

// One route's race figures beside what the requests it served saw (docs/race-policy.md).
struct RouteServing
{
    QString route;
    double racedTtfbMs = -1;        // its TTFB in the last race; -1 none
    double servedTtfbMs = -1;       // smoothed TTFB of the requests it served; -1 none yet
    double servedThroughputBps = -1; // smoothed, bodies of 256 KiB or more; -1 none yet
    qint64 servedRequests = 0;
    qint64 failovers = 0;           // served requests that failed over away from it

    bool operator==(const RouteServing &) const = default;
};

// Per provider: what the providers panel shows. Counters since the engine started.
struct ProviderSnapshot
{
    QString provider;
    QUrl origin;
    QString edgeRegion;
    QString mapTrust;              // how the map was obtained: "valid", "unsigned", "lab (unsigned)", ...
    QString optimalRoute;          // empty: none (not raced yet, or expired)
    QDateTime chosenAt;
    QDateTime nextRetestAt;        // when a time-based trigger fires next under traffic
    model::Trigger lastTrigger = model::Trigger::None;
    QStringList routes;            // every candidate route, map order
    QDateTime mapExpiresAt;
    bool mapExpired = false;        // the map's validity has passed and no valid one replaced it
    QString expiredMapPolicy;       // what the engine then does: "keep", "direct" or "refuse"
    qint64 races = 0;
    qint64 racesFailed = 0;
    qint64 racesSkippedByBudget = 0;
    qint64 raceBytesTestObject = 0; // body bytes every route received in races on the test object
    qint64 raceBytesRequested = 0;  // ... in races on requested objects (the winner's are the user's)
    qint64 requests = 0;            // user requests served
    qint64 requestBytes = 0;
    QList<RouteServing> serving;    // per route, map order: raced vs served figures
    bool degraded = false;          // the degradation trigger holds for the optimal route now
};

// The whole engine at a glance: what the console's status bar shows.
struct EngineStatus
{
    bool running = false;
    int providers = 0;
    int racesLastMinute = 0;
    int failoversLastHour = 0;
    QDateTime earliestMapExpiry;   // invalid: no maps
    QString historyError;          // empty: the history is kept (or none was asked for)

    bool operator==(const EngineStatus &) const = default;
};

} // namespace relayrace::engine

Q_DECLARE_METATYPE(relayrace::engine::ProviderSnapshot)
Q_DECLARE_METATYPE(relayrace::engine::EngineStatus)
