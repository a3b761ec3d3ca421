// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace relayrace::delivery {

using RawHeaders = QList<std::pair<QByteArray, QByteArray>>;

// A parsed "Content-Range: bytes first-last/total" (total -1 for "*").
struct ContentRange
{
    qint64 first = -1;
    qint64 last = -1;
    qint64 total = -1;
};
std::optional<ContentRange> parseContentRange(const QByteArray &value);

// The first value of a header, by case-insensitive name; empty when absent.
QByteArray headerValue(const RawHeaders &headers, const QByteArray &name);

// What a response that started a body allows for resuming it on another route: a strong validator
// (a strong ETag, else a Last-Modified that is strong by RFC 9110 8.8.2.2: at least a second before
// the response's Date), "Accept-Ranges: bytes" and a known length. whyNot is empty when resumable.
struct ResumeValidator
{
    QByteArray etag;         // strong ETag as sent (quotes included); empty if none usable
    QByteArray lastModified; // as sent; used only when there is no ETag
    qint64 totalLength = -1;
    QString whyNot;

    bool resumable() const { return whyNot.isEmpty(); }
    // What If-Range carries: the ETag, else the Last-Modified date.
    QByteArray ifRange() const { return etag.isEmpty() ? lastModified : etag; }
};

// Reads a response head (method, status, headers) for how its body could be resumed.
ResumeValidator resumeValidatorOf(const QByteArray &method, int status, const RawHeaders &headers);

// The verdict on the answer to "Range: bytes=<offset>-" + If-Range: ok, or a reason code
// (validator_changed | not_resumable | protocol) and a sentence saying what the route answered.
struct ResumeCheck
{
    QString reason;
    QString detail;
    bool ok() const { return reason.isEmpty(); }
};
ResumeCheck checkResume(const ResumeValidator &validator, qint64 offset, int status, const RawHeaders &headers);

} // namespace relayrace::delivery
