// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The route map codec: any bytes either parse into a map that survives its own encoding, or are
// refused with a reason.

#include "fuzzsupport.h"
#include "map/mapcodec.h"

#include <cstdlib>

using namespace relayrace;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::quietLogs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QStringList ignored;
    const Result<map::RouteMap> parsed = map::parseRouteMap(bytes, &ignored);
    if (!parsed) {
        if (parsed.error().isEmpty())
            std::abort(); // a refusal always says why
        return 0;
    }
    // What parses is written back, and the written map reads as the same map.
    const Result<map::RouteMap> again = map::parseRouteMap(map::serializeRouteMap(*parsed));
    if (!again || !(*again == *parsed))
        std::abort();
    return 0;
}
