// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The console attached to a real `relayrace edge` process over its admin API (offscreen): the
// edge's races appear in the live panel as they happen, its failovers in the inspector (live, and
// from its history when attached later), a wrong token reads "unauthorized", and the edge killed
// with SIGKILL reads "reconnecting", then live again once it is back on its port, while the GUI
// thread keeps ticking (a 5 ms timer's lateness, measured as bench_console does).
#include "support/edgelab.h"
#include "support/edgeprocess.h"

#include "map/mapcodec.h"
#include "remote/remoteengine.h"
#include "ui/failover/failoverinspector.h"
#include "ui/failover/failovermodel.h"
#include "ui/fleet/fleetpanel.h"
#include "ui/fleet/tokenstore.h"
#include "ui/history/historypanel.h"
#include "ui/mainwindow.h"
#include "ui/providers/providerspanel.h"
#include "ui/providers/providersmodel.h"
#include "ui/race/liveracemodel.h"
#include "ui/race/liveracepanel.h"

#include <QApplication>
#include <QDir>
#include <QListWidget>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>

#include <ctime>

using namespace relayrace;
using namespace relayrace::testsupport;

class TestConsoleAttach final : public QObject, private EngineLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void racesShowAsTheyHappen();
    void failoversShowLiveAndFromTheEdgesHistory();
    void historyChartsReadTheEdge();
    void wrongTokenReadsUnauthorized();
    void killedEdgeIsReconnectedWithoutStallingTheGui();
    void fleetOfTwoDemoEdges();

private:
    EdgeProcess startEdge();
    QUrl adminUrl() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_adminPort)); }
    QString edgeUrl(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_edge.port).arg(path); }
    Curl get(const QString &path) const
    {
        return curl({QStringLiteral("-H"), QStringLiteral("Host: plain.example"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
                     QStringLiteral("-w"), QStringLiteral("%{http_code}"), edgeUrl(path)});
    }
    static QString stateLabel(const ui::MainWindow &window)
    {
        return window.findChild<QLabel *>(QStringLiteral("engineState"))->text();
    }

    static inline const QByteArray kToken = "token-for-the-console-attach-test";
    QTemporaryDir m_dir;
    quint16 m_adminPort = 0;
    EdgeProcess m_edge;
    std::unique_ptr<ui::MainWindow> m_window;
};

EdgeProcess TestConsoleAttach::startEdge()
{
    EdgeProcessOptions options;
    options.mapFile = m_dir.filePath(QStringLiteral("plain.map.json"));
    options.host = QStringLiteral("plain.example");
    options.caFile = m_lab.host()->endpoints().caFile;
    options.tokenFile = m_dir.filePath(QStringLiteral("admin.token"));
    options.stateDir = m_dir.filePath(QStringLiteral("edge-state"));
    options.adminPort = m_adminPort;
    options.extra = QStringList{QStringLiteral("--history"), m_dir.filePath(QStringLiteral("edge-history.sqlite"))};
    EdgeProcess edge = startEdgeProcess(options, kTimeoutMs);
    if (!edge.admin)
        qWarning("the edge did not start: %s", edge.output.constData());
    return edge;
}

void TestConsoleAttach::initTestCase()
{
    QVERIFY2(QFileInfo::exists(kRelayraceCli), "the relayrace CLI is built");
    RELAYRACE_VERIFY_OK(startLab());
    QFile map(m_dir.filePath(QStringLiteral("plain.map.json")));
    QVERIFY(map.open(QIODevice::WriteOnly));
    map.write(map::serializeRouteMap(routeMap(QStringLiteral("plain"))));
    map.close();
    QFile token(m_dir.filePath(QStringLiteral("admin.token")));
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write(kToken + '\n');
    token.close();
    m_adminPort = freePort();
    m_edge = startEdge();
    QVERIFY(m_edge.admin == m_adminPort);

    QSettings().clear();
    ui::MainWindow::Options options;
    options.historyPath = m_dir.filePath(QStringLiteral("console-history.sqlite"));
    options.failoverLogPath = m_dir.filePath(QStringLiteral("console-failover.jsonl"));
    m_window = std::make_unique<ui::MainWindow>(options);
    m_window->show();
    m_window->tokenStore()->setKeychainEnabled(false);
    remote::RemoteEngine *edge = m_window->attachEdge(adminUrl(), kToken);
    QVERIFY(edge);
    QCOMPARE(m_window->front(), edge);
    QVERIFY2(QTest::qWaitFor([&] { return m_window->fleetPanel()->stateOf(edge) == u"connected"; }, kTimeoutMs),
             qPrintable(edge->stateDetail()));
    QVERIFY(stateLabel(*m_window).contains(QStringLiteral("connected")));
    QVERIFY(!m_window->engine()); // attaching starts no engine of the console's own
}

void TestConsoleAttach::cleanupTestCase()
{
    m_window.reset();
    if (m_edge.process) {
        m_edge.process->terminate();
        m_edge.process->waitForFinished(35'000);
    }
    m_lab.stop();
}

void TestConsoleAttach::racesShowAsTheyHappen()
{
    ui::ProvidersModel *providers = m_window->providersPanel()->model();
    QTRY_COMPARE_WITH_TIMEOUT(providers->rowCount(), 1, kTimeoutMs);
    ui::LiveRaceModel *races = m_window->liveRacePanel()->model();
    const int before = races->raceCount();
    // The edge's first request races (the map's T1): the console sees it.
    QCOMPARE(get(QStringLiteral("/obj/console-0?size=100000")).out, QByteArray("200"));
    QVERIFY2(QTest::qWaitFor([&] { return races->raceCount() > before && !races->lastWinner(QStringLiteral("plain")).isEmpty(); }, kTimeoutMs),
             "the edge's race did not show in the live panel");
    // A race asked for from the console runs on the edge and shows here.
    const int after = races->raceCount();
    m_window->raceNow(QStringLiteral("plain"));
    QVERIFY2(QTest::qWaitFor([&] { return races->raceCount() > after; }, kTimeoutMs), "Race now through the edge showed nothing");
    QVERIFY(QTest::qWaitFor([&] { return m_window->front()->snapshot(QStringLiteral("plain")).races >= 2; }, kTimeoutMs));
}

void TestConsoleAttach::failoversShowLiveAndFromTheEdgesHistory()
{
    RELAYRACE_VERIFY_OK(resetPlainRoutesAfter(400'000));
    const Curl c = get(QStringLiteral("/obj/console-failover?size=1000000"));
    RELAYRACE_VERIFY_OK(resetPlainRoutesAfter(-1));
    QCOMPARE(c.out, QByteArray("200"));
    ui::FailoverModel *live = m_window->failoverInspector()->model();
    QVERIFY2(QTest::qWaitFor([&] { return live->rowCount() >= 2; }, kTimeoutMs), "the edge's failovers did not show live");
    QCOMPARE(live->events().first().request, QStringLiteral("GET /obj/console-failover?size=1000000"));

    // Another console attached later finds them in the edge's history.
    ui::MainWindow later;
    later.tokenStore()->setKeychainEnabled(false);
    later.attachEdge(adminUrl(), kToken);
    ui::FailoverModel *past = later.failoverInspector()->model();
    QVERIFY2(QTest::qWaitFor([&] { return past->rowCount() >= live->rowCount(); }, kTimeoutMs), "the edge's stored failovers did not show");
    QCOMPARE(past->events().first().request, live->events().first().request);
}

void TestConsoleAttach::historyChartsReadTheEdge()
{
    // The History tab of an attached edge: its races, read over its API on the panel's worker thread.
    ui::HistoryPanel *history = m_window->historyPanel();
    QCOMPARE(history->provider(), QStringLiteral("plain"));
    QSignalSpy loaded(history, &ui::HistoryPanel::loaded);
    history->reload();
    QVERIFY(loaded.wait(kTimeoutMs));
    if (!history->lastError().isEmpty()) // what the edge said, for the reader of a failed run
        qWarning("edge process (%s): %s", m_edge.process->state() == QProcess::Running ? "running" : "exited",
                 QByteArray(m_edge.output + m_edge.process->readAll()).right(6000).constData());
    QVERIFY2(history->lastError().isEmpty(), qPrintable(history->lastError()));
    const qint64 races = m_window->front()->snapshot(QStringLiteral("plain")).races;
    QVERIFY(races >= 2);
    QCOMPARE(history->data().races, races);
    QVERIFY(history->data().routes.contains(m_window->front()->snapshot(QStringLiteral("plain")).optimalRoute));
    QVERIFY(!history->data().changes.isEmpty());
}

void TestConsoleAttach::wrongTokenReadsUnauthorized()
{
    ui::MainWindow other;
    other.show();
    remote::RemoteEngine *edge = other.attachEdge(adminUrl(), "a-token-this-edge-never-issued");
    QVERIFY(QTest::qWaitFor([&] { return other.fleetPanel()->stateOf(edge) == u"unauthorized"; }, kTimeoutMs));
    QVERIFY2(stateLabel(other).contains(QStringLiteral("unauthorized")), qPrintable(stateLabel(other)));
    QCOMPARE(other.providersPanel()->model()->rowCount(), 0);
}

void TestConsoleAttach::killedEdgeIsReconnectedWithoutStallingTheGui()
{
    remote::RemoteEngine *edge = m_window->edges().first();
    // The GUI thread's ticks: a 5 ms timer's lateness, and how long the thread itself ran between two.
    double longestLagMs = 0, longestRanMs = 0;
    QElapsedTimer clock;
    clock.start();
    const auto threadCpuNs = [] {
        timespec now{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
    };
    qint64 last = clock.nsecsElapsed(), lastCpu = threadCpuNs();
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = clock.nsecsElapsed(), cpu = threadCpuNs();
        longestLagMs = std::max(longestLagMs, double(now - last) / 1e6 - 5.0);
        longestRanMs = std::max(longestRanMs, double(cpu - lastCpu) / 1e6);
        last = now;
        lastCpu = cpu;
    });
    probe.start(5);
    const auto waitFor = [](const auto &condition, int ms) { // an event loop: QTest::qWait sleeps between passes
        QEventLoop loop;
        QTimer poll;
        connect(&poll, &QTimer::timeout, &loop, [&] { if (condition()) loop.quit(); });
        poll.start(20);
        QTimer::singleShot(ms, &loop, &QEventLoop::quit);
        loop.exec();
        return condition();
    };

    m_edge.process->kill(); // SIGKILL: no goodbye on any connection
    m_edge.process->waitForFinished(10'000);
    QVERIFY2(waitFor([&] { return m_window->fleetPanel()->stateOf(edge) == u"reconnecting"; }, kTimeoutMs), qPrintable(edge->stateDetail()));
    QVERIFY(stateLabel(*m_window).contains(QStringLiteral("reconnecting")));
    QCOMPARE(m_window->providersPanel()->model()->rowCount(), 1); // the last known state stays
    waitFor([] { return false; }, 1500); // refused attempts, backing off
    m_edge = startEdge();
    QCOMPARE(m_edge.admin, m_adminPort);
    QVERIFY2(waitFor([&] { return m_window->fleetPanel()->stateOf(edge) == u"connected"; }, 2 * remote::RemoteEngine::kMaxRetryMs + kTimeoutMs),
             qPrintable(edge->stateDetail()));
    ui::LiveRaceModel *races = m_window->liveRacePanel()->model();
    const int before = races->raceCount();
    m_window->raceNow(QStringLiteral("plain"));
    QVERIFY2(waitFor([&] { return races->raceCount() > before; }, kTimeoutMs), "no race shown after the edge came back");
    probe.stop();
    qInfo("GUI thread over the kill and the reconnect: longest tick lateness %.1f ms, longest run between two ticks %.1f ms",
          longestLagMs, longestRanMs);
    // The console's own work between two ticks (waiting for a CPU on this 2-vCPU machine with an edge,
    // a lab and curl running is not the console's): never a frame's worth.
    QVERIFY2(longestRanMs < 16.0, qPrintable(QStringLiteral("the GUI thread ran %1 ms without a tick").arg(longestRanMs)));
}

void TestConsoleAttach::fleetOfTwoDemoEdges()
{
    // Two `relayrace edge --demo` processes (each with its demo lab), one console attached to both:
    // the fleet lists both connected, the panels show the one selected; the picture is saved as an
    // artifact (the README's).
    QList<EdgeProcess> demos;
    for (int i = 0; i < 2; ++i) {
        demos.append(startEdgeProcess({QStringLiteral("--demo"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                       QStringLiteral("--admin"), QStringLiteral("127.0.0.1:0"),
                                       QStringLiteral("--admin-token-file"), m_dir.filePath(QStringLiteral("admin.token"))},
                                      m_dir.filePath(QStringLiteral("demo-%1").arg(i)), 2 * kTimeoutMs));
        QVERIFY2(demos.last().admin, demos.last().output.constData());
    }
    ui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    QList<remote::RemoteEngine *> edges;
    for (const EdgeProcess &demo : std::as_const(demos))
        edges.append(window.attachEdge(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(demo.admin)), kToken));
    QCOMPARE(window.fleetPanel()->count(), 2);
    for (remote::RemoteEngine *edge : std::as_const(edges))
        QVERIFY2(QTest::qWaitFor([&] { return window.fleetPanel()->stateOf(edge) == u"connected"; }, kTimeoutMs), qPrintable(edge->stateDetail()));
    QCOMPARE(window.front(), edges.last());
    QTRY_COMPARE_WITH_TIMEOUT(window.providersPanel()->model()->rowCount(), 2, kTimeoutMs);
    for (int round = 0; round < 2; ++round) {
        for (const QString &provider : {QStringLiteral("acme"), QStringLiteral("globex")})
            window.raceNow(provider);
        QVERIFY(QTest::qWaitFor([&] { return window.liveRacePanel()->model()->raceCount() >= 2 * (round + 1)
                                             && !window.liveRacePanel()->model()->lastWinner(QStringLiteral("globex")).isEmpty(); }, 2 * kTimeoutMs));
    }
    // The other edge, chosen in the fleet list: its own providers, no race of the first's.
    window.fleetPanel()->list()->setCurrentRow(0);
    QCOMPARE(window.front(), edges.first());
    QTRY_COMPARE_WITH_TIMEOUT(window.providersPanel()->model()->rowCount(), 2, kTimeoutMs);
    QCOMPARE(window.liveRacePanel()->model()->raceCount(), 0);
    window.raceNow(QStringLiteral("acme"));
    QVERIFY(QTest::qWaitFor([&] { return !window.liveRacePanel()->model()->lastWinner(QStringLiteral("acme")).isEmpty(); }, 2 * kTimeoutMs));
    window.fleetPanel()->list()->setCurrentRow(1);
    QCOMPARE(window.front(), edges.last());
    QTest::qWait(500); // a coalesced repaint
    QDir().mkpath(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts"));
    QVERIFY(window.grab().toImage().save(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts/console-fleet.png")));
    for (EdgeProcess &demo : demos) {
        demo.process->terminate();
        demo.process->waitForFinished(35'000);
    }
}

QTEST_MAIN(TestConsoleAttach)
#include "tst_consoleattach.moc"
