// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/edgeserver.h"

#include "edge/edgeconnection.h"
#include "edge/edgeresponse.h"
#include "log/jsonlineslog.h"
#include "log/logging.h"

#include <QDateTime>
#include <QFile>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>

namespace relayrace::edge {

EdgeServer::EdgeServer(engine::EngineFront *front, EdgeSettings settings, QObject *parent)
    : QObject(parent), m_front(front), m_settings(std::move(settings)),
      // Unique across restarts of one edge: its start time (base 36 seconds), then a serial.
      m_idPrefix(QString::number(QDateTime::currentSecsSinceEpoch(), 36) + u'-')
{
}

EdgeServer::~EdgeServer()
{
    for (EdgeConnection *c : std::as_const(m_connections))
        QObject::disconnect(c, nullptr, this, nullptr);
}

Result<quint16> EdgeServer::listen(const QHostAddress &address, quint16 port, const std::optional<QSslConfiguration> &tls)
{
    QTcpServer *server = nullptr;
    if (tls) {
        auto *sslServer = new QSslServer(this);
        sslServer->setSslConfiguration(*tls);
        // A client that connects and never finishes the handshake is dropped as a slow request head is.
        sslServer->setHandshakeTimeout(m_settings.limits.headerTimeoutMs);
        connect(sslServer, &QSslServer::errorOccurred, this, [](QSslSocket *socket, QAbstractSocket::SocketError) {
            log::get("edge")->debug("TLS handshake with {} failed: {}", socket->peerAddress().toString().toStdString(),
                                    socket->errorString().toStdString());
        });
        server = sslServer;
    } else {
        server = new QTcpServer(this);
    }
    // Qt's default backlog (50) drops the handshakes of a burst of clients, whose requests then
    // arrive seconds later by retransmission; the kernel caps this at net.core.somaxconn.
    server->setListenBacklogSize(kListenBacklog);
    if (!server->listen(address, port)) {
        const QString why = server->errorString();
        delete server;
        return makeError(QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(why));
    }
    // QSslServer queues a connection once its handshake is done (pendingConnectionAvailable).
    connect(server, &QTcpServer::pendingConnectionAvailable, this, [this, server] { accept(server); });
    m_servers.append(server);
    log::get("edge")->info("edge listening on {}:{}{}", address.toString().toStdString(), server->serverPort(),
                           tls ? " (TLS)" : "");
    return server->serverPort();
}

bool EdgeServer::setTlsConfiguration(quint16 port, const QSslConfiguration &tls)
{
    for (QTcpServer *server : std::as_const(m_servers)) {
        if (auto *sslServer = qobject_cast<QSslServer *>(server); sslServer && server->serverPort() == port) {
            sslServer->setSslConfiguration(tls);
            return true;
        }
    }
    return false;
}

Result<QSslConfiguration> serverTlsConfiguration(const QString &certificateFile, const QString &keyFile)
{
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certificateFile, QSsl::Pem);
    if (chain.isEmpty())
        return makeError(QStringLiteral("%1: no PEM certificate in it (or it cannot be read)").arg(certificateFile));
    QFile file(keyFile);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("%1: %2").arg(keyFile, file.errorString()));
    const QByteArray pem = file.read(1 << 20);
    QSslKey key(pem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(pem, QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        return makeError(QStringLiteral("%1: not an unencrypted RSA or EC private key in PEM").arg(keyFile));
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(chain);
    tls.setPrivateKey(key);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone); // clients are not asked for certificates
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    return tls;
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
