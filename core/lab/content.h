// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QtGlobal>

namespace relayrace::lab {

// Deterministic object bodies. The body of (path, size, generation) is a pure function: the same on
// every run and every machine, so a test or a remote client can check a download without the origin
// keeping anything in memory. Bytes come from a counter-based splitmix64 stream (8 bytes per counter
// value), so any byte range is produced without generating the prefix: a resumed download and a
// full one agree byte for byte. Generation 0 is what the origin serves until its generation changes.

// The stream's seed for one body; identical inputs give identical seeds.
quint64 contentSeed(const QByteArray &path, qint64 size, int generation = 0);

// Writes bytes [offset, offset + length) of the stream with this seed into out. The stream is
// unbounded; callers clamp to the object size.
void fillContent(quint64 seed, qint64 offset, char *out, qint64 length);

// Bytes [offset, offset + length) of the body, clamped to [0, size).
QByteArray contentRange(const QByteArray &path, qint64 size, qint64 offset, qint64 length,
                        int generation = 0);

// The whole body (for small objects; large ones should be produced by range).
QByteArray contentBody(const QByteArray &path, qint64 size, int generation = 0);

// Lower-case hex SHA-256 of the whole body, computed in bounded memory.
QByteArray contentSha256(const QByteArray &path, qint64 size, int generation = 0);

// Lower-case hex SHA-256 of arbitrary bytes.
QByteArray sha256Hex(const QByteArray &data);

// A strong entity tag for the body, quoted as it appears in an ETag header ("\"3f2a...\"").
// A different generation gives a different tag even though path and size are the same.
QByteArray strongEtag(const QByteArray &path, qint64 size, int generation = 0);

} // namespace relayrace::lab
