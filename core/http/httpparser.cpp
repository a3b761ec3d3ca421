// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "http/httpparser.h"

#include <http_parser.h>

namespace relayrace::http {

QByteArray reasonPhrase(int status)
{
    const char *text = http_status_str(static_cast<enum http_status>(status));
    return text && QByteArrayView(text) != "<unknown>" ? QByteArray(text) : QByteArrayLiteral("Unknown");
}

QByteArray HttpHead::header(QByteArrayView name) const
{
    for (const HttpHeader &h : headers) {
        if (name.compare(h.name, Qt::CaseInsensitive) == 0)
            return h.value;
    }
    return {};
}

std::optional<HttpTarget> parseProxyTarget(QByteArrayView target, bool connect)
{
    if (target.isEmpty() || target.size() > 0xffff)
        return std::nullopt;
    http_parser_url url;
    http_parser_url_init(&url);
    if (http_parser_parse_url(target.data(), size_t(target.size()), connect ? 1 : 0, &url) != 0)
        return std::nullopt;
    const auto field = [&](http_parser_url_fields f) {
        return (url.field_set & (1 << f))
                   ? target.sliced(url.field_data[f].off, url.field_data[f].len).toByteArray()
                   : QByteArray();
    };
    HttpTarget t;
    t.host = field(UF_HOST);
    if (t.host.isEmpty())
        return std::nullopt;
    if (connect) {
        if (!(url.field_set & (1 << UF_PORT)) || url.port == 0)
            return std::nullopt;
        t.port = url.port;
        return t;
    }
    t.scheme = field(UF_SCHEMA).toLower();
    if (t.scheme.isEmpty())
        return std::nullopt;
    if (url.field_set & (1 << UF_PORT)) {
        if (url.port == 0)
            return std::nullopt;
        t.port = url.port;
    } else {
        t.port = t.scheme == "https" ? 443 : 80;
    }
    t.pathAndQuery = field(UF_PATH);
    if (t.pathAndQuery.isEmpty())
        t.pathAndQuery = "/";
    if (url.field_set & (1 << UF_QUERY))
        t.pathAndQuery += '?' + field(UF_QUERY);
    return t;
}

struct HttpParser::Private
{
    HttpParser *q = nullptr;
    http_parser parser{};
    http_parser_settings settings{};
    Kind kind = Kind::Request;
    qsizetype maxHeaderBytes = 0;
    HttpHead head;
    qsizetype headBytes = 0;
    bool lastWasValue = false;
    bool inMessage = false;
    bool headComplete = false;
    bool paused = false;
    bool skipBody = false;
    bool keepAlive = false;
    bool headerTooLarge = false;
    bool nulInValue = false;
    Error error = Error::None;
    QString errorString;

    static Private *self(http_parser *p) { return static_cast<Private *>(p->data); }

    // Counted from the callbacks rather than with http_parser_set_max_header_size(), which is
    // process-wide: requests and responses want different limits.
    bool countHeadBytes(size_t length)
    {
        headBytes += qsizetype(length);
        if (headBytes <= maxHeaderBytes)
            return true;
        headerTooLarge = true;
        return false;
    }

    void init()
    {
        http_parser_init(&parser, kind == Kind::Request ? HTTP_REQUEST : HTTP_RESPONSE);
        parser.data = this;
    }

    static int messageBegin(http_parser *p)
    {
        Private *d = self(p);
        d->head = HttpHead{};
        d->headBytes = 0;
        d->lastWasValue = false;
        d->inMessage = true;
        d->headComplete = false;
        return 0;
    }

    static int url(http_parser *p, const char *at, size_t length)
    {
        Private *d = self(p);
        d->head.target.append(at, qsizetype(length));
        return d->countHeadBytes(length) ? 0 : 1;
    }

    static int status(http_parser *p, const char *at, size_t length)
    {
        Private *d = self(p);
        d->head.reason.append(at, qsizetype(length));
        return d->countHeadBytes(length) ? 0 : 1;
    }

    static int headerField(http_parser *p, const char *at, size_t length)
    {
        Private *d = self(p);
        if (d->lastWasValue || d->head.headers.isEmpty()) {
            d->head.headers.append(HttpHeader{});
            d->lastWasValue = false;
            if (!d->countHeadBytes(4)) // ": " and CRLF
                return 1;
        }
        d->head.headers.last().name.append(at, qsizetype(length));
        return d->countHeadBytes(length) ? 0 : 1;
    }

    static int headerValue(http_parser *p, const char *at, size_t length)
    {
        Private *d = self(p);
        if (d->head.headers.isEmpty())
            return 1;
        // http_parser takes a NUL in a field value; passed on, it would reach the origin or the client
        // (RFC 9110 section 5.5: a recipient rejects it). Found by fuzz_edgerequest.
        if (QByteArrayView(at, qsizetype(length)).contains('\0')) {
            d->nulInValue = true;
            return 1;
        }
        d->head.headers.last().value.append(at, qsizetype(length));
        d->lastWasValue = true;
        return d->countHeadBytes(length) ? 0 : 1;
    }

    static int headersComplete(http_parser *p)
    {
        Private *d = self(p);
        HttpHead &h = d->head;
        for (HttpHeader &header : h.headers)
            header.value = header.value.trimmed();
        h.versionMajor = p->http_major;
        h.versionMinor = p->http_minor;
        if (d->kind == Kind::Request)
            h.method = http_method_str(static_cast<http_method>(p->method));
        else
            h.status = int(p->status_code);
        h.contentLength = (p->flags & F_CONTENTLENGTH) ? qint64(p->content_length) : -1;
        h.chunked = (p->flags & F_CHUNKED) != 0;
        h.keepAlive = http_should_keep_alive(p) != 0;
        h.upgrade = p->upgrade != 0;
        h.connect = d->kind == Kind::Request && p->method == HTTP_CONNECT;
        d->headComplete = true;
        if (d->q->onHead)
            d->q->onHead(h);
        // 1 tells http_parser that this response has no body: the answer to HEAD, and any 1xx, 204 or
        // 304, whatever Content-Length says (RFC 9112 section 6.3). http_parser read a 304's Content-Length
        // bytes as its body: the next response's bytes on a kept-alive connection (fuzz_httpresponse).
        const bool bodiless = h.status == 204 || h.status == 304 || (h.status >= 100 && h.status < 200);
        return (d->kind == Kind::Response && (d->skipBody || bodiless)) ? 1 : 0;
    }

    static int body(http_parser *p, const char *at, size_t length)
    {
        Private *d = self(p);
        if (d->q->onBody)
            d->q->onBody(QByteArrayView(at, qsizetype(length)));
        return 0;
    }

    static int messageComplete(http_parser *p)
    {
        Private *d = self(p);
        d->inMessage = false;
        d->keepAlive = http_should_keep_alive(p) != 0;
        // Pausing here makes http_parser_execute() return right after this message, which keeps
        // pipelined requests (and tunnel bytes after CONNECT) in the caller's buffer.
        http_parser_pause(p, 1);
        d->paused = true;
        if (d->q->onComplete)
            d->q->onComplete();
        return 0;
    }

    void checkError()
    {
        const auto code = HTTP_PARSER_ERRNO(&parser);
        if (code == HPE_OK || code == HPE_PAUSED)
            return;
        if (nulInValue) {
            error = Error::Malformed;
            errorString = QStringLiteral("a header field value holds a NUL byte");
        } else if (headerTooLarge || code == HPE_HEADER_OVERFLOW) {
            error = Error::HeaderTooLarge;
            errorString = QStringLiteral("header larger than %1 bytes").arg(maxHeaderBytes);
        } else {
            error = Error::Malformed;
            errorString = QString::fromLatin1(http_errno_description(code));
        }
    }
};

HttpParser::HttpParser(Kind kind, qsizetype maxHeaderBytes) : d(std::make_unique<Private>())
{
    d->q = this;
    d->kind = kind;
    d->maxHeaderBytes = maxHeaderBytes;
    http_parser_settings_init(&d->settings);
    d->settings.on_message_begin = &Private::messageBegin;
    d->settings.on_url = &Private::url;
    d->settings.on_status = &Private::status;
    d->settings.on_header_field = &Private::headerField;
    d->settings.on_header_value = &Private::headerValue;
    d->settings.on_headers_complete = &Private::headersComplete;
    d->settings.on_body = &Private::body;
    d->settings.on_message_complete = &Private::messageComplete;
    d->init();
}

HttpParser::~HttpParser() = default;

qsizetype HttpParser::feed(QByteArrayView data)
{
    if (d->paused || d->error != Error::None || data.isEmpty())
        return 0;
    const size_t used =
        http_parser_execute(&d->parser, &d->settings, data.data(), size_t(data.size()));
    d->checkError();
    return qsizetype(used);
}

void HttpParser::finish()
{
    if (d->paused || d->error != Error::None || !d->inMessage)
        return;
    http_parser_execute(&d->parser, &d->settings, "", 0);
    d->checkError();
    if (d->error == Error::None && d->inMessage) {
        d->error = Error::Malformed;
        d->errorString = QStringLiteral("connection closed in the middle of a message");
    }
}

void HttpParser::resume()
{
    if (!d->paused)
        return;
    d->paused = false;
    http_parser_pause(&d->parser, 0);
}

void HttpParser::setSkipBody(bool skip)
{
    d->skipBody = skip;
}

bool HttpParser::isPaused() const
{
    return d->paused;
}
bool HttpParser::inMessage() const
{
    return d->inMessage;
}
bool HttpParser::isHeadComplete() const
{
    return d->headComplete;
}
bool HttpParser::isUpgraded() const
{
    return d->parser.upgrade != 0;
}
bool HttpParser::shouldKeepAlive() const
{
    return d->keepAlive;
}
HttpParser::Error HttpParser::error() const
{
    return d->error;
}
QString HttpParser::errorString() const
{
    return d->errorString;
}
const HttpHead &HttpParser::head() const
{
    return d->head;
}

} // namespace relayrace::http
