// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "race/httpmessage.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace relayrace::delivery {

using race::RawHeaders;
using race::headerValue;

// A parsed "Content-Range: bytes first-last/total" (total -1 for "*"), or "bytes */total" (an
// unsatisfied range: first and last -1). The unit is compared case-insensitively.
struct ContentRange
{
    qint64 first = -1;
    qint64 last = -1;
    qint64 total = -1;
};
std::optional<ContentRange> parseContentRange(const QByteArray &value);

// How much later than Last-Modified a response's Date must be for the date to serve as a strong
// validator. RFC 9110 section 8.8.2.2 asks for one second; a minute leaves room for the clocks behind
// one origin (a file stamped by one machine, the Date written by another, file systems with
// two-second stamps). An object changed within the last minute is restarted, not resumed.
inline constexpr qint64 kLastModifiedMarginS = 60;

// What a response that started a body allows for resuming it elsewhere (RFC 9110 section 13.1.5):
//  - a strong ETag; when the response has any ETag, weak included, Last-Modified is never used;
//  - else a Last-Modified at least kLastModifiedMarginS before the response's Date, and only when
//    that Date is the origin's clock (dateFromOrigin: not rewritten by a relay on a plain http route,
//    no Age header from a cache);
//  - "Accept-Ranges: bytes" (any case).
// The length may be unknown (chunked, close-delimited): the 206 that resumes it then says it.
// whyNot is empty when resumable.
struct ResumeValidator
{
    QByteArray etag;            // strong ETag as sent (quotes included); empty if none usable
    QByteArray lastModified;    // as sent; used only when there is no ETag at all
    QByteArray contentEncoding; // lower case; empty for identity: a 206 must be the same representation
    qint64 totalLength = -1;    // -1 until known
    QString whyNot;

    bool resumable() const { return whyNot.isEmpty(); }
    // What If-Range carries: the ETag, else the Last-Modified date.
    QByteArray ifRange() const { return etag.isEmpty() ? lastModified : etag; }
};

// Reads a response head (method, status, headers) for how its body could be resumed.
ResumeValidator resumeValidatorOf(const QByteArray &method, int status, const RawHeaders &headers,
                                  bool dateFromOrigin);

// The verdict on the answer to "Range: bytes=<offset>-" + If-Range: ok, or a reason code
// (validator_changed | not_resumable | protocol) and a sentence saying what the route answered.
// total is the representation's length the answer gives; complete means the answer said the body
// ends exactly at offset (416 with "bytes */offset": asked to check a body of unknown length).
struct ResumeCheck
{
    QString reason;
    QString detail;
    qint64 total = -1;
    bool complete = false;
    // A 200 for the very same version (the same strong ETag, encoding and length): the route ignored
    // Range. Its first offset bytes are the ones the consumer has; the rest continues the body.
    bool skipToOffset = false;
    bool ok() const { return reason.isEmpty(); }
};
ResumeCheck checkResume(const ResumeValidator &validator, qint64 offset, int status, const RawHeaders &headers);

// The SHA-256 an origin states for a representation in RFC 9530 Repr-Digest ("sha-256=:base64:"), as
// lower-case hex; empty when it states none (other algorithms are not checked).
QByteArray reprDigestSha256(const RawHeaders &headers);

} // namespace relayrace::delivery
