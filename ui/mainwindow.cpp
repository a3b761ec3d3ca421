// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "delivery/failoverlog.h"
#include "dialogs/racenowdialog.h"
#include "dialogs/settingsdialog.h"
#include "demo/demotraffic.h"
#include "engine/localengine.h"
#include "failover/failoverinspector.h"
#include "history/historyexporter.h"
#include "history/historypanel.h"
#include "history/historystore.h"
#include "lab/lab.h"
#include "lab/labpanel.h"
#include "map/mapcodec.h"
#include "map/mapexport.h"
#include "providers/providerspanel.h"
#include "race/liveracepanel.h"
#include "topology/topologyview.h"
#include "welcomepane.h"
#include "fleet/fleetpanel.h"
#include "fleet/tokenstore.h"
#include "remote/remoteengine.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

#include <qcorotask.h>

namespace relayrace::ui {


MainWindow::MainWindow(QWidget *parent) : MainWindow(Options{}, parent) {}

MainWindow::MainWindow(Options options, QWidget *parent)
    : QMainWindow(parent), m_options(std::move(options)), m_stack(new QStackedWidget(this)),
      m_welcome(new WelcomePane(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("relayrace console"));
    setWindowIcon(QIcon(QStringLiteral(":/relayrace/icons/relayrace.svg")));
    resize(1280, 800);
    if (m_options.historyPath.isEmpty())
        m_options.historyPath = history::HistoryStore::defaultPath();
    if (m_options.failoverLogPath.isEmpty())
        m_options.failoverLogPath = delivery::FailoverLog::defaultPath(QStringLiteral("relayrace-console"));

    buildPanels();
    m_exporter = new HistoryExporter(this);
    connect(m_exporter, &HistoryExporter::exported, this, &MainWindow::onHistoryExported);
    m_labPanel = new LabPanel(this);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("panelTabs"));
    m_tabs->addTab(m_liveRace, tr("&Live races"));
    m_tabs->addTab(m_history, tr("&History"));
    m_tabs->addTab(m_failovers, tr("&Failover log"));
    m_horizontal = new QSplitter(Qt::Horizontal, this);
    m_horizontal->setObjectName(QStringLiteral("horizontalSplitter"));
    m_horizontal->addWidget(m_providers);
    m_horizontal->addWidget(m_topology);
    m_horizontal->setStretchFactor(1, 2);
    m_vertical = new QSplitter(Qt::Vertical, this);
    m_vertical->setObjectName(QStringLiteral("verticalSplitter"));
    m_vertical->addWidget(m_horizontal);
    m_vertical->addWidget(m_tabs);
    m_vertical->setStretchFactor(0, 3);
    m_vertical->setStretchFactor(1, 2);
    m_stack->addWidget(m_welcome);
    m_stack->addWidget(m_vertical);
    setCentralWidget(m_stack);

    m_engineState = new QLabel(tr("engine stopped"), this);
    m_engineState->setObjectName(QStringLiteral("engineState"));
    m_rates = new QLabel(this);
    m_rates->setObjectName(QStringLiteral("statusRates"));
    m_rates->setToolTip(tr("Races in the last minute; failovers in the last hour"));
    m_freshness = new QLabel(this);
    m_freshness->setObjectName(QStringLiteral("statusFreshness"));
    m_freshness->setToolTip(tr("The earliest expiry among the loaded maps"));
    buildNotices();
    statusBar()->addPermanentWidget(m_engineState);
    statusBar()->addPermanentWidget(m_rates);
    statusBar()->addPermanentWidget(m_freshness);

    buildActions();
    connect(m_welcome, &WelcomePane::startDemoRequested, this, &MainWindow::startDemo);
    connect(m_welcome, &WelcomePane::openMapRequested, this, &MainWindow::openMapDialog);
    connect(m_welcome, &WelcomePane::fetchMapRequested, this, &MainWindow::fetchMapDialog);
    m_fleet = new FleetPanel(this);
    m_fleetDock = new QDockWidget(tr("Fleet"), this);
    m_fleetDock->setObjectName(QStringLiteral("fleetDock"));
    m_fleetDock->setWidget(m_fleet);
    addDockWidget(Qt::LeftDockWidgetArea, m_fleetDock);
    m_fleetDock->hide(); // shown once an edge is attached
    connect(m_fleet, &FleetPanel::frontSelected, this, &MainWindow::useFront);
    m_tokens = new TokenStore(this);
    connect(m_tokens, &TokenStore::loaded, this, &MainWindow::onTokenLoaded);
    restoreLayout();
    showStatus(engine::EngineStatus{});
}

MainWindow::~MainWindow()
{
    // A history export is bounded work on its own store: let it end rather than kill it mid-write.
    delete m_exporter;
    m_exporter = nullptr;
    // The demo's users, then the engine (its thread stops), then the lab it races over.
    delete m_demoTraffic;
    m_demoTraffic = nullptr;
    m_front = nullptr;
    qDeleteAll(m_edges);
    m_edges.clear();
    delete m_engine;
    m_engine = nullptr;
    delete m_labHost;
    m_labHost = nullptr;
}

void MainWindow::ensureEngine()
{
    if (m_engine)
        return;
    Result<engine::EngineSettings> settings = engineSettings(consoleSettings());
    if (!settings) { // a saved CA file gone: said, and the engine starts without it
        notice(1, tr("Settings: %1").arg(settings.error()));
        ConsoleSettings fallback = consoleSettings();
        fallback.caFile.clear();
        settings = engineSettings(fallback);
    }
    m_engine = new engine::LocalEngine(settings ? *settings : engine::EngineSettings{}, this);
    m_fleet->addFront(m_engine, tr("embedded engine"));
    useFront(m_engine);
}

void MainWindow::startDemo()
{
    if (m_labHost)
        return;
    auto topology = m_options.demoTopologyJson.isEmpty() ? lab::demoTopology()
                                                         : lab::Topology::fromJson(m_options.demoTopologyJson);
    if (!topology) {
        reply(topology.error(), 2, 0);
        return;
    }
    m_labHost = new lab::LabHost(std::move(topology).value(), this);
    m_labPanel->setLab(m_labHost);
    m_tabs->addTab(m_labPanel, tr("L&ab controls"));
    connect(m_labHost, &lab::LabHost::ready, this, &MainWindow::onDemoReady);
    connect(m_labHost, &lab::LabHost::failed, this, [this](const QString &error) {
        reply(tr("Demo lab failed: %1").arg(error), 2, 0);
    });
    m_stack->setCurrentWidget(m_vertical);
    QTimer::singleShot(0, this, &MainWindow::applyDefaultLayout);
    statusBar()->showMessage(tr("Starting the demo lab…"));
    m_labHost->start();
}

void MainWindow::placeLabOnMap()
{
    // The lab's own places: the edge and each origin where the topology file puts them, not beside
    // the regions (the map's own guess when it has no coordinates of theirs).
    if (!m_labHost || !m_labHost->isReady() || m_front != m_engine)
        return;
    const lab::LabEndpoints &lab = m_labHost->endpoints();
    m_topology->setEdgePosition(lab.edge.lat, lab.edge.lon);
    for (const auto &provider : lab.providers)
        m_topology->setOriginPosition(provider.place.id, provider.place.lat, provider.place.lon);
}

void MainWindow::onDemoReady()
{
    ensureEngine();
    placeLabOnMap();
    QStringList providers;
    for (const auto &provider : m_labHost->endpoints().providers) {
        addMap(m_labHost->routeMap(provider.place.id), tr("lab (unsigned)"));
        providers.append(provider.place.id);
    }
    // The demo's users: requests that go through the cache and fail over, through the same front.
    m_demoTraffic = new demo::DemoTraffic(m_engine, providers, demo::DemoTraffic::kDefaultIntervalMs, this);
    setRaceInterval(m_options.raceIntervalMs);
    for (const QString &provider : std::as_const(providers))
        raceNow(provider); // the first race at once: a first-time user sees it alive
    reply(tr("Demo lab running: racing every %1 s").arg(m_options.raceIntervalMs / 1000.0));
}

void MainWindow::onMapChanged(const map::RouteMap &map)
{
    m_topology->setMap(map);
    if (m_currentProvider.isEmpty())
        selectProvider(map.provider);
}

void MainWindow::selectProvider(const QString &provider)
{
    if (provider.isEmpty() || !m_front || !m_front->routeMap(provider))
        return;
    m_currentProvider = provider;
    m_topology->setProvider(provider);
    m_history->setProvider(provider);
}

void MainWindow::raceNow(const QString &provider, const QString &path, qint64 thresholdBytes)
{
    if (m_front)
        m_front->raceNow(engine::RaceOrder{provider, path, thresholdBytes, model::Trigger::Manual, 0});
}

void MainWindow::setRaceInterval(int intervalMs)
{
    m_raceIntervalMs = intervalMs;
    if (m_front)
        m_front->setRaceInterval(QString(), intervalMs); // every provider, and those to come
}

void MainWindow::raceNowDialog()
{
    const QStringList providers = m_front ? m_front->providers() : QStringList();
    if (providers.isEmpty()) {
        statusBar()->showMessage(tr("Load a map or start the demo first"), 5000);
        return;
    }
    RaceNowDialog dialog(providers, m_currentProvider, this);
    if (dialog.exec() == QDialog::Accepted)
        raceNow(dialog.provider(), dialog.path(), dialog.thresholdBytes());
}

void MainWindow::raceEveryDialog()
{
    bool ok = false;
    const int seconds = QInputDialog::getInt(this, tr("Race every"), tr("Seconds between races (0: stop):"),
                                             m_raceIntervalMs / 1000, 0, 3600, 1, &ok);
    if (ok)
        setRaceInterval(seconds * 1000);
}

bool MainWindow::exportRouteMap(const QString &path)
{
    const std::optional<map::RouteMap> current = m_front ? m_front->routeMap(m_currentProvider) : std::nullopt;
    if (!current)
        return false;
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == u"svg")
        return m_topology->exportSvg(path);
    if (suffix == u"png")
        return m_topology->exportPng(path, m_topology->viewport()->size());
    QByteArray bytes;
    if (suffix == u"dot")
        bytes = map::routeMapToDot(*current);
    else
        bytes = map::serializeRouteMap(*current);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        reply(tr("%1: %2").arg(path, file.errorString()), 2, 0);
        return false;
    }
    return true;
}

void MainWindow::exportDialog()
{
    if (m_currentProvider.isEmpty())
        return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export route map"), m_currentProvider + QStringLiteral(".map.json"),
                                                      tr("Map JSON (*.json);;Graphviz DOT (*.dot);;SVG (*.svg);;PNG (*.png)"));
    if (!path.isEmpty() && exportRouteMap(path))
        reply(tr("Exported %1").arg(path));
}

void MainWindow::exportHistoryCsv(const QString &path)
{
    if (m_currentProvider.isEmpty()) {
        Q_EMIT historyExported(path, tr("no provider to export"));
        return;
    }
    if (m_front != m_engine) {
        Q_EMIT historyExported(path, tr("the history CSV export reads the embedded engine's store; an attached edge's is not exported yet"));
        return;
    }
    m_exporter->exportRouteSamples(m_options.historyPath, m_currentProvider, path);
}

void MainWindow::onHistoryExported(const QString &path, qint64 rows, const QString &error)
{
    if (error.isEmpty())
        reply(tr("Exported %1 route samples to %2").arg(rows).arg(path));
    else
        reply(error, 2, 0);
    Q_EMIT historyExported(path, error);
}

void MainWindow::exportHistoryDialog()
{
    if (m_currentProvider.isEmpty())
        return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export history"), m_currentProvider + QStringLiteral("-history.csv"),
                                                      tr("CSV (*.csv)"));
    if (!path.isEmpty())
        exportHistoryCsv(path);
}

void MainWindow::showStatus(const engine::EngineStatus &status)
{
    m_rates->setText(tr("%1 races/min · %2 failovers/h").arg(status.racesLastMinute).arg(status.failoversLastHour));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime earliest = status.earliestMapExpiry;
    if (!earliest.isValid())
        m_freshness->setText(tr("no maps"));
    else if (earliest <= now)
        m_freshness->setText(tr("a map has expired"));
    else
        m_freshness->setText(tr("maps valid %1 min more").arg(now.secsTo(earliest) / 60));
}

} // namespace relayrace::ui
