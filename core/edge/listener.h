// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>

#include <optional>

class QSocketNotifier;
class QTcpSocket;
class QTimer;

namespace relayrace::edge {

// One listening socket of the edge, with its own accept loop. QTcpServer (Qt 6.4) retries a failed
// accept at once: out of file descriptors, the edge spun a core on failing accept4 calls (46,000 in
// 3 s, docs/reliability.md). Here a failure other than "nothing waiting" pauses accepting for
// kAcceptPauseMs, as nginx does, and the connections wait in the kernel's backlog meanwhile.
class Listener final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Listener)
public:
    static constexpr int kAcceptPauseMs = 250;
    static constexpr int kAcceptBatch = 64; // per readiness: other sockets get their turn between batches

    // Listens (port 0: any free one) with the given backlog; with TLS, a connection is handed over
    // once its handshake is done, which must end within handshakeTimeoutMs.
    static Result<Listener *> listen(const QHostAddress &address, quint16 port, int backlog,
                                     const std::optional<QSslConfiguration> &tls, int handshakeTimeoutMs,
                                     QObject *parent);
    ~Listener() override;

    quint16 port() const { return m_port; }
    bool isTls() const { return m_tls.has_value(); }
    // The TLS settings of the connections accepted from now on (a certificate reload).
    void setTlsConfiguration(const QSslConfiguration &tls) { m_tls = tls; }
    // Stops listening: new connections are refused by the kernel.
    void close();
    quint64 pauses() const { return m_pauses; }

Q_SIGNALS:
    // A client's connection, ready for HTTP; the receiver takes ownership.
    void connectionReady(QTcpSocket *socket);
    // Accepting failed (why) and pauses for kAcceptPauseMs.
    void paused(const QString &why);

private:
    Listener(int fd, quint16 port, std::optional<QSslConfiguration> tls, int handshakeTimeoutMs, QObject *parent);
    void acceptSome();
    void hand(int fd);

    int m_fd;
    quint16 m_port;
    std::optional<QSslConfiguration> m_tls;
    int m_handshakeTimeoutMs;
    QSocketNotifier *m_notifier;
    QTimer *m_resume;
    quint64 m_pauses = 0;
};

} // namespace relayrace::edge
