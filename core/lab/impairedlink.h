// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "lab/impairment.h"

#include <QMutex>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

class QTcpServer;

namespace relayrace::lab {

struct LinkCounters;

// A snapshot of a link's counters. Bytes are those the link has passed on, not those queued.
struct LinkStats
{
    qint64 connectionsAccepted = 0;
    qint64 connectionsOpen = 0;
    qint64 bytesUp = 0;   // client -> target
    qint64 bytesDown = 0; // target -> client
};

// A TCP forwarder on 127.0.0.1 that adds an Impairment between its clients and a target: latency
// (with a simulated handshake), jitter, bandwidth, stalls, resets, refusal and blackholing. Every
// buffer is bounded, so a slow link backs up into TCP flow control as a real one would.
// Lives on one thread; impairment(), setImpairment() and stats() may be called from any thread.
class ImpairedLink final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImpairedLink)
public:
    explicit ImpairedLink(QString name, QString targetHost, quint16 targetPort,
                          Impairment impairment = {}, QObject *parent = nullptr);
    ~ImpairedLink() override;

    // Listens on 127.0.0.1 (an ephemeral port by default). With `refuse` set the port is taken and
    // released again, and the link listens on it once refusal ends.
    bool listen(quint16 port = 0);
    quint16 port() const { return m_port.load(); }
    QString name() const { return m_name; }

    QString targetHost() const;
    quint16 targetPort() const;
    // For connections accepted from now on; open ones keep their target.
    void setTarget(const QString &host, quint16 port);

    Impairment impairment() const;
    // Applies at once to open connections and to new ones. From another thread the call is queued
    // to the link's thread (which needs a running event loop).
    void setImpairment(const Impairment &impairment);

    LinkStats stats() const;

Q_SIGNALS:
    void impairmentChanged(const relayrace::lab::Impairment &impairment);
    // A client connection ended: bytes passed on each way and why ("closed", "reset", "target: ...").
    void connectionClosed(quint64 connectionId, qint64 bytesUp, qint64 bytesDown,
                          const QString &reason);

private:
    void acceptPending();
    void updateListening();

    const QString m_name;
    mutable QMutex m_mutex; // guards m_impairment and the target against other threads
    Impairment m_impairment;
    QString m_targetHost;
    quint16 m_targetPort = 0;
    QTcpServer *const m_server;
    std::atomic<quint16> m_port{0};
    bool m_wantListening = false;
    const std::unique_ptr<LinkCounters> m_counters;
};

} // namespace relayrace::lab
