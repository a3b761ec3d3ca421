// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QNetworkRequest>

namespace relayrace::delivery {

struct DeliveryRequest;

// What one attempt of a delivery sends: the caller's headers; Accept-Encoding: identity unless the
// caller chose an encoding, so Qt does not inflate a compressed body (the consumer gets the
// representation's own bytes, the ones a Range offset counts); a Content-Type for a body; and
// Range: bytes=<rangeStart>- with If-Range when resuming (rangeStart >= 0).
QNetworkRequest outgoingRequest(const DeliveryRequest &request, qint64 rangeStart, const QByteArray &ifRange);

} // namespace relayrace::delivery
