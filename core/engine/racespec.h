// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/serverequest.h"
#include "model/trigger.h"

#include <QString>

namespace relayrace::engine {

// What to race (RaceEngine::startRace).
struct RaceSpec
{
    QString path;                           // empty: the test object
    qint64 thresholdBytes = 0;              // 0: the map's
    model::Trigger trigger = model::Trigger::Manual;
    quint64 orderId = 0;                    // the RaceOrder behind it; 0: a trigger of served traffic
    // A race on the requested object keeps the requester's method (GET or HEAD) and end-to-end headers.
    const ServeRequest *requested = nullptr;
    // The schedule's own ticks: while a race runs, the tick is skipped without a word (not a pile-up).
    bool quietWhenBusy = false;
};

} // namespace relayrace::engine
