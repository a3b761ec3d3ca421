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
    if (!v.startsWith("bytes "))
        return std::nullopt;
    const QByteArray spec = v.mid(6).trimmed();
    const qsizetype slash = spec.indexOf('/');
    const qsizetype dash = spec.indexOf('-');
    if (slash < 0 || dash < 0 || dash > slash)
        return std::nullopt;
    ContentRange range;
    const auto first = parseNumber(QByteArrayView(spec).first(dash));
    const auto last = parseNumber(QByteArrayView(spec).sliced(dash + 1, slash - dash - 1));
    if (!first || !last || *last < *first)
        return std::nullopt;
    range.first = *first;
    range.last = *last;
    const QByteArrayView total = QByteArrayView(spec).sliced(slash + 1);
    if (total != "*") {
        const auto n = parseNumber(total);
        if (!n || *n <= range.last)
            return std::nullopt;
        range.total = *n;
    }
    return range;
}

QByteArray headerValue(const RawHeaders &headers, const QByteArray &name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

ResumeValidator resumeValidatorOf(const QByteArray &method, int status, const RawHeaders &headers)
{
    ResumeValidator v;
    const QByteArray etag = headerValue(headers, "ETag").trimmed();
    if (etag.startsWith('"') && etag.endsWith('"') && etag.size() >= 2)
        v.etag = etag;
    const QByteArray lastModified = headerValue(headers, "Last-Modified").trimmed();
    if (v.etag.isEmpty() && !lastModified.isEmpty()) {
        const QDateTime modified = parseHttpDate(lastModified);
        const QDateTime date = parseHttpDate(headerValue(headers, "Date"));
        if (modified.isValid() && date.isValid() && modified.secsTo(date) >= 1)
            v.lastModified = lastModified;
    }
    const auto length = parseNumber(headerValue(headers, "Content-Length").trimmed());
    v.totalLength = length ? *length : -1;

    if (method != "GET")
        v.whyNot = QStringLiteral("only a GET is resumed, not %1").arg(QString::fromLatin1(method));
    else if (status != 200)
        v.whyNot = QStringLiteral("the response was %1, not 200").arg(status);
    else if (v.etag.isEmpty() && v.lastModified.isEmpty())
        v.whyNot = etag.startsWith("W/")
                       ? QStringLiteral("its only validator is a weak ETag (%1)").arg(QString::fromLatin1(etag))
                       : QStringLiteral("it has no strong validator (no ETag, no usable Last-Modified)");
    else if (!headerValue(headers, "Accept-Ranges").toLower().contains("bytes"))
        v.whyNot = QStringLiteral("the origin does not announce Accept-Ranges: bytes");
    else if (v.totalLength < 0)
        v.whyNot = QStringLiteral("its length is unknown (no Content-Length)");
    return v;
}

ResumeCheck checkResume(const ResumeValidator &validator, qint64 offset, int status, const RawHeaders &headers)
{
    const QByteArray etag = headerValue(headers, "ETag").trimmed();
    const QByteArray lastModified = headerValue(headers, "Last-Modified").trimmed();
    const bool sameValidator = validator.etag.isEmpty() ? lastModified == validator.lastModified
                                                        : etag == validator.etag;
    const QString asked = QStringLiteral("Range: bytes=%1- with If-Range: %2")
                              .arg(offset)
                              .arg(QString::fromLatin1(validator.ifRange()));
    if (status == 206) {
        if (!sameValidator)
            return {QStringLiteral("validator_changed"),
                    QStringLiteral("asked %1, got 206 for another version (ETag %2, Last-Modified %3)")
                        .arg(asked, quoted(etag), quoted(lastModified))};
        const QByteArray contentRange = headerValue(headers, "Content-Range");
        const auto range = parseContentRange(contentRange);
        const qint64 total = validator.totalLength;
        if (!range || range->first != offset || range->last != total - 1 || range->total != total)
            return {QStringLiteral("protocol"),
                    QStringLiteral("asked %1, got 206 with Content-Range '%2' instead of 'bytes %3-%4/%5'")
                        .arg(asked, QString::fromLatin1(contentRange))
                        .arg(offset)
                        .arg(total - 1)
                        .arg(total)};
        return {};
    }
    if (status == 200 && !sameValidator)
        return {QStringLiteral("validator_changed"),
                QStringLiteral("the object changed since its first bytes were delivered: asked %1, got 200 "
                               "with ETag %2 (Last-Modified %3)")
                    .arg(asked, quoted(etag), quoted(lastModified))};
    if (status == 200)
        return {QStringLiteral("not_resumable"),
                QStringLiteral("asked %1, got the whole body (200) instead of 206: splicing it is not safe")
                    .arg(asked)};
    return {QStringLiteral("not_resumable"), QStringLiteral("asked %1, got %2").arg(asked).arg(status)};
}

} // namespace relayrace::delivery
