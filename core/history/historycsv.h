// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QString>

namespace relayrace::history {

// Writes a provider's route samples in [from, to) as CSV (one row per route per race, oldest first,
// header "time,provider,route,state,connect_ms,ttfb_ms,time_to_threshold_ms,bytes,winner"; times
// ISO 8601 UTC, unknown figures empty) to outPath, atomically (nothing is left at outPath on failure).
// Opens a store of its own on storePath: call it off the GUI thread. Returns the number of rows.
Result<qint64> exportRouteSamplesCsv(const QString &storePath, const QString &provider, const QDateTime &from,
                                     const QDateTime &to, const QString &outPath);

} // namespace relayrace::history
