// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QNetworkReply>
#include <QString>

namespace relayrace::delivery {

// The failover reason code (failoverevent.h) of a transport error Qt reported for a route:
// refused | reset | tls | timeout | dns | relay_error | protocol.
QString failureReason(QNetworkReply::NetworkError error);

// Whether an error proves the request never left: the connection (or the TLS handshake that precedes
// any request byte) failed, and Qt never reported the request written. Only then may a
// non-idempotent request go to another route.
bool certainlyNotSent(QNetworkReply::NetworkError error, bool requestSentSeen);

// GET, HEAD, PUT, DELETE, OPTIONS, TRACE (RFC 9110 9.2.2).
bool isIdempotentMethod(const QByteArray &method);

} // namespace relayrace::delivery
