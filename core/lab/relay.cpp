// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/relay.h"

#include "lab/relaysession.h"
#include "log/logging.h"

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>

#include <spdlog/spdlog.h>

namespace relayrace::lab {

Relay::Relay(QString regionId, QObject *parent)
    : QObject(parent), m_regionId(std::move(regionId)), m_server(new QTcpServer(this))
{
    qRegisterMetaType<RelayLogEntry>();
    connect(m_server, &QTcpServer::newConnection, this, &Relay::acceptConnections);
}

Relay::~Relay() = default;

bool Relay::listen(quint16 port, const QHostAddress &address)
{
    // Qt's default backlog (50) drops SYNs of a burst of clients, which then wait a 1 s retransmit.
    m_server->setListenBacklogSize(std::max(m_limits.maxConnections, 128));
    if (!m_server->listen(address, port))
        return false;
    log::get("lab")->debug("relay {} listening on {}:{}", m_regionId.toStdString(), address.toString().toStdString(),
                           m_server->serverPort());
    return true;
}

void Relay::close()
{
    m_server->close();
}

bool Relay::isListening() const
{
    return m_server->isListening();
}

quint16 Relay::port() const
{
    return m_server->serverPort();
}

QString Relay::errorString() const
{
    return m_server->errorString();
}

namespace {
QString routeKey(const QString &host, quint16 port)
{
    return host.toLower() + u':' + QString::number(port);
}
} // namespace

void Relay::setUpstreamRoute(const QString &host, quint16 port, const QString &toHost,
                             quint16 toPort)
{
    QMutexLocker lock(&m_routesMutex);
    m_routes.insert(routeKey(host, port), {toHost, toPort});
}

void Relay::clearUpstreamRoutes()
{
    QMutexLocker lock(&m_routesMutex);
    m_routes.clear();
}

bool Relay::hasUpstreamRoute(const QString &host, quint16 port) const
{
    QMutexLocker lock(&m_routesMutex);
    return m_routes.contains(routeKey(host, port));
}

std::pair<QString, quint16> Relay::upstreamFor(const QString &host, quint16 port) const
{
    QMutexLocker lock(&m_routesMutex);
    return m_routes.value(routeKey(host, port), {host, port});
}

QList<RelayLogEntry> Relay::recentLog() const
{
    QMutexLocker lock(&m_logMutex);
    return QList<RelayLogEntry>(m_log.begin(), m_log.end());
}

RelayCounters Relay::counters() const
{
    RelayCounters c;
    c.connectionsOpen = m_open.load();
    c.connectionsAccepted = m_accepted.load();
    c.connectionsRejected = m_rejected.load();
    c.requests = m_requests.load();
    c.tunnels = m_tunnels.load();
    c.upstreamConnections = m_upstreamConnections.load();
    c.upstreamReuses = m_upstreamReuses.load();
    c.errors = m_errors.load();
    c.bytesUp = m_bytesUp.load();
    c.bytesDown = m_bytesDown.load();
    return c;
}

void Relay::acceptConnections()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        auto *session = new RelaySession(socket, this);
        const bool busy = m_activeSessions >= m_limits.maxConnections;
        if (busy) {
            m_rejected.fetch_add(1);
            connect(session, &RelaySession::finished, session, &QObject::deleteLater);
            session->rejectBusy();
            continue;
        }
        ++m_activeSessions;
        m_open.fetch_add(1);
        m_accepted.fetch_add(1);
        connect(session, &RelaySession::finished, this, [this, session] {
            --m_activeSessions;
            m_open.fetch_sub(1);
            session->deleteLater();
        });
        session->start();
    }
}

void Relay::record(const RelayLogEntry &entry)
{
    {
        QMutexLocker lock(&m_logMutex);
        m_log.push_back(entry);
        while (m_log.size() > size_t(kLogCapacity))
            m_log.pop_front();
    }
    if (!entry.error.isEmpty())
        m_errors.fetch_add(1);
    log::get("lab")->debug("relay {}: {} {} {} -> {} up {} B down {} B {} ms{}{}",
                           m_regionId.toStdString(), entry.client.toStdString(),
                           entry.method.toStdString(), entry.target.toStdString(), entry.status,
                           entry.bytesUp, entry.bytesDown, entry.durationMs,
                           entry.error.isEmpty() ? "" : ": ", entry.error.toStdString());
    Q_EMIT relayed(entry);
}

void Relay::countTraffic(qint64 up, qint64 down)
{
    if (up)
        m_bytesUp.fetch_add(up, std::memory_order_relaxed);
    if (down)
        m_bytesDown.fetch_add(down, std::memory_order_relaxed);
}

void Relay::countUpstream(bool reused)
{
    (reused ? m_upstreamReuses : m_upstreamConnections).fetch_add(1, std::memory_order_relaxed);
}

void Relay::countTunnel()
{
    m_tunnels.fetch_add(1, std::memory_order_relaxed);
}

QByteArray Relay::viaValue() const
{
    return "1.1 relayrace-" + m_regionId.simplified().replace(u' ', u'-').toUtf8();
}

} // namespace relayrace::lab
