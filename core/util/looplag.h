// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

#include <array>
#include <atomic>
#include <cstdint>

class QElapsedTimer;
class QThread;
class QTimer;

namespace relayrace {

// Measures the event-loop lag of one thread: a precise timer ticks every intervalMs on that thread,
// and each tick records how late it came (the time since the last tick minus the interval). A thread
// whose loop is busy with other work (client I/O, a long slot) shows it here as lag; races timed on
// that thread would be off by as much. Counts are atomics: summary() may be read from any thread.
class LoopLagMeter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoopLagMeter)
public:
    struct Summary
    {
        quint64 samples = 0;
        double p50Ms = 0;
        double p99Ms = 0;
        double maxMs = 0;
    };
    static constexpr int kBucketUs = 100;     // resolution of the percentiles
    static constexpr int kBuckets = 10'000;   // up to 1 s; later ticks count in the last bucket

    // Starts ticking on thread (moves itself there); delete it with deleteLater() or before the thread
    // ends. intervalMs: 5 ms by default, as bench_race's probe.
    explicit LoopLagMeter(QThread *thread, int intervalMs = 5);
    ~LoopLagMeter() override;

    Summary summary() const;
    // "samples N, p50 X ms, p99 Y ms, max Z ms"
    static QString describe(const Summary &s);

private:
    void tick();

    int m_intervalMs;
    QTimer *m_timer = nullptr;
    QElapsedTimer *m_clock = nullptr;
    qint64 m_lastNs = 0;
    std::array<std::atomic<std::uint32_t>, kBuckets> m_counts{};
    std::atomic<std::int64_t> m_maxUs{0};
};

} // namespace relayrace
