// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/raceresult.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <vector>

namespace relayrace::history {

// The value structs the history queries hand to the console. Times are UTC; a figure that does not
// apply is -1, as in model::RouteOutcome. Values: they cross threads freely.

// What one route did in one stored race.
struct RouteSample
{
    QDateTime at;                       // the race's start
    qint64 raceId = -1;
    QString routeId;
    model::RouteOutcome::State state = model::RouteOutcome::State::Failed;
    double connectMs = -1;
    double ttfbMs = -1;
    double timeToThresholdMs = -1;
    double projectedMs = -1;
    qint64 bytes = 0;
    bool winner = false;
};

// One race on the winner timeline.
struct WinnerPoint
{
    QDateTime at;
    qint64 raceId = -1;
    QString winner;                     // empty when every route failed
    QString trigger;
    double marginMs = -1;
    bool ok = false;
    QString marginKind;                 // measured | projected | lower_bound; empty: none, or stored before v2
};

// Which figure a band summarises.
enum class BandMetric {
    TimeToThreshold, // measured only: a loser aborted before the threshold has none
    Projected,       // what hysteresis compares: the winner's time, the losers' projections
    Ttfb,
};

// One route's spread in one time bucket (SmokePing style): min, median, max of the samples.
struct BandPoint
{
    QString routeId;
    QDateTime bucketStart;              // a multiple of the bucket length since the epoch, UTC
    double minMs = -1;
    double medianMs = -1;               // the mean of the two middle samples for an even count
    double maxMs = -1;
    int count = 0;
};

// One bin of a histogram: [lowMs, highMs).
struct HistogramBin
{
    double lowMs = 0;
    double highMs = 0;
    qint64 count = 0;
};

// The band's figures of one bucket: min, median (the mean of the two middle values for an even count)
// and max. Sorts values; all -1 when there are none.
struct Spread
{
    double min = -1;
    double median = -1;
    double max = -1;
};
Spread spreadOf(std::vector<double> &values);

// value / divisor rounded toward minus infinity (divisor > 0), so buckets before the epoch line up too.
qint64 floorDiv(qint64 value, qint64 divisor);

// A filter of failover events; an empty field (or invalid time) does not filter.
struct FailoverQuery
{
    QString provider;
    QString route;                      // matches the failed route or the one that took over
    QString reason;
    QDateTime from;                     // inclusive
    QDateTime to;                       // exclusive
    QString text;                       // substring of detail or request, ASCII case-insensitive
    int limit = 1000;                   // <= 0: no limit
};

} // namespace relayrace::history

Q_DECLARE_METATYPE(relayrace::history::RouteSample)
Q_DECLARE_METATYPE(relayrace::history::WinnerPoint)
Q_DECLARE_METATYPE(relayrace::history::BandPoint)
Q_DECLARE_METATYPE(relayrace::history::HistogramBin)
Q_DECLARE_METATYPE(relayrace::history::FailoverQuery)
