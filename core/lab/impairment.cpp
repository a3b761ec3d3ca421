// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "impairment.h"

#include <QJsonValue>
#include <QLocale>
#include <QStringList>

#include <cmath>

namespace relayrace::lab {
namespace {

Result<qint64> readInt(const QJsonObject &object, const QString &path, const QString &key,
                       qint64 fallback, qint64 minimum, qint64 maximum)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return fallback;
    if (!value.isDouble())
        return makeError(path + u'.' + key + QStringLiteral(": expected a number"));
    // Compared as a double before any conversion: a number past qint64's range has no qint64 value
    // (converting it is undefined behaviour; fuzz_topology found 2.6e70 here).
    const double number = value.toDouble();
    if (!std::isfinite(number) || number != std::trunc(number))
        return makeError(path + u'.' + key + QStringLiteral(": expected a whole number"));
    if (number < static_cast<double>(minimum) || number > static_cast<double>(maximum))
        return makeError(path + u'.' + key + QStringLiteral(": %1 is outside %2..%3")
                                                   .arg(QString::number(number, 'g', QLocale::FloatingPointShortest)).arg(minimum).arg(maximum));
    return static_cast<qint64>(number);
}

Result<bool> readBool(const QJsonObject &object, const QString &path, const QString &key)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull())
        return false;
    if (!value.isBool())
        return makeError(path + u'.' + key + QStringLiteral(": expected true or false"));
    return value.toBool();
}

} // namespace

QJsonObject toJson(const Impairment &i)
{
    QJsonObject o;
    o.insert(QStringLiteral("latency_ms"), i.latencyMs);
    o.insert(QStringLiteral("jitter_ms"), i.jitterMs);
    o.insert(QStringLiteral("bandwidth_bps"), static_cast<double>(i.bandwidthBytesPerSec));
    o.insert(QStringLiteral("stall_after_bytes"), static_cast<double>(i.stallAfterBytes));
    o.insert(QStringLiteral("reset_after_bytes"), static_cast<double>(i.resetAfterBytes));
    o.insert(QStringLiteral("fail_pct"), i.failPct);
    o.insert(QStringLiteral("refuse"), i.refuse);
    o.insert(QStringLiteral("blackhole"), i.blackhole);
    return o;
}

Result<Impairment> impairmentFromJson(const QJsonObject &object, const QString &path)
{
    constexpr qint64 kMaxLatencyMs = 60'000;
    constexpr qint64 kMaxBytes = qint64(1) << 50;
    Impairment i;
    auto latency = readInt(object, path, QStringLiteral("latency_ms"), 0, 0, kMaxLatencyMs);
    if (!latency) return makeError(latency.error());
    auto jitter = readInt(object, path, QStringLiteral("jitter_ms"), 0, 0, kMaxLatencyMs);
    if (!jitter) return makeError(jitter.error());
    auto bandwidth = readInt(object, path, QStringLiteral("bandwidth_bps"), 0, 0, kMaxBytes);
    if (!bandwidth) return makeError(bandwidth.error());
    auto stall = readInt(object, path, QStringLiteral("stall_after_bytes"), -1, -1, kMaxBytes);
    if (!stall) return makeError(stall.error());
    auto reset = readInt(object, path, QStringLiteral("reset_after_bytes"), -1, -1, kMaxBytes);
    if (!reset) return makeError(reset.error());
    auto failPct = readInt(object, path, QStringLiteral("fail_pct"), 0, 0, 100);
    if (!failPct) return makeError(failPct.error());
    auto refuse = readBool(object, path, QStringLiteral("refuse"));
    if (!refuse) return makeError(refuse.error());
    auto blackhole = readBool(object, path, QStringLiteral("blackhole"));
    if (!blackhole) return makeError(blackhole.error());
    i.latencyMs = static_cast<int>(*latency);
    i.jitterMs = static_cast<int>(*jitter);
    if (i.jitterMs > i.latencyMs)
        return makeError(path + QStringLiteral(".jitter_ms: %1 is larger than latency_ms (%2)")
                                    .arg(i.jitterMs).arg(i.latencyMs));
    i.bandwidthBytesPerSec = *bandwidth;
    i.stallAfterBytes = *stall;
    i.resetAfterBytes = *reset;
    i.failPct = static_cast<int>(*failPct);
    i.refuse = *refuse;
    i.blackhole = *blackhole;
    return i;
}

QString describe(const Impairment &i)
{
    QStringList parts;
    if (i.refuse) parts << QStringLiteral("refuses connections");
    if (i.blackhole) parts << QStringLiteral("blackhole");
    if (i.latencyMs > 0)
        parts << (i.jitterMs > 0 ? QStringLiteral("%1±%2 ms").arg(i.latencyMs).arg(i.jitterMs)
                                 : QStringLiteral("%1 ms").arg(i.latencyMs));
    if (i.bandwidthBytesPerSec > 0)
        parts << QStringLiteral("%1 MiB/s").arg(double(i.bandwidthBytesPerSec) / (1024.0 * 1024.0), 0, 'f', 2);
    if (i.stallAfterBytes >= 0) parts << QStringLiteral("stall after %1 B").arg(i.stallAfterBytes);
    if (i.resetAfterBytes >= 0) parts << QStringLiteral("reset after %1 B").arg(i.resetAfterBytes);
    if (i.failPct > 0) parts << QStringLiteral("%1% of connections reset").arg(i.failPct);
    return parts.isEmpty() ? QStringLiteral("clean") : parts.join(QStringLiteral(", "));
}

} // namespace relayrace::lab
