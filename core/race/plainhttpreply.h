// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QNetworkReply>
#include <QPointer>
#include <QUrl>

#include <memory>

class QTcpSocket;
class QTimer;

namespace relayrace::http {
class HttpParser;
struct HttpHead;
} // namespace relayrace::http

namespace relayrace::race {

class ConnectionPool;

// One HTTP/1.1 exchange with a plain http origin, directly or through an HTTP forward proxy (the
// request in absolute form), on the route client's own thread: the socket is read in bulk and the
// response parsed by http_parser, where Qt 6.4's HTTP thread reads a head one byte per read() call
// and hands every reply across threads (docs/delivery.md, "The plain-http client"). It is a
// QNetworkReply, so a race and a delivery treat it as any other reply:
// - socketStartedConnecting when it opens a connection (not on a kept-alive one from the pool),
//   requestSent when the whole request is written, uploadProgress as a body goes out;
// - metaDataChanged with the head (HttpStatusCodeAttribute, HttpReasonPhraseAttribute, raw
//   headers; repeated headers joined with ", "), readyRead as body bytes arrive (chunk framing
//   removed), finished at the end of the body;
// - the error codes Qt uses: ConnectionRefused / HostNotFound (their Proxy* forms on a relayed
//   route), RemoteHostClosed (the connection ended before the body did: never a short body called
//   complete), ProtocolFailure (a response http_parser refuses), OperationCanceled (abort(), or no
//   progress for the request's transferTimeout()), ContentReSendError (a kept-alive connection
//   closed before answering a request whose body cannot be sent again).
// A kept-alive connection that turns out closed before any answer is retried once on a new one
// when the request has no body device (Qt does the same). A response with statuses >= 400 is not
// an error here (race::endedIntact). setReadBufferSize() bounds what waits unread: the socket is
// not read past it, so a slow consumer slows the route instead of filling memory.
class PlainHttpReply final : public QNetworkReply
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlainHttpReply)
public:
    enum class Connection { Pooled, Fresh };
    // relay empty: direct. bodyDevice (kept alive by the caller) wins over body; its length is the
    // request's Content-Length header.
    PlainHttpReply(ConnectionPool *pool, const QByteArray &method, const QNetworkRequest &request, const QUrl &relay,
                   Connection connection, const QByteArray &body, QIODevice *bodyDevice, QObject *parent);
    ~PlainHttpReply() override;

    void abort() override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }
    void setReadBufferSize(qint64 size) override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;

private:
    void start();
    void useSocket(QTcpSocket *socket, bool reused);
    void sendRequest();
    void pumpBody();
    void onBytesWritten();
    void onReadable();
    void onSocketEnded();
    void parse(QByteArrayView data);
    void onHead(const http::HttpHead &head);
    void onComplete();
    void fail(NetworkError code, const QString &text);
    void finishReply();
    void releaseSocket(bool keep);
    void touch();

    ConnectionPool *m_pool = nullptr;
    QByteArray m_method;
    QUrl m_relay;
    QByteArray m_key;
    Connection m_connection = Connection::Pooled;
    QByteArray m_body;
    QPointer<QIODevice> m_bodyDevice;
    qint64 m_bodyLength = 0; // to send
    qint64 m_bodySent = 0;   // handed to the socket
    qint64 m_toFlush = 0;    // request bytes the socket has not written yet
    QByteArray m_head;
    QTcpSocket *m_socket = nullptr;
    std::unique_ptr<http::HttpParser> m_parser;
    QByteArray m_buffer; // body bytes not read yet
    qint64 m_bufferOffset = 0;
    qint64 m_readBufferSize = 0;
    qint64 m_received = 0;
    QTimer *m_idleTimer = nullptr;
    bool m_reused = false;
    bool m_retried = false;
    bool m_requestQueued = false;
    bool m_requestSent = false;
    bool m_gotBytes = false;
    bool m_headSeen = false;
    bool m_complete = false;
    bool m_interim = false; // a 1xx head: the real one follows
    bool m_readPending = false;
    bool m_slotHeld = false; // one of the pool's slots for m_key (ConnectionPool::acquire)
};

} // namespace relayrace::race
