// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/responsestream.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <utility>

namespace relayrace::edge {

using Headers = QList<std::pair<QByteArray, QByteArray>>;

// What the edge adds to what it passes on (RFC 9110 section 7.6.3).
inline constexpr char kVia[] = "1.1 relayrace";

// The end-to-end headers of a message (RFC 9110 section 7.6.1): without Connection, Keep-Alive,
// Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer, Transfer-Encoding,
// Upgrade, every header Connection names, and Content-Length (the framing is written anew).
Headers endToEndHeaders(const Headers &headers);

// How the body goes to the client: the origin's framing where the client can take it.
struct ClientFraming
{
    enum class Kind { None, Length, Chunked, Close };
    Kind kind = Kind::Close;
    qint64 length = -1;
    bool closeAfter = false; // the connection closes after this response
};

// The response head the edge writes for an origin's head: its status and end-to-end headers, Via,
// and framing: Content-Length as the origin sent it; chunked for a chunked origin body and an
// HTTP/1.1 client; otherwise the body ends with the connection (close-delimited, as the origin's).
// A HEAD, 1xx, 204 or 304 has no body (a Content-Length the origin sent is kept: it describes the
// representation).
QByteArray clientResponseHead(const engine::ResponseHead &head, bool headRequest, bool clientHttp11,
                              bool clientKeepAlive, ClientFraming *framing);

// The edge's own answer (421, 431, 408, 502, ...): text/plain naming the problem, then the connection
// closes when close is set.
QByteArray edgeErrorResponse(int status, const QString &message, bool close);

// One chunk of a chunked body (empty data: nothing; the last chunk is kLastChunk).
QByteArray chunk(QByteArrayView data);
inline constexpr char kLastChunk[] = "0\r\n\r\n";

} // namespace relayrace::edge
