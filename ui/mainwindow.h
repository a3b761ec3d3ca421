// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QList>
#include <QMainWindow>
#include <QMetaObject>
#include <QSet>
#include <QSslCertificate>
#include <QUrl>

class QDockWidget;
class QFileSystemWatcher;
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
struct EngineSettings;
struct EngineStatus;
struct HistoryAnswer;
}
namespace relayrace::remote {
class RemoteEngine;
}
namespace relayrace::map {
class MapFetcher;
class MapSource;
struct MapSourceConfig;
struct ProviderMapState;
struct RouteMap;
}

namespace relayrace::ui {

struct ConsoleSettings;

class FailoverInspector;
class FleetPanel;
class HistoryExporter;
class HistoryPanel;
class LabPanel;
class LiveRacePanel;
class NoticeModel;
class ProvidersPanel;
class TokenStore;
class TopologyView;
class WelcomePane;

// Layout and wiring only: each panel owns its model and its logic; an engine is reached through its
// front (engine::EngineFront), whose signals feed the panels and whose mirror holds the loaded maps.
// The fleet: the embedded engine (a LocalEngine on a thread of its own, for the demo and opened
// maps) and every edge attached (remote::RemoteEngine over its admin API); the panels show one of
// them at a time, the fleet panel switches.
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
    // Loads a map file into the engine; false with a message in the status bar when it does not parse
    // or the keyring holds a key for its provider and its "<path>.sig" is missing or does not verify.
    bool openMap(const QString &path);
    // Fetches a provider's map by DNS name and keeps it fresh from then on (map::MapSource).
    void fetchMap(const map::MapSourceConfig &config);
    map::MapSource *mapSource();
    // The keyring: a folder of "<provider>.pem" public keys (docs/map-fetch.md); kept in the settings.
    QString keyringFolder() const;
    void setKeyringFolder(const QString &folder);
    static QString defaultKeyringFolder();
    // The console's engine settings (kept in QSettings) and their application to the running embedded
    // engine, without a restart: an error (a CA file that does not load, an unknown policy) changes nothing.
    ConsoleSettings consoleSettings() const;
    Result<void> applyConsoleSettings(const ConsoleSettings &settings);
    // What the providers table's map column says of a fetched map's state.
    static QString mapStateText(const map::ProviderMapState &state);
    void raceNow(const QString &provider, const QString &path = QString(), qint64 thresholdBytes = 0);
    void setRaceInterval(int intervalMs); // every provider; 0 stops
    // Attaches to an edge's admin API (or shows it, when attached already) and shows it.
    remote::RemoteEngine *attachEdge(const QUrl &adminUrl, const QByteArray &token);
    // Certificates the edges attached from now on are trusted with besides the system's (https admin URLs).
    void setEdgeCaCertificates(const QList<QSslCertificate> &certificates) { m_edgeCa = certificates; }
    // Binds the panels to this front (new panels, fed from its mirror, its stored failovers and
    // its signals from now on).
    void useFront(engine::EngineFront *front);

    // Route-map exports of the current provider, by extension (.json .dot .svg .png).
    bool exportRouteMap(const QString &path);
    // The current provider's route samples of the last 30 days as CSV, written on a thread of its own
    // (the store is opened and queried there); historyExported() follows.
    void exportHistoryCsv(const QString &path);

    QString currentProvider() const { return m_currentProvider; }
    lab::LabHost *labHost() const { return m_labHost; }
    engine::EngineFront *engine() const { return m_engine; }   // the embedded engine; null until needed
    engine::EngineFront *front() const { return m_front; }     // the one the panels show
    const QList<remote::RemoteEngine *> &edges() const { return m_edges; }
    FleetPanel *fleetPanel() const { return m_fleet; }
    TokenStore *tokenStore() const { return m_tokens; }
    LabPanel *labPanel() const { return m_labPanel; }
    ProvidersPanel *providersPanel() const { return m_providers; }
    LiveRacePanel *liveRacePanel() const { return m_liveRace; }
    TopologyView *topologyView() const { return m_topology; }
    HistoryPanel *historyPanel() const { return m_history; }
    FailoverInspector *failoverInspector() const { return m_failovers; }
    QTabWidget *tabs() const { return m_tabs; }
    // Engine notices and the console's own: counted in the status bar, listed in the Notices dock.
    NoticeModel *notices() const { return m_notices; }
    QDockWidget *noticeDock() const { return m_noticeDock; }

Q_SIGNALS:
    // error is empty on success; the status bar says the same.
    void historyExported(const QString &path, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    // A notice for the notification area only (what engines say on their own), or also the status bar's
    // answer to what the operator just did (reply).
    void notice(int level, const QString &text);
    void reply(const QString &text, int level = 0, int timeoutMs = 5000);
    void buildNotices();
    // The topology as the main view, in proportion to the window, until the operator lays it out.
    void applyDefaultLayout();
    void buildActions();
    void buildPanels();
    void ensureEngine();
    void attachEdgeDialog();
    void onTokenLoaded(const QUrl &edge, const QByteArray &token, const QString &where);
    void onHistoryAnswered(const engine::HistoryAnswer &answer);
    // The failover inspector's past: the front's stored failovers (newest kFailoverHistoryRows), merged
    // with what arrived live.
    void askFailoverHistory(engine::EngineFront *front);
    void showFrontState(engine::EngineFront *front);
    void addMap(const map::RouteMap &map, const QString &trust);
    void onMapChanged(const map::RouteMap &map);
    void selectProvider(const QString &provider);
    void onDemoReady();
    void placeLabOnMap();
    void raceNowDialog();
    void raceEveryDialog();
    void openMapDialog();
    void settingsDialog();
    void watchMapFile(const QString &path);
    Result<engine::EngineSettings> engineSettings(const ConsoleSettings &settings) const;
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
    bool m_ownLayout = false; // the splitters as the operator left them (restored or moved)
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
    NoticeModel *m_notices = nullptr;
    QDockWidget *m_noticeDock = nullptr;
    lab::LabHost *m_labHost = nullptr;
    engine::EngineFront *m_engine = nullptr;
    engine::EngineFront *m_front = nullptr;
    QList<remote::RemoteEngine *> m_edges;
    QList<QSslCertificate> m_edgeCa;
    QList<QMetaObject::Connection> m_frontConnections; // the current front's, to its panels
    quint64 m_failoverHistoryTicket = 0;
    FleetPanel *m_fleet = nullptr;
    QDockWidget *m_fleetDock = nullptr;
    TokenStore *m_tokens = nullptr;
    demo::DemoTraffic *m_demoTraffic = nullptr;
    map::MapFetcher *m_fetcher = nullptr;   // a map's first fetch, when its provider is not known yet
    map::MapSource *m_mapSource = nullptr;
    QFileSystemWatcher *m_mapFiles = nullptr; // map files opened: opened again when they change
    QSet<QString> m_changedMapFiles;
    QString m_currentProvider;
    HistoryExporter *m_exporter = nullptr;
    int m_raceIntervalMs = 0;   // what "Race every" offers; the engine keeps the schedule
};

} // namespace relayrace::ui
