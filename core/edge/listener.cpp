// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/listener.h"

#include "log/logging.h"

#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace relayrace::edge {

Result<Listener *> Listener::listen(const QHostAddress &address, quint16 port, int backlog,
                                    const std::optional<QSslConfiguration> &tls, int handshakeTimeoutMs, QObject *parent)
{
    // QTcpServer binds and listens (address families, SO_REUSEADDR); the listener keeps a duplicate of
    // its socket, which stays listening when the QTcpServer is gone.
    QTcpServer server;
    server.setListenBacklogSize(backlog);
    if (!server.listen(address, port))
        return makeError(QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(server.errorString()));
    const int fd = ::fcntl(int(server.socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return makeError(QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(QString::fromLocal8Bit(std::strerror(errno))));
    const quint16 bound = server.serverPort();
    server.close();
    return new Listener(fd, bound, tls, handshakeTimeoutMs, parent);
}

Listener::Listener(int fd, quint16 port, std::optional<QSslConfiguration> tls, int handshakeTimeoutMs, QObject *parent)
    : QObject(parent), m_fd(fd), m_port(port), m_tls(std::move(tls)), m_handshakeTimeoutMs(handshakeTimeoutMs),
      m_notifier(new QSocketNotifier(fd, QSocketNotifier::Read, this)), m_resume(new QTimer(this))
{
    connect(m_notifier, &QSocketNotifier::activated, this, &Listener::acceptSome);
    m_resume->setSingleShot(true);
    m_resume->setInterval(kAcceptPauseMs);
    connect(m_resume, &QTimer::timeout, this, [this] {
        if (m_fd >= 0)
            m_notifier->setEnabled(true);
    });
}

Listener::~Listener()
{
    close();
}

void Listener::close()
{
    if (m_fd < 0)
        return;
    m_notifier->setEnabled(false);
    m_resume->stop();
    ::close(m_fd);
    m_fd = -1;
}

void Listener::acceptSome()
{
    for (int i = 0; i < kAcceptBatch && m_fd >= 0; ++i) {
        const int fd = ::accept4(m_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            hand(fd);
            continue;
        }
        const int error = errno;
        if (error == EINTR || error == ECONNABORTED || error == EPROTO)
            continue; // that client is gone; the next may be waiting
        if (error == EAGAIN || error == EWOULDBLOCK)
            return;
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: retrying at once fails again and again.
        m_notifier->setEnabled(false);
        m_resume->start();
        ++m_pauses;
        Q_EMIT paused(QString::fromLocal8Bit(std::strerror(error)));
        return;
    }
}

void Listener::hand(int fd)
{
    if (!m_tls) {
        auto *socket = new QTcpSocket;
        if (!socket->setSocketDescriptor(fd)) {
            ::close(fd);
            delete socket;
            return;
        }
        Q_EMIT connectionReady(socket);
        return;
    }
    // TLS: handed over once encrypted; a handshake that fails or takes longer than the header
    // timeout ends the connection (as a slow request head would).
    auto *socket = new QSslSocket(this);
    socket->setSslConfiguration(*m_tls);
    if (!socket->setSocketDescriptor(fd)) {
        ::close(fd);
        delete socket;
        return;
    }
    auto *timeout = new QTimer(socket);
    timeout->setSingleShot(true);
    connect(timeout, &QTimer::timeout, socket, [socket] {
        log::get("edge")->debug("TLS handshake with {} took too long", socket->peerAddress().toString().toStdString());
        socket->abort();
        socket->deleteLater();
    });
    connect(socket, &QSslSocket::encrypted, this, [this, socket, timeout] {
        delete timeout;
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->setParent(nullptr);
        Q_EMIT connectionReady(socket);
    });
    connect(socket, &QAbstractSocket::errorOccurred, this, [socket](QAbstractSocket::SocketError) {
        log::get("edge")->debug("TLS handshake with {} failed: {}", socket->peerAddress().toString().toStdString(),
                                socket->errorString().toStdString());
        socket->deleteLater();
    });
    timeout->start(m_handshakeTimeoutMs);
    socket->startServerEncryption();
}

} // namespace relayrace::edge
