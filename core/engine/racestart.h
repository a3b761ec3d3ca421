// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/trigger.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace relayrace::engine {

// A race someone asks for (console, CLI, demo, admin API) through the engine front.
struct RaceOrder
{
    QString provider;
    QString path;                   // empty: the provider's test object
    qint64 thresholdBytes = 0;      // 0: the map's
    model::Trigger trigger = model::Trigger::Manual;
    // Set by the front (EngineFront::raceNow): the order's number, echoed by what it causes
    // (RaceStart::orderId, RaceRefusal::orderId, raceQueued) so that its sender can follow it.
    quint64 orderId = 0;
};

// What a race is about to do: the console's live panel opens its rows from this.
struct RaceStart
{
    quint64 raceId = 0;             // engine-local, increasing
    quint64 orderId = 0;            // the RaceOrder that asked for it; 0 for a race a trigger started
    QString provider;
    model::Trigger trigger = model::Trigger::None;
    QString object;
    qint64 thresholdBytes = 0;
    bool testObject = false;
    QStringList routes;
    QDateTime at;
};

// A race asked for that did not run, and why.
struct RaceRefusal
{
    quint64 orderId = 0;            // 0 for a race a trigger or the schedule asked for
    QString provider;
    model::Trigger trigger = model::Trigger::None;
    QString reason;
};

} // namespace relayrace::engine

Q_DECLARE_METATYPE(relayrace::engine::RaceOrder)
Q_DECLARE_METATYPE(relayrace::engine::RaceStart)
Q_DECLARE_METATYPE(relayrace::engine::RaceRefusal)
