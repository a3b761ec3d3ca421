// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/enginesettings.h"
#include "map/routemap.h"

#include <QDateTime>
#include <QStringList>

#include <optional>

namespace relayrace::engine {

// "keep", "direct", "refuse": as the edge's configuration, the API and the console name them.
QString expiredMapPolicyName(ExpiredMapPolicy policy);
std::optional<ExpiredMapPolicy> expiredMapPolicyFromName(const QString &name);

// The routes a map gives under the policy: all of them while it is valid.
QStringList usableRoutes(const QStringList &routeIds, bool expired, ExpiredMapPolicy policy);

// What the logs, a refused race and a refused request say of an expired map, e.g. "the map of acme
// expired at 2026-12-05T10:00:00Z (expired_map=keep: racing on it until a valid one arrives)".
QString expiredMapNotice(const map::RouteMap &map, ExpiredMapPolicy policy);

} // namespace relayrace::engine
