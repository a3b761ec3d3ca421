// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace relayrace::util {

// Reads the fields of one JSON object and keeps the first problem, named by its field (later reads
// are then harmless no-ops, so a reader reads straight through and checks error() once). What the
// readers of JSON from elsewhere share: a failover log line, an edge's admin API.
class JsonFields final
{
public:
    explicit JsonFields(const QJsonObject &object) : m_object(object) {}

    // A string; absent or null gives an empty one (an error when required, as is an empty one).
    QString text(const QString &field, bool required = false);
    // A non-negative number (integral: an integer below 2^53); absent or null gives absent.
    double number(const QString &field, double absent, bool integral);
    qint64 integer(const QString &field, qint64 absent = 0) { return qint64(number(field, double(absent), true)); }
    // Any number, negative too; absent or null gives absent.
    double real(const QString &field, double absent);
    bool boolean(const QString &field, bool absent = false);
    // An ISO 8601 time (UTC); absent or null gives an invalid one.
    QDateTime time(const QString &field);
    QStringList texts(const QString &field);
    QJsonObject object(const QString &field);

    const QString &error() const { return m_error; }
    bool ok() const { return m_error.isEmpty(); }
    void fail(QString message);

private:
    const QJsonObject m_object; // implicitly shared: a copy is cheap, and a temporary may be passed
    QString m_error;
};

} // namespace relayrace::util
