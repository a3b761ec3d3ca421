// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace relayrace::model {

// A change of the optimal route for one (provider, edge region): what the console's winner timeline
// marks and the history keeps. A value: crosses threads freely.
struct RouteChange
{
    QString provider;
    QString edgeRegion;
    QString fromRoute;      // empty: there was no optimal route before (first race, or it had expired)
    QString toRoute;
    QDateTime at;           // UTC
    QString reason;         // e.g. "first race", "won by 23.1% (hysteresis 10%)", "incumbent failed"
    double marginPct = -1;  // challenger's lead over the incumbent in that race; -1 when not measured
    qint64 raceId = -1;     // the history row of the race that caused it, when stored
};

} // namespace relayrace::model

Q_DECLARE_METATYPE(relayrace::model::RouteChange)
