// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/providersnapshot.h"

#include <QJsonObject>

namespace relayrace::edge {

// A provider as the admin API's JSON shows it (docs/api.md): the engine front's snapshot, snake_case,
// times in ISO 8601 UTC (null when unset).
QJsonObject providerJson(const engine::ProviderSnapshot &snapshot);

} // namespace relayrace::edge
