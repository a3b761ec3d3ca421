// bench_console: the operator console under load (issue 7's figures), offscreen.
//  - launch to first race shown: from the "start the demo" click to the live race panel showing a winner;
//  - with the demo racing about 10 races per second and 1,000,000 history samples of the shown provider
//    (7 days), the GUI thread's longest stall (a 5 ms timer's lateness) and p99, over a measured window;
//  - the history panel's redraw time (setting the four charts' downsampled data and painting them), and the
//    longest GUI-thread step of it (the charts are redrawn one per event-loop turn).
// Usage: QT_QPA_PLATFORM=offscreen bench_console [seconds (default 20)] [samples (default 1000000)]
#include "history/historystore.h"
#include "race/raceengine.h"
#include "ui/history/historypanel.h"
#include "ui/mainwindow.h"
#include "ui/race/liveracepanel.h"
#include "util/eventdispatcher.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSignalSpy>
#include <QSysInfo>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <random>

using namespace relayrace;

namespace {

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(p / 100.0 * double(values.size() - 1) + 0.5))];
}

// samples route rows for provider over the last 7 days, 6 routes a race (the demo's acme has 6).
bool fillHistory(const QString &path, qint64 samples)
{
    auto store = history::HistoryStore::open(path, history::Retention{0, 0});
    if (!store) {
        std::fprintf(stderr, "history: %s\n", qUtf8Printable(store.error()));
        return false;
    }
    const QStringList routes{QStringLiteral("direct"), QStringLiteral("via:tyo"), QStringLiteral("via:sfo"),
                             QStringLiteral("via:ams"), QStringLiteral("via:bom"), QStringLiteral("via:syd")};
    const qint64 races = samples / routes.size();
    const QDateTime end = QDateTime::currentDateTimeUtc();
    const double stepMs = 7.0 * 24 * 3600 * 1000 / double(races);
    std::mt19937 rng(7);
    std::normal_distribution<double> noise(0, 15);
    QList<history::RaceRecord> batch;
    for (qint64 i = 0; i < races; ++i) {
        race::RaceResult r;
        r.provider = QStringLiteral("acme");
        r.trigger = QStringLiteral("t2");
        r.object = QStringLiteral("/sureroute-test-object.html");
        r.thresholdBytes = 65536;
        r.fairness = QStringLiteral("warm");
        r.startedAt = end.addMSecs(-qint64(double(races - i) * stepMs));
        const int best = (i / 20000) % 2 == 0 ? 1 : 2; // the optimal route changes now and then
        for (int k = 0; k < routes.size(); ++k) {
            race::RouteOutcome o;
            o.routeId = routes.at(k);
            const double t = 150 + 40 * k + (k == best ? -120 : 0) + noise(rng);
            o.ttfbMs = t;
            o.projectedMs = t;
            o.bytes = k == best ? 9014 : 0;
            o.state = k == best ? race::RouteOutcome::State::Won : race::RouteOutcome::State::Lost;
            if (k == best)
                o.timeToThresholdMs = t;
            r.routes.append(o);
        }
        r.winner = routes.at(best);
        batch.append({r, QStringLiteral("default"), true});
        if (batch.size() == 10000 || i + 1 == races) {
            const auto added = (*store)->addRaces(batch);
            if (!added) {
                std::fprintf(stderr, "history: %s\n", qUtf8Printable(added.error()));
                return false;
            }
            batch.clear();
        }
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    relayrace::preferUnixEventDispatcher(relayrace::ProcessKind::Gui); // as the console does
    QApplication app(argc, argv);
    const int seconds = argc > 1 ? std::max(5, std::atoi(argv[1])) : 20;
    const qint64 samples = argc > 2 ? std::max<qint64>(1000, std::atoll(argv[2])) : 1'000'000;
    QTemporaryDir dir;
    const QString historyPath = dir.filePath(QStringLiteral("history.sqlite"));
    std::printf("bench_console on %s, %d cores, Qt %s\n", qUtf8Printable(QSysInfo::prettyProductName()),
                QThread::idealThreadCount(), qVersion());
    QElapsedTimer fill;
    fill.start();
    if (!fillHistory(historyPath, samples))
        return 1;
    std::printf("history: %lld route samples of acme over 7 days written in %.1f s\n", samples,
                double(fill.elapsed()) / 1000.0);

    ui::MainWindow::Options options;
    options.historyPath = historyPath;
    options.failoverLogPath = dir.filePath(QStringLiteral("failover.jsonl"));
    // The demo lab's shape (2 providers, 5 regions) with short paths, so that each provider can race 5
    // times a second (one race at a time per provider): about 10 races per second in all.
    options.demoTopologyJson = R"({"format": "relayrace-lab", "version": 1,
      "providers": [{"id": "acme", "scheme": "http"}, {"id": "globex", "scheme": "https"}],
      "regions": [{"id": "tyo", "lat": 35.7, "lon": 139.7}, {"id": "sfo", "lat": 37.8, "lon": -122.4},
                  {"id": "ams", "lat": 52.4, "lon": 4.9}, {"id": "bom", "lat": 19.1, "lon": 72.9},
                  {"id": "syd", "lat": -33.9, "lon": 151.2}],
      "links": [{"from": "edge", "to": "origin:acme", "latency_ms": 40},
                {"from": "edge", "to": "origin:globex", "latency_ms": 40},
                {"from": "edge", "to": "relay:tyo", "latency_ms": 10}, {"from": "relay:tyo", "to": "origin:acme", "latency_ms": 10},
                {"from": "relay:tyo", "to": "origin:globex", "latency_ms": 20},
                {"from": "edge", "to": "relay:sfo", "latency_ms": 15}, {"from": "relay:sfo", "to": "origin:acme", "latency_ms": 15},
                {"from": "relay:sfo", "to": "origin:globex", "latency_ms": 10},
                {"from": "edge", "to": "relay:ams", "latency_ms": 20}, {"from": "relay:ams", "to": "origin:acme", "latency_ms": 20},
                {"from": "relay:ams", "to": "origin:globex", "latency_ms": 5},
                {"from": "edge", "to": "relay:bom", "latency_ms": 25}, {"from": "relay:bom", "to": "origin:acme", "latency_ms": 25},
                {"from": "relay:bom", "to": "origin:globex", "latency_ms": 25},
                {"from": "edge", "to": "relay:syd", "latency_ms": 30}, {"from": "relay:syd", "to": "origin:acme", "latency_ms": 30},
                {"from": "relay:syd", "to": "origin:globex", "latency_ms": 30}]})";
    options.raceIntervalMs = 100; // a provider races again as soon as its previous race is over
    options.maxRacesPerMinute = 0; // the default budget (60 a minute) would stop this rate after 12 s
    ui::MainWindow window(options);
    window.resize(1600, 1000);
    window.show();
    QElapsedTimer launch;
    launch.start();
    window.startDemo();
    QElapsedTimer wait;
    wait.start();
    while (window.liveRacePanel()->lastWinner(QStringLiteral("acme")).isEmpty() && wait.elapsed() < 60000)
        QTest::qWait(5);
    std::printf("launch to first race shown: %lld ms\n", launch.elapsed());

    window.historyPanel()->setRange(ui::HistoryPanel::Range::Last7Days);
    window.tabs()->setCurrentWidget(window.historyPanel());
    QSignalSpy loaded(window.historyPanel(), &ui::HistoryPanel::loaded);
    window.historyPanel()->reload();
    QElapsedTimer firstLoad;
    firstLoad.start();
    if (!loaded.wait(120000)) {
        std::fprintf(stderr, "the history panel did not load\n");
        return 1;
    }
    std::printf("history panel first load: %lld ms (the whole range read and computed on its worker in %d ms), redraw %d ms (longest GUI step %d ms), plot %d px\n",
                firstLoad.elapsed(), window.historyPanel()->data().computeMs, window.historyPanel()->lastRedrawMs(),
                window.historyPanel()->lastRedrawStepMs(), window.historyPanel()->plotWidthPx());

    // The measured window: racing on, the history panel shown and refreshing as races land.
    std::vector<double> lags, redraws, redrawSteps, refreshes;
    int fullReads = 0;
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed();
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        const qint64 now = clock.nsecsElapsed();
        lags.push_back(std::max(0.0, double(now - last) / 1e6 - 5.0));
        last = now;
    });
    int races = 0;
    QObject::connect(window.engine(), &race::RaceEngine::raceFinished, &app, [&] { ++races; });
    QObject::connect(window.historyPanel(), &ui::HistoryPanel::loaded, &app,
                     [&] {
                         redraws.push_back(window.historyPanel()->lastRedrawMs());
                         redrawSteps.push_back(window.historyPanel()->lastRedrawStepMs());
                         refreshes.push_back(window.historyPanel()->data().computeMs);
                         fullReads += window.historyPanel()->data().fullRead ? 1 : 0;
                     });
    probe.start(5);
    // A plain event loop, as the console's: QTest::qWait() sleeps 10 ms between its passes, which the
    // probe would count as stalls of the console's own.
    QEventLoop measured;
    QTimer::singleShot(seconds * 1000, &measured, &QEventLoop::quit);
    measured.exec();
    probe.stop();
    std::printf("measured %d s: %d races finished (%.1f per second), %zu history reloads\n", seconds, races,
                double(races) / seconds, redraws.size());
    std::printf("GUI thread: longest stall %.1f ms, p99 %.2f ms, p50 %.2f ms over %zu ticks  (goal: no stall > 16 ms)\n",
                percentile(lags, 100), percentile(lags, 99), percentile(lags, 50), lags.size());
    // The panel redraws one chart per event-loop turn: the total runs from the data's arrival to the last
    // chart painted (other events interleave); the step is the longest single turn of it.
    std::printf("history chart redraw: median %.0f ms, max %.0f ms  (goal < 50 ms); longest GUI step: median %.0f ms, max %.0f ms\n",
                percentile(redraws, 50), percentile(redraws, 100), percentile(redrawSteps, 50), percentile(redrawSteps, 100));
    std::printf("history refresh on its worker (reading the new races, computing the charts' data): median %.0f ms, max %.0f ms; %d of %zu read the whole range\n",
                percentile(refreshes, 50), percentile(refreshes, 100), fullReads, refreshes.size());
    return 0;
}
