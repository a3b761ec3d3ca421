// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

// What the fuzz targets of the HTTP/1.x parser share: a message stream fed in the input's pieces.

#include "fuzzsupport.h"
#include "http/httpparser.h"

#include <cstdlib>
#include <functional>

namespace relayrace::fuzz {

// Feeds data to parser in pieces (fuzz::pieces), resuming after each complete message, until the
// input ends, the parser fails or the connection is upgraded; then the peer's close. Checks what holds
// for any input: the parser never uses more than it was given, an error is named, and a body is never
// longer than its Content-Length and exactly that long when its message completes. onHead sees each head.
inline void feedMessages(http::HttpParser &parser, const uint8_t *data, size_t size,
                         const std::function<void(const http::HttpHead &)> &onHead)
{
    qint64 declared = -1;
    qint64 body = 0;
    parser.onHead = [&](const http::HttpHead &head) {
        const bool bodiless = head.status == 204 || head.status == 304 || (head.status >= 100 && head.status < 200);
        // After CONNECT or an upgrade the bytes belong to the tunnel, whatever Content-Length says.
        declared = head.chunked || head.upgrade || head.connect ? -1 : bodiless ? 0 : head.contentLength;
        body = 0;
        if (onHead)
            onHead(head);
    };
    parser.onBody = [&](QByteArrayView piece) {
        body += piece.size();
        if (declared >= 0 && body > declared)
            std::abort();
    };
    parser.onComplete = [&] {
        if (declared >= 0 && body != declared)
            std::abort();
    };
    for (QByteArrayView piece : pieces(data, size)) {
        while (!piece.isEmpty() && parser.error() == http::HttpParser::Error::None && !parser.isUpgraded()) {
            const qsizetype used = parser.feed(piece);
            if (used < 0 || used > piece.size())
                std::abort();
            piece = piece.sliced(used);
            if (parser.isPaused())
                parser.resume();
            else if (used == 0)
                break;
        }
        if (parser.error() != http::HttpParser::Error::None) {
            if (parser.errorString().isEmpty())
                std::abort();
            return;
        }
    }
    parser.finish();
}

} // namespace relayrace::fuzz
