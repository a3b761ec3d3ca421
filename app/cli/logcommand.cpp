// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace log`: the failover events in the history, newest first, for people or for tools.
#include "command.h"

#include "model/failoverevent.h"
#include "history/historystore.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <optional>

namespace relayrace::cli {
namespace {

// ISO 8601; a value without an offset is UTC (the history's times are), a date alone is its midnight.
std::optional<QDateTime> parseSince(const QString &value)
{
    QDateTime at = QDateTime::fromString(value, Qt::ISODateWithMs);
    if (!at.isValid()) {
        const QDate date = QDate::fromString(value, Qt::ISODate);
        if (date.isValid())
            at = QDateTime(date, QTime(0, 0), Qt::UTC);
    }
    if (!at.isValid())
        return std::nullopt;
    if (at.timeSpec() == Qt::LocalTime)
        at.setTimeSpec(Qt::UTC);
    return at.toUTC();
}

QString eventTable(const QList<model::FailoverEvent> &events)
{
    QList<QStringList> rows{{QStringLiteral("TIME (UTC)"), QStringLiteral("PROVIDER"), QStringLiteral("REQUEST"),
                             QStringLiteral("FROM -> TO"), QStringLiteral("REASON"), QStringLiteral("BYTES"),
                             QStringLiteral("OFFSET"), QStringLiteral("RECOVER"), QStringLiteral("OUTCOME")}};
    for (const model::FailoverEvent &e : events) {
        rows.append({e.at.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")), e.provider, e.request,
                     e.fromRoute + QStringLiteral(" -> ") + (e.toRoute.isEmpty() ? QStringLiteral("(none)") : e.toRoute),
                     e.reason, QString::number(e.bytesDelivered),
                     e.resumeOffset < 0 ? QStringLiteral("-") : QString::number(e.resumeOffset),
                     e.recoverMs < 0 ? QStringLiteral("-") : QString::number(e.recoverMs, 'f', 1) + QStringLiteral(" ms"),
                     model::outcomeName(e.outcome)});
    }
    return textTable(rows);
}

} // namespace

int runLog(const QStringList &arguments)
{
    const QString usage = QStringLiteral("relayrace log");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Shows the failover events in the history (docs/history.md), newest first: time, provider,\n"
        "request, failed route -> the route that took over, reason, bytes delivered, resume offset,\n"
        "time to recover and outcome. Filters combine. Exit 1 when the history cannot be read."));
    const QCommandLineOption provider(QStringLiteral("provider"), QStringLiteral("Only this provider's events."), QStringLiteral("P"));
    const QCommandLineOption since(QStringLiteral("since"),
                                   QStringLiteral("Only events at or after this time (ISO 8601; UTC unless an offset is given)."),
                                   QStringLiteral("ISO8601"));
    const QCommandLineOption reason(QStringLiteral("reason"),
                                    QStringLiteral("Only this reason (refused, reset, tls, timeout, stall, ...)."), QStringLiteral("R"));
    const QCommandLineOption route(QStringLiteral("route"), QStringLiteral("Only events where this route failed or took over."),
                                   QStringLiteral("R"));
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("The history file (default: %1).").arg(QStringLiteral("$XDG_DATA_HOME/relayrace/history.sqlite")),
                                QStringLiteral("FILE"));
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("At most N events, the newest (default 100; 0: all)."),
                                   QStringLiteral("N"), QStringLiteral("100"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print one JSON document: {\"events\": [...]}."));
    parser.addOptions({provider, since, reason, route, db, limit, json});
    if (const int rc = parseCommandLine(parser, arguments, usage); rc >= 0)
        return rc;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("unexpected argument '%1' (see '%2 --help')").arg(parser.positionalArguments().first(), usage));
        return ExitUsage;
    }
    history::FailoverQuery query;
    query.provider = parser.value(provider);
    query.reason = parser.value(reason);
    query.route = parser.value(route);
    if (parser.isSet(since)) {
        const std::optional<QDateTime> from = parseSince(parser.value(since));
        if (!from) {
            printError(QStringLiteral("--since '%1' is not an ISO 8601 date or time (e.g. 2026-11-25T18:00:00Z)")
                           .arg(parser.value(since)));
            return ExitUsage;
        }
        query.from = *from;
    }
    bool numeric = false;
    const int maxEvents = parser.value(limit).toInt(&numeric);
    if (!numeric || maxEvents < 0) {
        printError(QStringLiteral("--limit '%1' is not a count (0 or more)").arg(parser.value(limit)));
        return ExitUsage;
    }
    setUpLogging(parser);

    const QString path = parser.isSet(db) ? parser.value(db) : history::HistoryStore::defaultPath();
    if (!QFileInfo::exists(path)) {
        // Reading must not create a history; with no --db an absent file just means nothing happened yet.
        if (parser.isSet(db)) {
            printError(QStringLiteral("history %1 does not exist").arg(path));
            return ExitFailure;
        }
        if (parser.isSet(json))
            std::fputs("{\n    \"events\": [\n    ]\n}\n", stdout);
        printError(QStringLiteral("no failover events: there is no history yet (%1)").arg(path));
        return ExitOk;
    }
    Result<std::unique_ptr<history::HistoryStore>> store = history::HistoryStore::open(path);
    if (!store) {
        printError(store.error());
        return ExitFailure;
    }
    query.limit = maxEvents > 0 ? maxEvents + 1 : 0; // one more tells whether there were more
    const Result<QList<model::FailoverEvent>> found = store.value()->failovers(query);
    if (!found) {
        printError(found.error());
        return ExitFailure;
    }
    QList<model::FailoverEvent> events = *found;
    const bool truncated = maxEvents > 0 && events.size() > maxEvents;
    if (truncated)
        events.removeLast();

    if (parser.isSet(json)) {
        QJsonArray array;
        for (const model::FailoverEvent &e : events)
            array.append(model::toJson(e));
        const QByteArray bytes = QJsonDocument(QJsonObject{{QStringLiteral("events"), array}}).toJson(QJsonDocument::Indented);
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    } else if (!events.isEmpty()) {
        std::fputs(qUtf8Printable(eventTable(events)), stdout);
    }
    if (events.isEmpty())
        printError(QStringLiteral("no failover events match (history %1)").arg(path));
    else if (truncated)
        printError(QStringLiteral("showing only the newest %1 (--limit); --limit 0 shows all").arg(maxEvents));
    return std::fflush(stdout) == 0 ? ExitOk : ExitFailure;
}

} // namespace relayrace::cli
