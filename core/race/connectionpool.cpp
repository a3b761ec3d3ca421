// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "race/connectionpool.h"

#include <QNetworkReply>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

namespace relayrace::race {

ConnectionPool::ConnectionPool(int maxActivePerKey, QObject *parent)
    : QObject(parent), m_maxActive(std::max(1, maxActivePerKey))
{
    m_clock.start();
    m_sweep = new QTimer(this);
    m_sweep->setInterval(5'000);
    connect(m_sweep, &QTimer::timeout, this, &ConnectionPool::expire);
}

ConnectionPool::~ConnectionPool()
{
    // Our replies (children) hand their slots back as they go: while this pool still has its members.
    m_destroying = true;
    const QList<QNetworkReply *> replies = findChildren<QNetworkReply *>(Qt::FindDirectChildrenOnly);
    qDeleteAll(replies);
    for (const QList<Idle> &list : std::as_const(m_idle)) {
        for (const Idle &idle : list)
            QObject::disconnect(idle.socket, nullptr, this, nullptr);
    }
}

QTcpSocket *ConnectionPool::take(const QByteArray &key)
{
    const auto it = m_idle.find(key);
    if (it == m_idle.end())
        return nullptr;
    while (!it->isEmpty()) {
        const Idle idle = it->takeLast();
        QTcpSocket *socket = idle.socket;
        QObject::disconnect(socket, nullptr, this, nullptr);
        if (socket->state() == QAbstractSocket::ConnectedState && socket->bytesAvailable() == 0 &&
            m_clock.elapsed() - idle.since <= kIdleMs) {
            if (it->isEmpty())
                m_idle.erase(it);
            socket->setParent(nullptr);
            return socket;
        }
        socket->abort();
        socket->deleteLater();
    }
    m_idle.erase(it);
    return nullptr;
}

void ConnectionPool::giveBack(const QByteArray &key, QTcpSocket *socket)
{
    QList<Idle> &list = m_idle[key];
    if (list.size() >= kMaxIdlePerKey) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    socket->setParent(this);
    list.append(Idle{socket, m_clock.elapsed()});
    // Whatever the peer does to an idle connection ends it: a close, or bytes nobody asked for.
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { drop(socket); });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { drop(socket); });
    connect(socket, &QTcpSocket::errorOccurred, this, [this, socket] { drop(socket); });
    if (!m_sweep->isActive())
        m_sweep->start();
}

bool ConnectionPool::acquire(const QByteArray &key, QObject *requester, std::function<bool()> go)
{
    int &active = m_active[key];
    if (active < m_maxActive && m_waiting.value(key).isEmpty()) {
        ++active;
        return true;
    }
    m_waiting[key].append(Waiting{requester, std::move(go)});
    return false;
}

void ConnectionPool::releaseSlot(const QByteArray &key)
{
    if (m_destroying)
        return;
    const auto it = m_active.find(key);
    if (it == m_active.end())
        return;
    if (--*it <= 0)
        m_active.erase(it);
    if (m_waiting.contains(key)) // not from inside the caller's own teardown
        QMetaObject::invokeMethod(this, [this, key] { admitWaiting(key); }, Qt::QueuedConnection);
}

void ConnectionPool::admitWaiting(const QByteArray &key)
{
    while (m_active.value(key) < m_maxActive) {
        const auto it = m_waiting.find(key);
        if (it == m_waiting.end())
            return;
        if (it->isEmpty()) {
            m_waiting.erase(it);
            return;
        }
        const Waiting next = it->takeFirst();
        if (it->isEmpty())
            m_waiting.erase(it);
        if (!next.requester)
            continue;
        ++m_active[key];
        if (!next.go() && --m_active[key] <= 0)
            m_active.remove(key);
    }
}

int ConnectionPool::idleCount(const QByteArray &key) const
{
    return int(m_idle.value(key).size());
}

void ConnectionPool::drop(QTcpSocket *socket)
{
    for (auto it = m_idle.begin(); it != m_idle.end(); ++it) {
        const auto found = std::find_if(it->begin(), it->end(), [socket](const Idle &i) { return i.socket == socket; });
        if (found == it->end())
            continue;
        it->erase(found);
        if (it->isEmpty())
            m_idle.erase(it);
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        socket->deleteLater();
        return;
    }
}

void ConnectionPool::expire()
{
    const qint64 now = m_clock.elapsed();
    for (auto it = m_idle.begin(); it != m_idle.end();) {
        it->removeIf([this, now](const Idle &idle) {
            if (now - idle.since <= kIdleMs)
                return false;
            QObject::disconnect(idle.socket, nullptr, this, nullptr);
            idle.socket->abort();
            idle.socket->deleteLater();
            return true;
        });
        it = it->isEmpty() ? m_idle.erase(it) : std::next(it);
    }
    if (m_idle.isEmpty())
        m_sweep->stop();
}

} // namespace relayrace::race
