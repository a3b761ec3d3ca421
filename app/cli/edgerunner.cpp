// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edgerunner.h"

#include "command.h"

#include "delivery/failoverlog.h"
#include "edge/adminserver.h"
#include "edge/edgeserver.h"
#include "engine/localengine.h"
#include "log/jsonlineslog.h"
#include "log/logging.h"
#include "map/keyring.h"
#include "map/mapcodec.h"
#include "map/mapsigner.h"
#include "util/looplag.h"
#include "util/signalwatcher.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QThread>
#include <QTimer>

#include <cstdio>

namespace relayrace::cli {
namespace {

constexpr auto kTrust = "file, signature not checked";

Result<std::optional<QSslConfiguration>> tlsFor(const edge::EdgeConfig::Listener &l)
{
    if (!l.tls())
        return std::optional<QSslConfiguration>();
    Result<QSslConfiguration> tls = edge::serverTlsConfiguration(l.certificateFile, l.keyFile);
    if (!tls)
        return makeError(tls.error());
    return std::optional<QSslConfiguration>(*tls);
}

QString describe(const edge::EdgeConfig::Listener &l)
{
    return QStringLiteral("%1:%2").arg(l.address.toString()).arg(l.port);
}

} // namespace

EdgeRunner::EdgeRunner(QString configPath, edge::EdgeConfig config, QObject *parent)
    : QObject(parent), m_configPath(std::move(configPath)), m_config(std::move(config))
{
}

EdgeRunner::~EdgeRunner()
{
    m_server.reset();
    if (m_engineLag) // deleted on the engine's thread before it ends
        m_engineLag->deleteLater();
    m_engine.reset();
}

Result<EdgeRunner::Loaded> EdgeRunner::load(const edge::EdgeConfig &config)
{
    Loaded loaded;
    for (const edge::EdgeConfig::Provider &p : config.providers) {
        if (p.fromDns()) {
            // The key is checked here: an empty or unreadable one would have meant "take it unsigned".
            const Result<QByteArray> key = map::loadPublicKeyFile(p.keyFile);
            if (!key)
                return makeError(key.error());
            loaded.dns.append(map::MapSourceConfig{p.dnsProvider, p.dnsName, p.nameserver, *key});
            for (const QString &h : p.hosts) {
                if (loaded.hosts.contains(h))
                    return makeError(QStringLiteral("the host '%1' is given to two providers (%2 and %3)")
                                         .arg(h, loaded.hosts.value(h), p.dnsProvider));
                loaded.hosts.insert(h, p.dnsProvider);
            }
            continue;
        }
        Result<map::RouteMap> routeMap = map::readRouteMapFile(p.mapFile);
        if (!routeMap)
            return makeError(routeMap.error());
        QString trust = QString::fromLatin1(kTrust);
        if (!p.keyFile.isEmpty()) {
            const Result<QByteArray> key = map::loadPublicKeyFile(p.keyFile);
            if (!key)
                return makeError(key.error());
            QFile file(p.mapFile);
            const QByteArray bytes = file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
            if (const Result<void> valid = map::verifyMapFileSignature(p.mapFile, bytes, *key); !valid)
                return makeError(QStringLiteral("%1: refused: %2").arg(p.mapFile, valid.error()));
            trust = QStringLiteral("file, signature verified");
        }
        loaded.trusts.append(trust);
        const QStringList hosts = p.hosts.isEmpty() ? QStringList{routeMap->origin.host().toLower()} : p.hosts;
        for (const QString &h : hosts) {
            if (loaded.hosts.contains(h))
                return makeError(QStringLiteral("the host '%1' is given to two providers (%2 and %3)")
                                     .arg(h, loaded.hosts.value(h), routeMap->provider));
            loaded.hosts.insert(h, routeMap->provider);
        }
        loaded.maps.append(std::move(routeMap).value());
    }
    return loaded;
}

Result<void> EdgeRunner::start(const QList<QSslCertificate> &extraCa, const QList<map::RouteMap> &maps)
{
    Loaded loaded;
    if (maps.isEmpty()) {
        Result<Loaded> read = load(m_config);
        if (!read)
            return makeError(read.error());
        loaded = std::move(read).value();
    } else {
        m_presetMaps = true;
        loaded.maps = maps;
        for (qsizetype i = 0; i < maps.size() && i < m_config.providers.size(); ++i) {
            for (const QString &h : m_config.providers.at(i).hosts)
                loaded.hosts.insert(h, maps.at(i).provider);
        }
    }
    engine::EngineSettings settings;
    settings.edgeRegion = m_config.edgeRegion;
    settings.historyPath = m_config.history;
    settings.failoverLogPath = m_config.failoverLog.isEmpty() ? delivery::FailoverLog::defaultPath() : m_config.failoverLog;
    const auto ca = readCaFile(m_config.caFile);
    if (!ca)
        return makeError(ca.error());
    settings.caCertificates = *ca + extraCa;
    const auto relayCredentials = readRelayCredentials(m_config.relayCredentials);
    if (!relayCredentials)
        return makeError(relayCredentials.error());
    settings.relayCredentials = *relayCredentials;
    settings.expiredMap = m_config.expiredMap;

    m_engine = std::make_unique<engine::LocalEngine>(settings);
    for (qsizetype i = 0; i < loaded.maps.size(); ++i) {
        const map::RouteMap &m = loaded.maps.at(i);
        m_engine->setMap(m, loaded.trusts.value(i, QString::fromLatin1(kTrust)));
        m_providers.append(m.provider);
    }
    applyDnsSources(loaded.dns);
    for (const map::MapSourceConfig &dns : std::as_const(loaded.dns))
        m_providers.append(dns.provider);
    edge::EdgeSettings edgeSettings;
    edgeSettings.limits = m_config.limits;
    edgeSettings.hosts = loaded.hosts;
    m_server = std::make_unique<edge::EdgeServer>(m_engine.get(), edgeSettings);
    const QString accessPath =
        m_config.accessLog.isEmpty()
            ? QFileInfo(QString::fromStdString(log::logFilePath("relayrace"))).absolutePath() + QStringLiteral("/access.jsonl")
            : m_config.accessLog;
    auto access = log::JsonLinesLog::open(accessPath, QStringLiteral("access"));
    if (!access)
        return makeError(access.error());
    m_server->setAccessLog(std::move(access).value());
    for (const edge::EdgeConfig::Listener &l : std::as_const(m_config.listeners)) {
        const auto tls = tlsFor(l);
        if (!tls)
            return makeError(QStringLiteral("%1: %2").arg(describe(l), tls.error()));
        const Result<quint16> port = m_server->listen(l.address, l.port, *tls);
        if (!port)
            return makeError(port.error());
        m_ports.append(*port);
        std::printf("relayrace edge: listening on %s:%u%s for %s\n", qPrintable(l.address.toString()), unsigned(*port),
                    l.tls() ? " (TLS)" : "", qPrintable(QStringList(edgeSettings.hosts.keys()).join(QStringLiteral(", "))));
    }
    if (m_config.admin) {
        m_admin = std::make_unique<edge::AdminServer>(m_server.get(), m_engine.get());
        if (!m_config.adminTokenFile.isEmpty()) {
            QFile tokenFile(m_config.adminTokenFile);
            if (!tokenFile.open(QIODevice::ReadOnly))
                return makeError(QStringLiteral("admin token %1: %2").arg(m_config.adminTokenFile, tokenFile.errorString()));
            const QByteArray token = tokenFile.read(4096).trimmed();
            if (token.size() < 16)
                return makeError(QStringLiteral("admin token %1: shorter than 16 characters").arg(m_config.adminTokenFile));
            m_admin->setToken(token);
        }
        m_admin->setReloadHandler([this] { return reload(); }); // POST /api/v1/reload: as SIGHUP
        const auto adminTls = tlsFor(*m_config.admin);
        if (!adminTls)
            return makeError(QStringLiteral("admin: %1").arg(adminTls.error()));
        const Result<quint16> port = m_admin->listen(m_config.admin->address, m_config.admin->port, *adminTls);
        if (!port)
            return makeError(port.error());
        std::printf("relayrace edge: admin listening on %s:%u%s (/metrics, /healthz, /readyz, /api/v1)\n",
                    qPrintable(m_config.admin->address.toString()), unsigned(*port), m_config.admin->tls() ? " (TLS)" : "");
    }
    std::fflush(stdout);

    m_edgeLag = new LoopLagMeter(thread());
    m_edgeLag->setParent(this);
    m_engineLag = new LoopLagMeter(m_engine->engineThread());
    m_signals = new SignalWatcher(this);
    m_signals->watchHangup();
    connect(m_signals, &SignalWatcher::interrupted, this, &EdgeRunner::stop);
    connect(m_signals, &SignalWatcher::hangup, this, [this] { reloadOrSay("SIGHUP"); });
    connect(m_server.get(), &edge::EdgeServer::drained, this, &EdgeRunner::finish);
    watchMapFiles();
    return {};
}

void EdgeRunner::reloadOrSay(const char *why)
{
    if (const Result<void> r = reload(); !r) {
        std::fprintf(stderr, "relayrace edge: reload refused, the running config is kept (%s): %s\n", why, qUtf8Printable(r.error()));
        log::get("edge")->error("reload refused, the running config is kept ({}): {}", why, r.error().toStdString());
    }
}

void EdgeRunner::watchMapFiles()
{
    if (m_presetMaps)
        return;
    if (!m_watcher) {
        m_watcher = new QFileSystemWatcher(this);
        m_reloadSoon = new QTimer(this);
        m_reloadSoon->setSingleShot(true);
        m_reloadSoon->setInterval(500);
        connect(m_watcher, &QFileSystemWatcher::fileChanged, m_reloadSoon, qOverload<>(&QTimer::start));
        connect(m_reloadSoon, &QTimer::timeout, this, [this] {
            reloadOrSay("a map file changed");
            watchMapFiles(); // a file replaced by rename is a new inode: watched again
        });
    }
    QStringList files;
    for (const edge::EdgeConfig::Provider &p : std::as_const(m_config.providers)) {
        if (p.fromDns())
            continue;
        files << p.mapFile;
        if (!p.keyFile.isEmpty())
            files << map::signaturePath(p.mapFile);
    }
    if (!m_watcher->files().isEmpty())
        m_watcher->removePaths(m_watcher->files());
    files.removeIf([](const QString &f) { return !QFile::exists(f); });
    if (!files.isEmpty())
        m_watcher->addPaths(files);
}

Result<void> EdgeRunner::reload()
{
    if (m_presetMaps)
        return makeError(QStringLiteral("the demo's maps come from its lab: nothing to reload"));
    edge::EdgeConfig next = m_config;
    if (!m_configPath.isEmpty()) {
        Result<edge::EdgeConfig> read = edge::readEdgeConfig(m_configPath);
        if (!read)
            return makeError(read.error());
        next = std::move(read).value();
    }
    Result<Loaded> loaded = load(next);
    if (!loaded)
        return makeError(loaded.error());
    // Every certificate loads before anything changes: a reload applies whole or not at all.
    QList<std::pair<quint16, QSslConfiguration>> certificates;
    QStringList needRestart;
    for (const edge::EdgeConfig::Listener &l : std::as_const(next.listeners)) {
        const auto it = std::find_if(m_config.listeners.cbegin(), m_config.listeners.cend(), [&](const auto &old) {
            return old.address == l.address && old.port == l.port && old.tls() == l.tls();
        });
        if (it == m_config.listeners.cend()) {
            needRestart << QStringLiteral("listen %1").arg(describe(l));
            continue;
        }
        const auto tls = tlsFor(l);
        if (!tls)
            return makeError(QStringLiteral("%1: %2").arg(describe(l), tls.error()));
        if (*tls)
            certificates.append({m_ports.value(int(it - m_config.listeners.cbegin())), **tls});
    }
    if (next.listeners.size() != m_config.listeners.size() && needRestart.isEmpty())
        needRestart << QStringLiteral("a listener removed");
    if (next.edgeRegion != m_config.edgeRegion)
        needRestart << QStringLiteral("edge_region");
    if (next.caFile != m_config.caFile)
        needRestart << QStringLiteral("ca_file");
    if (next.relayCredentials != m_config.relayCredentials)
        needRestart << QStringLiteral("relay_credentials");
    if (next.expiredMap != m_config.expiredMap)
        needRestart << QStringLiteral("expired_map");
    if (next.accessLog != m_config.accessLog || next.failoverLog != m_config.failoverLog || next.history != m_config.history)
        needRestart << QStringLiteral("logs");
    const auto adminAt = [](const edge::EdgeConfig &c) {
        return c.admin ? QStringList{describe(*c.admin), c.admin->certificateFile, c.admin->keyFile, c.adminTokenFile}.join(u' ') : QString();
    };
    if (adminAt(next) != adminAt(m_config))
        needRestart << QStringLiteral("admin");

    for (const auto &[port, tls] : std::as_const(certificates))
        m_server->setTlsConfiguration(port, tls);
    QStringList providers;
    for (qsizetype i = 0; i < loaded->maps.size(); ++i) {
        const map::RouteMap &m = loaded->maps.at(i);
        m_engine->setMap(m, loaded->trusts.value(i, QString::fromLatin1(kTrust))); // the route cache carries over
        providers.append(m.provider);
    }
    applyDnsSources(loaded->dns);
    for (const map::MapSourceConfig &dns : std::as_const(loaded->dns))
        providers.append(dns.provider);
    for (const QString &gone : std::as_const(m_providers)) {
        if (!providers.contains(gone))
            m_engine->removeProvider(gone);
    }
    m_providers = providers;
    edge::EdgeSettings settings;
    settings.hosts = loaded->hosts;
    settings.limits = next.limits;
    m_server->setSettings(settings);
    const edge::EdgeConfig previous = m_config;
    m_config = next;
    // What cannot change in place keeps its running value until a restart, and says so.
    const QString note = needRestart.isEmpty()
                             ? QString()
                             : QStringLiteral("; not applied until a restart: ") + needRestart.join(QStringLiteral(", "));
    std::fprintf(stderr, "relayrace edge: reloaded: %lld providers (%s), %lld hosts%s\n",
                 qlonglong(providers.size()), qUtf8Printable(providers.join(QStringLiteral(", "))),
                 qlonglong(settings.hosts.size()), qUtf8Printable(note));
    log::get("edge")->info("reloaded: providers {}{}", providers.join(QStringLiteral(", ")).toStdString(), note.toStdString());
    if (!needRestart.isEmpty()) { // keep the running values of what was not applied
        m_config.listeners = previous.listeners;
        m_config.edgeRegion = previous.edgeRegion;
        m_config.caFile = previous.caFile;
        m_config.accessLog = previous.accessLog;
        m_config.failoverLog = previous.failoverLog;
        m_config.history = previous.history;
        m_config.admin = previous.admin;
        m_config.adminTokenFile = previous.adminTokenFile;
    }
    return {};
}

void EdgeRunner::applyDnsSources(const QList<map::MapSourceConfig> &sources)
{
    if (sources.isEmpty() && !m_mapSource)
        return;
    if (!m_mapSource) {
        m_mapSource = new map::MapSource(this);
        connect(m_mapSource, &map::MapSource::mapChanged, this, [this](const QString &provider, const map::RouteMap &m) {
            const map::ProviderMapState state = m_mapSource->state(provider);
            m_engine->setMap(m, state.held && state.held->verified ? QStringLiteral("dns, signature verified")
                                                                   : QStringLiteral("dns, unsigned"));
            log::get("edge")->info("provider {}: map from {} applied", provider.toStdString(),
                                   state.config.name.toStdString());
        });
        connect(m_mapSource, &map::MapSource::statusChanged, this, [this](const QString &provider, map::MapStatus status) {
            const map::ProviderMapState state = m_mapSource->state(provider);
            if (status == map::MapStatus::Failed || status == map::MapStatus::LastGoodKept)
                log::get("edge")->warn("provider {}: map {} ({}): {}", provider.toStdString(),
                                       map::statusName(status).toStdString(), state.config.name.toStdString(),
                                       state.error.toStdString());
        });
    }
    QStringList wanted;
    for (const map::MapSourceConfig &source : sources) {
        wanted.append(source.provider);
        if (!m_mapSource->providers().contains(source.provider) || m_mapSource->state(source.provider).config != source)
            m_mapSource->setProvider(source); // fetches at once; the last good map is kept meanwhile
        else
            m_mapSource->refresh(source.provider); // a reload asks again (a 304 when unchanged)
    }
    for (const QString &provider : m_mapSource->providers()) {
        if (!wanted.contains(provider))
            m_mapSource->removeProvider(provider);
    }
}

void EdgeRunner::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    std::fprintf(stderr, "relayrace edge: stopping (requests in flight may finish within %d s)\n", kDrainTimeoutMs / 1000);
    m_server->stopAccepting();
    QTimer::singleShot(kDrainTimeoutMs, this, &EdgeRunner::finish);
}

void EdgeRunner::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    printLag();
    Q_EMIT finished(ExitOk);
}

void EdgeRunner::printLag() const
{
    // How late a 5 ms timer ran on each thread while the edge served (docs/edge.md, "Threads").
    std::fprintf(stderr, "relayrace edge: event-loop lag (engine thread): %s\n",
                 qUtf8Printable(LoopLagMeter::describe(m_engineLag->summary())));
    std::fprintf(stderr, "relayrace edge: event-loop lag (client I/O thread): %s\n",
                 qUtf8Printable(LoopLagMeter::describe(m_edgeLag->summary())));
}

} // namespace relayrace::cli
