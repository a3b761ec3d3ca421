// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// What the history tests build their rows from, shared by tst_historystore, tst_historyqueries,
// tst_historyretention and tst_historyexport: races, routes and failover events at fixed times (so
// queries and retention have exact answers), stores opened in a temporary directory, and a probe
// that reads the file through a connection of the test's own, not the store's.

#include "history/historystore.h"
#include "model/failoverevent.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace relayrace::testsupport::historylab {

inline const QDateTime kT0 = QDateTime(QDate(2026, 11, 25), QTime(18, 0), Qt::UTC);

inline model::RouteOutcome route(const QString &id, model::RouteOutcome::State state, double ttt, double projected, double ttfb = 20)
{
    model::RouteOutcome o;
    o.routeId = id;
    o.relay = id == u"direct" ? QString() : QStringLiteral("http://127.0.0.1:3128");
    o.state = state;
    o.freshConnection = state != model::RouteOutcome::State::Failed;
    o.connectMs = state == model::RouteOutcome::State::Failed ? -1 : 11.25;
    o.ttfbMs = ttfb;
    o.timeToThresholdMs = ttt;
    o.projectedMs = projected;
    o.queuedMs = 0.5;
    o.bytes = ttt >= 0 ? 65536 : 1234;
    o.throughputBytesPerSec = 1.5e6;
    o.httpStatus = state == model::RouteOutcome::State::Failed ? 0 : 200;
    o.error = state == model::RouteOutcome::State::Failed ? QStringLiteral("Connection refused") : QString();
    return o;
}

// A race direct vs via:fra at t; the winner reaches the threshold at winnerTtt.
inline model::RaceResult makeRace(const QDateTime &at, const QString &winner = QStringLiteral("direct"), double winnerTtt = 50,
                const QString &provider = QStringLiteral("acme"))
{
    model::RaceResult r;
    r.provider = provider;
    r.trigger = model::Trigger::T2;
    r.object = QStringLiteral("/big.bin?x=1");
    r.thresholdBytes = 65536;
    r.winner = winner;
    r.marginMs = 12.5;
    r.wastedBytes = 1234;
    r.fairness = QStringLiteral("warm");
    r.startedAt = at;
    for (const QString &id : {QStringLiteral("direct"), QStringLiteral("via:fra")}) {
        r.routes.append(id == winner ? route(id, model::RouteOutcome::State::Won, winnerTtt, winnerTtt)
                                     : route(id, model::RouteOutcome::State::Lost, -1, winnerTtt + 12.5));
    }
    return r;
}

inline model::FailoverEvent failover(const QDateTime &at, const QString &provider, const QString &request, const QString &from,
                       const QString &to, const QString &reason, const QString &detail,
                       model::FailoverEvent::Outcome outcome = model::FailoverEvent::Outcome::Resumed)
{
    model::FailoverEvent e;
    e.at = at;
    e.provider = provider;
    e.request = request;
    e.fromRoute = from;
    e.toRoute = to;
    e.reason = reason;
    e.detail = detail;
    e.bytesDelivered = 524288;
    e.resumeOffset = outcome == model::FailoverEvent::Outcome::Resumed ? 524288 : -1;
    e.recoverMs = outcome == model::FailoverEvent::Outcome::Failed ? -1 : 83.4;
    e.outcome = outcome;
    return e;
}

inline std::unique_ptr<history::HistoryStore> openStore(const QString &path, history::Retention retention = {})
{
    Result<std::unique_ptr<history::HistoryStore>> store = history::HistoryStore::open(path, retention);
    if (!store) {
        qWarning("%s", qPrintable(store.error()));
        return nullptr;
    }
    return std::move(store).value();
}

template<typename T>
T valueOr(Result<T> result, T fallback = {})
{
    if (!result) {
        qWarning("%s", qPrintable(result.error()));
        return fallback;
    }
    return std::move(result).value();
}

// One value of a PRAGMA or query, through a connection of the test's own.
inline QVariant sqlValue(const QString &path, const QString &sql)
{
    QVariant value;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tst-probe"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(sql) && query.next())
                value = query.value(0);
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tst-probe"));
    return value;
}

inline QStringList requests(const QList<model::FailoverEvent> &events)
{
    QStringList out;
    for (const model::FailoverEvent &e : events)
        out.append(e.request);
    return out;
}

// Each test gets a new store file in one temporary directory. Not a Q_OBJECT (moc does not see
// headers outside a target's sources), so each test class checks m_dir in its own initTestCase().
class HistoryTestCase : public QObject
{
protected:
    QTemporaryDir m_dir;
    int m_files = 0;
    QString newPath() { return m_dir.filePath(QStringLiteral("history-%1.sqlite").arg(++m_files)); }
};

} // namespace relayrace::testsupport::historylab
