// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "util/jsonfields.h"

#include <QJsonArray>
#include <QJsonValue>

#include <cmath>

namespace relayrace::util {

void JsonFields::fail(QString message)
{
    if (m_error.isEmpty())
        m_error = std::move(message);
}

QString JsonFields::text(const QString &field, bool required)
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

double JsonFields::number(const QString &field, double absent, bool integral)
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

double JsonFields::real(const QString &field, double absent)
{
    const QJsonValue value = m_object.value(field);
    if (value.isUndefined() || value.isNull())
        return absent;
    if (!value.isDouble() || !std::isfinite(value.toDouble())) {
        fail(QStringLiteral("%1: expected a number").arg(field));
        return absent;
    }
    return value.toDouble();
}

bool JsonFields::boolean(const QString &field, bool absent)
{
    const QJsonValue value = m_object.value(field);
    if (value.isUndefined() || value.isNull())
        return absent;
    if (!value.isBool()) {
        fail(QStringLiteral("%1: expected true or false").arg(field));
        return absent;
    }
    return value.toBool();
}

QDateTime JsonFields::time(const QString &field)
{
    const QString text = this->text(field);
    if (text.isEmpty())
        return {};
    const QDateTime at = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!at.isValid()) {
        fail(QStringLiteral("%1: not an ISO 8601 time: \"%2\"").arg(field, text));
        return {};
    }
    return at.toUTC();
}

QStringList JsonFields::texts(const QString &field)
{
    const QJsonValue value = m_object.value(field);
    if (value.isUndefined() || value.isNull())
        return {};
    QStringList list;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &item : array) {
        if (!item.isString()) {
            fail(QStringLiteral("%1: expected an array of strings").arg(field));
            return {};
        }
        list.append(item.toString());
    }
    if (!value.isArray())
        fail(QStringLiteral("%1: expected an array of strings").arg(field));
    return list;
}

QJsonObject JsonFields::object(const QString &field)
{
    const QJsonValue value = m_object.value(field);
    if (!value.isObject()) {
        fail(QStringLiteral("%1: expected an object").arg(field));
        return {};
    }
    return value.toObject();
}

} // namespace relayrace::util
