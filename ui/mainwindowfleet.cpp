// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// MainWindow and its fleet: the engines it drives (embedded, attached edges) and the panels bound to
// the one shown.
#include "mainwindow.h"

#include "failover/failoverinspector.h"
#include "failover/failovermodel.h"
#include "fleet/attachdialog.h"
#include "fleet/fleetpanel.h"
#include "fleet/tokenstore.h"
#include "history/historypanel.h"
#include "providers/providerspanel.h"
#include "race/liveracepanel.h"
#include "remote/remoteengine.h"
#include "topology/topologyview.h"

#include <QDockWidget>
#include <QLabel>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

namespace relayrace::ui {

namespace {
const QString kRecentEdges = QStringLiteral("fleet/recent");
// What the failover inspector shows of a front's past when it is bound (newest events).
constexpr int kFailoverHistoryRows = 1000;
} // namespace

void MainWindow::buildPanels()
{
    auto *providers = new ProvidersPanel(this);
    auto *topology = new TopologyView(this);
    auto *liveRace = new LiveRacePanel(this);
    auto *history = new HistoryPanel(this);
    auto *failovers = new FailoverInspector(this);
    connect(providers, &ProvidersPanel::providerSelected, this, &MainWindow::selectProvider);
    if (m_providers) { // a switch of front: the new panels take the old ones' places
        m_horizontal->replaceWidget(0, providers);
        m_horizontal->replaceWidget(1, topology);
        const int current = m_tabs->currentIndex();
        for (const auto &[index, widget, title] : {std::tuple{0, static_cast<QWidget *>(liveRace), tr("&Live races")},
                                                   std::tuple{1, static_cast<QWidget *>(history), tr("&History")},
                                                   std::tuple{2, static_cast<QWidget *>(failovers), tr("&Failover log")}}) {
            m_tabs->removeTab(index);
            m_tabs->insertTab(index, widget, title);
        }
        m_tabs->setCurrentIndex(current);
        for (QWidget *old : std::initializer_list<QWidget *>{m_providers, m_topology, m_liveRace, m_history, m_failovers})
            old->deleteLater();
    }
    m_providers = providers;
    m_topology = topology;
    m_liveRace = liveRace;
    m_history = history;
    m_failovers = failovers;
}

void MainWindow::useFront(engine::EngineFront *front)
{
    if (!front || front == m_front)
        return;
    if (m_front) {
        for (const QMetaObject::Connection &c : std::as_const(m_frontConnections))
            disconnect(c);
        m_frontConnections.clear();
        buildPanels();
    }
    m_front = front;
    m_currentProvider.clear();
    m_fleet->setCurrent(front);
    placeLabOnMap(); // the embedded engine's panels again: its lab's places
    if (auto *edge = qobject_cast<remote::RemoteEngine *>(front))
        m_history->setEdge(edge->adminUrl(), edge->token(), edge->caCertificates()); // the charts over its API
    else
        m_history->setHistoryPath(m_options.historyPath);

    using Front = engine::EngineFront;
    const auto link = [this](QMetaObject::Connection c) { m_frontConnections.append(c); };
    link(connect(front, &Front::providerChanged, m_providers, &ProvidersPanel::updateProvider));
    link(connect(front, &Front::mapChanged, this, &MainWindow::onMapChanged));
    link(connect(front, &Front::raceStarted, m_liveRace, &LiveRacePanel::onRaceStarted));
    link(connect(front, &Front::routeProgress, m_liveRace, &LiveRacePanel::onRouteProgress));
    link(connect(front, &Front::raceFinished, m_liveRace, &LiveRacePanel::onRaceFinished));
    link(connect(front, &Front::raceStarted, m_topology, &TopologyView::onRaceStarted));
    link(connect(front, &Front::routeProgress, m_topology, &TopologyView::onRouteProgress));
    link(connect(front, &Front::raceFinished, m_topology, qOverload<quint64, const model::RaceResult &>(&TopologyView::onRaceFinished)));
    link(connect(front, &Front::raceFinished, m_history, &HistoryPanel::onRaceFinished));
    link(connect(front, &Front::raceFinished, m_providers,
                 [providers = m_providers](quint64, const model::RaceResult &result) { providers->addRace(result); }));
    link(connect(front, &Front::routeChanged, m_topology, &TopologyView::onRouteChanged));
    link(connect(front, &Front::routeChanged, m_history, &HistoryPanel::onRouteChanged));
    link(connect(front, &Front::failover, m_failovers, &FailoverInspector::addEvent));
    link(connect(front, &Front::failover, m_topology, &TopologyView::onFailover));
    link(connect(front, &Front::statusChanged, this, &MainWindow::showStatus));
    link(connect(front, &Front::raceRefused, this, [this](const engine::RaceRefusal &refusal) {
        notice(0, tr("%1: race not run: %2").arg(refusal.provider, refusal.reason));
    }));
    link(connect(front, &Front::raceQueued, this, [this](quint64, const QString &provider, int position) {
        notice(0, tr("%1: a race is running; yours starts after it (%2 waiting)").arg(provider).arg(position));
    }));
    link(connect(front, &Front::historyAnswered, this, &MainWindow::onHistoryAnswered));
    if (auto *edge = qobject_cast<remote::RemoteEngine *>(front)) {
        link(connect(edge, &remote::RemoteEngine::stateChanged, this, [this, edge](remote::RemoteEngine::State state) {
            showFrontState(edge);
            if (state == remote::RemoteEngine::State::Connected)
                askFailoverHistory(edge); // what it kept while the stream was down (or before it first opened)
        }));
        link(connect(edge, &remote::RemoteEngine::unsupported, this, [this](const QString &what) { notice(1, what); }));
    }

    // What the front knows already: its mirror, and the failovers its history kept.
    QStringList providers = front->providers();
    providers.sort();
    for (const QString &provider : std::as_const(providers)) {
        if (const std::optional<map::RouteMap> routeMap = front->routeMap(provider))
            onMapChanged(*routeMap);
        m_providers->updateProvider(front->snapshot(provider));
    }
    showStatus(front->status());
    showFrontState(front);
    askFailoverHistory(front);
}

void MainWindow::askFailoverHistory(engine::EngineFront *front)
{
    engine::HistoryQuery past;
    past.kind = engine::HistoryQuery::Kind::Failovers;
    past.failovers.limit = kFailoverHistoryRows;
    m_failoverHistoryTicket = front->queryHistory(past);
}

void MainWindow::onHistoryAnswered(const engine::HistoryAnswer &answer)
{
    if (answer.ticket != m_failoverHistoryTicket || !answer.error.isEmpty())
        return;
    m_failoverHistoryTicket = 0;
    // The stored past, oldest first, then what arrived live since the question and is not in it.
    QList<model::FailoverEvent> events(answer.failovers.crbegin(), answer.failovers.crend());
    if (!events.isEmpty() && answer.failovers.first().at < answer.failovers.last().at)
        events = answer.failovers;
    const QDateTime newest = events.isEmpty() ? QDateTime() : events.last().at;
    for (const model::FailoverEvent &live : m_failovers->model()->events()) {
        if (!newest.isValid() || live.at > newest)
            events.append(live);
    }
    m_failovers->setEvents(events);
}

void MainWindow::showFrontState(engine::EngineFront *front)
{
    if (front != m_front)
        return;
    if (auto *edge = qobject_cast<remote::RemoteEngine *>(front)) {
        m_engineState->setText(tr("edge %1: %2").arg(edge->adminUrl().authority(), remote::RemoteEngine::stateName(edge->state())));
        m_engineState->setToolTip(edge->stateDetail());
    } else {
        m_engineState->setText(tr("engine running"));
        m_engineState->setToolTip(QString());
    }
}

remote::RemoteEngine *MainWindow::attachEdge(const QUrl &adminUrl, const QByteArray &token)
{
    for (remote::RemoteEngine *edge : std::as_const(m_edges)) {
        if (edge->adminUrl() == adminUrl) {
            if (!token.isEmpty())
                edge->setToken(token);
            useFront(edge);
            return edge;
        }
    }
    auto *edge = new remote::RemoteEngine(adminUrl, token, this);
    edge->setCaCertificates(m_edgeCa); // before its stream opens (the next event-loop turn)
    m_edges.append(edge);
    m_fleet->addFront(edge, adminUrl.authority());
    m_fleetDock->show();
    m_stack->setCurrentWidget(m_vertical);
    QTimer::singleShot(0, this, &MainWindow::applyDefaultLayout);
    useFront(edge);
    reply(tr("Attached to the edge at %1").arg(adminUrl.toString()));
    QSettings settings;
    QStringList recent = settings.value(kRecentEdges).toStringList();
    recent.removeAll(adminUrl.toString());
    recent.prepend(adminUrl.toString());
    settings.setValue(kRecentEdges, recent.mid(0, 10));
    return edge;
}

void MainWindow::attachEdgeDialog()
{
    AttachDialog dialog(QSettings().value(kRecentEdges).toStringList(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const Result<QUrl> url = dialog.url();
    if (!url) {
        reply(url.error(), 2, 0);
        return;
    }
    if (dialog.token().isEmpty()) {
        statusBar()->showMessage(tr("Looking up the token kept for %1…").arg(url->toString()));
        m_tokens->load(*url); // onTokenLoaded attaches
        return;
    }
    m_tokens->store(*url, dialog.token());
    attachEdge(*url, dialog.token());
}

void MainWindow::onTokenLoaded(const QUrl &edge, const QByteArray &token, const QString &where)
{
    if (token.isEmpty()) {
        reply(tr("%1: no token is kept for it (looked in %2); type it in Attach to edge").arg(edge.toString(), where), 1, 0);
        return;
    }
    attachEdge(edge, token);
}

} // namespace relayrace::ui
