// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The edge's request path: a client's bytes, split as the network splits them, through the HTTP/1.x
// parser (heads, Content-Length and chunked framing, pipelining), then what the edge makes of each
// head (the origin-form target, the forwarded headers, a proxy target). A body is never longer than
// its Content-Length, and the parser never uses bytes it was not given.

#include "edge/edgerequest.h"
#include "httpfeed.h"

#include <cstdlib>

using namespace relayrace;

namespace {

// Forwarded is `for=...;host="<quoted-string>";proto=http`: inside the quotes, every '"' and '\' is
// escaped (RFC 9110 section 5.6.4), so the host cannot close the string and add a parameter.
bool quotedHostIsClosed(const QByteArray &value)
{
    const qsizetype open = value.indexOf(";host=\"");
    if (open < 0 || !value.endsWith("\";proto=http"))
        return false;
    const QByteArray inside = value.mid(open + 7, value.size() - open - 7 - 12);
    for (qsizetype i = 0; i < inside.size(); ++i) {
        if (inside.at(i) == '"')
            return false;
        if (inside.at(i) == '\\') {
            ++i; // the escaped character
            if (i == inside.size())
                return false; // the backslash escapes the closing quote
        }
    }
    return true;
}

// What the edge makes of a request head.
void checkHead(const http::HttpHead &head)
{
    const QByteArray target = edge::originFormTarget(head.target);
    if (!target.isEmpty() && !target.startsWith('/'))
        std::abort();
    // Nothing the client sent can end a forwarded header early or add a parameter to the edge's own
    // Forwarded (the last one: a client's Forwarded is passed on before it, docs/security.md).
    const edge::Headers forwarded = edge::forwardedRequestHeaders(head, QStringLiteral("192.0.2.1"));
    QByteArray ours;
    for (const auto &[name, value] : forwarded) {
        if (value.contains('\r') || value.contains('\n') || value.contains('\0'))
            std::abort();
        if (name == "Forwarded")
            ours = value;
    }
    if (!quotedHostIsClosed(ours))
        std::abort();
    (void)http::parseProxyTarget(head.target, head.connect);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::quietLogs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    http::HttpParser parser(http::HttpParser::Kind::Request, 8 * 1024);
    fuzz::feedMessages(parser, data, size, checkHead);
    return 0;
}
