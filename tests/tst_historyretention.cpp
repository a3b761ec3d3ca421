// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// History retention deletes exactly what it should: rows older than the age limit, and the oldest
// races beyond the count limit, with their route rows.
#include "history/historystore.h"
#include "model/failoverevent.h"
#include "support/historyrecords.h"

#include <QTest>

#include <memory>

using namespace relayrace;
using namespace Qt::StringLiterals;
using namespace relayrace::history;
using namespace relayrace::testsupport::historylab;
using model::FailoverEvent;
using model::RaceResult;
using model::RouteOutcome;

class TestHistoryRetention final : public HistoryTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void retentionByAgeDeletesOlderRowsOnly()
    {
        const QDateTime now = kT0;
        auto store = openStore(newPath(), Retention{30, 1'000'000});
        QVERIFY(store);
        model::RaceResult three = makeRace(now.addDays(-40));
        three.routes.append(route(u"via:ams"_s, model::RouteOutcome::State::Lost, -1, 80));
        QVERIFY(store->addRace(three, u"e"_s, false).ok());                          // 1 + 3 rows
        QVERIFY(store->addRace(makeRace(now.addDays(-30).addMSecs(-1)), u"e"_s, false).ok()); // 1 + 2 rows
        const qint64 boundary = valueOr(store->addRace(makeRace(now.addDays(-30)), u"e"_s, false), qint64(-1)); // kept
        const qint64 recent = valueOr(store->addRace(makeRace(now.addDays(-1)), u"e"_s, false), qint64(-1));
        QVERIFY(store->addRouteChange({u"acme"_s, u"e"_s, {}, u"direct"_s, now.addDays(-31), u"first race"_s}).ok()); // 1
        QVERIFY(store->addRouteChange({u"acme"_s, u"e"_s, u"direct"_s, u"via:fra"_s, now.addDays(-2), u"won"_s}).ok());
        QVERIFY(store->addFailover(failover(now.addDays(-35), u"acme"_s, u"GET /old"_s, u"direct"_s, {}, u"dns"_s, {})).ok()); // 1
        QVERIFY(store->addFailover(failover(now.addDays(-3), u"acme"_s, u"GET /new"_s, u"direct"_s, {}, u"dns"_s, {})).ok());

        QCOMPARE(valueOr(store->applyRetention(now), qint64(-1)), 1 + 3 + 1 + 2 + 1 + 1);
        const QList<WinnerPoint> left = valueOr(store->winnerTimeline(u"acme"_s, {}, {}));
        QCOMPARE(left.size(), 2);
        QCOMPARE(left[0].raceId, boundary);
        QCOMPARE(left[1].raceId, recent);
        QCOMPARE(valueOr(store->routeSamples(u"acme"_s, {}, {})).size(), 4);
        QCOMPARE(sqlValue(store->path(), u"SELECT count(*) FROM race_routes"_s).toInt(), 4);
        QCOMPARE(valueOr(store->routeChanges(u"acme"_s, {}, {})).size(), 1);
        QCOMPARE(requests(valueOr(store->failovers({}))), QStringList{u"GET /new"_s});
        QCOMPARE(valueOr(store->applyRetention(now), qint64(-1)), 0);
    }

    void retentionByCountKeepsTheNewestRaces()
    {
        const QDateTime now = kT0;
        auto store = openStore(newPath(), Retention{0, 3});
        QVERIFY(store);
        const QDateTime day = now.addDays(-1);
        QList<qint64> ids;
        // Two races at the same millisecond: the later id is the newer.
        for (const QDateTime &at : {day.addSecs(7200), day, day.addSecs(3600), day, now.addDays(-400)})
            ids.append(valueOr(store->addRace(makeRace(at), u"e"_s, false), qint64(-1)));
        QVERIFY(store->addFailover(failover(now.addDays(-400), u"acme"_s, u"GET /"_s, u"direct"_s, {}, u"dns"_s, {})).ok());
        QCOMPARE(valueOr(store->applyRetention(now), qint64(-1)), 2 * (1 + 2)); // maxAgeDays 0: no age limit
        QList<qint64> left;
        for (const WinnerPoint &p : valueOr(store->winnerTimeline(u"acme"_s, {}, {})))
            left.append(p.raceId);
        QCOMPARE(left, (QList<qint64>{ids[3], ids[2], ids[0]}));
        QCOMPARE(sqlValue(store->path(), u"SELECT count(*) FROM race_routes"_s).toInt(), 6);
        QCOMPARE(valueOr(store->failoversSince({})), 1);
    }
};

QTEST_GUILESS_MAIN(TestHistoryRetention)
#include "tst_historyretention.moc"
