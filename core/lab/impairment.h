// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QJsonObject>
#include <QMetaType>
#include <QString>

namespace relayrace::lab {

// What a lab link does to the traffic that crosses it. Every field can change while the lab runs.
struct Impairment
{
    // Round-trip time the link adds (what ping would show): half is applied in each direction. A new
    // connection also pays one round trip before its first byte crosses, as a TCP handshake would.
    int latencyMs = 0;
    // Each chunk is delayed by latency/2 plus a uniform value in [-jitter/2, +jitter/2]; order kept.
    int jitterMs = 0;
    // Bytes per second in each direction; 0 means unlimited.
    qint64 bandwidthBytesPerSec = 0;
    // After this many bytes towards the client on a connection, the link goes silent and holds the
    // connection open (a stall mid-body). -1 disables.
    qint64 stallAfterBytes = -1;
    // After this many bytes towards the client on a connection, both sides are reset (RST). -1 disables.
    qint64 resetAfterBytes = -1;
    // Percentage (0-100) of new connections that are reset at once: a flaky path.
    int failPct = 0;
    // The link does not listen: connections are refused.
    bool refuse = false;
    // The link accepts connections and never answers; open connections go silent too.
    bool blackhole = false;

    bool operator==(const Impairment &) const = default;
    bool isClean() const { return *this == Impairment{}; }
};

QJsonObject toJson(const Impairment &impairment);
// Reads the impairment fields of a JSON object; errors name the JSON path (e.g. "links[2].latency_ms").
Result<Impairment> impairmentFromJson(const QJsonObject &object, const QString &path);
// A short human summary: "100 ms, 1.0 MiB/s, stall after 65536 B" or "clean".
QString describe(const Impairment &impairment);

} // namespace relayrace::lab

Q_DECLARE_METATYPE(relayrace::lab::Impairment)
