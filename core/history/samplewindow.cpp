// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "history/samplewindow.h"

#include "history/historystore.h"
#include "log/logging.h"

#include <algorithm>
#include <limits>

namespace relayrace::history {

namespace {

// A dropped prefix is erased once it is this fraction of the window: erasing moves the whole window,
// and the ranges asked for skip the prefix anyway.
constexpr size_t kErasePrefixDivisor = 8;

template<typename Row>
bool byTime(const Row &a, const Row &b)
{
    return a.atMs < b.atMs || (a.atMs == b.atMs && a.raceId < b.raceId);
}

template<typename Row>
std::pair<size_t, size_t> rangeOf(const std::vector<Row> &rows, qint64 fromMs, qint64 toMs)
{
    const auto atLeast = [](const Row &row, qint64 ms) { return row.atMs < ms; };
    const auto begin = std::lower_bound(rows.begin(), rows.end(), fromMs, atLeast);
    const auto end = std::lower_bound(begin, rows.end(), toMs, atLeast);
    return {size_t(begin - rows.begin()), size_t(end - rows.begin())};
}

// Appends added (sorted) to rows (sorted): new races mostly start after the last one read, but a long
// race can start before a short one that was stored first.
template<typename Row>
void merge(std::vector<Row> &rows, std::vector<Row> &&added)
{
    const size_t middle = rows.size();
    rows.insert(rows.end(), std::make_move_iterator(added.begin()), std::make_move_iterator(added.end()));
    if (middle > 0 && middle < rows.size() && byTime(rows[middle], rows[middle - 1]))
        std::inplace_merge(rows.begin(), rows.begin() + qsizetype(middle), rows.end(), byTime<Row>);
}

template<typename Row>
void eraseBefore(std::vector<Row> &rows, qint64 fromMs)
{
    const size_t drop = rangeOf(rows, fromMs, fromMs).first;
    if (drop > 0 && drop >= rows.size() / kErasePrefixDivisor)
        rows.erase(rows.begin(), rows.begin() + qsizetype(drop));
}

} // namespace

std::pair<size_t, size_t> SampleWindow::samplesIn(qint64 fromMs, qint64 toMs) const
{
    return rangeOf(m_samples, std::max(fromMs, m_fromMs), toMs);
}

std::pair<size_t, size_t> SampleWindow::racesIn(qint64 fromMs, qint64 toMs) const
{
    return rangeOf(m_races, std::max(fromMs, m_fromMs), toMs);
}

Result<SampleWindow::Read> SampleWindow::update(SampleSource &store, const QString &provider, const QDateTime &from,
                                                bool full)
{
    const qint64 fromMs = from.toMSecsSinceEpoch();
    if (!full && m_loaded && store.identity() == m_path && provider == m_provider && fromMs >= m_fromMs) {
        dropBefore(fromMs);
        // Ids start at 1: 0 reads every race when none was read yet.
        const auto added = read(store, from, std::max<qint64>(0, m_lastRaceId));
        if (!added) {
            clear();
            return makeError(added.error());
        }
        const auto stored = store.raceCount(provider, from, {}, m_lastRaceId);
        if (!stored) {
            clear();
            return makeError(stored.error());
        }
        const auto [begin, end] = racesIn(fromMs, std::numeric_limits<qint64>::max());
        if (qint64(end - begin) == *stored)
            return Read::Incremental;
        log::get("history")->info("history {}: the panel's window of {} holds {} races where the store has {}: reading it again",
                                  m_path.toStdString(), provider.toStdString(), end - begin, *stored);
    }
    clear();
    m_path = store.identity();
    m_provider = provider;
    m_fromMs = fromMs;
    if (const auto added = read(store, from, -1); !added) {
        clear();
        return makeError(added.error());
    }
    m_loaded = true;
    ++m_fullReads;
    return Read::Full;
}

void SampleWindow::clear()
{
    m_path.clear();
    m_provider.clear();
    m_fromMs = 0;
    m_lastRaceId = -1;
    m_loaded = false;
    m_routeNames.clear();
    m_routeIndex.clear();
    m_samples = {};
    m_races = {};
}

void SampleWindow::dropBefore(qint64 fromMs)
{
    m_fromMs = fromMs;
    eraseBefore(m_samples, fromMs);
    eraseBefore(m_races, fromMs);
}

int SampleWindow::routeIndex(const QString &route)
{
    const auto found = m_routeIndex.constFind(route);
    if (found != m_routeIndex.constEnd())
        return *found;
    m_routeNames.append(route);
    return m_routeIndex[route] = int(m_routeNames.size() - 1);
}

// Reads the races after afterRaceId (every race when negative) and their samples. The races first: a race
// stored between the two reads has a larger id than the last one read then, and its samples are left for
// the next update, so a race and its samples always come together.
Result<qint64> SampleWindow::read(SampleSource &store, const QDateTime &from, qint64 afterRaceId)
{
    auto timeline = store.winnerTimeline(m_provider, from, {}, afterRaceId);
    if (!timeline)
        return makeError(timeline.error());
    if (timeline->isEmpty())
        return 0;
    qint64 last = m_lastRaceId;
    std::vector<Race> races;
    races.reserve(size_t(timeline->size()));
    for (const auto &point : *timeline) {
        last = std::max(last, point.raceId);
        races.push_back(Race{point.at.toMSecsSinceEpoch(), point.raceId,
                             point.winner.isEmpty() ? -1 : routeIndex(point.winner)});
    }
    auto samples = store.routeSamples(m_provider, from, {}, afterRaceId);
    if (!samples)
        return makeError(samples.error());
    std::vector<Sample> rows;
    rows.reserve(size_t(samples->size()));
    for (const auto &sample : *samples) {
        if (sample.raceId > last)
            continue;
        rows.push_back(Sample{sample.at.toMSecsSinceEpoch(), sample.raceId, sample.ttfbMs, sample.timeToThresholdMs,
                              sample.projectedMs, routeIndex(sample.routeId)});
    }
    const qint64 added = qint64(races.size());
    merge(m_races, std::move(races));
    merge(m_samples, std::move(rows));
    m_lastRaceId = last;
    return added;
}

} // namespace relayrace::history
