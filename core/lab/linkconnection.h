// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "lab/impairment.h"

#include <QAbstractSocket>
#include <QByteArray>
#include <QObject>
#include <QString>

#include <atomic>
#include <deque>

class QTcpSocket;
class QTimer;

namespace relayrace::lab {

// Makes the next close() of the socket send RST instead of FIN (the peer sees ECONNRESET).
void resetOnClose(QTcpSocket *socket);

// Counters an ImpairedLink shares with its connections; atomics so any thread can take a snapshot.
struct LinkCounters
{
    std::atomic<qint64> accepted{0};
    std::atomic<qint64> open{0};
    std::atomic<qint64> bytesUp{0};
    std::atomic<qint64> bytesDown{0};
};

// One client connection through an ImpairedLink, forwarding to the target with the link's
// impairment. Internal to the lab: lives on the link's thread and is owned by the link.
class LinkConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LinkConnection)
public:
    // Takes ownership of the accepted client socket.
    explicit LinkConnection(QTcpSocket *client, const QString &targetHost, quint16 targetPort,
                            const Impairment &impairment, LinkCounters *counters,
                            QObject *parent = nullptr);
    ~LinkConnection() override;

    quint64 id() const { return m_id; }
    // Applies at once: queued data keeps its due time, new data gets the new one.
    void setImpairment(const Impairment &impairment);

Q_SIGNALS:
    // Emitted once, when both sockets are done with; the object deletes itself later.
    void finished(qint64 bytesUp, qint64 bytesDown, const QString &reason);

private:
    struct Chunk
    {
        QByteArray data;
        qsizetype offset = 0;
        qint64 dueNs = 0;
    };
    struct Direction
    {
        QTcpSocket *source = nullptr;
        QTcpSocket *sink = nullptr;
        QTimer *timer = nullptr;
        bool towardsClient = false;
        std::deque<Chunk> queue;
        qint64 queuedBytes = 0;
        qint64 lastDueNs = 0;  // keeps order under jitter
        qint64 notBeforeNs = 0; // the simulated handshake
        qint64 wireFreeNs = 0;  // pacing: when the "wire" can take the next piece
        qint64 delivered = 0;
        bool sourceClosed = false;
    };

    void wire(Direction &direction);
    void maybeStartHandshake();
    void connectUpstream();
    void readFrom(Direction &direction);
    void enqueue(Direction &direction, QByteArray data);
    void pump(Direction &direction);
    void sourceFinished(Direction &direction);
    void socketError(Direction &direction, QAbstractSocket::SocketError error);
    void socketDisconnected(Direction &direction);
    void closeTowards(Direction &direction);
    void beginReset();
    void tryReset();
    void finish(const QString &reason, bool reset = false);

    const quint64 m_id;
    QTcpSocket *const m_client;
    QTcpSocket *const m_upstream;
    QTimer *const m_handshakeTimer;
    const QString m_targetHost;
    const quint16 m_targetPort;
    Impairment m_impairment;
    LinkCounters *const m_counters;
    Direction m_up;
    Direction m_down;
    QTcpSocket *m_closingSink = nullptr;
    bool m_handshakeStarted = false;
    bool m_resetPending = false;
    qint64 m_resetDeadlineNs = 0;
    bool m_finished = false;
};

} // namespace relayrace::lab
