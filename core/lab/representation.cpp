// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "representation.h"

#include <QLocale>

#include <algorithm>

namespace relayrace::lab {
namespace {

struct ByteRange
{
    enum Kind { Ignore, Unsatisfiable, Satisfiable } kind = Ignore;
    qint64 first = 0;
    qint64 last = 0;
};

// RFC 9110 section 14: one range of bytes; anything we do not serve as 206 is ignored (-> 200).
ByteRange parseRange(const QByteArray &header, qint64 size)
{
    const QByteArray value = header.trimmed();
    if (!value.toLower().startsWith("bytes="))
        return {};
    const QByteArray spec = value.mid(6).trimmed();
    const qsizetype dash = spec.indexOf('-');
    if (spec.contains(',') || dash < 0)
        return {};
    const QByteArray firstText = spec.left(dash).trimmed();
    const QByteArray lastText = spec.mid(dash + 1).trimmed();
    if (firstText.isEmpty()) { // suffix: the last n bytes
        const auto n = parseNonNegative(lastText);
        if (!n)
            return {};
        if (*n == 0 || size == 0)
            return {ByteRange::Unsatisfiable};
        return {ByteRange::Satisfiable, std::max<qint64>(0, size - *n), size - 1};
    }
    const auto first = parseNonNegative(firstText);
    const auto last = lastText.isEmpty() ? std::optional<qint64>(size - 1)
                                         : parseNonNegative(lastText);
    if (!first || !last || (!lastText.isEmpty() && *last < *first))
        return {};
    if (*first >= size)
        return {ByteRange::Unsatisfiable};
    return {ByteRange::Satisfiable, *first, std::min(*last, size - 1)};
}

bool etagListMatches(const QByteArray &list, const QByteArray &etag)
{
    const auto opaque = [](QByteArray tag) {
        tag = tag.trimmed();
        return tag.startsWith("W/") ? tag.mid(2) : tag;
    };
    for (const QByteArray &candidate : list.split(',')) {
        const QByteArray tag = candidate.trimmed();
        if (tag == "*" || opaque(tag) == opaque(etag))
            return true;
    }
    return false;
}

std::optional<QDateTime> parseHttpDate(const QByteArray &text)
{
    QDateTime time = QLocale::c().toDateTime(QString::fromLatin1(text.trimmed()),
                                             QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
    if (!time.isValid())
        return std::nullopt;
    time.setTimeSpec(Qt::UTC);
    return time;
}

} // namespace

std::optional<qint64> parseNonNegative(QByteArrayView text)
{
    if (text.isEmpty())
        return std::nullopt;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
    }
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    return ok ? std::optional<qint64>(value) : std::nullopt;
}

OriginResponse textResponse(int status, const QByteArray &text)
{
    OriginResponse response;
    response.status = status;
    response.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Cache-Control", "no-store"}};
    response.body = text + '\n';
    return response;
}

OriginResponse methodNotAllowed(const QByteArray &allow)
{
    OriginResponse response = textResponse(405, "method not allowed");
    response.headers.emplaceBack("Allow", allow);
    return response;
}

// GET or HEAD of a resource with validators: conditional requests, Range and If-Range.
OriginResponse serveRepresentation(const OriginRequest &request, const Representation &rep,
                                   const QDateTime &lastModified)
{
    if (request.method != "GET" && request.method != "HEAD")
        return methodNotAllowed("GET, HEAD");
    const QByteArray modified = httpDate(lastModified);
    OriginResponse response;
    response.sendBody = request.method != "HEAD";
    response.headers = {{"ETag", rep.etag}, {"Last-Modified", modified},
                        {"Cache-Control", rep.cacheControl}};

    const QByteArray ifNoneMatch = request.header("if-none-match");
    const auto ifModifiedSince = parseHttpDate(request.header("if-modified-since"));
    if (ifNoneMatch.isEmpty() ? (ifModifiedSince && lastModified <= *ifModifiedSince)
                              : etagListMatches(ifNoneMatch, rep.etag)) {
        response.status = 304;
        response.contentLength = false;
        response.sendBody = false;
        return response;
    }
    response.headers.emplaceBack("Content-Type", rep.contentType);
    response.headers.emplaceBack("Accept-Ranges", "bytes");

    qint64 first = 0;
    qint64 length = rep.size;
    const QByteArray rangeHeader = request.header("range");
    const QByteArray ifRange = request.header("if-range").trimmed();
    if (!rangeHeader.isEmpty() && (ifRange.isEmpty() || ifRange == rep.etag || ifRange == modified)) {
        const ByteRange range = parseRange(rangeHeader, rep.size);
        if (range.kind == ByteRange::Unsatisfiable) {
            response.status = 416;
            response.headers.emplaceBack("Content-Range", "bytes */" + QByteArray::number(rep.size));
            response.sendBody = false; // Content-Length: 0
            return response;
        }
        if (range.kind == ByteRange::Satisfiable) {
            response.status = 206;
            first = range.first;
            length = range.last - range.first + 1;
            response.headers.emplaceBack("Content-Range", "bytes " + QByteArray::number(range.first)
                                                          + '-' + QByteArray::number(range.last)
                                                          + '/' + QByteArray::number(rep.size));
        }
    }
    if (rep.seed)
        response.generated = OriginResponse::Generated{*rep.seed, first, length};
    else
        response.body = rep.body.mid(first, length);
    return response;
}

} // namespace relayrace::lab
