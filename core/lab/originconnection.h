// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QTimer>
#include <QUrlQuery>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

class QDateTime;
class QSslSocket;
class QTcpSocket;

namespace relayrace::lab {

// An HTTP date (RFC 9110 IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
QByteArray httpDate(const QDateTime &time);

// One request as the origin routes it: copied out of QHttpServerRequest because a request that
// arrives while the previous response still streams is answered later, after Qt has reused its
// request object.
struct OriginRequest
{
    QByteArray method;                            // upper case, as sent
    QString path;                                 // decoded
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;

    QByteArray header(const QByteArray &lowerName) const;
};

// What the origin answers. Content-Length, Date and X-Origin are added when it is written.
struct OriginResponse
{
    struct Generated
    {
        quint64 seed = 0;
        qint64 offset = 0;
        qint64 length = 0;
    };

    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;                    // a fixed body, or ...
    std::optional<Generated> generated; // ... a slice of a content stream, made as it is sent
    bool sendBody = true;               // false for HEAD: headers (with Content-Length) only
    bool contentLength = true;          // false for 304 and 204, which carry no body length
    qint64 rateBytesPerSec = 0;         // paces the body; 0 is as fast as the socket drains
    int delayMs = 0;                    // waits this long before the status line

    qint64 bodyLength() const { return generated ? generated->length : body.size(); }
};

// Counters shared by an origin and its connections; atomics so another thread can read them.
struct OriginCounters
{
    std::atomic<qint64> requests{0};
    std::atomic<qint64> bytesSent{0};
    std::atomic<qint64> connections{0};
    std::atomic<qint64> abortedResponses{0};
    std::atomic<qint64> peakQueuedBytes{0};
};

// Writes the responses of one accepted connection in request order. Bodies are produced in chunks
// while the socket's unsent bytes (including TLS's encrypted backlog) stay under a bound, so a
// 1 GiB object costs a few hundred KiB of memory. A child of the socket: it dies with the connection.
class OriginConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OriginConnection)

public:
    using Router = std::function<OriginResponse(const OriginRequest &)>;

    OriginConnection(QTcpSocket *socket, QByteArray originId, Router router,
                     std::shared_ptr<OriginCounters> counters);
    ~OriginConnection() override;

    // The connection object of a socket, created on its first request.
    static OriginConnection *of(QTcpSocket *socket);

    void enqueue(OriginRequest request);

private:
    void startNext();
    void writeHead();
    void pump();
    void finish();
    qint64 queuedBytes() const;
    void write(const char *data, qint64 length);

    QPointer<QTcpSocket> m_socket;
    QPointer<QSslSocket> m_sslSocket;
    const QByteArray m_originId;
    const Router m_router;
    const std::shared_ptr<OriginCounters> m_counters;

    std::deque<OriginRequest> m_queue;
    bool m_busy = false;
    bool m_pumping = false;
    bool m_closeAfter = false;
    OriginResponse m_response;
    qint64 m_bodySent = 0;
    QByteArray m_chunk;
    QTimer m_delayTimer;
    QTimer m_paceTimer;
    QElapsedTimer m_paceClock;
};

} // namespace relayrace::lab
