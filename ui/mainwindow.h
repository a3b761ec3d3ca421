// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QMainWindow>

class QLabel;
class QSplitter;
class QStackedWidget;
class QTabWidget;

namespace relayrace::lab {
class LabHost;
}
namespace relayrace::demo {
class DemoTraffic;
}
namespace relayrace::engine {
class EngineFront;
struct EngineStatus;
}
namespace relayrace::map {
class MapFetcher;
struct RouteMap;
}

namespace relayrace::ui {

class FailoverInspector;
class HistoryExporter;
class HistoryPanel;
class LabPanel;
class LiveRacePanel;
class ProvidersPanel;
class TopologyView;
class WelcomePane;

// Layout and wiring only: each panel owns its model and its logic; the engine is reached through its
// front (engine::EngineFront: here a LocalEngine on a thread of its own), whose signals feed the
// panels and whose mirror holds the loaded maps.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    struct Options
    {
        QString historyPath;     // empty: the default store
        QString failoverLogPath; // empty: the default log
        int raceIntervalMs = 5000;
        int maxRacesPerMinute = 60;  // the engine's race budget per provider; 0: unlimited
        QByteArray demoTopologyJson; // empty: the built-in demo lab (resources/lab/demo-topology.json)
    };
    explicit MainWindow(QWidget *parent = nullptr);
    explicit MainWindow(Options options, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Starts the embedded demo lab, then the engine racing its providers (the window stays responsive).
    void startDemo();
    // Loads a map file into the engine; false with a message in the status bar when it does not parse.
    bool openMap(const QString &path);
    void raceNow(const QString &provider, const QString &path = QString(), qint64 thresholdBytes = 0);
    void setRaceInterval(int intervalMs); // every provider; 0 stops

    // Route-map exports of the current provider, by extension (.json .dot .svg .png).
    bool exportRouteMap(const QString &path);
    // The current provider's route samples of the last 30 days as CSV, written on a thread of its own
    // (the store is opened and queried there); historyExported() follows.
    void exportHistoryCsv(const QString &path);

    QString currentProvider() const { return m_currentProvider; }
    lab::LabHost *labHost() const { return m_labHost; }
    engine::EngineFront *engine() const { return m_engine; }
    LabPanel *labPanel() const { return m_labPanel; }
    ProvidersPanel *providersPanel() const { return m_providers; }
    LiveRacePanel *liveRacePanel() const { return m_liveRace; }
    TopologyView *topologyView() const { return m_topology; }
    HistoryPanel *historyPanel() const { return m_history; }
    FailoverInspector *failoverInspector() const { return m_failovers; }
    QTabWidget *tabs() const { return m_tabs; }

Q_SIGNALS:
    // error is empty on success; the status bar says the same.
    void historyExported(const QString &path, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void ensureEngine();
    void addMap(const map::RouteMap &map, const QString &trust);
    void onMapChanged(const map::RouteMap &map);
    void selectProvider(const QString &provider);
    void onDemoReady();
    void raceNowDialog();
    void raceEveryDialog();
    void openMapDialog();
    void fetchMapDialog();
    void exportDialog();
    void exportHistoryDialog();
    void onHistoryExported(const QString &path, qint64 rows, const QString &error);
    void showStatus(const engine::EngineStatus &status);
    void restoreLayout();
    void saveLayout() const;

    Options m_options;
    QStackedWidget *m_stack = nullptr;
    WelcomePane *m_welcome = nullptr;
    QSplitter *m_vertical = nullptr;
    QSplitter *m_horizontal = nullptr;
    QTabWidget *m_tabs = nullptr;
    ProvidersPanel *m_providers = nullptr;
    TopologyView *m_topology = nullptr;
    LiveRacePanel *m_liveRace = nullptr;
    HistoryPanel *m_history = nullptr;
    FailoverInspector *m_failovers = nullptr;
    LabPanel *m_labPanel = nullptr;
    QLabel *m_engineState = nullptr;
    QLabel *m_rates = nullptr;
    QLabel *m_freshness = nullptr;
    lab::LabHost *m_labHost = nullptr;
    engine::EngineFront *m_engine = nullptr;
    demo::DemoTraffic *m_demoTraffic = nullptr;
    map::MapFetcher *m_fetcher = nullptr;
    QString m_currentProvider;
    HistoryExporter *m_exporter = nullptr;
    int m_raceIntervalMs = 0;   // what "Race every" offers; the engine keeps the schedule
};

} // namespace relayrace::ui
