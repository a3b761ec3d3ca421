// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "edge/edgeresponse.h"
#include "http/httpparser.h"

#include <QByteArray>
#include <QString>

namespace relayrace::edge {

// The origin-form ("/path?query") of a request target, absolute-form ones reduced to it; empty when
// the target has no path (the edge answers 400).
QByteArray originFormTarget(const QByteArray &target);

// The headers a client's request carries to the origin: the client's own (the engine's header filter
// removes hop-by-hop ones later), X-Forwarded-For appended with the client's address, Forwarded
// (RFC 7239) and Via (RFC 9110 section 7.6.3).
Headers forwardedRequestHeaders(const http::HttpHead &head, const QString &clientAddress);

} // namespace relayrace::edge
