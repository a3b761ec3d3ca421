// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "lab/originconnection.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>

#include <optional>

namespace relayrace::lab {

// A resource with validators, as the origin serves it: everything the conditional-request and
// Range logic needs.
struct Representation
{
    qint64 size = 0;
    QByteArray etag; // quoted, strong
    QByteArray contentType;
    QByteArray cacheControl;
    QByteArray body;             // a fixed body, or ...
    std::optional<quint64> seed; // ... a content stream (lab/content.h)
};

// Answers GET or HEAD of a representation (RFC 9110 sections 13 and 14): If-None-Match (weak
// comparison) or else If-Modified-Since -> 304; one byte range -> 206 with Content-Range, or 416
// when it starts past the end; If-Range (strong ETag or the exact Last-Modified date) gates the
// range; several ranges or a malformed Range -> the full 200. Other methods -> 405.
OriginResponse serveRepresentation(const OriginRequest &request, const Representation &rep,
                                   const QDateTime &lastModified);

// A short text/plain answer ("not found", "size must be ...").
OriginResponse textResponse(int status, const QByteArray &text);
OriginResponse methodNotAllowed(const QByteArray &allow);

// Decimal digits only (no sign, no spaces); nullopt when empty, malformed or out of range.
std::optional<qint64> parseNonNegative(QByteArrayView text);

} // namespace relayrace::lab
