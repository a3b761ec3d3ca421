// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The main window's maps: files opened (checked against the keyring) and maps fetched by DNS name,
// which a map source keeps fresh (refreshed before expiry; the last good map kept when a refresh
// fails, with the failing stage in the providers table).
#include "mainwindow.h"

#include "dialogs/fetchmapdialog.h"
#include "dialogs/settingsdialog.h"
#include "engine/mapexpiry.h"
#include "lab/lab.h"
#include "engine/enginefront.h"
#include "log/logging.h"
#include "map/keyring.h"
#include "map/mapcodec.h"
#include "map/mapfetcher.h"
#include "map/mapsource.h"
#include "providers/providerspanel.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileSystemWatcher>
#include <QSettings>
#include <QSslCertificate>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>

#include <qcorotask.h>

namespace relayrace::ui {
namespace {

const QString kRecentMaps = QStringLiteral("maps/recent");
const QString kKeyringFolder = QStringLiteral("maps/keyring");

} // namespace

QString MainWindow::defaultKeyringFolder()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)).filePath(QStringLiteral("keys"));
}

QString MainWindow::keyringFolder() const
{
    return QSettings().value(kKeyringFolder, defaultKeyringFolder()).toString();
}

ConsoleSettings MainWindow::consoleSettings() const
{
    return ConsoleSettings::load(m_options.maxRacesPerMinute, defaultKeyringFolder());
}

Result<engine::EngineSettings> MainWindow::engineSettings(const ConsoleSettings &c) const
{
    engine::EngineSettings settings;
    settings.historyPath = m_options.historyPath;
    settings.failoverLogPath = m_options.failoverLogPath;
    settings.edgeRegion = c.edgeRegion;
    settings.fairness = c.coldFairness ? race::RaceRequest::Fairness::Cold : race::RaceRequest::Fairness::Warm;
    settings.maxRacesPerMinute = c.racesPerMinute;
    settings.raceTimeout = std::chrono::seconds(c.raceTimeoutS);
    settings.historyDays = c.historyDays;
    const auto policy = engine::expiredMapPolicyFromName(c.expiredMap);
    if (!policy)
        return makeError(tr("expired map: expected keep, direct or refuse, got '%1'").arg(c.expiredMap));
    settings.expiredMap = *policy;
    if (m_labHost && m_labHost->isReady() && !m_labHost->endpoints().caFile.isEmpty())
        settings.caCertificates = QSslCertificate::fromPath(m_labHost->endpoints().caFile);
    if (!c.caFile.isEmpty()) {
        const QList<QSslCertificate> extra = QSslCertificate::fromPath(c.caFile);
        if (extra.isEmpty())
            return makeError(tr("CA file %1: no PEM certificate could be read from it").arg(c.caFile));
        settings.caCertificates += extra;
    }
    return settings;
}

Result<void> MainWindow::applyConsoleSettings(const ConsoleSettings &c)
{
    const Result<engine::EngineSettings> settings = engineSettings(c);
    if (!settings) {
        reply(tr("Settings not applied: %1").arg(settings.error()), 2, 0);
        return makeError(settings.error());
    }
    c.save();
    if (m_engine)
        m_engine->updateSettings(*settings); // the running engine, no restart
    statusBar()->showMessage(tr("Settings applied: edge region %1, %2 races per minute, fairness %3")
                                 .arg(c.edgeRegion).arg(c.racesPerMinute).arg(c.coldFairness ? tr("cold") : tr("warm")), 5000);
    return {};
}

void MainWindow::settingsDialog()
{
    QStringList regions;
    if (m_engine) {
        for (const QString &provider : m_engine->providers()) {
            if (const std::optional<map::RouteMap> m = m_engine->routeMap(provider))
                for (const QString &key : m->alternates.keys())
                    if (!regions.contains(key))
                        regions.append(key);
        }
    }
    SettingsDialog dialog(consoleSettings(), regions, this);
    if (dialog.exec() == QDialog::Accepted)
        (void)applyConsoleSettings(dialog.settings()); // a refusal is in the status bar
}

void MainWindow::setKeyringFolder(const QString &folder)
{
    QSettings().setValue(kKeyringFolder, folder);
}

void MainWindow::addMap(const map::RouteMap &map, const QString &trust)
{
    ensureEngine();
    m_engine->setMap(map, trust);
    useFront(m_engine); // a map loaded here goes to the embedded engine: show it
    m_stack->setCurrentWidget(m_vertical);
    QTimer::singleShot(0, this, &MainWindow::applyDefaultLayout);
}

bool MainWindow::openMap(const QString &path)
{
    const Result<map::RouteMap> map = map::readRouteMapFile(path);
    if (!map) {
        reply(map.error(), 2, 0);
        return false;
    }
    // The bytes as they are now, for the signature: what is verified is what was parsed (a file
    // replaced in between fails the check rather than passing with other bytes).
    QFile file(path);
    const QByteArray bytes = file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    const Result<QString> trust = map::checkMapFile(map::Keyring(keyringFolder()), path, bytes, *map);
    if (!trust) {
        reply(trust.error(), 2, 0);
        log::get("console")->warn("map {} refused: {}", path.toStdString(), trust.error().toStdString());
        return false;
    }
    addMap(*map, *trust);
    watchMapFile(path);
    QSettings settings;
    QStringList recent = settings.value(kRecentMaps).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    settings.setValue(kRecentMaps, recent.mid(0, 10));
    reply(tr("Loaded %1 (%2; %3)").arg(map->provider, path, *trust));
    return true;
}

void MainWindow::watchMapFile(const QString &path)
{
    // A map file the publisher replaces is opened again (checked as any opening is), shortly after
    // the change: a map that no longer verifies is refused and the running one stays.
    if (!m_mapFiles) {
        m_mapFiles = new QFileSystemWatcher(this);
        auto *soon = new QTimer(this);
        soon->setSingleShot(true);
        soon->setInterval(500);
        connect(m_mapFiles, &QFileSystemWatcher::fileChanged, soon, [this, soon](const QString &changed) {
            m_changedMapFiles.insert(changed);
            soon->start();
        });
        connect(soon, &QTimer::timeout, this, [this] {
            const QSet<QString> changed = std::exchange(m_changedMapFiles, {});
            for (const QString &file : changed) {
                if (QFile::exists(file))
                    openMap(file); // watches it again (a rename replaced the watched inode)
            }
        });
    }
    m_mapFiles->removePath(path);
    m_mapFiles->addPath(path);
}

void MainWindow::openMapDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open route map"), QString(),
                                                      tr("Route maps (*.json);;All files (*)"));
    if (!path.isEmpty())
        openMap(path);
}

void MainWindow::fetchMapDialog()
{
    FetchMapDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const Result<map::MapSourceConfig> config = dialog.config();
    if (!config) {
        reply(config.error(), 2, 0);
        return;
    }
    fetchMap(*config);
}

map::MapSource *MainWindow::mapSource()
{
    if (m_mapSource)
        return m_mapSource;
    m_mapSource = new map::MapSource(this);
    connect(m_mapSource, &map::MapSource::mapChanged, this, [this](const QString &provider, const map::RouteMap &m) {
        const map::ProviderMapState state = m_mapSource->state(provider);
        addMap(m, mapStateText(state));
        m_providers->setMapState(provider, mapStateText(state));
        reply(tr("Fetched %1: map of %2 from %3").arg(provider, m.generatedAt.toUTC().toString(Qt::ISODate),
                                                                state.held ? state.held->url.toString() : QString()));
    });
    connect(m_mapSource, &map::MapSource::statusChanged, this, [this](const QString &provider, map::MapStatus) {
        const map::ProviderMapState state = m_mapSource->state(provider);
        m_providers->setMapState(provider, mapStateText(state));
        if (!state.error.isEmpty())
            notice(1, tr("%1: %2").arg(state.config.name, mapStateText(state)));
    });
    return m_mapSource;
}

void MainWindow::fetchMap(const map::MapSourceConfig &config)
{
    statusBar()->showMessage(tr("Fetching %1…").arg(config.name));
    if (!config.provider.isEmpty()) {
        mapSource()->setProvider(config);
        return;
    }
    // The dialog names no provider: the first fetch says whose map it is, then the source keeps it
    // fresh under that id (its own first fetch is the map again, or a newer one).
    if (!m_fetcher)
        m_fetcher = new map::MapFetcher(this);
    QCoro::connect(m_fetcher->fetch(config), this, [this, config](const Result<map::FetchedMap> &fetched) {
        if (!fetched) {
            reply(tr("%1: %2").arg(config.name, fetched.error()), 2, 0);
            return;
        }
        map::MapSourceConfig keep = config;
        keep.provider = fetched->held.map.provider;
        mapSource()->setProvider(keep);
    });
}

QString MainWindow::mapStateText(const map::ProviderMapState &state)
{
    switch (state.status) {
    case map::MapStatus::Fresh: return tr("fresh, signature valid");
    case map::MapStatus::Unsigned: return tr("unsigned (no key given)");
    case map::MapStatus::NotModified: return state.held && state.held->verified ? tr("not modified, signature valid") : tr("not modified, unsigned");
    case map::MapStatus::LastGoodKept: return tr("last good kept: %1").arg(state.error);
    case map::MapStatus::Failed: return state.error.isEmpty() ? tr("fetching") : tr("failed: %1").arg(state.error);
    }
    return {};
}

} // namespace relayrace::ui
