// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "delivery/outgoingrequest.h"

#include "delivery/delivery.h"
#include "race/httpmessage.h"

namespace relayrace::delivery {

QNetworkRequest outgoingRequest(const DeliveryRequest &r, bool keepRange, qint64 rangeStart, const QByteArray &ifRange)
{
    QNetworkRequest request(r.url);
    bool contentType = false;
    for (const auto &[name, value] : race::forwardedRequestHeaders(r.method, r.headers, keepRange)) {
        request.setRawHeader(name, value);
        contentType = contentType || name.compare("Content-Type", Qt::CaseInsensitive) == 0;
    }
    if (!r.body.isEmpty() && !contentType)
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/octet-stream"));
    if (rangeStart >= 0) {
        request.setRawHeader("Range", "bytes=" + QByteArray::number(rangeStart) + '-');
        request.setRawHeader("If-Range", ifRange);
    }
    return request;
}

} // namespace relayrace::delivery
