// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "map/routemap.h"
#include "util/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace relayrace::map {

// Reads a map v1 document. Every error names the field ("regions[2].relay: unsupported scheme
// 'socks5'; expected http"); nothing partial is ever returned. Unknown fields are ignored and, when
// `ignored` is given, listed there by path (so tools can warn).
Result<RouteMap> parseRouteMap(const QByteArray &bytes, QStringList *ignored = nullptr);

// Writes the canonical JSON of a map: UTF-8, keys sorted, every field written (defaults included),
// indented, ending in a newline. parseRouteMap(serializeRouteMap(m)) == m.
QByteArray serializeRouteMap(const RouteMap &map);

// Reads and parses a map file; errors start with the path. Reads at most RouteMap::kMaxBytes + 1
// bytes, so an oversized file is refused without being read whole.
Result<RouteMap> readRouteMapFile(const QString &path, QStringList *ignored = nullptr);

} // namespace relayrace::map
