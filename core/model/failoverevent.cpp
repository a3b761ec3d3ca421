// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "model/failoverevent.h"

#include "util/jsonfields.h"

#include <QJsonValue>

#include <cmath>

namespace relayrace::model {

QString outcomeName(FailoverEvent::Outcome outcome)
{
    switch (outcome) {
    case FailoverEvent::Outcome::Resumed:
        return QStringLiteral("resumed");
    case FailoverEvent::Outcome::Restarted:
        return QStringLiteral("restarted");
    case FailoverEvent::Outcome::Failed:
        return QStringLiteral("failed");
    }
    return QStringLiteral("failed");
}

std::optional<FailoverEvent::Outcome> outcomeFromName(const QString &name)
{
    for (const FailoverEvent::Outcome outcome :
         {FailoverEvent::Outcome::Resumed, FailoverEvent::Outcome::Restarted, FailoverEvent::Outcome::Failed}) {
        if (outcomeName(outcome) == name)
            return outcome;
    }
    return std::nullopt;
}

QJsonObject toJson(const FailoverEvent &event)
{
    const auto textOrNull = [](const QString &text) {
        return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
    };
    return QJsonObject{
        {QStringLiteral("at"), event.at.isValid() ? QJsonValue(event.at.toUTC().toString(Qt::ISODateWithMs))
                                                  : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("provider"), event.provider},
        {QStringLiteral("request"), event.request},
        {QStringLiteral("client"), textOrNull(event.client)},
        {QStringLiteral("request_id"), textOrNull(event.requestId)},
        {QStringLiteral("from_route"), event.fromRoute},
        {QStringLiteral("to_route"), textOrNull(event.toRoute)},
        {QStringLiteral("reason"), event.reason},
        {QStringLiteral("detail"), textOrNull(event.detail)},
        {QStringLiteral("bytes_delivered"), event.bytesDelivered},
        {QStringLiteral("resume_offset"), event.resumeOffset < 0 ? QJsonValue(QJsonValue::Null)
                                                                 : QJsonValue(event.resumeOffset)},
        {QStringLiteral("recover_ms"), event.recoverMs < 0 ? QJsonValue(QJsonValue::Null)
                                                           : QJsonValue(std::round(event.recoverMs * 10.0) / 10.0)},
        {QStringLiteral("outcome"), outcomeName(event.outcome)},
    };
}

Result<FailoverEvent> fromJson(const QJsonObject &object)
{
    util::JsonFields read(object);
    FailoverEvent event;
    event.at = read.time(QStringLiteral("at"));
    if (!read.ok())
        return makeError(read.error());
    event.provider = read.text(QStringLiteral("provider"), true);
    event.request = read.text(QStringLiteral("request"), false);
    event.client = read.text(QStringLiteral("client"), false);
    event.requestId = read.text(QStringLiteral("request_id"), false);
    event.fromRoute = read.text(QStringLiteral("from_route"), true);
    event.toRoute = read.text(QStringLiteral("to_route"), false);
    event.reason = read.text(QStringLiteral("reason"), true);
    event.detail = read.text(QStringLiteral("detail"), false);
    event.bytesDelivered = qint64(read.number(QStringLiteral("bytes_delivered"), 0, true));
    event.resumeOffset = qint64(read.number(QStringLiteral("resume_offset"), -1, true));
    event.recoverMs = read.number(QStringLiteral("recover_ms"), -1, false);
    const QString outcome = read.text(QStringLiteral("outcome"), true);
    if (!read.ok())
        return makeError(read.error());
    const auto parsed = outcomeFromName(outcome);
    if (!parsed)
        return makeError(QStringLiteral("outcome: unknown \"%1\" (expected resumed, restarted or failed)").arg(outcome));
    event.outcome = *parsed;
    return event;
}

} // namespace relayrace::model
