// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The history store's queries compute what the console says they do: route samples and the winner
// timeline, reads after a race id, the sample window's incremental reads, failover filters, the
// band's median, the TTFB histogram, and the providers and counts.
#include "history/historystore.h"
#include "history/samplewindow.h"
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

namespace {

// Every field of a window's rows and route names, in order, as text: two windows over the same races
// must hold the same rows whichever way they were read.
QStringList windowRows(const SampleWindow &window)
{
    QStringList rows;
    for (const auto &s : window.samples()) {
        rows.append(u"sample %1 #%2 %3 ttfb=%4 ttt=%5 projected=%6"_s.arg(s.atMs).arg(s.raceId)
                        .arg(window.routeNames().value(s.route)).arg(s.ttfbMs).arg(s.timeToThresholdMs).arg(s.projectedMs));
    }
    for (const auto &r : window.races())
        rows.append(u"race %1 #%2 won by %3"_s.arg(r.atMs).arg(r.raceId).arg(window.routeNames().value(r.winner)));
    return rows;
}

} // namespace

class TestHistoryQueries final : public HistoryTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void routeSamplesAndWinnerTimelineFollowTheRaces()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        QVERIFY(store->addRace(makeRace(kT0, QStringLiteral("direct"), 40), QStringLiteral("e"), false).ok());
        model::RaceResult failed = makeRace(kT0.addSecs(10));
        failed.winner.clear();
        failed.marginMs = -1;
        QVERIFY(store->addRace(failed, QStringLiteral("e"), false).ok());
        QVERIFY(store->addRace(makeRace(kT0.addSecs(20), QStringLiteral("via:fra"), 30), QStringLiteral("e"), false).ok());
        QVERIFY(store->addRace(makeRace(kT0.addSecs(30)), QStringLiteral("e"), false).ok()); // outside [from, to)

        const QList<RouteSample> samples = valueOr(store->routeSamples(QStringLiteral("acme"), kT0, kT0.addSecs(30)));
        QCOMPARE(samples.size(), 6);
        QCOMPARE(samples[0].at, kT0);
        QCOMPARE(samples[0].routeId, QStringLiteral("direct"));
        QVERIFY(samples[0].winner);
        QCOMPARE(samples[0].timeToThresholdMs, 40.0);
        QCOMPARE(samples[1].routeId, QStringLiteral("via:fra"));
        QVERIFY(!samples[1].winner);
        QCOMPARE(samples[1].state, model::RouteOutcome::State::Lost);
        QCOMPARE(samples[1].timeToThresholdMs, -1.0);
        QCOMPARE(samples[1].projectedMs, 52.5);
        QVERIFY(!samples[2].winner && !samples[3].winner); // the race nobody won
        QVERIFY(samples[5].winner && samples[5].routeId == u"via:fra");
        QCOMPARE(samples[5].connectMs, 11.25);
        QCOMPARE(samples[5].bytes, 65536);

        const QList<WinnerPoint> timeline = valueOr(store->winnerTimeline(QStringLiteral("acme"), kT0, kT0.addSecs(30)));
        QCOMPARE(timeline.size(), 3);
        QCOMPARE(timeline[0].winner, QStringLiteral("direct"));
        QCOMPARE(timeline[1].winner, QString());
        QVERIFY(!timeline[1].ok);
        QCOMPARE(timeline[1].marginMs, -1.0);
        QCOMPARE(timeline[2].winner, QStringLiteral("via:fra"));
        QCOMPARE(timeline[2].at, kT0.addSecs(20));
        QCOMPARE(timeline[2].trigger, QStringLiteral("t2"));
        QVERIFY(timeline[2].ok);
        QVERIFY(valueOr(store->winnerTimeline(QStringLiteral("nobody"), {}, {})).isEmpty());
    }

    void readsAfterARaceIdFindOnlyTheNewerRaces()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        const qint64 first = valueOr(store->addRace(makeRace(kT0), u"e"_s, false), qint64(-1));
        const qint64 second = valueOr(store->addRace(makeRace(kT0.addSecs(20), u"via:fra"_s), u"e"_s, false), qint64(-1));
        // Stored last, started first: found by its id, returned in time order.
        const qint64 third = valueOr(store->addRace(makeRace(kT0.addSecs(10)), u"e"_s, false), qint64(-1));
        QVERIFY(store->addRace(makeRace(kT0.addSecs(30), u"direct"_s, 50, u"globex"_s), u"e"_s, false).ok());
        QList<qint64> ids;
        for (const WinnerPoint &p : valueOr(store->winnerTimeline(u"acme"_s, kT0, {}, first)))
            ids.append(p.raceId);
        QCOMPARE(ids, (QList<qint64>{third, second}));
        const QList<RouteSample> samples = valueOr(store->routeSamples(u"acme"_s, kT0, {}, first));
        QCOMPARE(samples.size(), 4);
        QCOMPARE(samples[0].raceId, third);
        QCOMPARE(samples[1].routeId, u"via:fra"_s);
        QCOMPARE(samples[2].raceId, second);
        QVERIFY(samples[3].winner);
        // The time bounds still hold.
        QCOMPARE(valueOr(store->routeSamples(u"acme"_s, kT0.addSecs(15), {}, first)).size(), 2);
        QVERIFY(valueOr(store->winnerTimeline(u"acme"_s, kT0, {}, third)).isEmpty());
        QCOMPARE(valueOr(store->raceCount(u"acme"_s, kT0, {}), qint64(-1)), 3);
        QCOMPARE(valueOr(store->raceCount(u"acme"_s, kT0, {}, second), qint64(-1)), 2);
        QCOMPARE(valueOr(store->raceCount(u"acme"_s, kT0.addSecs(5), kT0.addSecs(20)), qint64(-1)), 1);
    }

    void sampleWindowReadsOnlyWhatIsNewAndMatchesAFullRead()
    {
        auto store = openStore(newPath(), Retention{30, 1'000'000});
        QVERIFY(store);
        for (int i = 0; i < 10; ++i)
            QVERIFY(store->addRace(makeRace(kT0.addSecs(10 * i), i % 3 ? u"direct"_s : u"via:fra"_s, 40 + i), u"e"_s, false).ok());
        const auto fresh = [&](const QDateTime &from) {
            SampleWindow window;
            const auto read = window.update(*store, u"acme"_s, from);
            if (!read || *read != SampleWindow::Read::Full)
                qWarning("a fresh window did not read in full: %s", qPrintable(read ? u"incremental"_s : read.error()));
            return windowRows(window);
        };

        SampleWindow window;
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0)), SampleWindow::Read::Full);
        QCOMPARE(window.samples().size(), size_t(20));
        QCOMPARE(window.races().size(), size_t(10));
        QCOMPARE(windowRows(window), fresh(kT0));

        // New races, one of them started before races already read (a long race stored late), and another
        // provider's: read incrementally, merged in time order.
        QVERIFY(store->addRace(makeRace(kT0.addSecs(100), u"via:fra"_s, 33), u"e"_s, false).ok());
        QVERIFY(store->addRace(makeRace(kT0.addSecs(45), u"direct"_s, 44), u"e"_s, false).ok());
        QVERIFY(store->addRace(makeRace(kT0.addSecs(50), u"direct"_s, 50, u"globex"_s), u"e"_s, false).ok());
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0)), SampleWindow::Read::Incremental);
        QCOMPARE(window.races().size(), size_t(12));
        QCOMPARE(windowRows(window), fresh(kT0));
        QCOMPARE(window.fullReads(), 1);

        // Nothing new: still incremental, nothing changes.
        const QStringList before = windowRows(window);
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0)), SampleWindow::Read::Incremental);
        QCOMPARE(windowRows(window), before);

        // The range moves on: what is older is no longer in the asked range.
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0.addSecs(35))), SampleWindow::Read::Incremental);
        const auto [begin, end] = window.samplesIn(kT0.addSecs(35).toMSecsSinceEpoch(), kT0.addSecs(101).toMSecsSinceEpoch());
        QCOMPARE(end - begin, size_t(2 * 8)); // 40, 45, 50, ..., 90, 100
        QCOMPARE(window.samples()[begin].atMs, kT0.addSecs(40).toMSecsSinceEpoch());
        const auto [racesBegin, racesEnd] = window.racesIn(kT0.addSecs(35).toMSecsSinceEpoch(), kT0.addSecs(95).toMSecsSinceEpoch());
        QCOMPARE(racesEnd - racesBegin, size_t(7));
        QCOMPARE(window.fullReads(), 1);

        // Races deleted under the window (retention): the count no longer matches, so a full read.
        // Older than 60 s: 7 of acme's races and globex's, 3 rows each.
        QCOMPARE(valueOr(store->applyRetention(kT0.addDays(30).addSecs(60)), qint64(-1)), 8 * 3);
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0.addSecs(35))), SampleWindow::Read::Full);
        QCOMPARE(window.fullReads(), 2);
        QCOMPARE(window.races().size(), size_t(5)); // 60, 70, 80, 90, 100
        QCOMPARE(windowRows(window), fresh(kT0.addSecs(35)));

        // An earlier start, another provider, or an explicit ask: full reads.
        QCOMPARE(valueOr(window.update(*store, u"acme"_s, kT0)), SampleWindow::Read::Full);
        QCOMPARE(valueOr(window.update(*store, u"globex"_s, kT0)), SampleWindow::Read::Full);
        QVERIFY(window.races().empty()); // retention took globex's only race
        QCOMPARE(valueOr(window.update(*store, u"globex"_s, kT0, true)), SampleWindow::Read::Full);
        QCOMPARE(window.fullReads(), 5);
    }

    void failoverFiltersSelectExactlyTheMatchingEvents_data()
    {
        QTest::addColumn<FailoverQuery>("query");
        QTest::addColumn<QStringList>("expected"); // requests, newest first
        const auto q = [](auto change) {
            FailoverQuery query;
            change(query);
            return query;
        };
        QTest::addRow("none") << FailoverQuery{} << QStringList{u"GET /d%_"_s, u"GET /c"_s, u"GET /b"_s, u"GET /a"_s};
        QTest::addRow("provider") << q([](FailoverQuery &f) { f.provider = u"acme"_s; }) << QStringList{u"GET /b"_s, u"GET /a"_s};
        QTest::addRow("route from or to") << q([](FailoverQuery &f) { f.route = u"via:ams"_s; })
                                          << QStringList{u"GET /d%_"_s, u"GET /b"_s};
        QTest::addRow("route direct") << q([](FailoverQuery &f) { f.route = u"direct"_s; })
                                      << QStringList{u"GET /d%_"_s, u"GET /c"_s, u"GET /a"_s};
        QTest::addRow("reason") << q([](FailoverQuery &f) { f.reason = u"stall"_s; }) << QStringList{u"GET /d%_"_s, u"GET /b"_s};
        QTest::addRow("from") << q([](FailoverQuery &f) { f.from = kT0.addSecs(60); })
                              << QStringList{u"GET /d%_"_s, u"GET /c"_s, u"GET /b"_s};
        QTest::addRow("to exclusive") << q([](FailoverQuery &f) { f.to = kT0.addSecs(120); })
                                      << QStringList{u"GET /b"_s, u"GET /a"_s};
        QTest::addRow("from and to") << q([](FailoverQuery &f) { f.from = kT0.addSecs(60); f.to = kT0.addSecs(120); })
                                     << QStringList{u"GET /b"_s};
        QTest::addRow("text in detail, any case") << q([](FailoverQuery &f) { f.text = u"RESET BY"_s; }) << QStringList{u"GET /a"_s};
        QTest::addRow("text in request") << q([](FailoverQuery &f) { f.text = u"/c"_s; }) << QStringList{u"GET /c"_s};
        QTest::addRow("text wildcards are literal") << q([](FailoverQuery &f) { f.text = u"%_"_s; }) << QStringList{u"GET /d%_"_s};
        QTest::addRow("limit") << q([](FailoverQuery &f) { f.limit = 2; }) << QStringList{u"GET /d%_"_s, u"GET /c"_s};
        QTest::addRow("provider and reason") << q([](FailoverQuery &f) { f.provider = u"zeta"_s; f.reason = u"stall"_s; })
                                             << QStringList{u"GET /d%_"_s};
        QTest::addRow("provider, route, reason, text")
            << q([](FailoverQuery &f) { f.provider = u"acme"_s; f.route = u"via:ams"_s; f.reason = u"stall"_s; f.text = u"bytes"_s; })
            << QStringList{u"GET /b"_s};
        QTest::addRow("nothing matches") << q([](FailoverQuery &f) { f.provider = u"acme"_s; f.reason = u"refused"_s; })
                                         << QStringList{};
    }

    void failoverFiltersSelectExactlyTheMatchingEvents()
    {
        QFETCH(FailoverQuery, query);
        QFETCH(QStringList, expected);
        auto store = openStore(newPath());
        QVERIFY(store);
        using O = model::FailoverEvent::Outcome;
        for (const model::FailoverEvent &e : {
                 failover(kT0, u"acme"_s, u"GET /a"_s, u"direct"_s, u"via:fra"_s, u"reset"_s, u"Connection reset by peer"_s),
                 failover(kT0.addSecs(60), u"acme"_s, u"GET /b"_s, u"via:fra"_s, u"via:ams"_s, u"stall"_s, u"no bytes for 5 s"_s),
                 failover(kT0.addSecs(120), u"zeta"_s, u"GET /c"_s, u"direct"_s, {}, u"refused"_s, u"Connection refused"_s, O::Failed),
                 failover(kT0.addSecs(180), u"zeta"_s, u"GET /d%_"_s, u"via:ams"_s, u"direct"_s, u"stall"_s, u"stalled"_s, O::Restarted),
             })
            QVERIFY(store->addFailover(e).ok());
        QCOMPARE(requests(valueOr(store->failovers(query))), expected);
    }

    void bandMedianIsCorrectForOddAndEvenCounts()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        // Bucket 0 (first minute): direct wins in 30, 10, 20 ms. Bucket 1: direct 5, 40, 10, 100 ms and
        // via:fra wins once in 7 ms. A loser has no time to threshold and never counts.
        const QList<std::pair<int, double>> directWins = {{0, 30}, {10, 10}, {20, 20}, {60, 5}, {70, 40}, {80, 10}, {90, 100}};
        QList<RaceRecord> records;
        for (const auto &[second, ttt] : directWins)
            records.append({makeRace(kT0.addSecs(second), u"direct"_s, ttt), u"e"_s, false});
        records.append({makeRace(kT0.addSecs(100), u"via:fra"_s, 7), u"e"_s, false});
        records.append({makeRace(kT0.addSecs(200), u"via:fra"_s, 7), u"e"_s, false}); // outside [from, to)
        QCOMPARE(valueOr(store->addRaces(records)), int(records.size()));

        const QList<BandPoint> band = valueOr(store->band(u"acme"_s, kT0, kT0.addSecs(120), 60));
        QCOMPARE(band.size(), 3);
        QCOMPARE(band[0].routeId, u"direct"_s);
        QCOMPARE(band[0].bucketStart, kT0);
        QCOMPARE(band[0].count, 3);
        QCOMPARE(band[0].minMs, 10.0);
        QCOMPARE(band[0].medianMs, 20.0);
        QCOMPARE(band[0].maxMs, 30.0);
        QCOMPARE(band[1].bucketStart, kT0.addSecs(60));
        QCOMPARE(band[1].count, 4);
        QCOMPARE(band[1].minMs, 5.0);
        QCOMPARE(band[1].medianMs, 25.0); // (10 + 40) / 2
        QCOMPARE(band[1].maxMs, 100.0);
        QCOMPARE(band[2].routeId, u"via:fra"_s);
        QCOMPARE(band[2].count, 1);
        QCOMPARE(band[2].medianMs, 7.0);

        // Projected: the losers count too (winner's time + 12.5 ms in these races).
        const QList<BandPoint> projected = valueOr(store->band(u"acme"_s, kT0, kT0.addSecs(60), 60, BandMetric::Projected));
        QCOMPARE(projected.size(), 2);
        QCOMPARE(projected[1].routeId, u"via:fra"_s);
        QCOMPARE(projected[1].count, 3);
        QCOMPARE(projected[1].medianMs, 32.5);
        QVERIFY(!store->band(u"acme"_s, kT0, kT0.addSecs(60), 0).ok());
    }

    void ttfbHistogramCountsEachBin()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        QList<RaceRecord> records;
        int i = 0;
        for (const double ttfb : {1.0, 9.9, 10.0, 15.0, 19.99, 45.0}) {
            model::RaceResult r = makeRace(kT0.addSecs(i++));
            r.routes[1].ttfbMs = ttfb; // via:fra
            records.append({r, u"e"_s, false});
        }
        QVERIFY(store->addRaces(records).ok());
        const QList<HistogramBin> bins = valueOr(store->ttfbHistogram(u"acme"_s, u"via:fra"_s, kT0, kT0.addSecs(60), 10));
        QCOMPARE(bins.size(), 3);
        QCOMPARE(bins[0].lowMs, 0.0);
        QCOMPARE(bins[0].highMs, 10.0);
        QCOMPARE(bins[0].count, 2);
        QCOMPARE(bins[1].lowMs, 10.0);
        QCOMPARE(bins[1].count, 3);
        QCOMPARE(bins[2].lowMs, 40.0);
        QCOMPARE(bins[2].count, 1);
    }

    void providersAndCountsCoverEveryTable()
    {
        auto store = openStore(newPath());
        QVERIFY(store);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (const QString &p : {u"zeta"_s, u"acme"_s, u"zeta"_s})
            QVERIFY(store->addRace(makeRace(now.addSecs(-30), u"direct"_s, 50, p), u"e"_s, false).ok());
        QVERIFY(store->addRace(makeRace(now.addSecs(-90)), u"e"_s, false).ok());
        QVERIFY(store->addRouteChange({u"beta"_s, u"e"_s, {}, u"direct"_s, now, u"first race"_s}).ok());
        QVERIFY(store->addFailover(failover(now.addSecs(-10), u"gamma"_s, u"GET /"_s, u"direct"_s, {}, u"dns"_s, {})).ok());
        QVERIFY(store->addFailover(failover(now.addSecs(-100), u"acme"_s, u"GET /"_s, u"direct"_s, {}, u"dns"_s, {})).ok());
        QCOMPARE(valueOr(store->providers()), (QStringList{u"acme"_s, u"beta"_s, u"gamma"_s, u"zeta"_s}));
        QCOMPARE(valueOr(store->racesSince(now.addSecs(-60))), 3);
        QCOMPARE(valueOr(store->racesSince(now.addSecs(-120))), 4);
        QCOMPARE(valueOr(store->failoversSince(now.addSecs(-60))), 1);
        QCOMPARE(valueOr(store->racesPerMinute(now)), 3);
    }
};

QTEST_GUILESS_MAIN(TestHistoryQueries)
#include "tst_historyqueries.moc"
