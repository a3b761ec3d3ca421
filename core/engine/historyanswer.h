// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "history/historyqueries.h"
#include "model/failoverevent.h"
#include "model/raceresult.h"
#include "model/routechange.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

#include <limits>

namespace relayrace::engine {

// A question to the engine's history, asked through the front (EngineFront::queryHistory).
struct HistoryQuery
{
    // RouteSamples, Winners and RaceCount are what the history charts read (history::SampleSource).
    enum class Kind { RecentRaces, RouteChanges, Failovers, RouteSamples, Winners, RaceCount };

    Kind kind = Kind::RecentRaces;
    QString provider;
    int limit = 100;                  // RecentRaces: newest first, at most this many (<= 0: all)
    QDateTime from;                   // RouteChanges, RouteSamples, Winners, RaceCount: [from, to)
    QDateTime to;
    qint64 afterRaceId = -1;          // RouteSamples, Winners: only races stored after this one (-1: all)
    qint64 upToRaceId = std::numeric_limits<qint64>::max(); // RaceCount: races with an id up to this one
    history::FailoverQuery failovers; // Failovers: the filters `relayrace log` has
};

// Its answer: the rows of its kind, or why there are none.
struct HistoryAnswer
{
    quint64 ticket = 0;               // what EngineFront::queryHistory returned
    HistoryQuery::Kind kind = HistoryQuery::Kind::RecentRaces;
    QString error;                    // empty: answered (possibly with no rows)
    QList<model::RaceResult> races;
    QList<model::RouteChange> routeChanges;
    QList<model::FailoverEvent> failovers;
    QList<history::RouteSample> routeSamples;
    QList<history::WinnerPoint> winners;
    qint64 count = 0;                 // RaceCount
};

} // namespace relayrace::engine

Q_DECLARE_METATYPE(relayrace::engine::HistoryAnswer)
