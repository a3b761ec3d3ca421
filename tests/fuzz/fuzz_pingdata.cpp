// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The ping-data CSV the map maker reads: every row it returns is a finite, non-negative round trip on
// a line of the input; a refusal names its line.

#include "fuzzsupport.h"
#include "map/pingdata.h"

#include <cmath>
#include <cstdlib>

using namespace relayrace;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::quietLogs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray csv(reinterpret_cast<const char *>(data), qsizetype(size));
    const Result<QList<map::PingRecord>> records = map::parsePingData(csv);
    if (!records) {
        if (records.error().isEmpty())
            std::abort();
        return 0;
    }
    const qsizetype lines = csv.count('\n') + 1;
    for (const map::PingRecord &record : *records) {
        if (record.regionId.isEmpty() || !std::isfinite(record.rttMs) || record.rttMs < 0)
            std::abort();
        if (record.edgeRttMs && (!std::isfinite(*record.edgeRttMs) || *record.edgeRttMs < 0))
            std::abort();
        if (record.line < 1 || record.line > lines)
            std::abort();
    }
    return 0;
}
