// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "model/trigger.h"

#include <array>
#include <utility>

namespace relayrace::model {
namespace {

constexpr std::array<std::pair<Trigger, QStringView>, 10> kNames{{
    {Trigger::None, u""},
    {Trigger::T1, u"t1"},
    {Trigger::T2, u"t2"},
    {Trigger::Requests, u"n"},
    {Trigger::Ttl, u"ttl"},
    {Trigger::Manual, u"manual"},
    {Trigger::Schedule, u"schedule"},
    {Trigger::Demo, u"demo"},
    {Trigger::Failover, u"failover"},
    {Trigger::Degraded, u"degraded"},
}};

} // namespace

QString triggerName(Trigger trigger)
{
    for (const auto &[value, name] : kNames) {
        if (value == trigger)
            return name.toString();
    }
    return {};
}

std::optional<Trigger> triggerFromName(const QString &name)
{
    for (const auto &[value, text] : kNames) {
        if (text == name)
            return value;
    }
    return std::nullopt;
}

} // namespace relayrace::model
