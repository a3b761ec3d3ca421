// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "model/failoverevent.h"

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

namespace {

// Reads one field of a failover log line; the first problem found is kept in *error (later reads are
// then harmless no-ops, so fromJson reads straight through and checks once).
class FieldReader final
{
public:
    FieldReader(const QJsonObject &object, QString *error) : m_object(object), m_error(error) {}

    QString text(const QString &field, bool required)
    {
        const QJsonValue value = m_object.value(field);
        if (value.isUndefined() || value.isNull()) {
            if (required)
                fail(QStringLiteral("missing %1").arg(field));
            return {};
        }
        if (!value.isString()) {
            fail(QStringLiteral("%1: expected a string").arg(field));
            return {};
        }
        if (required && value.toString().isEmpty())
            fail(QStringLiteral("%1: empty").arg(field));
        return value.toString();
    }

    // A non-negative number; absent or null gives absent.
    double number(const QString &field, double absent, bool integral)
    {
        const QJsonValue value = m_object.value(field);
        if (value.isUndefined() || value.isNull())
            return absent;
        // 2^53: past it a JSON number no longer holds every integer exactly.
        constexpr double kMaxExact = 9007199254740992.0;
        const double number = value.toDouble(-1);
        if (!value.isDouble() || !(number >= 0) || number > kMaxExact || (integral && number != std::floor(number))) {
            fail(QStringLiteral("%1: expected a non-negative %2").arg(field, integral ? QStringLiteral("integer")
                                                                                        : QStringLiteral("number")));
            return absent;
        }
        return number;
    }

private:
    void fail(QString message)
    {
        if (m_error->isEmpty())
            *m_error = std::move(message);
    }

    const QJsonObject &m_object;
    QString *m_error;
};

} // namespace

Result<FailoverEvent> fromJson(const QJsonObject &object)
{
    QString error;
    FieldReader read(object, &error);
    FailoverEvent event;
    const QString at = read.text(QStringLiteral("at"), false);
    if (!at.isEmpty()) {
        event.at = QDateTime::fromString(at, Qt::ISODateWithMs);
        if (!event.at.isValid())
            return makeError(QStringLiteral("at: not an ISO 8601 time: \"%1\"").arg(at));
        event.at = event.at.toUTC();
    }
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
    if (!error.isEmpty())
        return makeError(error);
    const auto parsed = outcomeFromName(outcome);
    if (!parsed)
        return makeError(QStringLiteral("outcome: unknown \"%1\" (expected resumed, restarted or failed)").arg(outcome));
    event.outcome = *parsed;
    return event;
}

} // namespace relayrace::model
