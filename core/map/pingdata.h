// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace relayrace::map {

// One row of externally collected ping data (docs/map-maker.md): a region's round trip to the origin
// and, when known, the edge's round trip to the region.
struct PingRecord
{
    QString regionId;
    double rttMs = 0.0;                // region -> origin
    std::optional<double> edgeRttMs;   // edge -> region
    int line = 0;                      // 1-based, for messages
};

// Parses CSV `region,rtt_ms[,edge_rtt_ms]`: an optional header line (first field "region"), blank
// lines and lines starting with # skipped, fields optionally in double quotes. Every error names the
// line ("line 4: rtt_ms 'fast' is not a number"). Nothing partial is returned.
Result<QList<PingRecord>> parsePingData(const QByteArray &csv);

} // namespace relayrace::map
