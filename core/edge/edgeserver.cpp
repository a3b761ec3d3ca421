// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/edgeserver.h"

#include "edge/edgeconnection.h"
#include "edge/edgeresponse.h"
#include "edge/listener.h"
#include "log/jsonlineslog.h"
#include "log/logging.h"

#include <QDateTime>
#include <QFile>
#include <QSslKey>
#include <QSslSocket>
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
    // Qt's default backlog (50) drops the handshakes of a burst of clients, whose requests then
    // arrive seconds later by retransmission; the kernel caps this at net.core.somaxconn.
    const Result<Listener *> listener = Listener::listen(address, port, kListenBacklog, tls, m_settings.limits.headerTimeoutMs, this);
    if (!listener)
        return makeError(listener.error());
    Listener *l = *listener;
    connect(l, &Listener::connectionReady, this, &EdgeServer::accept);
    connect(l, &Listener::paused, this, [this](const QString &why) {
        log::get("edge")->warn("cannot accept a connection ({}; {} open): accepting pauses for {} ms", why.toStdString(),
                               m_connections.size(), Listener::kAcceptPauseMs);
    });
    m_listeners.append(l);
    log::get("edge")->info("edge listening on {}:{}{}", address.toString().toStdString(), l->port(), tls ? " (TLS)" : "");
    return l->port();
}

bool EdgeServer::setTlsConfiguration(quint16 port, const QSslConfiguration &tls)
{
    for (Listener *listener : std::as_const(m_listeners)) {
        if (listener->isTls() && listener->port() == port) {
            listener->setTlsConfiguration(tls);
            return true;
        }
    }
    return false;
}

quint64 EdgeServer::acceptPauses() const
{
    quint64 pauses = 0;
    for (const Listener *listener : m_listeners)
        pauses += listener->pauses();
    return pauses;
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
    for (Listener *listener : std::as_const(m_listeners))
        listener->close();
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

void EdgeServer::accept(QTcpSocket *socket)
{
    if (!m_accepting || int(m_connections.size()) >= m_settings.limits.maxConnections) {
        // A clear refusal, not a silent drop: the client can retry elsewhere.
        socket->write(edgeErrorResponse(503, QStringLiteral("the edge is at its connection limit (%1)")
                                                 .arg(m_settings.limits.maxConnections),
                                        true));
        socket->disconnectFromHost();
        if (socket->state() == QAbstractSocket::UnconnectedState)
            socket->deleteLater();
        else
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        return;
    }
    auto *connection = new EdgeConnection(socket, this);
    m_connections.append(connection);
    connect(connection, &EdgeConnection::closed, this, [this, connection] { connectionClosed(connection); });
    connection->start();
}

void EdgeServer::connectionClosed(EdgeConnection *connection)
{
    m_connections.removeOne(connection);
    connection->deleteLater();
    if (!m_accepting && m_connections.isEmpty())
        Q_EMIT drained();
}

} // namespace relayrace::edge
