// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// bench_console: the operator console under load (issue 7's figures), offscreen.
//  - launch to first race shown: from the "start the demo" click to the live race panel showing a winner;
//  - with the demo racing about 10 races per second and 1,000,000 history samples of the shown provider
//    (7 days), the GUI thread's longest stall (a 5 ms timer's lateness) and p99, over a measured window;
//  - the history panel's redraw time (setting the four charts' downsampled data and painting them), and the
//    longest GUI-thread step of it (the charts are redrawn one per event-loop turn).
//  - with "live" as the third argument, the measured window shows the live races' lanes (and the
//    topology above them) instead of the history panel: the GUI stall with the lanes painting races.
// Usage: QT_QPA_PLATFORM=offscreen bench_console [seconds (default 20)] [samples (default 1000000)] [history|live]
#include "history/historystore.h"
#include "engine/enginefront.h"
#include "ui/history/historypanel.h"
#include "ui/mainwindow.h"
#include "ui/race/liveracepanel.h"
#include "util/eventdispatcher.h"

#include <cstring>

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
#include <atomic>
#include <cstdio>
#include <random>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

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
        model::RaceResult r;
        r.provider = QStringLiteral("acme");
        r.trigger = model::Trigger::T2;
        r.object = QStringLiteral("/sureroute-test-object.html");
        r.thresholdBytes = 65536;
        r.fairness = QStringLiteral("warm");
        r.startedAt = end.addMSecs(-qint64(double(races - i) * stepMs));
        const int best = (i / 20000) % 2 == 0 ? 1 : 2; // the optimal route changes now and then
        for (int k = 0; k < routes.size(); ++k) {
            model::RouteOutcome o;
            o.routeId = routes.at(k);
            const double t = 150 + 40 * k + (k == best ? -120 : 0) + noise(rng);
            o.ttfbMs = t;
            o.projectedMs = t;
            o.bytes = k == best ? 9014 : 0;
            o.state = k == best ? model::RouteOutcome::State::Won : model::RouteOutcome::State::Lost;
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

struct Tick
{
    double lagMs = 0;      // how late the 5 ms timer fired
    double intervalMs = 0; // since the previous tick
    double ranMs = 0;      // of which the GUI thread ran on a CPU
    double queuedMs = 0;   // and waited, runnable, for a CPU (the kernel's run-queue delay)
    double stolenMs = 0;   // time the hypervisor took from the machine's vCPUs meanwhile (10 ms steps)
};

// Where a GUI-thread stall went, per tick: running, waiting for a CPU, or the machine itself not
// running (a VM's vCPUs descheduled by the host: "steal" in /proc/stat).
class StallAccounting
{
public:
    StallAccounting()
        : m_schedstat(::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC))
        , m_stat(::open("/proc/stat", O_RDONLY | O_CLOEXEC))
    {
    }
    ~StallAccounting()
    {
        for (const int fd : {m_schedstat, m_stat}) {
            if (fd >= 0)
                ::close(fd);
        }
    }
    StallAccounting(const StallAccounting &) = delete;
    StallAccounting &operator=(const StallAccounting &) = delete;

    static qint64 threadCpuNs()
    {
        timespec now{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
    }
    // schedstat: "<ns on a CPU> <ns runnable, waiting for one> <timeslices>"
    qint64 runQueueNs() const
    {
        const QList<QByteArray> fields = read(m_schedstat, 128).simplified().split(' ');
        return fields.size() >= 2 ? fields.at(1).toLongLong() : 0;
    }
    // The "cpu" line's 8th figure: steal, in clock ticks of all vCPUs.
    qint64 stealMs() const
    {
        const QByteArray text = read(m_stat, 256);
        const QList<QByteArray> fields = text.left(text.indexOf('\n')).simplified().split(' ');
        return fields.size() >= 9 ? fields.at(8).toLongLong() * 1000 / ::sysconf(_SC_CLK_TCK) : 0;
    }

private:
    static QByteArray read(int fd, int size)
    {
        QByteArray buffer(size, Qt::Uninitialized);
        const ssize_t got = fd >= 0 ? ::pread(fd, buffer.data(), size_t(size), 0) : -1;
        buffer.resize(got > 0 ? qsizetype(got) : 0);
        return buffer;
    }

    int m_schedstat = -1;
    int m_stat = -1;
};

// Times every event the GUI thread delivers from its event loop (the outermost notify() only), so the
// longest ones can be named: which object, which event.
class TimedApplication final : public QApplication
{
public:
    using QApplication::QApplication;

    struct Slow
    {
        double ms = 0;
        QString what;
    };
    std::atomic<bool> measuring{false}; // read by every thread's notify()
    std::vector<Slow> slowest; // kept sorted, longest first, at most 8

    bool notify(QObject *receiver, QEvent *event) override
    {
        // notify() runs for every thread's events: only the GUI thread's are timed (and m_depth is its).
        if (!measuring || m_depth > 0 || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        ++m_depth;
        QElapsedTimer timer;
        timer.start();
        const int type = event->type();
        const bool handled = QApplication::notify(receiver, event);
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        --m_depth;
        if (ms > 2 && (slowest.size() < 8 || ms > slowest.back().ms)) {
            // receiver may be gone now (a DeferredDelete): only its address was used above.
            const QString what = type == QEvent::DeferredDelete ? QStringLiteral("DeferredDelete")
                                 : QStringLiteral("%1 '%2' event %3").arg(QString::fromLatin1(receiver->metaObject()->className()),
                                                                          receiver->objectName()).arg(type);
            slowest.push_back(Slow{ms, what});
            std::sort(slowest.begin(), slowest.end(), [](const Slow &a, const Slow &b) { return a.ms > b.ms; });
            if (slowest.size() > 8)
                slowest.pop_back();
        }
        return handled;
    }

private:
    int m_depth = 0;
};

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    relayrace::preferUnixEventDispatcher(relayrace::ProcessKind::Gui); // as the console does
    TimedApplication app(argc, argv);
    const int seconds = argc > 1 ? std::max(5, std::atoi(argv[1])) : 20;
    const qint64 samples = argc > 2 ? std::max<qint64>(1000, std::atoll(argv[2])) : 1'000'000;
    const bool showLive = argc > 3 && std::strcmp(argv[3], "live") == 0;
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

    // The measured window: racing on, the history panel shown and refreshing as races land (or the
    // live races' lanes shown, painting every race as it runs).
    if (showLive)
        window.tabs()->setCurrentWidget(window.liveRacePanel());
    std::printf("measured window shows: %s\n", showLive ? "the live races' lanes" : "the history panel");
    std::vector<double> lags, redraws, redrawSteps, refreshes;
    int fullReads = 0;
    QElapsedTimer clock;
    clock.start();
    // Per tick, where the time went: a stall the GUI thread spent running is the console's own work, one
    // spent waiting for a CPU is other threads' (or processes'), one during which the hypervisor stole
    // the vCPUs is the machine's.
    StallAccounting accounting;
    qint64 last = clock.nsecsElapsed();
    qint64 lastCpu = StallAccounting::threadCpuNs();
    qint64 lastQueued = accounting.runQueueNs();
    qint64 lastStolen = accounting.stealMs();
    const qint64 stolenAtStart = lastStolen;
    std::vector<Tick> ticks;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        const qint64 now = clock.nsecsElapsed();
        const qint64 cpu = StallAccounting::threadCpuNs();
        const qint64 queued = accounting.runQueueNs();
        const qint64 stolen = accounting.stealMs();
        lags.push_back(std::max(0.0, double(now - last) / 1e6 - 5.0));
        ticks.push_back(Tick{lags.back(), double(now - last) / 1e6, double(cpu - lastCpu) / 1e6,
                             double(queued - lastQueued) / 1e6, double(stolen - lastStolen)});
        last = now;
        lastCpu = cpu;
        lastQueued = queued;
        lastStolen = stolen;
    });
    int races = 0;
    QObject::connect(window.engine(), &engine::EngineFront::raceFinished, &app, [&] { ++races; });
    QObject::connect(window.historyPanel(), &ui::HistoryPanel::loaded, &app,
                     [&] {
                         redraws.push_back(window.historyPanel()->lastRedrawMs());
                         redrawSteps.push_back(window.historyPanel()->lastRedrawStepMs());
                         refreshes.push_back(window.historyPanel()->data().computeMs);
                         fullReads += window.historyPanel()->data().fullRead ? 1 : 0;
                     });
    probe.start(5);
    app.measuring = true;
    // A plain event loop, as the console's: QTest::qWait() sleeps 10 ms between its passes, which the
    // probe would count as stalls of the console's own.
    QEventLoop measured;
    QTimer::singleShot(seconds * 1000, &measured, &QEventLoop::quit);
    measured.exec();
    probe.stop();
    app.measuring = false;
    std::printf("measured %d s: %d races finished (%.1f per second), %zu history reloads\n", seconds, races,
                double(races) / seconds, redraws.size());
    std::printf("GUI thread: longest stall %.1f ms, p99 %.2f ms, p50 %.2f ms over %zu ticks  (goal: no stall > 16 ms)\n",
                percentile(lags, 100), percentile(lags, 99), percentile(lags, 50), lags.size());
    std::sort(ticks.begin(), ticks.end(), [](const Tick &a, const Tick &b) { return a.lagMs > b.lagMs; });
    std::printf("GUI thread: the 5 longest stalls, with what the interval since the tick before held:\n");
    for (size_t i = 0; i < std::min<size_t>(5, ticks.size()); ++i) {
        std::printf("  %.1f ms late: of %.1f ms the GUI thread ran %.1f and waited for a CPU %.1f; the hypervisor stole %.0f ms of the vCPUs\n",
                    ticks[i].lagMs, ticks[i].intervalMs, ticks[i].ranMs, ticks[i].queuedMs, ticks[i].stolenMs);
    }
    const auto unstolen = std::find_if(ticks.begin(), ticks.end(), [](const Tick &t) { return t.stolenMs == 0; });
    const double busiest = std::max_element(ticks.begin(), ticks.end(), [](const Tick &a, const Tick &b) {
                               return a.ranMs < b.ranMs; })->ranMs;
    std::printf("GUI thread: longest stall in an interval without steal %.1f ms; longest the GUI thread ran between two ticks %.1f ms; steal over the window %lld ms of %d s x %d vCPUs\n",
                unstolen == ticks.end() ? 0.0 : unstolen->lagMs, busiest, lastStolen - stolenAtStart, seconds,
                QThread::idealThreadCount());
    std::printf("GUI thread: the longest single events:");
    for (const auto &slow : app.slowest)
        std::printf(" %.1f ms %s;", slow.ms, qUtf8Printable(slow.what));
    std::printf("\n");
    // The panel redraws one chart per event-loop turn: the total runs from the data's arrival to the last
    // chart painted (other events interleave); the step is the longest single turn of it.
    std::printf("history chart redraw: median %.0f ms, max %.0f ms  (goal < 50 ms); longest GUI step: median %.0f ms, max %.0f ms\n",
                percentile(redraws, 50), percentile(redraws, 100), percentile(redrawSteps, 50), percentile(redrawSteps, 100));
    std::printf("history refresh on its worker (reading the new races, computing the charts' data): median %.0f ms, max %.0f ms; %d of %zu read the whole range\n",
                percentile(refreshes, 50), percentile(refreshes, 100), fullReads, refreshes.size());
    return 0;
}
