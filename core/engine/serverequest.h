// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/failoverevent.h"
#include "model/trigger.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

#include <memory>
#include <utility>

namespace relayrace::delivery {
class RequestBodyPipe;
}

namespace relayrace::engine {

// A request served by the engine: the flow of docs/architecture.md (route cache -> re-test triggers
// -> race or the cached route -> delivery with failover).
struct ServeRequest
{
    QString provider;
    QByteArray method = QByteArrayLiteral("GET");
    QString path;                  // path and query on the provider's origin
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;               // POST/PUT/PATCH
    bool resendWrites = false;     // PUT and DELETE may go to another route after they may have left
    std::shared_ptr<delivery::RequestBodyPipe> bodyPipe; // a body streamed as it arrives, instead of body
    QString client;                // the edge's client address, for the failover log; empty otherwise
    QString requestId;             // the edge's id of the request (the access log's request_id)
};

struct ServeResult
{
    bool ok = false;               // the whole response was delivered to the sink
    QString route;                 // the route that delivered it
    bool raced = false;            // this request raced (on itself or on the test object)
    QList<model::FailoverEvent> failovers;
    model::Trigger trigger = model::Trigger::None; // what made it race; None when it did not
    int httpStatus = 0;
    qint64 bytes = 0;
    QString framing;               // how the body's end was known (delivery::DeliveryResult::framing)
    bool lengthVerified = false;   // its length was checked, not only Qt's word (see DeliveryResult)
    QString error;
};

} // namespace relayrace::engine

Q_DECLARE_METATYPE(relayrace::engine::ServeRequest)
Q_DECLARE_METATYPE(relayrace::engine::ServeResult)
