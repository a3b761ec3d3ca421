// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The lab topology file: parsed, or refused with the JSON path of the problem; what parses is written
// back and reads again with every hop present.

#include "fuzzsupport.h"
#include "lab/topology.h"

#include <QJsonDocument>

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
    const Result<lab::Topology> topology = lab::Topology::fromJson(bytes);
    if (!topology) {
        if (topology.error().isEmpty())
            std::abort();
        return 0;
    }
    const Result<lab::Topology> again = lab::Topology::fromJson(QJsonDocument(topology->toJson()).toJson());
    if (!again || again->links.size() != topology->links.size())
        std::abort();
    for (const lab::LinkSpec &link : topology->links) {
        if (!again->link(link.id()))
            std::abort();
    }
    return 0;
}
