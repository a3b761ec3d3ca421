// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace relayrace::http {
struct HttpHead;
struct HttpTarget;
} // namespace relayrace::http

namespace relayrace::lab {

using http::HttpHead;
using http::HttpTarget;

// The heads a relay writes. Every body is re-framed, so the framing headers (Content-Length,
// Transfer-Encoding) come from the parser's reading of the message and are never copied; hop-by-hop
// headers (RFC 9110 7.6.1: Connection and the names it lists, Proxy-Connection, Keep-Alive,
// Proxy-Authorization, Proxy-Authenticate, TE, Trailer, Upgrade) are dropped; Via is added.

// The origin-form request sent upstream for an absolute-form request; Host names the URL's
// authority.
QByteArray upstreamRequestHead(const HttpHead &request, const HttpTarget &target,
                               QByteArrayView via);

struct ClientResponseHead
{
    QByteArray head;
    bool chunked = false; // the body goes out re-chunked
    bool closeAfter =
        false; // the body ends when the connection closes (or the client asked for it)
};

// The head passed to the client for a final response. A chunked body stays chunked for HTTP/1.1
// clients and becomes close-delimited for HTTP/1.0 ones.
ClientResponseHead clientResponseHead(const HttpHead &response, bool answersHead, bool clientHttp11,
                                      bool clientKeepAlive, QByteArrayView via);
// An interim (1xx) response, passed on as is.
QByteArray interimResponseHead(const HttpHead &response, QByteArrayView via);
// The relay's own answer: a short text/plain body naming the problem, then the connection closes.
QByteArray errorResponse(int status, const QString &message, QByteArrayView via);

QByteArray chunkHeader(qsizetype size);
// "host:port", bracketing IPv6 addresses; the port is left out when it is defaultPort.
QByteArray hostPort(const QByteArray &host, quint16 port, quint16 defaultPort = 0);

} // namespace relayrace::lab
