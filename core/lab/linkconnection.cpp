// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/linkconnection.h"

#include "log/logging.h"

#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>

namespace relayrace::lab {
namespace {

// Every buffer is bounded, so a slow link backs up into TCP flow control as a real one does.
constexpr qint64 kReadBufferBytes = 512 * 1024;
constexpr qint64 kQueueLimitBytes = 1024 * 1024;
constexpr qint64 kSinkLimitBytes = 1024 * 1024;
// Pieces of a paced chunk: small enough for smooth pacing, at most ~50 timer wake-ups a second.
constexpr qint64 kMaxPieceBytes = 16 * 1024;
constexpr qint64 kMinPieceBytes = 64;
// How far pacing may catch up after a late timer; more would be a burst the link does not have.
constexpr qint64 kBurstWindowNs = 20'000'000;
constexpr qint64 kNsPerMs = 1'000'000;
constexpr qint64 kResetDrainLimitNs = 2'000'000'000;
constexpr int kResetPollMs = 2;

std::atomic<quint64> s_nextId{1};

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

qint64 unsentBytes(QTcpSocket *socket)
{
    int unsent = 0;
    const qintptr descriptor = socket->socketDescriptor();
    if (descriptor < 0 || ::ioctl(static_cast<int>(descriptor), SIOCOUTQ, &unsent) != 0)
        return 0;
    return unsent;
}

QTimer *makePreciseTimer(QObject *parent)
{
    auto *timer = new QTimer(parent);
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer);
    return timer;
}

} // namespace

// With a zero linger time close() sends RST instead of FIN, so the peer sees ECONNRESET.
void resetOnClose(QTcpSocket *socket)
{
    const qintptr descriptor = socket->socketDescriptor();
    if (descriptor < 0)
        return;
    const linger hard{1, 0};
    ::setsockopt(static_cast<int>(descriptor), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}


LinkConnection::LinkConnection(QTcpSocket *client, const QString &targetHost, quint16 targetPort,
                               const Impairment &impairment, LinkCounters *counters, QObject *parent)
    : QObject(parent)
    , m_id(s_nextId.fetch_add(1))
    , m_client(client)
    , m_upstream(new QTcpSocket(this))
    , m_handshakeTimer(makePreciseTimer(this))
    , m_targetHost(targetHost)
    , m_targetPort(targetPort)
    , m_impairment(impairment)
    , m_counters(counters)
{
    m_client->setParent(this);
    m_counters->open.fetch_add(1);

    m_up.source = m_client;
    m_up.sink = m_upstream;
    m_down.source = m_upstream;
    m_down.sink = m_client;
    m_down.towardsClient = true;
    wire(m_up);
    wire(m_down);

    // Pacing writes small pieces; Nagle would hold them back for an ACK and distort the timing.
    connect(m_upstream, &QTcpSocket::connected, this, [this] {
        m_upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        pump(m_up);
        readFrom(m_up);
    });
    connect(m_handshakeTimer, &QTimer::timeout, this, &LinkConnection::connectUpstream);
    m_client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // Queued, so that even an immediate failure reaches the link after it has connected finished().
    QMetaObject::invokeMethod(this, &LinkConnection::maybeStartHandshake, Qt::QueuedConnection);
}

LinkConnection::~LinkConnection()
{
    if (!m_finished) {
        m_finished = true;
        m_client->disconnect(this);
        m_upstream->disconnect(this);
        m_counters->open.fetch_sub(1);
    }
}

void LinkConnection::wire(Direction &direction)
{
    direction.source->setReadBufferSize(kReadBufferBytes);
    direction.timer = makePreciseTimer(this);
    connect(direction.timer, &QTimer::timeout, this, [this, &direction] {
        if (m_resetPending)
            return tryReset();
        pump(direction);
        readFrom(direction);
    });
    connect(direction.source, &QTcpSocket::readyRead, this, [this, &direction] { readFrom(direction); });
    connect(direction.source, &QTcpSocket::readChannelFinished, this,
            [this, &direction] { sourceFinished(direction); });
    connect(direction.source, &QTcpSocket::errorOccurred, this,
            [this, &direction](QAbstractSocket::SocketError error) { socketError(direction, error); });
    connect(direction.source, &QTcpSocket::disconnected, this,
            [this, &direction] { socketDisconnected(direction); });
    connect(direction.sink, &QTcpSocket::bytesWritten, this, [this, &direction] {
        if (m_resetPending)
            return tryReset();
        pump(direction);
        readFrom(direction);
    });
}

void LinkConnection::setImpairment(const Impairment &impairment)
{
    if (m_finished)
        return;
    m_impairment = impairment;
    maybeStartHandshake();
    for (Direction *direction : {&m_up, &m_down}) {
        pump(*direction);
        readFrom(*direction);
    }
}

void LinkConnection::maybeStartHandshake()
{
    // A blackholed SYN gets no answer: the handshake only starts once the blackhole lifts.
    if (m_finished || m_handshakeStarted || m_impairment.blackhole)
        return;
    m_handshakeStarted = true;
    const qint64 roundTripNs = qint64(m_impairment.latencyMs) * kNsPerMs;
    m_up.notBeforeNs = nowNs() + roundTripNs;
    if (m_impairment.latencyMs > 0)
        m_handshakeTimer->start(m_impairment.latencyMs);
    else
        connectUpstream();
}

void LinkConnection::connectUpstream()
{
    if (!m_finished)
        m_upstream->connectToHost(m_targetHost, m_targetPort);
}

void LinkConnection::readFrom(Direction &direction)
{
    while (!m_finished && direction.queuedBytes < kQueueLimitBytes
           && direction.source->bytesAvailable() > 0) {
        // Never read(kReadBufferBytes): QIODevice would allocate that much for every small chunk.
        enqueue(direction, direction.source->read(std::min(direction.source->bytesAvailable(),
                                                           kReadBufferBytes)));
        pump(direction);
    }
}

void LinkConnection::enqueue(Direction &direction, QByteArray data)
{
    if (data.isEmpty())
        return;
    const qint64 now = nowNs();
    qint64 delay = qint64(m_impairment.latencyMs) * kNsPerMs / 2;
    if (m_impairment.jitterMs > 0) {
        const qint64 span = qint64(m_impairment.jitterMs) * kNsPerMs;
        delay += QRandomGenerator::global()->bounded(span + 1) - span / 2;
    }
    const qint64 due = std::max(direction.lastDueNs,
                                std::max(now, direction.notBeforeNs) + std::max<qint64>(0, delay));
    direction.lastDueNs = due;
    direction.queuedBytes += data.size();
    direction.queue.push_back(Chunk{std::move(data), 0, due});
}

void LinkConnection::pump(Direction &direction)
{
    // A peer that closed is still in ConnectedState while its errorOccurred (RemoteHostClosedError) runs,
    // with no descriptor left: writing then only made Qt warn "Invalid socket specified".
    if (m_finished || m_resetPending || m_impairment.blackhole
        || direction.sink->state() != QAbstractSocket::ConnectedState || !direction.sink->isValid())
        return;
    const qint64 now = nowNs();
    const auto arm = [&](qint64 atNs) {
        direction.timer->start(int((atNs - now + kNsPerMs - 1) / kNsPerMs));
    };
    while (!direction.queue.empty()) {
        Chunk &chunk = direction.queue.front();
        if (chunk.dueNs > now)
            return arm(chunk.dueNs);
        qint64 allowed = chunk.data.size() - chunk.offset;
        if (direction.towardsClient && m_impairment.resetAfterBytes >= 0) {
            const qint64 left = m_impairment.resetAfterBytes - direction.delivered;
            if (left <= 0)
                return beginReset();
            allowed = std::min(allowed, left);
        }
        if (direction.towardsClient && m_impairment.stallAfterBytes >= 0) {
            const qint64 left = m_impairment.stallAfterBytes - direction.delivered;
            if (left <= 0)
                return; // held until a new impairment lifts the stall
            allowed = std::min(allowed, left);
        }
        if (direction.sink->bytesToWrite() >= kSinkLimitBytes)
            return; // bytesWritten resumes
        if (const qint64 rate = m_impairment.bandwidthBytesPerSec; rate > 0) {
            if (direction.wireFreeNs > now)
                return arm(direction.wireFreeNs);
            allowed = std::min(allowed, std::clamp(rate / 50, kMinPieceBytes, kMaxPieceBytes));
            const qint64 start = std::max({direction.wireFreeNs, chunk.dueNs, now - kBurstWindowNs});
            direction.wireFreeNs = start + allowed * 1'000'000'000 / rate;
        }
        direction.sink->write(chunk.data.constData() + chunk.offset, allowed);
        chunk.offset += allowed;
        direction.queuedBytes -= allowed;
        direction.delivered += allowed;
        (direction.towardsClient ? m_counters->bytesDown : m_counters->bytesUp).fetch_add(allowed);
        if (chunk.offset == chunk.data.size())
            direction.queue.pop_front();
    }
    if (direction.towardsClient && m_impairment.resetAfterBytes >= 0
        && direction.delivered >= m_impairment.resetAfterBytes)
        return beginReset();
    if (direction.sourceClosed)
        closeTowards(direction);
}

void LinkConnection::sourceFinished(Direction &direction)
{
    if (m_finished || direction.sourceClosed)
        return;
    direction.sourceClosed = true;
    // What is still buffered is bounded by the read buffer size; deliver it before closing.
    if (direction.source->bytesAvailable() > 0)
        enqueue(direction, direction.source->readAll());
    // Qt has no half-close: a client that closed before the target was reached wants nothing more.
    if (!direction.towardsClient && m_upstream->state() != QAbstractSocket::ConnectedState)
        return finish(QStringLiteral("client closed before the target was reached"));
    pump(direction);
}

void LinkConnection::socketError(Direction &direction, QAbstractSocket::SocketError error)
{
    if (m_finished)
        return;
    if (error == QAbstractSocket::RemoteHostClosedError)
        return sourceFinished(direction);
    const bool upstreamFailed = direction.source == m_upstream;
    const QString reason = (upstreamFailed ? QStringLiteral("target: ") : QStringLiteral("client: "))
                           + direction.source->errorString();
    log::get("lab")->debug("link connection {}: {}", m_id, reason.toStdString());
    // The target refusing or failing mid-way looks like a reset to the client, as it would.
    finish(reason, upstreamFailed && m_upstream->state() != QAbstractSocket::UnconnectedState);
}

void LinkConnection::socketDisconnected(Direction &direction)
{
    if (m_finished)
        return;
    if (direction.source == m_closingSink)
        return finish(QStringLiteral("closed"));
    sourceFinished(direction);
}

void LinkConnection::closeTowards(Direction &direction)
{
    if (m_closingSink || m_finished)
        return;
    m_closingSink = direction.sink;
    // disconnectFromHost() writes out what the socket still buffers before it sends FIN.
    direction.sink->disconnectFromHost();
    if (direction.sink->state() == QAbstractSocket::UnconnectedState)
        finish(QStringLiteral("closed"));
}

void LinkConnection::beginReset()
{
    if (m_resetPending)
        return;
    m_resetPending = true;
    m_resetDeadlineNs = nowNs() + kResetDrainLimitNs;
    tryReset();
}

void LinkConnection::tryReset()
{
    // The client should see every byte up to the threshold: RST throws away what the kernel has not
    // sent yet, and a reader with a full window leaves some there. Poll briefly until it is out.
    m_client->flush();
    if (m_client->state() != QAbstractSocket::ConnectedState
        || (m_client->bytesToWrite() == 0 && unsentBytes(m_client) == 0)
        || nowNs() >= m_resetDeadlineNs)
        return finish(QStringLiteral("reset"), true);
    // bytesWritten calls again too, but a client that never reads would never trigger it.
    m_down.timer->start(kResetPollMs);
}

void LinkConnection::finish(const QString &reason, bool reset)
{
    if (m_finished)
        return;
    m_finished = true;
    m_client->disconnect(this);
    m_upstream->disconnect(this);
    m_handshakeTimer->stop();
    m_up.timer->stop();
    m_down.timer->stop();
    if (reset) {
        resetOnClose(m_client);
        resetOnClose(m_upstream);
    }
    m_client->abort();
    m_upstream->abort();
    m_up.queue.clear();
    m_down.queue.clear();
    m_counters->open.fetch_sub(1);
    Q_EMIT finished(m_up.delivered, m_down.delivered, reason);
    deleteLater();
}

} // namespace relayrace::lab
