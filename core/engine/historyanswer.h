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

namespace relayrace::engine {

// A question to the engine's history, asked through the front (EngineFront::queryHistory).
struct HistoryQuery
{
    enum class Kind { RecentRaces, RouteChanges, Failovers };

    Kind kind = Kind::RecentRaces;
    QString provider;
    int limit = 100;                  // RecentRaces: newest first, at most this many (<= 0: all)
    QDateTime from;                   // RouteChanges: [from, to)
    QDateTime to;
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
};

} // namespace relayrace::engine

Q_DECLARE_METATYPE(relayrace::engine::HistoryAnswer)
