// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// bench_race: how well races pick routes and what they cost, on the lab (issue 5's figures).
//  1. Accuracy: races over 4 routes (direct + 3 lab relays) with randomized latencies where the best
//     route is at least 20% faster than every other; share won by the true best route.
//  2. Decision time against an oracle: the winner's time to N bytes divided by the best route's own
//     time to N bytes measured alone (a race of that one route, same warm conditions) right after.
//  3. Wasted bytes per race against threshold x (routes - 1) + 64 KiB.
//  4. 1,000 concurrent races of 3 routes each: wall time, event-loop lag p50/p99 (a 5 ms timer's
//     lateness on the thread running the races), peak RSS of the process.
// Usage: bench_race [races (default 200)] [concurrent (default 1000)] [managers per route (default: the client's)]
#include "../support/labfixture.h"

#include "lab/lab.h"
#include "race/race.h"
#include "race/routeclient.h"
#include "util/eventdispatcher.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QNetworkReply>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSysInfo>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <sys/resource.h>

#include <algorithm>
#include <functional>
#include <cstdio>
#include <memory>
#include <random>

using namespace relayrace;
using namespace relayrace::lab;
using namespace relayrace::race;

namespace {

const QByteArray kTopology = R"({"format": "relayrace-lab", "version": 1,
  "providers": [{"id": "p", "scheme": "http"}],
  "regions": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
  "links": [
    {"from": "edge", "to": "origin:p", "bandwidth_bps": 8000000},
    {"from": "edge", "to": "relay:a", "bandwidth_bps": 8000000},
    {"from": "relay:a", "to": "origin:p", "bandwidth_bps": 8000000},
    {"from": "edge", "to": "relay:b", "bandwidth_bps": 8000000},
    {"from": "relay:b", "to": "origin:p", "bandwidth_bps": 8000000},
    {"from": "edge", "to": "relay:c", "bandwidth_bps": 8000000},
    {"from": "relay:c", "to": "origin:p", "bandwidth_bps": 8000000}]})";

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, size_t(p / 100.0 * double(values.size() - 1) + 0.5));
    return values[index];
}

long peakRssKiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

bool setLink(Lab *lab, const QString &id, int latencyMs, qint64 bandwidth)
{
    Impairment impairment;
    impairment.latencyMs = latencyMs;
    impairment.bandwidthBytesPerSec = bandwidth;
    if (!lab->setLinkImpairment(id, impairment))
        return false;
    QElapsedTimer wait;
    wait.start();
    while (lab->linkImpairment(id) != impairment && wait.elapsed() < 5000)
        QTest::qWait(1);
    return lab->linkImpairment(id) == impairment;
}

// Runs one race to its end; the race object is dropped (its winner's reply aborted) afterwards.
model::RaceResult runRace(const QList<RouteClient *> &clients, const RaceRequest &request)
{
    Race race(clients);
    QSignalSpy finished(&race, &Race::finished);
    if (!race.start(request)) {
        model::RaceResult failed;
        failed.error = QStringLiteral("did not start");
        return failed;
    }
    if (!finished.wait(60000)) {
        model::RaceResult failed;
        failed.error = QStringLiteral("no result within 60 s");
        return failed;
    }
    // As the engine does with a race nobody asked the object of: the winner's rest is read, so its
    // connection stays warm (aborting it would hand the next race a cold winner).
    if (ReplyPtr winner = race.takeWinnerReply(); winner && !winner->isFinished()) {
        QNetworkReply *reply = winner.get();
        QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply] { reply->skip(reply->bytesAvailable()); });
        QSignalSpy done(reply, &QNetworkReply::finished);
        reply->skip(reply->bytesAvailable());
        done.wait(30000);
    }
    return finished.first().first().value<model::RaceResult>();
}

} // namespace

int main(int argc, char **argv)
{
    relayrace::preferUnixEventDispatcher(relayrace::ProcessKind::Console); // as the product does
    QCoreApplication app(argc, argv);
    const int raceCount = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
    const int concurrent = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1000;
    const int managers = argc > 3 ? std::atoi(argv[3]) : 0; // route client pool size; 0: the default
    qRegisterMetaType<model::RaceResult>();

    testsupport::LabFixture fixture;
    if (const Result<void> started = fixture.start(kTopology); !started) {
        std::fprintf(stderr, "%s\n", qUtf8Printable(started.error()));
        return 1;
    }
    const LabEndpoints &endpoints = fixture.endpoints();
    Lab *lab = fixture.lab();
    std::printf("bench_race on %s, %d cores, Qt %s\n", qUtf8Printable(QSysInfo::prettyProductName()),
                QThread::idealThreadCount(), qVersion());

    const QStringList regions{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    std::vector<std::unique_ptr<RouteClient>> owned;
    QList<RouteClient *> clients;
    owned.push_back(std::make_unique<RouteClient>(QStringLiteral("direct")));
    for (const QString &region : regions)
        owned.push_back(std::make_unique<RouteClient>(QStringLiteral("via:") + region, endpoints.region(region)->relayUrl));
    for (const auto &c : owned)
        clients.append(c.get());
    QUrl url = endpoints.provider(QStringLiteral("p"))->url;

    // 1-3: accuracy, decision time against the oracle, wasted bytes.
    constexpr qint64 threshold = 64 * 1024;
    constexpr qint64 objectSize = 256 * 1024;
    constexpr qint64 bandwidth = 8'000'000;
    std::mt19937 rng(20261125);
    std::uniform_real_distribution<double> bestRtt(30, 150);
    std::uniform_real_distribution<double> slower(1.25, 2.5);
    std::uniform_real_distribution<double> split(0.3, 0.7);
    int wonByBest = 0, ran = 0;
    std::vector<double> ratios, wasted;
    const qint64 wasteBound = threshold * (clients.size() - 1) + 64 * 1024;
    int withinWasteBound = 0;
    for (int i = 0; i < raceCount; ++i) {
        const int best = int(rng() % uint32_t(clients.size()));
        const double bestMs = bestRtt(rng);
        bool ok = true;
        for (int r = 0; r < clients.size(); ++r) {
            const double rtt = r == best ? bestMs : bestMs * slower(rng);
            if (r == 0) {
                ok &= setLink(lab, QStringLiteral("edge>origin:p"), int(rtt), bandwidth);
            } else {
                const QString region = regions.at(r - 1);
                const double first = rtt * split(rng);
                ok &= setLink(lab, QStringLiteral("edge>relay:") + region, int(first), bandwidth);
                ok &= setLink(lab, QStringLiteral("relay:") + region + QStringLiteral(">origin:p"), int(rtt - first), bandwidth);
            }
        }
        if (!ok) {
            std::fprintf(stderr, "could not set the impairments\n");
            return 1;
        }
        RaceRequest request;
        request.provider = QStringLiteral("p");
        url.setPath(QStringLiteral("/obj/bench"));
        url.setQuery(QStringLiteral("size=%1").arg(objectSize));
        request.url = url;
        request.thresholdBytes = threshold;
        request.trigger = model::Trigger::Manual; // the benchmark stands in for an operator
        const model::RaceResult result = runRace(clients, request);
        if (!result.ok()) {
            std::fprintf(stderr, "race %d failed: %s\n", i, qUtf8Printable(result.error));
            continue;
        }
        ++ran;
        if (result.winner == clients.at(best)->routeId()) {
            ++wonByBest;
        } else {
            QStringList routes;
            for (const model::RouteOutcome &o : result.routes)
                routes.append(QStringLiteral("%1 %2 ttfb %3 ttt %4 fresh %5")
                                  .arg(o.routeId, stateName(o.state))
                                  .arg(o.ttfbMs, 0, 'f', 1)
                                  .arg(o.timeToThresholdMs, 0, 'f', 1)
                                  .arg(o.freshConnection));
            std::fprintf(stderr, "  race %d: best %s (%.0f ms RTT) lost to %s: %s\n", i,
                         qUtf8Printable(clients.at(best)->routeId()), bestMs, qUtf8Printable(result.winner),
                         qUtf8Printable(routes.join(QStringLiteral("; "))));
        }
        wasted.push_back(double(result.wastedBytes));
        if (result.wastedBytes <= wasteBound)
            ++withinWasteBound;
        // The oracle: the best route alone, on the same warm terms.
        const model::RaceResult alone = runRace({clients.at(best)}, request);
        const model::RouteOutcome *winner = result.route(result.winner);
        if (alone.ok() && winner && alone.routes.first().timeToThresholdMs > 0)
            ratios.push_back(winner->timeToThresholdMs / alone.routes.first().timeToThresholdMs);
        if ((i + 1) % 50 == 0)
            std::fprintf(stderr, "  %d races...\n", i + 1);
    }
    std::printf("\naccuracy: %d races over %lld routes (best route >= 20%% faster, RTT 30-150 ms, %lld B/s, "
                "threshold %lld B)\n",
                ran, qlonglong(clients.size()), qlonglong(bandwidth), qlonglong(threshold));
    std::printf("  won by the true best route: %d / %d = %.1f%%  (goal >= 99%%)\n", wonByBest, ran,
                ran ? 100.0 * wonByBest / ran : 0.0);
    std::printf("  decision time / oracle: median %.3f, p90 %.3f, max %.3f  (goal <= 1.05)\n", percentile(ratios, 50),
                percentile(ratios, 90), percentile(ratios, 100));
    std::printf("  wasted bytes per race: median %.0f, p90 %.0f, max %.0f; bound %lld; within bound %d / %d\n",
                percentile(wasted, 50), percentile(wasted, 90), percentile(wasted, 100), qlonglong(wasteBound),
                withinWasteBound, ran);

    // 4: many races at once. The lab moves to a process of its own at nice 10: it stands in for the
    // network, which in production does not compete with the edge for its cores (in this process, on
    // 2 cores, its threads starved the event loop being measured).
    lab->disconnect();
    const QByteArray manyTopology = R"({"format": "relayrace-lab", "version": 1,
      "providers": [{"id": "p", "scheme": "http"}], "regions": [{"id": "a"}, {"id": "b"}],
      "links": [{"from": "edge", "to": "origin:p", "latency_ms": 10},
                {"from": "edge", "to": "relay:a", "latency_ms": 5}, {"from": "relay:a", "to": "origin:p", "latency_ms": 5},
                {"from": "edge", "to": "relay:b", "latency_ms": 5}, {"from": "relay:b", "to": "origin:p", "latency_ms": 5}]})";
    QTemporaryDir scratch;
    QFile topologyFile(scratch.filePath(QStringLiteral("many.json")));
    if (!topologyFile.open(QIODevice::WriteOnly) || topologyFile.write(manyTopology) != manyTopology.size())
        return 1;
    topologyFile.close();
    QProcess labProcess;
    labProcess.setProcessChannelMode(QProcess::SeparateChannels);
    labProcess.start(QStringLiteral("nice"), {QStringLiteral("-n"), QStringLiteral("10"),
                                              QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"), QStringLiteral("lab"),
                                              QStringLiteral("--topology"), topologyFile.fileName(),
                                              QStringLiteral("--maps-dir"), scratch.path(), QStringLiteral("--json")});
    QJsonObject labJson;
    QByteArray labOut;
    QElapsedTimer labWait;
    labWait.start();
    while (labJson.isEmpty() && labWait.elapsed() < 30000 && labProcess.state() != QProcess::NotRunning) {
        labProcess.waitForReadyRead(200);
        labOut += labProcess.readAllStandardOutput();
        labJson = QJsonDocument::fromJson(labOut).object();
    }
    if (labJson.isEmpty()) {
        std::fprintf(stderr, "the lab process did not start: %s\n", labProcess.readAllStandardError().constData());
        return 1;
    }
    std::vector<std::unique_ptr<RouteClient>> manyOwned;
    QList<RouteClient *> three;
    manyOwned.push_back(std::make_unique<RouteClient>(QStringLiteral("direct")));
    for (const QJsonValue &region : labJson.value(QStringLiteral("regions")).toArray())
        manyOwned.push_back(std::make_unique<RouteClient>(QStringLiteral("via:") + region[u"id"].toString(),
                                                          QUrl(region[u"relay"].toString())));
    for (const auto &c : manyOwned) {
        if (managers > 0)
            c->setMaxManagers(managers);
        three.append(c.get());
    }
    url = QUrl(labJson.value(QStringLiteral("providers")).toArray().first()[u"origin"].toString());
    std::vector<double> lags;
    QElapsedTimer probeClock;
    probeClock.start();
    qint64 lastTick = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        const qint64 now = probeClock.nsecsElapsed();
        if (lastTick > 0)
            lags.push_back(std::max(0.0, double(now - lastTick) / 1e6 - 5.0));
        lastTick = now;
    });
    std::vector<std::unique_ptr<Race>> races;
    int finished = 0, failed = 0;
    const long rssBefore = peakRssKiB();
    QElapsedTimer wall;
    wall.start();
    probe.start();
    // All in flight together, started one per event-loop turn, as requests arrive (each from a read
    // of its own); starting them kStartBatch at a time would be a stall of the benchmark's own making
    // (25 per turn: runs of 5 ms on the thread measured).
    constexpr int kStartBatch = 1;
    int startedCount = 0;
    bool startFailed = false;
    // A QEventLoop that sleeps in poll until an event comes: QCoreApplication::processEvents(flags,
    // ms) drops WaitForMoreEvents, so a loop around it spins and takes a core from the network threads.
    QEventLoop waitAll;
    std::function<void()> startBatch = [&] {
        for (int n = 0; n < kStartBatch && startedCount < concurrent; ++n, ++startedCount) {
            RaceRequest request;
            request.provider = QStringLiteral("p");
            url.setPath(QStringLiteral("/obj/many%1").arg(startedCount % 10));
            url.setQuery(QStringLiteral("size=32768"));
            request.url = url;
            request.thresholdBytes = 16384;
            request.timeout = std::chrono::seconds(120);
            request.trigger = model::Trigger::Manual; // the benchmark stands in for an operator
            auto race = std::make_unique<Race>(three);
            QObject::connect(race.get(), &Race::finished, &app, [&](const model::RaceResult &r) {
                ++finished;
                if (!r.ok())
                    ++failed;
                if (finished == concurrent)
                    waitAll.quit();
            });
            if (!race->start(request)) {
                startFailed = true;
                waitAll.quit();
            }
            races.push_back(std::move(race));
        }
        if (startedCount < concurrent)
            QTimer::singleShot(0, &app, startBatch);
    };
    QTimer guard;
    guard.setSingleShot(true);
    QObject::connect(&guard, &QTimer::timeout, &waitAll, &QEventLoop::quit);
    guard.start(300000);
    startBatch();
    if (!startFailed && finished < concurrent)
        waitAll.exec();
    const double wallMs = double(wall.nsecsElapsed()) / 1e6;
    probe.stop();
    races.clear();
    labProcess.terminate();
    labProcess.waitForFinished(10000);
    std::printf("\nconcurrency: %d races of 3 routes (direct 10 ms, two relays 5 + 5 ms, 32 KiB objects, "
                "threshold 16 KiB, warm, up to %d managers per route; lab in its own process at nice 10)\n",
                concurrent, three.first()->maxManagers());
    std::printf("  event dispatcher: %s\n", QAbstractEventDispatcher::instance()->metaObject()->className());
    std::printf("  finished %d (failed %d) in %.0f ms wall\n", finished, failed, wallMs);
    std::printf("  event-loop lag: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu ticks  (goal p99 < 10 ms)\n",
                percentile(lags, 50), percentile(lags, 99), percentile(lags, 100), lags.size());
    std::printf("  peak RSS: %.1f MB before, %.1f MB after (this process: engine side; goal < 300 MB)\n",
                double(rssBefore) / 1024.0, double(peakRssKiB()) / 1024.0);
    return ran == raceCount && finished == concurrent ? 0 : 1;
}
