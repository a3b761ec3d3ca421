// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// An origin's or relay's response, split as the network splits it: the HTTP/1.x parser, the framing
// the engine trusts (how the body ends, what "complete" means), and the head the edge writes for the
// client. The client's head never holds a line the origin smuggled in (response splitting), and a
// body never runs past its Content-Length.

#include "edge/edgeresponse.h"
#include "httpfeed.h"
#include "race/httpmessage.h"

#include <cstdlib>

using namespace relayrace;

namespace {

void checkClientHead(const http::HttpHead &head)
{
    engine::ResponseHead response;
    response.status = head.status;
    QByteArray cookies; // as Qt hands repeated Set-Cookie fields over: joined with '\n'
    for (const http::HttpHeader &h : head.headers) {
        response.headers.append({h.name, h.value});
        cookies += (cookies.isEmpty() ? "" : "\n") + h.value;
    }
    response.headers.append({QByteArrayLiteral("Set-Cookie"), cookies});
    const race::BodyFraming framing = race::bodyFramingOf(QByteArrayLiteral("GET"), head.status, response.headers);
    response.framing = race::framingName(framing.kind);
    response.length = framing.length;
    if (framing.kind == race::BodyFraming::Kind::Length && framing.length < 0)
        std::abort();
    for (const bool http11 : {true, false}) {
        edge::ClientFraming client;
        const QByteArray written = edge::clientResponseHead(response, false, http11, true, &client);
        if (!written.startsWith("HTTP/1.1 ") || !written.endsWith("\r\n\r\n"))
            std::abort();
        // Every CR and LF is part of a CRLF, and only the last one is blank: nothing from the origin
        // starts a line or ends the head early.
        const qsizetype crlf = written.count("\r\n");
        if (written.count('\r') != crlf || written.count('\n') != crlf)
            std::abort();
        if (written.count("\r\n\r\n") != 1)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::quietLogs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    http::HttpParser parser(http::HttpParser::Kind::Response, 16 * 1024);
    fuzz::feedMessages(parser, data, size, checkClientHead);
    return 0;
}
