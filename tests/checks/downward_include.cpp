// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The positive control of upward_include.cpp (test core_downward_include_builds): the same kind of
// target, linking relayrace_race only, includes its own layer's header. It must compile, so that the
// upward probe fails for the include alone. Never part of `all`.
#include "race/race.h"

#include <type_traits>

bool layerProbeDownward()
{
    return std::is_base_of_v<QObject, relayrace::race::Race>;
}
