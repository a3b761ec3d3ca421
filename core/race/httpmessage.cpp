// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "race/httpmessage.h"

#include "http/httpparser.h"

#include <QNetworkReply>
#include <QNetworkRequest>

#include <algorithm>

namespace relayrace::race {
namespace {

bool isHopByHop(const QByteArray &lowerName)
{
    static const QList<QByteArray> names{"connection", "keep-alive", "proxy-connection", "proxy-authorization",
                                         "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"};
    return names.contains(lowerName);
}

// The last member of a Proxy-Status list (RFC 9209: the intermediary closest to the client) and its
// parameters, as text.
std::pair<QByteArray, QByteArray> lastProxyStatusMember(const QByteArray &value)
{
    const QByteArray member = value.split(',').last().trimmed();
    const qsizetype semicolon = member.indexOf(';');
    QByteArray name = (semicolon < 0 ? member : member.first(semicolon)).trimmed();
    if (name.size() >= 2 && name.startsWith('"') && name.endsWith('"'))
        name = name.mid(1, name.size() - 2);
    return {name, semicolon < 0 ? QByteArray() : member.mid(semicolon + 1)};
}

} // namespace

QByteArray headerValue(const RawHeaders &headers, const QByteArray &name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

RawHeaders joinedFields(const QList<http::HttpHeader> &fields)
{
    RawHeaders out;
    for (const http::HttpHeader &h : fields) {
        const auto same = std::find_if(out.begin(), out.end(), [&h](const auto &f) {
            return f.first.compare(h.name, Qt::CaseInsensitive) == 0;
        });
        if (same == out.end())
            out.append({h.name, h.value});
        else
            same->second += (h.name.compare("Set-Cookie", Qt::CaseInsensitive) == 0 ? "\n" : ", ") + h.value;
    }
    return out;
}

QNetworkReply::NetworkError networkErrorOf(QAbstractSocket::SocketError error, bool relayed)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return relayed ? QNetworkReply::ProxyConnectionRefusedError : QNetworkReply::ConnectionRefusedError;
    case QAbstractSocket::HostNotFoundError:
        return relayed ? QNetworkReply::ProxyNotFoundError : QNetworkReply::HostNotFoundError;
    case QAbstractSocket::SocketTimeoutError:
        return relayed ? QNetworkReply::ProxyTimeoutError : QNetworkReply::TimeoutError;
    case QAbstractSocket::RemoteHostClosedError:
        return relayed ? QNetworkReply::ProxyConnectionClosedError : QNetworkReply::RemoteHostClosedError;
    default:
        return QNetworkReply::UnknownNetworkError;
    }
}

QByteArray hostHeaderValue(const QUrl &url)
{
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    const int port = url.port(80);
    return port == 80 ? host : host + ':' + QByteArray::number(port);
}

QByteArray requestHead(const QByteArray &method, const QNetworkRequest &request, const QUrl &relay, qint64 bodyLength)
{
    const QUrl url = request.url();
    QByteArray target = relay.isEmpty() ? url.path(QUrl::FullyEncoded).toLatin1()
                                        : url.toEncoded(QUrl::RemoveUserInfo | QUrl::RemoveFragment);
    if (relay.isEmpty()) {
        if (target.isEmpty())
            target = "/";
        if (url.hasQuery())
            target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    }
    QByteArray head;
    head.reserve(512);
    head += method + ' ' + target + " HTTP/1.1\r\n";
    if (!request.hasRawHeader("Host"))
        head += "Host: " + hostHeaderValue(url) + "\r\n";
    for (const QByteArray &name : request.rawHeaderList()) {
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0 ||
            name.compare("Connection", Qt::CaseInsensitive) == 0 ||
            name.compare("Proxy-Connection", Qt::CaseInsensitive) == 0)
            continue;
        head += name + ": " + request.rawHeader(name) + "\r\n";
    }
    const bool alwaysFramed = method != "GET" && method != "HEAD" && method != "OPTIONS" && method != "TRACE" &&
                              method != "DELETE";
    if (bodyLength >= 0 || alwaysFramed)
        head += "Content-Length: " + QByteArray::number(std::max<qint64>(bodyLength, 0)) + "\r\n";
    head += "\r\n";
    return head;
}

RawHeaders headersOf(const QNetworkReply &reply)
{
    RawHeaders out;
    for (const auto &[name, value] : reply.rawHeaderPairs())
        out.append({name, value});
    return out;
}

BodyFraming bodyFramingOf(const QByteArray &method, int status, const RawHeaders &headers)
{
    BodyFraming f;
    if (method == "HEAD" || (status >= 100 && status < 200) || status == 204 || status == 304) {
        f.kind = BodyFraming::Kind::None;
        f.length = 0;
        return f;
    }
    if (headerValue(headers, "Transfer-Encoding").toLower().contains("chunked")) {
        f.kind = BodyFraming::Kind::Chunked;
        return f;
    }
    bool ok = false;
    const QByteArray length = headerValue(headers, "Content-Length").trimmed();
    const qint64 n = length.toLongLong(&ok);
    if (!length.isEmpty() && ok && n >= 0) {
        f.kind = BodyFraming::Kind::Length;
        f.length = n;
    }
    return f;
}

QString framingName(BodyFraming::Kind kind)
{
    switch (kind) {
    case BodyFraming::Kind::None:
        return QStringLiteral("none");
    case BodyFraming::Kind::Length:
        return QStringLiteral("content-length");
    case BodyFraming::Kind::Chunked:
        return QStringLiteral("chunked");
    case BodyFraming::Kind::Close:
        break;
    }
    return QStringLiteral("close");
}

RawHeaders forwardedRequestHeaders(const QByteArray &method, const RawHeaders &requested, bool keepRange)
{
    QList<QByteArray> named; // what Connection names is hop-by-hop too
    for (const auto &[name, value] : requested) {
        if (name.compare("Connection", Qt::CaseInsensitive) == 0) {
            for (const QByteArray &token : value.split(','))
                named.append(token.trimmed().toLower());
        }
    }
    const bool safe = method == "GET" || method == "HEAD";
    RawHeaders out;
    for (const auto &[name, value] : requested) {
        const QByteArray lower = name.toLower();
        if (isHopByHop(lower) || named.contains(lower) || lower == "host" || lower == "content-length")
            continue;
        if (safe && lower == "accept-encoding")
            continue;
        if (!keepRange && (lower == "range" || lower == "if-range"))
            continue;
        out.append({name, value});
    }
    if (safe)
        out.append({QByteArrayLiteral("Accept-Encoding"), QByteArrayLiteral("identity")});
    return out;
}

QString relayOwnError(const QNetworkReply &reply, const RelayMarkers &markers)
{
    if (reply.url().scheme() != u"http")
        return {};
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status < 400)
        return {};
    const QString statusText =
        QString::number(status) + u' ' + reply.attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    const auto answered = [&statusText](const QByteArray &marker) {
        return QStringLiteral("the relay answered %1 itself (%2)").arg(statusText, QString::fromLatin1(marker));
    };
    // Only a proxy asks for proxy credentials (an origin asks with 401).
    if (status == 407)
        return QStringLiteral("the relay wants credentials it was not given or refused them (%1): see --relay-credentials")
            .arg(statusText);
    if (!markers.proxyStatusName.isEmpty() && reply.hasRawHeader("Proxy-Status")) {
        const auto [name, parameters] = lastProxyStatusMember(reply.rawHeader("Proxy-Status"));
        if (name == markers.proxyStatusName && parameters.contains("error="))
            return answered("Proxy-Status: " + reply.rawHeader("Proxy-Status"));
    }
    const QByteArray server = reply.rawHeader("Server").trimmed();
    const QByteArray lowerServer = server.toLower();
    if (lowerServer.startsWith("tinyproxy") || lowerServer.startsWith("relayrace-relay"))
        return answered("Server: " + server);
    if (reply.hasRawHeader("X-Squid-Error"))
        return answered("X-Squid-Error: " + reply.rawHeader("X-Squid-Error"));
    return {};
}

QString failureText(const QNetworkReply &reply)
{
    if (reply.error() == QNetworkReply::ProxyAuthenticationRequiredError)
        return QStringLiteral("the relay wants credentials it was not given or refused them (407 Proxy Authentication "
                              "Required): see --relay-credentials");
    return reply.errorString();
}

} // namespace relayrace::race
