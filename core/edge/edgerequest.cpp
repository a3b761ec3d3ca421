// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/edgerequest.h"

#include <QUrl>

namespace relayrace::edge {

QByteArray originFormTarget(const QByteArray &target)
{
    if (target.startsWith('/'))
        return target;
    const QUrl url(QString::fromLatin1(target));
    QByteArray path = url.path(QUrl::FullyEncoded).toLatin1();
    if (url.hasQuery())
        path += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    return path.startsWith('/') ? path : QByteArray();
}

Headers forwardedRequestHeaders(const http::HttpHead &head, const QString &clientAddress)
{
    Headers headers;
    QByteArray forwardedFor;
    for (const http::HttpHeader &h : head.headers) {
        if (h.name.compare("X-Forwarded-For", Qt::CaseInsensitive) == 0) {
            forwardedFor = h.value;
            continue;
        }
        headers.append({h.name, h.value});
    }
    const QByteArray client = clientAddress.toLatin1();
    headers.append({"X-Forwarded-For", forwardedFor.isEmpty() ? client : forwardedFor + ", " + client});
    const QByteArray quotedFor = client.contains(':') ? "\"[" + client + "]\"" : client;
    // The host as a quoted-string (RFC 9110 section 5.6.4): a '"' or '\' in it cannot close the string
    // and add a parameter of the client's choosing.
    QByteArray host = head.header("Host");
    host.replace('\\', "\\\\").replace('"', "\\\"");
    headers.append({"Forwarded", "for=" + quotedFor + ";host=\"" + host + "\";proto=http"});
    headers.append({QByteArrayLiteral("Via"), QByteArray(kVia)});
    return headers;
}

} // namespace relayrace::edge
