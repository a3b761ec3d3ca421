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
    headers.append({"Forwarded", "for=" + quotedFor + ";host=\"" + head.header("Host") + "\";proto=http"});
    headers.append({QByteArrayLiteral("Via"), QByteArray(kVia)});
    return headers;
}

} // namespace relayrace::edge
