// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "wire/frontjson.h"

#include <limits>

namespace relayrace::wire {

namespace {

void addTime(QUrlQuery &query, const QString &key, const QDateTime &at)
{
    if (at.isValid())
        query.addQueryItem(key, at.toUTC().toString(Qt::ISODateWithMs));
}

// The query's parameters, each read once; the first that does not parse is kept, named.
class Params final
{
public:
    explicit Params(const QUrlQuery &query) : m_query(query) {}

    QString text(const QString &key) const { return m_query.queryItemValue(key, QUrl::FullyDecoded); }
    QDateTime time(const QString &key)
    {
        const QString value = text(key);
        if (value.isEmpty())
            return {};
        const QDateTime at = QDateTime::fromString(value, Qt::ISODateWithMs);
        if (!at.isValid())
            fail(QStringLiteral("%1: not an ISO 8601 time: \"%2\"").arg(key, value));
        return at.toUTC();
    }
    int integer(const QString &key, int absent)
    {
        const QString value = text(key);
        if (value.isEmpty())
            return absent;
        bool ok = false;
        const int number = value.toInt(&ok);
        if (!ok || number < 0)
            fail(QStringLiteral("%1: expected a non-negative integer, not \"%2\"").arg(key, value));
        return ok ? number : absent;
    }
    qint64 id(const QString &key, qint64 absent)
    {
        const QString value = text(key);
        if (value.isEmpty())
            return absent;
        bool ok = false;
        const qint64 number = value.toLongLong(&ok);
        if (!ok || number < 0)
            fail(QStringLiteral("%1: expected a race id (a non-negative integer), not \"%2\"").arg(key, value));
        return ok ? number : absent;
    }
    const QString &error() const { return m_error; }

private:
    void fail(QString message)
    {
        if (m_error.isEmpty())
            m_error = std::move(message);
    }
    const QUrlQuery m_query;
    QString m_error;
};

} // namespace

QString historyPath(const engine::HistoryQuery &query)
{
    switch (query.kind) {
    case engine::HistoryQuery::Kind::RecentRaces:
        return QStringLiteral("/api/v1/providers/%1/races").arg(QString::fromLatin1(QUrl::toPercentEncoding(query.provider)));
    case engine::HistoryQuery::Kind::RouteChanges:
        return QStringLiteral("/api/v1/providers/%1/route-changes").arg(QString::fromLatin1(QUrl::toPercentEncoding(query.provider)));
    case engine::HistoryQuery::Kind::Failovers:
        return QStringLiteral("/api/v1/failovers");
    case engine::HistoryQuery::Kind::RouteSamples:
        return QStringLiteral("/api/v1/providers/%1/route-samples").arg(QString::fromLatin1(QUrl::toPercentEncoding(query.provider)));
    case engine::HistoryQuery::Kind::Winners:
        return QStringLiteral("/api/v1/providers/%1/winners").arg(QString::fromLatin1(QUrl::toPercentEncoding(query.provider)));
    case engine::HistoryQuery::Kind::RaceCount:
        return QStringLiteral("/api/v1/providers/%1/race-count").arg(QString::fromLatin1(QUrl::toPercentEncoding(query.provider)));
    }
    return {};
}

QUrlQuery historyUrlQuery(const engine::HistoryQuery &query)
{
    QUrlQuery url;
    switch (query.kind) {
    case engine::HistoryQuery::Kind::RecentRaces:
        url.addQueryItem(QStringLiteral("limit"), QString::number(qMax(0, query.limit)));
        break;
    case engine::HistoryQuery::Kind::RouteChanges:
        addTime(url, QStringLiteral("since"), query.from);
        addTime(url, QStringLiteral("until"), query.to);
        break;
    case engine::HistoryQuery::Kind::Failovers: {
        const history::FailoverQuery &f = query.failovers;
        for (const auto &[key, value] : {std::pair{QStringLiteral("provider"), f.provider},
                                         std::pair{QStringLiteral("route"), f.route},
                                         std::pair{QStringLiteral("reason"), f.reason},
                                         std::pair{QStringLiteral("text"), f.text}}) {
            // QUrlQuery takes a value in its percent-encoded form: a literal '%' ("50%") must be
            // sent as %25, or "%6c" in a search text arrives as "l" (found by fuzz_adminquery).
            if (!value.isEmpty())
                url.addQueryItem(key, QString(value).replace(QLatin1Char('%'), QLatin1String("%25")));
        }
        addTime(url, QStringLiteral("since"), f.from);
        addTime(url, QStringLiteral("until"), f.to);
        url.addQueryItem(QStringLiteral("limit"), QString::number(qMax(0, f.limit)));
        break;
    }
    case engine::HistoryQuery::Kind::RouteSamples:
    case engine::HistoryQuery::Kind::Winners:
        addTime(url, QStringLiteral("since"), query.from);
        addTime(url, QStringLiteral("until"), query.to);
        if (query.afterRaceId >= 0)
            url.addQueryItem(QStringLiteral("after_race"), QString::number(query.afterRaceId));
        break;
    case engine::HistoryQuery::Kind::RaceCount:
        addTime(url, QStringLiteral("since"), query.from);
        addTime(url, QStringLiteral("until"), query.to);
        if (query.upToRaceId != std::numeric_limits<qint64>::max())
            url.addQueryItem(QStringLiteral("up_to_race"), QString::number(query.upToRaceId));
        break;
    }
    return url;
}

Result<engine::HistoryQuery> historyQueryFrom(engine::HistoryQuery::Kind kind, const QString &provider, const QUrlQuery &url)
{
    Params params(url);
    engine::HistoryQuery query;
    query.kind = kind;
    query.provider = provider;
    switch (kind) {
    case engine::HistoryQuery::Kind::RecentRaces:
        query.limit = params.integer(QStringLiteral("limit"), 100);
        break;
    case engine::HistoryQuery::Kind::RouteChanges:
        query.from = params.time(QStringLiteral("since"));
        query.to = params.time(QStringLiteral("until"));
        if (!query.from.isValid())
            query.from = QDateTime::fromMSecsSinceEpoch(0, Qt::UTC);
        if (!query.to.isValid())
            query.to = QDateTime::currentDateTimeUtc().addDays(1);
        break;
    case engine::HistoryQuery::Kind::Failovers:
        query.failovers.provider = params.text(QStringLiteral("provider"));
        query.failovers.route = params.text(QStringLiteral("route"));
        query.failovers.reason = params.text(QStringLiteral("reason"));
        query.failovers.text = params.text(QStringLiteral("text"));
        query.failovers.from = params.time(QStringLiteral("since"));
        query.failovers.to = params.time(QStringLiteral("until"));
        query.failovers.limit = params.integer(QStringLiteral("limit"), 1000);
        break;
    case engine::HistoryQuery::Kind::RouteSamples:
    case engine::HistoryQuery::Kind::Winners:
        query.from = params.time(QStringLiteral("since"));
        query.to = params.time(QStringLiteral("until"));
        query.afterRaceId = params.id(QStringLiteral("after_race"), -1);
        break;
    case engine::HistoryQuery::Kind::RaceCount:
        query.from = params.time(QStringLiteral("since"));
        query.to = params.time(QStringLiteral("until"));
        query.upToRaceId = params.id(QStringLiteral("up_to_race"), std::numeric_limits<qint64>::max());
        break;
    }
    if (!params.error().isEmpty())
        return makeError(params.error());
    return query;
}

} // namespace relayrace::wire
