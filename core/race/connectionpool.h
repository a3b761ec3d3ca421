// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>

class QTcpSocket;
class QTimer;

namespace relayrace::race {

// The idle kept-alive connections of one route's plain-http client (PlainHttpReply), keyed by
// where they lead ("host:port", the origin's on the direct route, the relay's plus the origin's on a
// relayed one). Lives on the route client's thread.
//
// An idle connection is watched: the peer closing it, or sending anything while no request is out
// (an HTTP server never does), drops it at once, so a request is rarely handed a connection that is
// already gone. One idle longer than kIdleMs is closed (below the lab relay's 60 s, nginx's 75 s and
// tinyproxy's and squid's defaults). take() returns the most recently idle one, the likeliest open.
class ConnectionPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionPool)
public:
    static constexpr qint64 kIdleMs = 50'000;
    static constexpr int kMaxIdlePerKey = 256; // more are closed: enough for any burst we serve again

    explicit ConnectionPool(QObject *parent = nullptr);
    ~ConnectionPool() override;

    // An open idle connection to key, now the caller's (parent it), or nullptr.
    QTcpSocket *take(const QByteArray &key);
    // A connection whose last response ended cleanly and may carry another request.
    void giveBack(const QByteArray &key, QTcpSocket *socket);
    int idleCount(const QByteArray &key) const;

private:
    struct Idle
    {
        QTcpSocket *socket = nullptr;
        qint64 since = 0;
    };
    void drop(QTcpSocket *socket);
    void expire();

    QHash<QByteArray, QList<Idle>> m_idle;
    QElapsedTimer m_clock;
    QTimer *m_sweep = nullptr;
};

} // namespace relayrace::race
