// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The console's side of an edge's event stream: Server-Sent Events in whatever pieces they arrive,
// then each event's JSON through the reader the attached console uses for its name. A value that reads
// is written back and reads again; a refusal says why; a broken stream reads nothing more.

#include "fuzzsupport.h"
#include "model/failoverevent.h"
#include "model/raceresult.h"
#include "wire/frontjson.h"
#include "wire/sse.h"

#include <QJsonDocument>

#include <cstdlib>

using namespace relayrace;

namespace {

// Reads with `from`; what reads is written with `to` and must read again.
template<typename From, typename To>
void roundTrip(const QJsonObject &object, From from, To to)
{
    const auto value = from(object);
    if (!value) {
        if (value.error().isEmpty())
            std::abort();
        return;
    }
    if (!from(to(*value)))
        std::abort();
}

void read(const wire::SseEvent &event)
{
    const QJsonObject data = QJsonDocument::fromJson(event.data).object();
    const QByteArray &name = event.name;
    if (name == "race_started")
        roundTrip(data, wire::raceStartFromJson, [](const auto &v) { return wire::toJson(v); });
    else if (name == "race_finished")
        roundTrip(data.value(QStringLiteral("result")).toObject(), model::raceResultFromJson,
                  [](const auto &v) { return model::toJson(v); });
    else if (name == "race_refused")
        roundTrip(data, wire::raceRefusalFromJson, [](const auto &v) { return wire::toJson(v); });
    else if (name == "route_changed")
        roundTrip(data, wire::routeChangeFromJson, [](const auto &v) { return wire::toJson(v); });
    else if (name == "failover")
        roundTrip(data, model::fromJson, [](const auto &v) { return model::toJson(v); });
    else if (name == "provider_changed")
        roundTrip(data, wire::providerFromJson, [](const auto &v) { return wire::toJson(v); });
    else if (name == "map_changed")
        roundTrip(data.value(QStringLiteral("map")).toObject(), wire::mapFromJson,
                  [](const auto &v) { return wire::mapJson(v); });
    else if (name == "status_changed")
        roundTrip(data, wire::statusFromJson, [](const auto &v) { return wire::toJson(v); });
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::quietLogs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wire::SseParser parser(64 * 1024);
    for (const QByteArrayView piece : fuzz::pieces(data, size)) {
        const bool failedBefore = parser.failed();
        const QList<wire::SseEvent> events = parser.feed(piece);
        if (failedBefore && !events.isEmpty())
            std::abort(); // a broken stream reads nothing more
        if (parser.failed() && parser.error().isEmpty())
            std::abort();
        for (const wire::SseEvent &event : events) {
            if (event.name.isEmpty() || event.data.contains('\0') || event.data.size() > 64 * 1024)
                std::abort();
            read(event);
        }
    }
    return 0;
}
