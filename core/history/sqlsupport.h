// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by the history store's files; not part of its API.

#include "util/result.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <limits>
#include <optional>

namespace relayrace::history::detail {

using namespace Qt::StringLiterals;

// "history <file>: <what>: <SQLite's message>"
inline Error sqlError(const QString &path, const QString &what, const QSqlError &error)
{
    QString message = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    return makeError(QStringLiteral("history %1: %2: %3").arg(path, what, message));
}

inline Error queryError(const QString &path, const QString &what, const QSqlQuery &query)
{
    return sqlError(path, what, query.lastError());
}

// The structs say "does not apply" with -1 (or an empty string); the tables with NULL.
inline QVariant nullIfNegative(double value)
{
    return value < 0 ? QVariant() : QVariant(value);
}

inline QVariant nullIfNegative(qint64 value)
{
    return value < 0 ? QVariant() : QVariant(value);
}

inline QVariant nullIfEmpty(const QString &text)
{
    return text.isEmpty() ? QVariant() : QVariant(text);
}

// Qt binds a null QString as NULL: a NOT NULL text column gets "" instead.
inline QVariant notNull(const QString &text)
{
    return text.isNull() ? QVariant(QString(u""_s)) : QVariant(text);
}

inline double realOr(const QVariant &value, double fallback = -1)
{
    return value.isNull() ? fallback : value.toDouble();
}

inline qint64 integerOr(const QVariant &value, qint64 fallback = -1)
{
    return value.isNull() ? fallback : value.toLongLong();
}

inline QDateTime utcFromMs(const QVariant &value)
{
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

// An invalid bound does not bound.
inline qint64 lowerMs(const QDateTime &from)
{
    return from.isValid() ? from.toMSecsSinceEpoch() : std::numeric_limits<qint64>::min();
}

inline qint64 upperMs(const QDateTime &to)
{
    return to.isValid() ? to.toMSecsSinceEpoch() : std::numeric_limits<qint64>::max();
}

// Prepares sql on query, binds values in order, runs it; the error names what was being done.
inline std::optional<Error> run(QSqlQuery &query, const QString &sql, const QVariantList &values,
                                const QString &path, const QString &what)
{
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return queryError(path, what, query);
    for (int i = 0; i < values.size(); ++i)
        query.bindValue(i, values.at(i));
    if (!query.exec())
        return queryError(path, what, query);
    return std::nullopt;
}

} // namespace relayrace::history::detail
