// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "util/looplag.h"

#include <QElapsedTimer>
#include <QThread>
#include <QTimer>

#include <algorithm>

namespace relayrace {

LoopLagMeter::LoopLagMeter(QThread *thread, int intervalMs) : m_intervalMs(std::max(1, intervalMs))
{
    moveToThread(thread);
    // The timer and the clock are made on the measured thread (a QTimer must start on its own thread).
    QMetaObject::invokeMethod(this, [this] {
        m_clock = new QElapsedTimer;
        m_clock->start();
        m_lastNs = m_clock->nsecsElapsed();
        m_timer = new QTimer(this);
        m_timer->setTimerType(Qt::PreciseTimer);
        connect(m_timer, &QTimer::timeout, this, &LoopLagMeter::tick);
        m_timer->start(m_intervalMs);
    }, Qt::QueuedConnection);
}

LoopLagMeter::~LoopLagMeter()
{
    delete m_clock;
}

void LoopLagMeter::tick()
{
    const qint64 now = m_clock->nsecsElapsed();
    const qint64 lateUs = std::max<qint64>(0, (now - m_lastNs) / 1000 - qint64(m_intervalMs) * 1000);
    m_lastNs = now;
    const auto bucket = std::min<qint64>(lateUs / kBucketUs, kBuckets - 1);
    m_counts[size_t(bucket)].fetch_add(1, std::memory_order_relaxed);
    std::int64_t seen = m_maxUs.load(std::memory_order_relaxed);
    while (lateUs > seen && !m_maxUs.compare_exchange_weak(seen, lateUs, std::memory_order_relaxed)) {
    }
}

LoopLagMeter::Summary LoopLagMeter::summary() const
{
    std::array<std::uint32_t, kBuckets> counts;
    quint64 total = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        counts[i] = m_counts[i].load(std::memory_order_relaxed);
        total += counts[i];
    }
    Summary s;
    s.samples = total;
    s.maxMs = double(m_maxUs.load(std::memory_order_relaxed)) / 1000.0;
    if (total == 0)
        return s;
    // A percentile is the upper edge of the bucket it falls in (never below the truth), capped by the max.
    const auto percentile = [&](double p) {
        const auto rank = quint64(double(total) * p / 100.0 + 0.999999);
        quint64 seen = 0;
        for (size_t i = 0; i < counts.size(); ++i) {
            seen += counts[i];
            if (seen >= std::max<quint64>(rank, 1))
                return std::min(double((i + 1) * kBucketUs) / 1000.0, s.maxMs);
        }
        return s.maxMs;
    };
    s.p50Ms = percentile(50);
    s.p99Ms = percentile(99);
    return s;
}

QString LoopLagMeter::describe(const Summary &s)
{
    return QStringLiteral("samples %1, p50 %2 ms, p99 %3 ms, max %4 ms")
        .arg(s.samples)
        .arg(s.p50Ms, 0, 'f', 2)
        .arg(s.p99Ms, 0, 'f', 2)
        .arg(s.maxMs, 0, 'f', 2);
}

} // namespace relayrace
