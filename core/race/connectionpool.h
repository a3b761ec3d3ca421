// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>
#include <limits>

class QTcpSocket;
class QTimer;

namespace relayrace::race {

// The replies it serves are its children (as Qt's are its manager's): they go with it.
//
// The idle kept-alive connections of one route's plain-http client (PlainHttpReply), keyed by
// where they lead ("host:port", the origin's on the direct route, the relay's plus the origin's on a
// relayed one). Lives on the route client's thread.
//
// An idle connection is watched: the peer closing it, or sending anything while no request is out
// (an HTTP server never does), drops it at once, so a request is rarely handed a connection that is
// already gone. One idle longer than kIdleMs is closed (below the lab relay's 60 s, nginx's 75 s and
// tinyproxy's and squid's defaults). take() returns the most recently idle one, the likeliest open.
//
// It also bounds the exchanges in progress per key (a shard's pool: 6, as Qt's manager does, which
// the route client's shard accounting is built on): a request past the bound waits here, in order,
// and is neither connecting nor sent, so no stall bound runs for it. Without the bound, 1,000 clients
// meant 1,000 connections opened at once to one origin, and requests failed their 250 ms stall
// bound while that origin worked through its accept queue (edge_vs_nginx, 946 of them).
class ConnectionPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionPool)
public:
    static constexpr qint64 kIdleMs = 50'000;
    static constexpr int kMaxIdlePerKey = 256; // more are closed: enough for any burst we serve again

    explicit ConnectionPool(int maxActivePerKey = std::numeric_limits<int>::max(), QObject *parent = nullptr);
    ~ConnectionPool() override;

    // A slot for one exchange to key: true when free now; otherwise go() runs (on the event loop)
    // when one frees up, in order, and returns whether it took it (false: its requester had ended).
    bool acquire(const QByteArray &key, QObject *requester, std::function<bool()> go);
    // Ends the exchange a slot was held for (its connection kept or closed).
    void releaseSlot(const QByteArray &key);
    int activeCount(const QByteArray &key) const { return m_active.value(key); }
    int waitingCount(const QByteArray &key) const { return int(m_waiting.value(key).size()); }

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
    struct Waiting
    {
        QPointer<QObject> requester;
        std::function<bool()> go;
    };
    void drop(QTcpSocket *socket);
    void expire();
    void admitWaiting(const QByteArray &key);

    const int m_maxActive;
    bool m_destroying = false;
    QHash<QByteArray, int> m_active;
    QHash<QByteArray, QList<Waiting>> m_waiting;

    QHash<QByteArray, QList<Idle>> m_idle;
    QElapsedTimer m_clock;
    QTimer *m_sweep = nullptr;
};

} // namespace relayrace::race
