// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "race/plainhttpreply.h"

#include "http/httpparser.h"
#include "race/connectionpool.h"
#include "race/httpmessage.h"

#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <cstring>

namespace relayrace::race {
namespace {

constexpr qsizetype kMaxResponseHeadBytes = 64 * 1024;
constexpr qint64 kSocketReadBufferBytes = 256 * 1024; // the kernel holds the rest: TCP slows the sender
constexpr qint64 kBodyWriteHighWater = 256 * 1024;
constexpr qint64 kBodyChunkBytes = 64 * 1024;

} // namespace

PlainHttpReply::PlainHttpReply(ConnectionPool *pool, const QByteArray &method, const QNetworkRequest &request,
                               const QUrl &relay, Connection connection, const QByteArray &body, QIODevice *bodyDevice,
                               QObject *parent)
    : QNetworkReply(parent), m_pool(pool), m_method(method), m_relay(relay), m_connection(connection),
      m_body(body), m_bodyDevice(bodyDevice), m_parser(std::make_unique<http::HttpParser>(
                                                  http::HttpParser::Kind::Response, kMaxResponseHeadBytes))
{
    const QUrl url = request.url();
    setUrl(url);
    setRequest(request);
    if (method == "GET") {
        setOperation(QNetworkAccessManager::GetOperation);
    } else if (method == "HEAD") {
        setOperation(QNetworkAccessManager::HeadOperation);
    } else {
        setOperation(QNetworkAccessManager::CustomOperation);
        setAttribute(QNetworkRequest::CustomVerbAttribute, method);
    }
    setAttribute(QNetworkRequest::ConnectionEncryptedAttribute, false);
    setAttribute(QNetworkRequest::Http2WasUsedAttribute, false);
    open(QIODevice::ReadOnly | QIODevice::Unbuffered);

    const QByteArray origin = hostHeaderValue(url);
    m_key = m_relay.isEmpty() ? origin
                              : m_relay.host().toLatin1() + ':' + QByteArray::number(m_relay.port()) + '|' + origin;
    m_bodyLength = m_bodyDevice ? request.header(QNetworkRequest::ContentLengthHeader).toLongLong() : m_body.size();
    m_head = requestHead(method, request, m_relay, m_bodyDevice || m_bodyLength > 0 ? m_bodyLength : -1);

    m_parser->setSkipBody(method == "HEAD");
    m_parser->onHead = [this](const http::HttpHead &head) { onHead(head); };
    m_parser->onBody = [this](QByteArrayView data) {
        m_buffer.append(data.data(), data.size());
        m_received += data.size();
    };
    if (request.transferTimeout() > 0) {
        m_idleTimer = new QTimer(this);
        m_idleTimer->setSingleShot(true);
        m_idleTimer->setInterval(request.transferTimeout());
        connect(m_idleTimer, &QTimer::timeout, this, [this] {
            fail(OperationCanceledError,
                 QStringLiteral("no progress for %1 ms (the transfer timeout)").arg(m_idleTimer->interval()));
        });
    }
    // Not from the constructor: whoever sent it connects to its signals first.
    QMetaObject::invokeMethod(this, &PlainHttpReply::start, Qt::QueuedConnection);
}

PlainHttpReply::~PlainHttpReply()
{
    if (m_socket)
        QObject::disconnect(m_socket, nullptr, this, nullptr);
    if (m_slotHeld && m_pool)
        m_pool->releaseSlot(m_key);
}

void PlainHttpReply::start()
{
    if (isFinished())
        return;
    touch();
    if (!m_slotHeld) {
        const bool now = m_pool->acquire(m_key, this, [this] {
            if (isFinished())
                return false;
            m_slotHeld = true;
            start();
            return true;
        });
        if (!now)
            return; // waits for a slot: neither connecting nor sent yet
        m_slotHeld = true;
    }
    if (m_connection == Connection::Pooled) {
        if (QTcpSocket *idle = m_pool->take(m_key)) {
            useSocket(idle, true);
            sendRequest();
            return;
        }
    }
    auto *socket = new QTcpSocket(this);
    useSocket(socket, false);
    const QPointer<PlainHttpReply> self(this);
    Q_EMIT socketStartedConnecting();
    if (!self || isFinished())
        return;
    const QUrl &to = m_relay.isEmpty() ? url() : m_relay;
    socket->connectToHost(to.host(), quint16(to.port(80)));
}

void PlainHttpReply::useSocket(QTcpSocket *socket, bool reused)
{
    m_socket = socket;
    m_reused = reused;
    socket->setParent(this);
    socket->setReadBufferSize(kSocketReadBufferBytes);
    connect(socket, &QTcpSocket::connected, this, [this] {
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        sendRequest();
    });
    connect(socket, &QTcpSocket::readyRead, this, &PlainHttpReply::onReadable);
    connect(socket, &QTcpSocket::bytesWritten, this, &PlainHttpReply::onBytesWritten);
    connect(socket, &QTcpSocket::disconnected, this, &PlainHttpReply::onSocketEnded);
    connect(socket, &QTcpSocket::errorOccurred, this, &PlainHttpReply::onSocketEnded);
}

void PlainHttpReply::sendRequest()
{
    if (isFinished() || !m_socket)
        return;
    touch();
    m_requestQueued = true;
    if (!m_bodyDevice && !m_body.isEmpty()) {
        m_socket->write(m_head + m_body);
        m_bodySent = m_body.size();
    } else {
        m_socket->write(m_head);
    }
    if (m_bodyDevice) {
        connect(m_bodyDevice, &QIODevice::readyRead, this, &PlainHttpReply::pumpBody, Qt::UniqueConnection);
        pumpBody();
        if (isFinished())
            return;
    }
    m_socket->flush(); // now, not on the next pass of the event loop
}

void PlainHttpReply::pumpBody()
{
    if (isFinished() || !m_socket || !m_bodyDevice || !m_requestQueued)
        return;
    qint64 before = m_bodySent;
    while (m_bodySent < m_bodyLength && m_socket->bytesToWrite() < kBodyWriteHighWater) {
        QByteArray chunk(std::min(kBodyChunkBytes, m_bodyLength - m_bodySent), Qt::Uninitialized);
        const qint64 got = m_bodyDevice->read(chunk.data(), chunk.size());
        if (got < 0) { // its end before the announced length, or its failure
            fail(UnknownNetworkError, QStringLiteral("the request body ended at byte %1 of %2: %3")
                                          .arg(m_bodySent)
                                          .arg(m_bodyLength)
                                          .arg(m_bodyDevice->errorString()));
            return;
        }
        if (got == 0)
            break; // more when the device says readyRead
        chunk.truncate(got);
        m_socket->write(chunk);
        m_bodySent += chunk.size();
    }
    if (m_bodySent > before) {
        const QPointer<PlainHttpReply> self(this);
        Q_EMIT uploadProgress(m_bodySent, m_bodyLength);
        if (!self || isFinished())
            return;
    }
}

void PlainHttpReply::onBytesWritten()
{
    if (isFinished() || !m_socket)
        return;
    touch();
    if (m_bodyDevice && m_bodySent < m_bodyLength) {
        pumpBody();
        if (isFinished() || !m_socket)
            return;
    }
    if (!m_requestSent && m_bodySent >= m_bodyLength && m_socket->bytesToWrite() == 0) {
        m_requestSent = true;
        Q_EMIT requestSent();
    }
}

void PlainHttpReply::touch()
{
    if (m_idleTimer)
        m_idleTimer->start();
}

void PlainHttpReply::onReadable()
{
    m_readPending = false;
    if (isFinished() || !m_socket)
        return;
    qint64 room = m_socket->bytesAvailable();
    if (m_readBufferSize > 0) {
        room = std::min(room, m_readBufferSize - bytesAvailable());
        if (room <= 0) {
            m_readPending = true; // readData() comes back here when the consumer made room
            return;
        }
    }
    if (room <= 0)
        return;
    const QByteArray data = m_socket->read(room);
    if (data.isEmpty())
        return;
    m_readPending = m_readBufferSize > 0 && m_socket->bytesAvailable() > 0;
    parse(data);
}

void PlainHttpReply::parse(QByteArrayView data)
{
    if (!m_requestSent && m_bodySent >= m_bodyLength && m_requestQueued) {
        m_requestSent = true; // answered before the socket said it wrote the last bytes
        const QPointer<PlainHttpReply> self(this);
        Q_EMIT requestSent();
        if (!self || isFinished())
            return;
    }
    touch();
    m_gotBytes = true;
    const bool headBefore = m_headSeen;
    const qint64 before = m_received;
    qsizetype offset = 0;
    while (offset < data.size() && !m_complete) {
        const qsizetype used = m_parser->feed(data.sliced(offset));
        offset += used;
        if (m_parser->error() != http::HttpParser::Error::None) {
            fail(ProtocolFailure, QStringLiteral("the response is not valid HTTP: %1").arg(m_parser->errorString()));
            return;
        }
        if (m_parser->isPaused()) {
            if (m_interim) { // a 1xx: the final response follows
                m_interim = false;
                m_parser->resume();
                continue;
            }
            m_complete = true;
            break;
        }
        if (used == 0)
            break;
    }
    const bool trailing = offset < data.size() || (m_socket && m_socket->bytesAvailable() > 0);
    const QPointer<PlainHttpReply> self(this);
    if (!headBefore && m_headSeen) {
        Q_EMIT metaDataChanged();
        if (!self || isFinished())
            return;
    }
    if (m_received > before) {
        Q_EMIT readyRead();
        if (!self || isFinished())
            return;
        Q_EMIT downloadProgress(m_received, header(QNetworkRequest::ContentLengthHeader).toLongLong());
        if (!self || isFinished())
            return;
    }
    if (m_complete) {
        releaseSocket(m_parser->shouldKeepAlive() && !trailing);
        finishReply();
    }
}

void PlainHttpReply::onHead(const http::HttpHead &head)
{
    // No body whatever the head says (RFC 9110 section 6.4.1): http_parser is told from here.
    m_parser->setSkipBody(m_method == "HEAD" || head.status < 200 || head.status == 204 || head.status == 304);
    if (head.status >= 100 && head.status < 200 && head.status != 101) {
        m_interim = true;
        return;
    }
    m_headSeen = true;
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, head.status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, QString::fromLatin1(head.reason));
    const RawHeaders fields = joinedFields(head.headers);
    for (const auto &[name, value] : std::as_const(fields))
        setRawHeader(name, value);
}

void PlainHttpReply::onSocketEnded()
{
    if (isFinished() || !m_socket)
        return;
    QTcpSocket *socket = m_socket;
    // What the peer sent before it closed is the response's.
    if (socket->bytesAvailable() > 0 && m_requestQueued) {
        const QPointer<PlainHttpReply> self(this);
        parse(socket->readAll());
        if (!self || isFinished())
            return;
    }
    if (m_parser->isHeadComplete() && m_parser->inMessage() && !m_interim) {
        m_parser->finish(); // a close-delimited body ends here; any other one was cut short
        if (m_parser->isPaused()) {
            releaseSocket(false);
            finishReply();
            return;
        }
        fail(RemoteHostClosedError, QStringLiteral("the connection closed at body byte %1: %2")
                                        .arg(m_received)
                                        .arg(socket->errorString()));
        return;
    }
    if (m_headSeen || m_gotBytes) {
        fail(RemoteHostClosedError, QStringLiteral("the connection closed in the response head"));
        return;
    }
    if (socket->state() != QAbstractSocket::ConnectedState && !m_requestQueued) {
        fail(networkErrorOf(socket->error(), !m_relay.isEmpty()), socket->errorString());
        return;
    }
    if (m_reused && !m_retried) {
        // A kept-alive connection the peer had closed: the request never reached it.
        if (!m_bodyDevice || m_bodySent == 0) {
            m_retried = true;
            releaseSocket(false);
            m_requestQueued = m_requestSent = false;
            m_bodySent = 0;
            m_connection = Connection::Fresh;
            start();
            return;
        }
        fail(ContentReSendError, QStringLiteral("the connection closed before the response head"));
        return;
    }
    fail(m_relay.isEmpty() ? RemoteHostClosedError : ProxyConnectionClosedError,
         QStringLiteral("the connection closed before the response head"));
}

void PlainHttpReply::fail(NetworkError code, const QString &text)
{
    if (isFinished())
        return;
    setError(code, text);
    releaseSocket(false);
    const QPointer<PlainHttpReply> self(this);
    Q_EMIT errorOccurred(code);
    if (!self || isFinished())
        return;
    finishReply();
}

void PlainHttpReply::finishReply()
{
    if (isFinished())
        return;
    if (m_idleTimer)
        m_idleTimer->stop();
    setFinished(true);
    const QPointer<PlainHttpReply> self(this);
    Q_EMIT readChannelFinished();
    if (!self)
        return;
    Q_EMIT finished();
}

void PlainHttpReply::releaseSocket(bool keep)
{
    if (m_bodyDevice)
        QObject::disconnect(m_bodyDevice, nullptr, this, nullptr);
    if (QTcpSocket *socket = m_socket) {
        m_socket = nullptr;
        QObject::disconnect(socket, nullptr, this, nullptr);
        if (keep && m_connection == Connection::Pooled && socket->state() == QAbstractSocket::ConnectedState &&
            socket->bytesToWrite() == 0) {
            m_pool->giveBack(m_key, socket);
        } else {
            socket->abort();
            socket->deleteLater();
        }
    }
    if (m_slotHeld) {
        m_slotHeld = false;
        m_pool->releaseSlot(m_key);
    }
}

void PlainHttpReply::abort()
{
    fail(OperationCanceledError, QStringLiteral("Operation canceled"));
}

qint64 PlainHttpReply::bytesAvailable() const
{
    return qint64(m_buffer.size()) - m_bufferOffset + QIODevice::bytesAvailable();
}

void PlainHttpReply::setReadBufferSize(qint64 size)
{
    m_readBufferSize = std::max<qint64>(0, size);
    QNetworkReply::setReadBufferSize(size);
}

qint64 PlainHttpReply::readData(char *data, qint64 maxSize)
{
    const qint64 available = qint64(m_buffer.size()) - m_bufferOffset;
    if (available <= 0)
        return isFinished() ? -1 : 0;
    const qint64 n = std::min(available, maxSize);
    std::memcpy(data, m_buffer.constData() + m_bufferOffset, size_t(n));
    m_bufferOffset += n;
    if (m_bufferOffset == m_buffer.size()) {
        m_buffer.resize(0);
        m_bufferOffset = 0;
    } else if (m_bufferOffset >= kSocketReadBufferBytes) {
        m_buffer.remove(0, m_bufferOffset);
        m_bufferOffset = 0;
    }
    if (m_readPending) { // the socket waits for room: read it on the next pass, not inside this read
        m_readPending = false;
        QMetaObject::invokeMethod(this, &PlainHttpReply::onReadable, Qt::QueuedConnection);
    }
    return n;
}

} // namespace relayrace::race
