// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// A map maker's run, waited for: what the map maker tests share (QCoro::waitFor needs a
// default-constructible result, which Result is not).
#include "map/mapmaker.h"

#include <QCoroTask>

#include <optional>

namespace relayrace::testsupport {

inline Result<map::MapMakerReport> makeNow(map::MapMaker &maker, map::MapMakerRequest request)
{
    const auto run = [](map::MapMaker &m, map::MapMakerRequest r) -> QCoro::Task<std::optional<Result<map::MapMakerReport>>> {
        co_return co_await m.make(std::move(r));
    };
    return *QCoro::waitFor(run(maker, std::move(request)));
}

} // namespace relayrace::testsupport
