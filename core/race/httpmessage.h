// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractSocket>
#include <QByteArray>
#include <QNetworkReply>
#include <QList>
#include <QString>
#include <QUrl>

#include <utility>

class QNetworkRequest;

namespace relayrace::http {
struct HttpHeader;
}

namespace relayrace::race {

using RawHeaders = QList<std::pair<QByteArray, QByteArray>>;

// The first value of a header, by case-insensitive name; empty when absent.
QByteArray headerValue(const RawHeaders &headers, const QByteArray &name);
RawHeaders headersOf(const QNetworkReply &reply);
// A head's fields with repeated names joined as Qt joins them (RFC 9110 section 5.3: ", "; Set-Cookie
// one per line), in first-seen order.
RawHeaders joinedFields(const QList<http::HttpHeader> &fields);

// Qt's name for a socket's error, as QNetworkAccessManager reports it: the Proxy* form on a relayed
// route (the socket leads to the relay).
QNetworkReply::NetworkError networkErrorOf(QAbstractSocket::SocketError error, bool relayed);

// The Host header value for url: host (IPv6 in brackets) and the port unless it is 80.
QByteArray hostHeaderValue(const QUrl &url);
// The HTTP/1.1 request head for request's URL: origin-form to an origin, absolute-form to a relay
// (relay not empty); Host unless the request sets one; every raw header of the request but
// Content-Length, Connection and Proxy-Connection; Content-Length: bodyLength when bodyLength >= 0,
// or 0 for a method whose requests always frame a body (POST, PUT, PATCH and the like).
QByteArray requestHead(const QByteArray &method, const QNetworkRequest &request, const QUrl &relay, qint64 bodyLength);

// How a response's body ends (RFC 9112 section 6.3), which decides what "complete" can mean:
//  - None: no body at all (HEAD, 1xx, 204, 304), whatever Content-Length says: complete with 0 bytes;
//  - Length: Content-Length N: complete when exactly N bytes arrived, checked by us, never by Qt;
//  - Chunked: ends with the last chunk, which Qt decodes out of sight: its length cannot be checked;
//  - Close: ends when the connection closes; Qt 6.4 reads a reset as that end too (docs/delivery.md).
// A body whose end we cannot check ourselves (Chunked, Close) is "length unverified" unless the
// delivery checks it with a Range request (Delivery's tail check).
struct BodyFraming
{
    enum class Kind { None, Length, Chunked, Close };
    Kind kind = Kind::Close;
    qint64 length = -1; // Length: the body's length; None: 0; otherwise -1

    bool lengthKnown() const { return length >= 0; }
};
BodyFraming bodyFramingOf(const QByteArray &method, int status, const RawHeaders &headers);
QString framingName(BodyFraming::Kind kind); // "none", "content-length", "chunked", "close"

// The request headers a route is sent, from the requester's (RFC 9110 section 7.6.1): hop-by-hop
// headers go (Connection, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade and every
// header Connection names), Host and Content-Length are Qt's to write, and for a GET or HEAD
// Accept-Encoding becomes identity, so a byte offset always counts the same representation's bytes
// and a body can be resumed on another route. With keepRange false (a race, which measures a body from
// its first byte, and any body this side may resume), the requester's Range and If-Range go too.
// Every path that sends a requester's request uses this one filter: a race on the requested object,
// a delivery, the continuation of a race's winner.
RawHeaders forwardedRequestHeaders(const QByteArray &method, const RawHeaders &requested, bool keepRange);

// How the relay of a route marks an error it wrote itself (rather than one it forwarded from the
// origin). docs/delivery.md lists the relays recognised.
struct RelayMarkers
{
    // The relay's name in RFC 9209 Proxy-Status (the last member is the relay closest to us). Empty:
    // Proxy-Status is not read (an intermediary behind the relay may add one too).
    QByteArray proxyStatusName;
};

// When a response that came through a relay is the relay's own answer rather than the origin's,
// the reason (else empty). Only for plain http: inside a CONNECT tunnel (https) the relay cannot
// answer for the origin, and a tunnel it refuses is the CONNECT's failure, which Qt reports as a
// proxy error. For plain http, only markers the relay is known to put on its own errors count:
//  - Proxy-Status whose last member is named markers.proxyStatusName and carries error=;
//  - tinyproxy: "Server: tinyproxy/..." (its error pages; it does not add Server to what it forwards);
//  - squid: an X-Squid-Error header (its error pages only);
//  - relayrace's lab relay: "Server: relayrace-relay" (its error answers only).
// An origin's own error, dated or not (RFC 9110 section 6.6.1 lets a 5xx omit Date), is the origin's.
QString relayOwnError(const QNetworkReply &reply, const RelayMarkers &markers);
// Why a reply failed, in words an operator can act on: Qt's errorString(), except where Qt's words
// hide the cause (a relay that wants credentials).
QString failureText(const QNetworkReply &reply);

} // namespace relayrace::race
