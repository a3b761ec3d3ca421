#include "delivery/failoverevent.h"

#include <QJsonValue>

#include <cmath>

namespace relayrace::delivery {

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

} // namespace relayrace::delivery
