// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// The impaired-link tests' origin and client, shared by tst_impairedlinkshaping and
// tst_impairedlinkfaults: every body is one known byte pattern, so any slice can be checked without
// keeping a copy, and the origin streams with bounded buffers so backpressure reaches it.

#include "lab/impairedlink.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <memory>

namespace relayrace::testsupport::linklab {

inline constexpr qint64 kMiB = 1024 * 1024;
inline constexpr int kPatternPeriod = 251;

inline char patternAt(qint64 offset)
{
    return char(offset % kPatternPeriod);
}

// A tiny keep-alive HTTP/1.1 origin: "GET /bytes/N" answers N bytes of a known pattern, streamed with
// at most 1 MiB outstanding so a slow reader backs up into TCP instead of into memory.
class TestOrigin final : public QObject
{
public:
    TestOrigin()
    {
        for (int i = 0; i < 64 * 1024 + kPatternPeriod; ++i)
            m_block.append(patternAt(i));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
        QVERIFY(m_server.listen(QHostAddress::LocalHost));
    }
    quint16 port() const { return m_server.serverPort(); }
    // Bytes the origin's sockets have handed to the kernel: what the network has taken so far.
    qint64 bytesTaken() const { return m_taken; }
    static QByteArray header(qint64 bodySize)
    {
        return QByteArrayLiteral("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                 "Content-Length: ")
               + QByteArray::number(bodySize) + QByteArrayLiteral("\r\n\r\n");
    }

private:
    struct Session
    {
        QByteArray request;
        qint64 sent = 0;
        qint64 size = -1; // body being sent; -1 while idle
    };

    void serve(QTcpSocket *socket)
    {
        auto session = std::make_shared<Session>();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, session] {
            session->request += socket->readAll();
            pump(socket, *session);
        });
        connect(socket, &QTcpSocket::bytesWritten, socket, [this, socket, session](qint64 n) {
            m_taken += n;
            pump(socket, *session);
        });
    }

    void pump(QTcpSocket *socket, Session &session)
    {
        for (;;) {
            if (session.size < 0) {
                const qsizetype end = session.request.indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                const QByteArray line = session.request.left(session.request.indexOf("\r\n"));
                session.request.remove(0, end + 4);
                const QList<QByteArray> parts = line.split(' ');
                const QByteArray path = parts.value(1);
                session.size = path.startsWith("/bytes/") ? path.mid(7).toLongLong() : 0;
                session.sent = 0;
                socket->write(header(session.size));
            }
            while (session.sent < session.size && socket->bytesToWrite() < kMiB) {
                const qint64 n = std::min<qint64>(session.size - session.sent, 64 * 1024);
                socket->write(m_block.constData() + session.sent % kPatternPeriod, n);
                session.sent += n;
            }
            if (session.sent < session.size)
                return;
            session.size = -1;
        }
    }

    QTcpServer m_server;
    QByteArray m_block;
    qint64 m_taken = 0;
};

inline bool isPattern(const QByteArray &body, qint64 firstOffset = 0)
{
    for (qsizetype i = 0; i < body.size(); ++i) {
        if (body.at(i) != patternAt(firstOffset + i))
            return false;
    }
    return true;
}

// What a plain HTTP client sees of one GET.
struct Fetch
{
    qint64 ttfbMs = -1; // first metaDataChanged or readyRead
    qint64 totalMs = -1;
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    qint64 announcedLength = -1; // the response's Content-Length; -1 without one
    bool finished = false;
};

inline Fetch fetch(QNetworkAccessManager &nam, const QUrl &url, int timeoutMs = 60'000)
{
    Fetch result;
    QElapsedTimer clock;
    clock.start();
    std::unique_ptr<QNetworkReply> reply(nam.get(QNetworkRequest(url)));
    const auto firstByte = [&] {
        if (result.ttfbMs < 0)
            result.ttfbMs = clock.elapsed();
    };
    QObject::connect(reply.get(), &QNetworkReply::metaDataChanged, reply.get(), firstByte);
    QObject::connect(reply.get(), &QNetworkReply::readyRead, reply.get(), [&] {
        firstByte();
        result.body += reply->readAll();
    });
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    result.finished = finished.wait(timeoutMs);
    result.totalMs = clock.elapsed();
    result.body += reply->readAll();
    result.error = reply->error();
    const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
    result.announcedLength = length.isValid() ? length.toLongLong() : -1;
    return result;
}

inline std::unique_ptr<QNetworkAccessManager> makeNam()
{
    auto nam = std::make_unique<QNetworkAccessManager>();
    nam->setProxy(QNetworkProxy::NoProxy);
    return nam;
}

inline QUrl urlFor(const lab::ImpairedLink &link, qint64 bodySize)
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/bytes/%2").arg(link.port()).arg(bodySize));
}

} // namespace relayrace::testsupport::linklab
