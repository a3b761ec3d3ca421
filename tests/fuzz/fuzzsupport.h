// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

// What every fuzz target shares: quiet logging, and an input cut into the pieces a network delivers.

#include <QByteArrayView>
#include <QList>

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>

namespace relayrace::fuzz {

// The parsers log what they refuse; a fuzzer that prints every refusal runs at a tenth of its speed.
inline void quietLogs()
{
    spdlog::set_level(spdlog::level::off);
}

// The input's first byte seeds the piece sizes (1 to 64 bytes, or the whole rest when it is 0), so
// that the fuzzer explores both the bytes and how they are split across reads.
inline QList<QByteArrayView> pieces(const uint8_t *data, size_t size)
{
    QList<QByteArrayView> out;
    if (size == 0)
        return out;
    unsigned seed = data[0];
    const QByteArrayView rest(reinterpret_cast<const char *>(data) + 1, qsizetype(size) - 1);
    if (seed == 0) {
        out.append(rest);
        return out;
    }
    qsizetype at = 0;
    while (at < rest.size()) {
        seed = seed * 1103515245u + 12345u;
        const qsizetype length = qMin<qsizetype>(1 + (seed >> 16) % 64, rest.size() - at);
        out.append(rest.sliced(at, length));
        at += length;
    }
    return out;
}

} // namespace relayrace::fuzz
