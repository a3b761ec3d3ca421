// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "history/historyqueries.h"
#include "model/routechange.h"
#include "util/result.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <limits>

namespace relayrace::history {

// What the console's history charts read (SampleWindow, the history panel's worker): a provider's
// route samples, winner timeline, race count and route changes. A HistoryStore is one (the engine's
// SQLite file); an edge's admin API is another (remote::RemoteHistory). Calls block their thread: the
// worker thread's, never the GUI's. Bounds as HistoryStore's: [from, to), an invalid one does not bound.
class SampleSource
{
public:
    virtual ~SampleSource() = default;

    // Who this source is ("<path>", "<admin url>"): a window read from one is not another's.
    virtual QString identity() const = 0;
    virtual Result<QList<RouteSample>> routeSamples(const QString &provider, const QDateTime &from,
                                                    const QDateTime &to, qint64 afterRaceId = -1) = 0;
    virtual Result<QList<WinnerPoint>> winnerTimeline(const QString &provider, const QDateTime &from,
                                                      const QDateTime &to, qint64 afterRaceId = -1) = 0;
    virtual Result<qint64> raceCount(const QString &provider, const QDateTime &from, const QDateTime &to,
                                     qint64 upToRaceId = std::numeric_limits<qint64>::max()) = 0;
    virtual Result<QList<model::RouteChange>> routeChanges(const QString &provider, const QDateTime &from,
                                                           const QDateTime &to) = 0;
};

} // namespace relayrace::history
