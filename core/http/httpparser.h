// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <functional>
#include <memory>
#include <optional>

namespace relayrace::http {

struct HttpHeader
{
    QByteArray name;
    QByteArray value;
};

// A request or response head as it came off the wire (header names keep their case).
struct HttpHead
{
    QByteArray method; // requests
    QByteArray target; // requests: absolute-form, origin-form or authority-form, as sent
    int status = 0;    // responses
    QByteArray reason; // responses
    int versionMajor = 1;
    int versionMinor = 1;
    QList<HttpHeader> headers;
    qint64 contentLength = -1; // -1: no Content-Length header
    bool chunked = false;
    bool keepAlive = false; // per HTTP/1.x rules: version plus the Connection header
    bool upgrade = false;   // CONNECT or Upgrade: the bytes after the head are not HTTP
    bool connect = false;

    // The first value of a header, case-insensitively; null if absent.
    QByteArray header(QByteArrayView name) const;
    bool isHttp11OrLater() const
    {
        return versionMajor > 1 || (versionMajor == 1 && versionMinor >= 1);
    }
};

// Where a proxy request points: absolute-form (`http://host:port/path`) or, for CONNECT,
// authority-form (`host:port`).
struct HttpTarget
{
    QByteArray scheme; // lower case; empty for authority-form
    QByteArray host;   // without IPv6 brackets
    quint16 port = 0;
    QByteArray pathAndQuery; // origin-form to send upstream, "/" at least
};

// The standard reason phrase of a status ("Bad Gateway"), "Unknown" for one without.
QByteArray reasonPhrase(int status);

// nullopt when the target is not absolute-form (or, for CONNECT, not host:port).
std::optional<HttpTarget> parseProxyTarget(QByteArrayView target, bool connect);

// Incremental HTTP/1.x parser over Node's http_parser. Feed bytes as they arrive; the callbacks see
// the head, the de-framed body (chunk framing removed) and the end of each message. The parser
// stops after each complete message so that pipelined messages wait until the caller calls
// resume(); feed() tells how many bytes it used, the rest belongs to the next message (or, after
// CONNECT or an upgrade, to the tunnel).
class HttpParser final
{
    Q_DISABLE_COPY_MOVE(HttpParser)
public:
    enum class Kind
    {
        Request,
        Response
    };
    enum class Error
    {
        None,
        Malformed,
        HeaderTooLarge
    };

    explicit HttpParser(Kind kind, qsizetype maxHeaderBytes = 16 * 1024);
    ~HttpParser();

    std::function<void(const HttpHead &head)> onHead;
    std::function<void(QByteArrayView data)> onBody;
    std::function<void()> onComplete;

    // Returns the number of bytes used; less than data.size() when a message completed, on an
    // upgrade or on an error.
    qsizetype feed(QByteArrayView data);
    // The peer closed: ends a close-delimited body, or is an error in the middle of a message.
    void finish();
    // Continues with the next message after a complete one.
    void resume();
    // The next response answers a HEAD request: no body whatever its headers say.
    void setSkipBody(bool skip);

    bool isPaused() const;
    // A message has begun (first byte seen) and not completed yet.
    bool inMessage() const;
    bool isHeadComplete() const;
    bool isUpgraded() const;
    // Whether the connection may carry another message after the last complete one.
    bool shouldKeepAlive() const;
    Error error() const;
    QString errorString() const;
    const HttpHead &head() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace relayrace::http
