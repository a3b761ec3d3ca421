// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "delivery/resumevalidator.h"

#include <QDateTime>
#include <QLocale>
#include <QTimeZone>

namespace relayrace::delivery {
namespace {

std::optional<qint64> parseNumber(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 18)
        return std::nullopt;
    qint64 value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// An HTTP-date (IMF-fixdate, the only form origins are to send).
QDateTime parseHttpDate(const QByteArray &value)
{
    QDateTime at = QLocale::c().toDateTime(QString::fromLatin1(value.trimmed()),
                                           QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    at.setTimeZone(QTimeZone::utc());
    return at;
}

QString quoted(const QByteArray &value)
{
    return value.isEmpty() ? QStringLiteral("none") : QString::fromLatin1(value);
}

} // namespace

std::optional<ContentRange> parseContentRange(const QByteArray &value)
{
    const QByteArray v = value.trimmed();
    if (v.size() < 6 || v.first(6).toLower() != "bytes ")
        return std::nullopt;
    const QByteArray spec = v.mid(6).trimmed();
    const qsizetype slash = spec.indexOf('/');
    if (slash < 0)
        return std::nullopt;
    ContentRange range;
    const QByteArrayView total = QByteArrayView(spec).sliced(slash + 1);
    if (spec.startsWith("*/")) { // an unsatisfied range: only the length
        const auto n = parseNumber(total);
        if (!n)
            return std::nullopt;
        range.total = *n;
        return range;
    }
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0 || dash > slash)
        return std::nullopt;
    const auto first = parseNumber(QByteArrayView(spec).first(dash));
    const auto last = parseNumber(QByteArrayView(spec).sliced(dash + 1, slash - dash - 1));
    if (!first || !last || *last < *first)
        return std::nullopt;
    range.first = *first;
    range.last = *last;
    if (total != "*") {
        const auto n = parseNumber(total);
        if (!n || *n <= range.last)
            return std::nullopt;
        range.total = *n;
    }
    return range;
}

ResumeValidator resumeValidatorOf(const QByteArray &method, int status, const RawHeaders &headers,
                                  bool dateFromOrigin)
{
    ResumeValidator v;
    const QByteArray etag = headerValue(headers, "ETag").trimmed();
    if (etag.startsWith('"') && etag.endsWith('"') && etag.size() >= 2)
        v.etag = etag;
    const QByteArray lastModified = headerValue(headers, "Last-Modified").trimmed();
    QString dateProblem;
    if (etag.isEmpty() && !lastModified.isEmpty()) {
        const QDateTime modified = parseHttpDate(lastModified);
        const QDateTime date = parseHttpDate(headerValue(headers, "Date"));
        if (!dateFromOrigin)
            dateProblem = QStringLiteral("its Date was not written by the origin (a relay on a plain http route)");
        else if (!headerValue(headers, "Age").isEmpty())
            dateProblem = QStringLiteral("it came from a cache (Age), so its Date is not the origin's");
        else if (!modified.isValid() || !date.isValid())
            dateProblem = QStringLiteral("its Last-Modified or Date is not an HTTP-date");
        else if (modified.secsTo(date) < kLastModifiedMarginS)
            dateProblem = QStringLiteral("its Last-Modified is less than %1 s before its Date").arg(kLastModifiedMarginS);
        else
            v.lastModified = lastModified;
    }
    v.contentEncoding = headerValue(headers, "Content-Encoding").trimmed().toLower();
    if (v.contentEncoding == "identity")
        v.contentEncoding.clear();
    const auto length = parseNumber(headerValue(headers, "Content-Length").trimmed());
    const bool chunked = headerValue(headers, "Transfer-Encoding").toLower().contains("chunked");
    v.totalLength = length && !chunked ? *length : -1;

    if (method != "GET")
        v.whyNot = QStringLiteral("only a GET is resumed, not %1").arg(QString::fromLatin1(method));
    else if (status != 200)
        v.whyNot = QStringLiteral("the response was %1, not 200").arg(status);
    else if (v.etag.isEmpty() && v.lastModified.isEmpty())
        v.whyNot = !etag.isEmpty() ? QStringLiteral("its only validator is a weak ETag (%1); with an ETag, "
                                                    "Last-Modified is not used").arg(QString::fromLatin1(etag))
                   : !dateProblem.isEmpty()
                       ? QStringLiteral("its Last-Modified is not a strong validator: ") + dateProblem
                       : QStringLiteral("it has no strong validator (no ETag, no usable Last-Modified)");
    else if (!headerValue(headers, "Accept-Ranges").toLower().contains("bytes"))
        v.whyNot = QStringLiteral("the origin does not announce Accept-Ranges: bytes");
    return v;
}

ResumeCheck checkResume(const ResumeValidator &validator, qint64 offset, int status, const RawHeaders &headers)
{
    const QByteArray etag = headerValue(headers, "ETag").trimmed();
    const QByteArray lastModified = headerValue(headers, "Last-Modified").trimmed();
    // A 206 answering an If-Range on a date may leave Last-Modified out (RFC 9110 section 15.3.7).
    const bool sameValidator = validator.etag.isEmpty()
                                   ? (lastModified.isEmpty() || lastModified == validator.lastModified)
                                   : etag == validator.etag;
    const QString asked = QStringLiteral("Range: bytes=%1- with If-Range: %2")
                              .arg(offset)
                              .arg(QString::fromLatin1(validator.ifRange()));
    const QByteArray contentRange = headerValue(headers, "Content-Range");
    const auto range = parseContentRange(contentRange);
    const qint64 known = validator.totalLength;
    if (status == 206) {
        if (!sameValidator)
            return {QStringLiteral("validator_changed"),
                    QStringLiteral("asked %1, got 206 for another version (ETag %2, Last-Modified %3)")
                        .arg(asked, quoted(etag), quoted(lastModified)), -1, false};
        QByteArray encoding = headerValue(headers, "Content-Encoding").trimmed().toLower();
        if (encoding == "identity")
            encoding.clear();
        if (encoding != validator.contentEncoding)
            return {QStringLiteral("validator_changed"),
                    QStringLiteral("asked %1, got 206 in another representation (Content-Encoding %2, not %3)")
                        .arg(asked, quoted(encoding), quoted(validator.contentEncoding)), -1, false};
        const bool fits = range && range->first == offset && range->total > offset && range->last == range->total - 1 &&
                          (known < 0 || range->total == known);
        if (!fits) {
            const QString expected = known < 0 ? QStringLiteral("bytes %1-(N-1)/N").arg(offset)
                                               : QStringLiteral("bytes %1-%2/%3").arg(offset).arg(known - 1).arg(known);
            return {QStringLiteral("protocol"),
                    QStringLiteral("asked %1, got 206 with Content-Range '%2' instead of '%3'")
                        .arg(asked, QString::fromLatin1(contentRange), expected), -1, false};
        }
        return {QString(), QString(), range->total, false};
    }
    if (status == 416 && known < 0 && range && range->first < 0 && range->total == offset)
        return {QString(), QString(), offset, true}; // the body ends here: it was complete
    if (status == 200 && !sameValidator)
        return {QStringLiteral("validator_changed"),
                QStringLiteral("the object changed since its first bytes were delivered: asked %1, got 200 "
                               "with ETag %2 (Last-Modified %3)")
                    .arg(asked, quoted(etag), quoted(lastModified)), -1, false};
    QByteArray encoding = headerValue(headers, "Content-Encoding").trimmed().toLower();
    if (encoding == "identity")
        encoding.clear();
    const auto length = parseNumber(headerValue(headers, "Content-Length").trimmed());
    if (status == 200 && !validator.etag.isEmpty() && known >= 0 && length && *length == known &&
        encoding == validator.contentEncoding) {
        ResumeCheck skip;
        skip.total = known;
        skip.skipToOffset = true;
        return skip;
    }
    if (status == 200)
        return {QStringLiteral("not_resumable"),
                QStringLiteral("asked %1, got the whole body (200) instead of 206: splicing it is not safe")
                    .arg(asked), -1, false};
    return {QStringLiteral("not_resumable"), QStringLiteral("asked %1, got %2").arg(asked).arg(status), -1, false};
}

QByteArray reprDigestSha256(const RawHeaders &headers)
{
    // A structured-field dictionary: members separated by commas, a byte sequence between colons.
    for (const QByteArray &member : headerValue(headers, "Repr-Digest").split(',')) {
        const QByteArray m = member.trimmed();
        if (!m.startsWith("sha-256=:") || !m.endsWith(':') || m.size() < 11)
            continue;
        const auto decoded = QByteArray::fromBase64Encoding(m.mid(9, m.size() - 10), QByteArray::AbortOnBase64DecodingErrors);
        if (decoded && decoded.decoded.size() == 32)
            return decoded.decoded.toHex();
    }
    return {};
}

} // namespace relayrace::delivery
