// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "originconnection.h"

#include "lab/content.h"

#include <QDateTime>
#include <QLocale>
#include <QScopeGuard>
#include <QSslSocket>
#include <QTcpSocket>

#include <http_parser.h>

#include <algorithm>

namespace relayrace::lab {
namespace {

constexpr qint64 kChunkBytes = 64 * 1024;
// Unsent bytes allowed in the socket before the next chunk is made: enough to keep loopback busy
// between two event-loop turns, small enough that memory stays flat whatever the object size.
constexpr qint64 kHighWaterBytes = 512 * 1024;
constexpr int kPaceIntervalMs = 10;

void raiseToAtLeast(std::atomic<qint64> &peak, qint64 value)
{
    qint64 current = peak.load(std::memory_order_relaxed);
    while (value > current && !peak.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
    }
}

QByteArray reasonPhrase(int status)
{
    const char *text = http_status_str(static_cast<http_status>(status));
    if (!text || text[0] == '<') // http_parser says "<unknown>"
        return QByteArrayLiteral("Status");
    return QByteArray(text);
}

} // namespace

QByteArray httpDate(const QDateTime &time)
{
    return QLocale::c().toString(time.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
        .toLatin1();
}

QByteArray OriginRequest::header(const QByteArray &lowerName) const
{
    for (const auto &[name, value] : headers) {
        if (name == lowerName)
            return value;
    }
    return {};
}

OriginConnection::OriginConnection(QTcpSocket *socket, QByteArray originId, Router router,
                                   std::shared_ptr<OriginCounters> counters)
    : QObject(socket),
      m_socket(socket),
      m_sslSocket(qobject_cast<QSslSocket *>(socket)),
      m_originId(std::move(originId)),
      m_router(std::move(router)),
      m_counters(std::move(counters)),
      m_chunk(kChunkBytes, Qt::Uninitialized)
{
    m_counters->connections.fetch_add(1, std::memory_order_relaxed);
    // Coarse timers may fire 5 % early; "/delay/300" must not answer at 285 ms.
    m_delayTimer.setTimerType(Qt::PreciseTimer);
    m_delayTimer.setSingleShot(true);
    m_paceTimer.setInterval(kPaceIntervalMs);
    connect(&m_delayTimer, &QTimer::timeout, this, &OriginConnection::writeHead);
    connect(&m_paceTimer, &QTimer::timeout, this, &OriginConnection::pump);
    connect(socket, &QIODevice::bytesWritten, this, &OriginConnection::pump);
    if (m_sslSocket)
        connect(m_sslSocket, &QSslSocket::encryptedBytesWritten, this, &OriginConnection::pump);
    connect(socket, &QAbstractSocket::disconnected, this, [this] {
        m_queue.clear();
        m_delayTimer.stop();
        m_paceTimer.stop();
    });
}

OriginConnection::~OriginConnection()
{
    if (m_busy)
        m_counters->abortedResponses.fetch_add(1, std::memory_order_relaxed);
}

OriginConnection *OriginConnection::of(QTcpSocket *socket)
{
    return socket->findChild<OriginConnection *>(QString(), Qt::FindDirectChildrenOnly);
}

void OriginConnection::enqueue(OriginRequest request)
{
    m_queue.push_back(std::move(request));
    startNext();
}

void OriginConnection::startNext()
{
    if (m_busy || m_queue.empty() || !m_socket
        || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    const OriginRequest request = std::move(m_queue.front());
    m_queue.pop_front();
    m_closeAfter = request.header("connection").toLower().contains("close");
    m_response = m_router(request);
    // A HEAD answer never has a body, whatever the route (an error page too): a body behind a HEAD's
    // 404 was read by a kept-alive client or relay as the start of the next response.
    if (request.method == "HEAD")
        m_response.sendBody = false;
    m_busy = true;
    m_bodySent = 0;
    if (m_response.delayMs > 0)
        m_delayTimer.start(m_response.delayMs);
    else
        writeHead();
}

void OriginConnection::writeHead()
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    // One buffer for the whole head, so it leaves in one segment rather than one per header.
    QByteArray head = "HTTP/1.1 " + QByteArray::number(m_response.status) + ' '
                      + reasonPhrase(m_response.status) + "\r\n";
    head += "Date: " + httpDate(QDateTime::currentDateTimeUtc()) + "\r\n";
    head += "X-Origin: " + m_originId + "\r\n";
    for (const auto &[name, value] : std::as_const(m_response.headers))
        head += name + ": " + value + "\r\n";
    if (m_response.contentLength)
        head += "Content-Length: " + QByteArray::number(m_response.bodyLength()) + "\r\n";
    if (m_closeAfter)
        head += "Connection: close\r\n";
    head += "\r\n";
    write(head.constData(), head.size());
    if (m_response.rateBytesPerSec > 0) {
        m_paceClock.start();
        m_paceTimer.start();
    }
    pump();
}

void OriginConnection::pump()
{
    if (m_pumping || !m_busy || m_delayTimer.isActive() || !m_socket
        || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    // A socket may report bytesWritten from inside write(); a nested pump would send a chunk twice.
    m_pumping = true;
    const auto unpump = qScopeGuard([this] { m_pumping = false; });
    const qint64 total = m_response.sendBody ? m_response.bodyLength() : 0;
    while (m_bodySent < total) {
        if (queuedBytes() >= kHighWaterBytes)
            return; // bytesWritten calls again
        qint64 n = std::min(kChunkBytes, total - m_bodySent);
        if (m_response.rateBytesPerSec > 0) {
            const auto allowed = static_cast<qint64>(static_cast<double>(m_response.rateBytesPerSec)
                                                     * static_cast<double>(m_paceClock.nsecsElapsed())
                                                     / 1e9);
            n = std::min(n, allowed - m_bodySent);
            if (n <= 0)
                return; // the pace timer calls again
        }
        const qint64 offset = m_bodySent;
        m_bodySent += n;
        if (const auto &generated = m_response.generated) {
            fillContent(generated->seed, generated->offset + offset, m_chunk.data(), n);
            write(m_chunk.constData(), n);
        } else {
            write(m_response.body.constData() + offset, n);
        }
    }
    finish();
}

void OriginConnection::finish()
{
    m_busy = false;
    m_paceTimer.stop();
    m_response = {};
    m_counters->requests.fetch_add(1, std::memory_order_relaxed);
    if (m_closeAfter) {
        m_queue.clear();
        m_socket->disconnectFromHost();
        return;
    }
    // Queued so that a run of pipelined small requests does not recurse.
    if (!m_queue.empty())
        QMetaObject::invokeMethod(this, &OriginConnection::startNext, Qt::QueuedConnection);
}

qint64 OriginConnection::queuedBytes() const
{
    qint64 queued = m_socket->bytesToWrite();
    if (m_sslSocket)
        queued += m_sslSocket->encryptedBytesToWrite();
    return queued;
}

void OriginConnection::write(const char *data, qint64 length)
{
    const qint64 written = m_socket->write(data, length);
    if (written > 0)
        m_counters->bytesSent.fetch_add(written, std::memory_order_relaxed);
    raiseToAtLeast(m_counters->peakQueuedBytes, queuedBytes());
}

} // namespace relayrace::lab
