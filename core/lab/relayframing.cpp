// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/relayframing.h"

#include "http/httpparser.h"

namespace relayrace::lab {

using http::HttpHeader;
namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Error";
    }
}

QByteArray forwardedHeaders(const HttpHead &head, bool dropHost)
{
    static const QByteArrayList fixed = {
        "connection", "proxy-connection", "keep-alive", "proxy-authorization", "proxy-authenticate",
        "te",         "trailer",          "upgrade",    "transfer-encoding",   "content-length"};
    QByteArrayList listed;
    for (const HttpHeader &h : head.headers) {
        if (h.name.compare("connection", Qt::CaseInsensitive) == 0) {
            for (const QByteArray &token : h.value.split(','))
                listed.append(token.trimmed().toLower());
        }
    }
    QByteArray out;
    for (const HttpHeader &h : head.headers) {
        const QByteArray name = h.name.toLower();
        if (fixed.contains(name) || listed.contains(name) || (dropHost && name == "host"))
            continue;
        QByteArray value = h.value;
        value.replace('\r', ' ').replace('\n', ' ');
        out += h.name + ": " + value + "\r\n";
    }
    return out;
}

QByteArray statusLine(const HttpHead &response)
{
    return "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + response.reason + "\r\n";
}

} // namespace

QByteArray upstreamRequestHead(const HttpHead &request, const HttpTarget &target,
                               QByteArrayView via)
{
    QByteArray out = request.method + ' ' + target.pathAndQuery +
                     " HTTP/1.1\r\nHost: " + hostPort(target.host, target.port, 80) + "\r\n" +
                     forwardedHeaders(request, true);
    if (request.chunked)
        out += "Transfer-Encoding: chunked\r\n";
    else if (request.contentLength >= 0)
        out += "Content-Length: " + QByteArray::number(request.contentLength) + "\r\n";
    out += "Via: " + via.toByteArray() + "\r\n\r\n";
    return out;
}

ClientResponseHead clientResponseHead(const HttpHead &response, bool answersHead, bool clientHttp11,
                                      bool clientKeepAlive, QByteArrayView via)
{
    ClientResponseHead r;
    r.head = statusLine(response) + forwardedHeaders(response, false);
    const bool noBody = answersHead || response.status == 204 || response.status == 304;
    if (noBody) {
        if (response.contentLength >= 0 && response.status != 204)
            r.head += "Content-Length: " + QByteArray::number(response.contentLength) + "\r\n";
    } else if (response.chunked && clientHttp11) {
        r.head += "Transfer-Encoding: chunked\r\n";
        r.chunked = true;
    } else if (!response.chunked && response.contentLength >= 0) {
        r.head += "Content-Length: " + QByteArray::number(response.contentLength) + "\r\n";
    } else {
        clientKeepAlive = false; // no length known, or chunked to an HTTP/1.0 client
    }
    r.closeAfter = !clientKeepAlive;
    if (r.closeAfter)
        r.head += "Connection: close\r\n";
    else if (!clientHttp11)
        r.head += "Connection: keep-alive\r\n";
    r.head += "Via: " + via.toByteArray() + "\r\n\r\n";
    return r;
}

QByteArray interimResponseHead(const HttpHead &response, QByteArrayView via)
{
    return statusLine(response) + forwardedHeaders(response, false) + "Via: " + via.toByteArray() +
           "\r\n\r\n";
}

QByteArray errorResponse(int status, const QString &message, QByteArrayView via)
{
    const QByteArray body = message.toUtf8() + '\n';
    // Marked as the relay's own (RFC 9209 Proxy-Status, and a Server no forwarded answer carries), so
    // a client tells it from an origin's error that the relay forwards.
    const QByteArray type = status == 504   ? "connection_timeout"
                            : status == 502 ? "destination_unavailable"
                            : status >= 500 ? "proxy_internal_error"
                                            : "http_request_error";
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) +
           "\r\nServer: relayrace-relay\r\nProxy-Status: relayrace-relay; error=" + type +
           "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
           QByteArray::number(body.size()) + "\r\nConnection: close\r\nVia: " + via.toByteArray() +
           "\r\n\r\n" + body;
}

QByteArray chunkHeader(qsizetype size)
{
    return QByteArray::number(size, 16) + "\r\n";
}

QByteArray hostPort(const QByteArray &host, quint16 port, quint16 defaultPort)
{
    const QByteArray h = host.contains(':') ? QByteArray('[' + host + ']') : host;
    return port == defaultPort ? h : QByteArray(h + ':' + QByteArray::number(port));
}

} // namespace relayrace::lab
