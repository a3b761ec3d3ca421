// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "delivery/outgoingrequest.h"

#include "delivery/delivery.h"

namespace relayrace::delivery {

QNetworkRequest outgoingRequest(const DeliveryRequest &r, qint64 rangeStart, const QByteArray &ifRange)
{
    QNetworkRequest request(r.url);
    bool encoding = false;
    bool contentType = false;
    for (const auto &[name, value] : std::as_const(r.headers)) {
        request.setRawHeader(name, value);
        encoding = encoding || name.compare("Accept-Encoding", Qt::CaseInsensitive) == 0;
        contentType = contentType || name.compare("Content-Type", Qt::CaseInsensitive) == 0;
    }
    if (!encoding)
        request.setRawHeader("Accept-Encoding", "identity");
    if (!r.body.isEmpty() && !contentType)
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/octet-stream"));
    if (rangeStart >= 0) {
        request.setRawHeader("Range", "bytes=" + QByteArray::number(rangeStart) + '-');
        request.setRawHeader("If-Range", ifRange);
    }
    return request;
}

} // namespace relayrace::delivery
