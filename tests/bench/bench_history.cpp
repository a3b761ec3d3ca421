// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// bench_history: loads 1,000,000 route samples (250,000 races x 4 routes, one a second over ~3 days)
// into a new history file with addRaces() in batches, then times the console's queries over it.
// Prints the figures; docs/benchmarks.md records them.
#include "history/historystore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <cstdio>

using namespace relayrace;
using namespace relayrace::history;
using model::RouteOutcome;
using namespace Qt::StringLiterals;

namespace {

model::RaceResult makeRace(const QDateTime &at, int i)
{
    model::RaceResult r;
    r.provider = QStringLiteral("acme");
    r.trigger = model::Trigger::T2;
    r.object = QStringLiteral("/big.bin");
    r.thresholdBytes = 65536;
    r.fairness = QStringLiteral("warm");
    r.startedAt = at;
    r.wastedBytes = 40000;
    const QStringList ids = {QStringLiteral("direct"), QStringLiteral("via:fra"), QStringLiteral("via:ams"),
                             QStringLiteral("via:sgp")};
    r.winner = ids.at(i % 3);
    r.marginMs = 4.5 + i % 17;
    for (const QString &id : ids) {
        model::RouteOutcome o;
        o.routeId = id;
        o.relay = id == u"direct" ? QString() : QStringLiteral("http://127.0.0.1:3128");
        o.state = id == r.winner ? model::RouteOutcome::State::Won
                  : id == u"via:sgp" && i % 10 == 0 ? model::RouteOutcome::State::Failed : model::RouteOutcome::State::Lost;
        o.freshConnection = i % 5 == 0;
        o.connectMs = o.freshConnection ? 12.5 : -1;
        o.ttfbMs = o.state == model::RouteOutcome::State::Failed ? -1 : 20.0 + (i * 7 + id.size()) % 40;
        o.timeToThresholdMs = o.state == model::RouteOutcome::State::Won ? 40.0 + i % 30 : -1;
        o.projectedMs = o.state == model::RouteOutcome::State::Failed ? -1 : 45.0 + (i * 13 + id.size()) % 60;
        o.bytes = o.state == model::RouteOutcome::State::Won ? 65536 : 20000;
        o.throughputBytesPerSec = 2.5e6;
        o.httpStatus = o.state == model::RouteOutcome::State::Failed ? 0 : 200;
        o.error = o.state == model::RouteOutcome::State::Failed ? QStringLiteral("Connection refused") : QString();
        r.routes.append(o);
    }
    return r;
}

template<typename T>
qint64 timed(const char *what, T &&query)
{
    QElapsedTimer timer;
    timer.start();
    const auto result = query();
    const qint64 ms = timer.elapsed();
    if (!result) {
        std::fprintf(stderr, "%s failed: %s\n", what, qPrintable(result.error()));
        return -1;
    }
    std::printf("  %-44s %6lld ms  (%lld rows)\n", what, ms, qint64(result->size()));
    return ms;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    auto opened = HistoryStore::open(dir.filePath(QStringLiteral("history.sqlite")));
    if (!opened) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error()));
        return 1;
    }
    HistoryStore &store = *opened.value();
    constexpr int races = 250'000;
    constexpr int batch = 10'000;
    const QDateTime t0 = QDateTime::currentDateTimeUtc().addSecs(-races);
    QElapsedTimer timer;
    qint64 insertMs = 0;
    for (int start = 0; start < races; start += batch) {
        QList<RaceRecord> records;
        records.reserve(batch);
        for (int i = start; i < start + batch; ++i)
            records.append({makeRace(t0.addSecs(i), i), QStringLiteral("edge-fra"), false});
        timer.start();
        const Result<int> added = store.addRaces(records);
        insertMs += timer.elapsed();
        if (!added) {
            std::fprintf(stderr, "%s\n", qPrintable(added.error()));
            return 1;
        }
    }
    std::printf("insert: %d races, %d route samples in %lld ms: %.0f route samples/s (%.0f races/s), batches of %d\n",
                races, races * 4, insertMs, races * 4 * 1000.0 / double(insertMs), races * 1000.0 / double(insertMs), batch);

    const QDateTime end = t0.addSecs(races);
    const QDateTime lastHour = end.addSecs(-3600);
    std::printf("queries over %d route samples:\n", races * 4);
    timed("routeSamples, last hour", [&] { return store.routeSamples(u"acme"_s, lastHour, end); });
    timed("routeSamples, all", [&] { return store.routeSamples(u"acme"_s, t0, end); });
    timed("winnerTimeline, all", [&] { return store.winnerTimeline(u"acme"_s, t0, end); });
    timed("band ttt, all, 5 min buckets", [&] { return store.band(u"acme"_s, t0, end, 300); });
    timed("band projected, all, 1 h buckets", [&] { return store.band(u"acme"_s, t0, end, 3600, BandMetric::Projected); });
    timed("band projected, last hour, 1 min buckets", [&] { return store.band(u"acme"_s, lastHour, end, 60, BandMetric::Projected); });
    timed("ttfbHistogram via:fra, all, 1 ms bins", [&] { return store.ttfbHistogram(u"acme"_s, u"via:fra"_s, t0, end, 1); });
    timed("recentRaces 100", [&] { return store.recentRaces(u"acme"_s, 100); });
    timed("providers", [&] { return store.providers(); });
    timer.start();
    const Result<qint64> perMinute = store.racesPerMinute(end);
    std::printf("  %-44s %6lld ms\n", "racesPerMinute", timer.elapsed());
    auto pruning = HistoryStore::open(store.path(), Retention{30, races / 2});
    if (pruning) {
        timer.start();
        const Result<qint64> deleted = pruning.value()->applyRetention(QDateTime::currentDateTimeUtc());
        std::printf("  %-44s %6lld ms  (%lld rows deleted)\n", "applyRetention to half the races", timer.elapsed(),
                    deleted ? *deleted : -1);
    }
    return perMinute ? 0 : 1;
}
