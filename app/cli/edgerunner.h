// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// `relayrace edge` at run time: the engine and the edge built from a config, reloaded on SIGHUP,
// drained on SIGTERM, and the event-loop lag of both threads measured while it serves.

#include "edge/edgeconfig.h"
#include "map/mapsource.h"
#include "map/routemap.h"
#include "util/result.h"

#include <QFileSystemWatcher>
#include <QList>
#include <QTimer>
#include <QObject>
#include <QSslCertificate>

#include <memory>

namespace relayrace {
class LoopLagMeter;
class SignalWatcher;
}
namespace relayrace::engine {
class LocalEngine;
}
namespace relayrace::edge {
class AdminServer;
class EdgeServer;
}

namespace relayrace::cli {

class EdgeRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EdgeRunner)
public:
    static constexpr int kDrainTimeoutMs = 30'000;

    // configPath: where the config is re-read on reload; empty for the short form (the same config,
    // its map files re-read).
    EdgeRunner(QString configPath, edge::EdgeConfig config, QObject *parent = nullptr);
    ~EdgeRunner() override;

    // Builds the engine (trusting extraCa too) and the edge, opens the logs and every listener; prints
    // where it listens. maps: taken as they are (the demo's lab maps) instead of the config's files.
    Result<void> start(const QList<QSslCertificate> &extraCa = {}, const QList<map::RouteMap> &maps = {});
    // SIGHUP: the config and maps read again and applied without dropping a connection; a config that
    // does not load is refused as a whole and the running one kept.
    Result<void> reload();
    QList<quint16> ports() const { return m_ports; }

Q_SIGNALS:
    // The edge has stopped (drained or the drain timeout passed): the process's exit code.
    void finished(int exitCode);

private:
    struct Loaded
    {
        QList<map::RouteMap> maps;          // from files
        QStringList trusts;                 // each file map's: how it was checked
        QList<map::MapSourceConfig> dns;    // from DNS names, through the map source
        QHash<QString, QString> hosts;
    };
    static Result<Loaded> load(const edge::EdgeConfig &config);
    void applyDnsSources(const QList<map::MapSourceConfig> &sources);
    // The map files (and their signatures) are watched: a change reloads as SIGHUP does, shortly after
    // (an editor's several writes are one reload); a map that does not parse or verify keeps the old.
    void watchMapFiles();
    void reloadOrSay(const char *why);
    void stop();
    void finish();
    void printLag() const;

    QString m_configPath;
    edge::EdgeConfig m_config;
    std::unique_ptr<engine::LocalEngine> m_engine;
    std::unique_ptr<edge::EdgeServer> m_server;
    std::unique_ptr<edge::AdminServer> m_admin; // after m_server: destroyed first
    SignalWatcher *m_signals = nullptr;
    QFileSystemWatcher *m_watcher = nullptr;
    QTimer *m_reloadSoon = nullptr;
    map::MapSource *m_mapSource = nullptr; // DNS maps: fetched, verified, refreshed before expiry
    LoopLagMeter *m_edgeLag = nullptr;
    LoopLagMeter *m_engineLag = nullptr;
    QStringList m_providers;
    QList<quint16> m_ports;
    bool m_presetMaps = false;
    bool m_stopping = false;
    bool m_finished = false;
};

} // namespace relayrace::cli
