// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/edgeserver.h"

#include "edge/edgeconnection.h"
#include "edge/edgeresponse.h"
#include "log/jsonlineslog.h"
#include "log/logging.h"

#include <QTcpServer>
#include <QTcpSocket>

namespace relayrace::edge {

EdgeServer::EdgeServer(engine::EngineFront *front, EdgeSettings settings, QObject *parent)
    : QObject(parent), m_front(front), m_settings(std::move(settings))
{
}

EdgeServer::~EdgeServer()
{
    for (EdgeConnection *c : std::as_const(m_connections))
        QObject::disconnect(c, nullptr, this, nullptr);
}

Result<quint16> EdgeServer::listen(const QHostAddress &address, quint16 port)
{
    auto *server = new QTcpServer(this);
    // Qt's default backlog (50) drops the handshakes of a burst of clients, whose requests then
    // arrive seconds later by retransmission; the kernel caps this at net.core.somaxconn.
    server->setListenBacklogSize(kListenBacklog);
    if (!server->listen(address, port)) {
        const QString why = server->errorString();
        delete server;
        return makeError(QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(why));
    }
    connect(server, &QTcpServer::newConnection, this, [this, server] { accept(server); });
    m_servers.append(server);
    log::get("edge")->info("edge listening on {}:{}", address.toString().toStdString(), server->serverPort());
    return server->serverPort();
}

void EdgeServer::stopAccepting()
{
    m_accepting = false;
    for (QTcpServer *server : std::as_const(m_servers))
        server->close();
    for (EdgeConnection *c : std::as_const(m_connections))
        c->closeWhenIdle();
    if (m_connections.isEmpty())
        Q_EMIT drained();
}

QString EdgeServer::providerFor(const QByteArray &host) const
{
    QByteArray name = host.trimmed().toLower();
    if (name.startsWith('[')) { // [v6]:port
        name = name.mid(1, name.indexOf(']') - 1);
    } else if (const qsizetype colon = name.lastIndexOf(':'); colon >= 0 && name.count(':') == 1) {
        name.truncate(colon);
    }
    if (name.endsWith('.'))
        name.chop(1);
    return m_settings.hosts.value(QString::fromLatin1(name));
}

void EdgeServer::accept(QTcpServer *server)
{
    while (QTcpSocket *socket = server->nextPendingConnection()) {
        if (!m_accepting || int(m_connections.size()) >= m_settings.limits.maxConnections) {
            // A clear refusal, not a silent drop: the client can retry elsewhere.
            socket->write(edgeErrorResponse(503, QStringLiteral("the edge is at its connection limit (%1)")
                                                     .arg(m_settings.limits.maxConnections),
                                            true));
            socket->disconnectFromHost();
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            continue;
        }
        auto *connection = new EdgeConnection(socket, this);
        m_connections.append(connection);
        connect(connection, &EdgeConnection::closed, this, [this, connection] { connectionClosed(connection); });
        connection->start();
    }
}

void EdgeServer::connectionClosed(EdgeConnection *connection)
{
    m_connections.removeOne(connection);
    connection->deleteLater();
    if (!m_accepting && m_connections.isEmpty())
        Q_EMIT drained();
}

} // namespace relayrace::edge
