// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QNetworkRequest>

namespace relayrace::delivery {

struct DeliveryRequest;

// The request one attempt sends: the requester's headers through race::forwardedRequestHeaders (the
// same filter a race applies), the requester's own Range kept only when keepRange, and this side's
// Range + If-Range when rangeStart >= 0 (a resume, or a check past the end of a body).
QNetworkRequest outgoingRequest(const DeliveryRequest &request, bool keepRange, qint64 rangeStart,
                                const QByteArray &ifRange);

} // namespace relayrace::delivery
