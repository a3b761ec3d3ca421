// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/edgeresponse.h"

#include "http/httpparser.h"

namespace relayrace::edge {

Headers endToEndHeaders(const Headers &headers)
{
    static const QList<QByteArray> hopByHop{"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                                            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
                                            "content-length"};
    QList<QByteArray> named;
    for (const auto &[name, value] : headers) {
        if (name.compare("Connection", Qt::CaseInsensitive) == 0) {
            for (const QByteArray &token : value.split(','))
                named.append(token.trimmed().toLower());
        }
    }
    Headers out;
    for (const auto &[name, value] : headers) {
        const QByteArray lower = name.toLower();
        if (!hopByHop.contains(lower) && !named.contains(lower))
            out.append({name, value});
    }
    return out;
}

QByteArray clientResponseHead(const engine::ResponseHead &head, bool headRequest, bool clientHttp11,
                              bool clientKeepAlive, ClientFraming *framing)
{
    ClientFraming f;
    QByteArray out = "HTTP/1.1 " + QByteArray::number(head.status) + ' ' + http::reasonPhrase(head.status) + "\r\n";
    // Qt joins repeated fields of a response with ", ", but Set-Cookie's with '\n' (a cookie may hold
    // a comma): each line becomes a field line of its own. No CR or LF reaches the client inside a
    // line (a bare LF is a line end to some clients: response splitting).
    for (const auto &[name, value] : endToEndHeaders(head.headers)) {
        for (const QByteArray &line : value.split('\n')) {
            QByteArray clean = line;
            clean.replace('\r', ' ');
            out += name + ": " + clean.trimmed() + "\r\n";
        }
    }
    const bool noBody = headRequest || head.framing == u"none" || head.status == 204 || head.status == 304 ||
                        (head.status >= 100 && head.status < 200);
    if (noBody) {
        f.kind = ClientFraming::Kind::None;
        for (const auto &[name, value] : head.headers) { // describes the representation: kept
            if (name.compare("Content-Length", Qt::CaseInsensitive) == 0 && head.status != 204) {
                out += "Content-Length: " + value.trimmed() + "\r\n";
                break;
            }
        }
    } else if (head.framing == u"content-length" && head.length >= 0) {
        f.kind = ClientFraming::Kind::Length;
        f.length = head.length;
        out += "Content-Length: " + QByteArray::number(head.length) + "\r\n";
    } else if (head.framing == u"chunked" && clientHttp11) {
        f.kind = ClientFraming::Kind::Chunked;
        out += "Transfer-Encoding: chunked\r\n";
    } else {
        f.kind = ClientFraming::Kind::Close; // the end of the body is the end of the connection
        clientKeepAlive = false;
    }
    f.closeAfter = !clientKeepAlive;
    if (f.closeAfter)
        out += "Connection: close\r\n";
    else if (!clientHttp11)
        out += "Connection: keep-alive\r\n";
    out += QByteArrayLiteral("Via: ") + kVia + "\r\n\r\n";
    if (framing)
        *framing = f;
    return out;
}

QByteArray edgeErrorResponse(int status, const QString &message, bool close)
{
    const QByteArray body = message.toUtf8() + '\n';
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + http::reasonPhrase(status) +
           "\r\nServer: relayrace\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
           QByteArray::number(body.size()) + (close ? "\r\nConnection: close" : "") + "\r\nVia: " + kVia +
           "\r\n\r\n" + body;
}

QByteArray chunk(QByteArrayView data)
{
    if (data.isEmpty())
        return {};
    return QByteArray::number(data.size(), 16) + "\r\n" + data.toByteArray() + "\r\n";
}

} // namespace relayrace::edge
