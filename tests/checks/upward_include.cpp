// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// A probe of the layering (tests/checks/CMakeLists.txt, test core_upward_include_fails): built by a
// target that links relayrace_race only, as a file of the race layer would be, it includes the engine,
// a layer above. It must not compile ("engine/raceengine.h: No such file or directory"): the engine's
// include root is exported by relayrace_engine alone. Never part of `all`.
#include "engine/raceengine.h"

int layerProbeUpward()
{
    return relayrace::engine::RaceEngine::kMaxQueuedManualRaces;
}
