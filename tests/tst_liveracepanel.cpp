// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The live race panel fed the engine's value structs: one row per race with its routes as lanes (and
// as child rows), coalesced progress, the decision (states, margins and their kinds, whole small
// objects, reasons), the bounded list of recent races, replay, and painting at device pixel ratio 2.
#include "support/liveracefixtures.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QLabel>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QTreeView>

class TestLiveRacePanel final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); } // sizes as "8.8 KiB"
    void raceStartOpensOneRowPerRaceNewestFirst();
    void fiftyProgressCallsWithin100msAreAnnouncedOnce();
    void steadyProgressIsAnnouncedAtMostTenTimesASecond();
    void finishedRaceShowsStatesFiguresAndSummary();
    void lateProgressAfterTheResultIsIgnored();
    void resultWithoutStartStillOpensItsRows();
    void raceWhereEveryRouteFailedSaysSo();
    void onlyTheLastTwentyRacesAreKept();
    void smallWholeObjectReadsAsComplete();
    void winnerLaneIsMarkedWon();
    void lostLaneShowsItsMarginKind_data();
    void lostLaneShowsItsMarginKind();
    void failedLaneReasonIsInItsTooltip();
};

void TestLiveRacePanel::raceStartOpensOneRowPerRaceNewestFirst()
{
    LiveRaceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.onRaceStarted(start(1));
    model.onRaceStarted(start(2, QStringLiteral("other"), {QStringLiteral("direct"), QStringLiteral("via:lon")}));
    model.onRaceStarted(start(2)); // a repeated start changes nothing
    QCOMPARE(model.rowCount(), 2); // one row per race, not per route
    QCOMPARE(model.raceCount(), 2);
    const QModelIndex newest = model.index(0, 0);
    const QModelIndex older = model.index(1, 0);
    QCOMPARE(newest.data(LiveRaceModel::RaceIdRole).toULongLong(), 2u);
    QCOMPARE(model.index(0, LiveRaceModel::ProviderColumn).data().toString(), QStringLiteral("other"));
    QCOMPARE(model.index(0, LiveRaceModel::TriggerColumn).data().toString(), QStringLiteral("t1"));
    QCOMPARE(model.rowCount(newest), 2);
    QCOMPARE(model.rowCount(older), 3);
    QCOMPARE(routeCell(model, 0, 1, LiveRaceModel::RouteColumn), QStringLiteral("via:lon"));
    QCOMPARE(routeCell(model, 1, 2, LiveRaceModel::RouteColumn), QStringLiteral("via:ams"));
    for (int row = 0; row < 3; ++row)
        QVERIFY(routeCell(model, 1, row, LiveRaceModel::StateColumn).endsWith(QStringLiteral("connecting")));
    QCOMPARE(model.index(0, 0, older).data(LiveRaceModel::ThresholdRole).toLongLong(), kThreshold);
    QCOMPARE(model.rowOf(1, QStringLiteral("via:fra")), 1);
    QCOMPARE(model.rowOf(1, QStringLiteral("via:nowhere")), -1);
    // The race's row carries its lanes, one per route, live.
    const RaceLanes lanes = model.index(1, LiveRaceModel::LanesColumn).data(LiveRaceModel::LanesRole).value<RaceLanes>();
    QCOMPARE(lanes.lanes.size(), 3);
    QVERIFY(!lanes.finished);
    QCOMPARE(model.index(1, LiveRaceModel::LanesColumn).data(LiveRaceModel::LaneIndexRole).toInt(), -1);
    QCOMPARE(model.index(2, LiveRaceModel::LanesColumn, older).data(LiveRaceModel::LaneIndexRole).toInt(), 2);
}

void TestLiveRacePanel::fiftyProgressCallsWithin100msAreAnnouncedOnce()
{
    LiveRaceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.onRaceStarted(start(1));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QElapsedTimer feeding;
    feeding.start();
    for (int i = 1; i <= 50; ++i)
        model.onRouteProgress(1, kRoutes.at(i % 2), i * 1024, kThreshold);
    QVERIFY(feeding.elapsed() < 100);
    QCOMPARE(changed.count(), 0); // nothing announced synchronously
    QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 1, 5000);
    QTest::qWait(3 * LiveRaceModel::kFlushIntervalMs); // a window in which no further round may come
    // One round: one ranged signal for the two route rows that moved, one for the race's row.
    QVERIFY2(changed.count() <= 4, qPrintable(QString::number(changed.count())));
    const QModelIndex from = changed.at(0).at(0).toModelIndex();
    const QModelIndex to = changed.at(0).at(1).toModelIndex();
    QCOMPARE(from.parent(), model.raceIndex(1));
    QCOMPARE(from.row(), 0);
    QCOMPARE(to.row(), 1);
    QCOMPARE(from.column(), int(LiveRaceModel::StateColumn));
    QCOMPARE(to.column(), int(LiveRaceModel::BytesColumn));
    QVERIFY(to.column() >= int(LiveRaceModel::LanesColumn));
    QCOMPARE(changed.at(1).at(0).toModelIndex(), model.raceIndex(1, LiveRaceModel::StateColumn));
    const QModelIndex race = model.raceIndex(1);
    QCOMPARE(model.index(0, 0, race).data(LiveRaceModel::BytesRole).toLongLong(), 50 * 1024);
    QCOMPARE(model.index(1, 0, race).data(LiveRaceModel::BytesRole).toLongLong(), 49 * 1024);
    QVERIFY(routeCell(model, 0, 0, LiveRaceModel::StateColumn).endsWith(QStringLiteral("racing")));
    QVERIFY(routeCell(model, 0, 2, LiveRaceModel::StateColumn).endsWith(QStringLiteral("connecting")));
    QCOMPARE(model.index(0, 0, race).data(LiveRaceModel::ProgressRole).toDouble(), 50.0 * 1024 / kThreshold);
    QCOMPARE(routeCell(model, 0, 0, LiveRaceModel::BytesColumn),
             QStringLiteral("50.0 KiB / 256 KiB"));
    // The live lanes: bytes toward the threshold, a bar from when the first bytes were seen.
    const RaceLanes lanes = model.lanes(1);
    QCOMPARE(lanes.lanes.at(0).bytes, 50 * 1024);
    QVERIFY(lanes.lanes.at(0).ttfbMs >= 0);
    QCOMPARE(lanes.lanes.at(2).ttfbMs, -1.0);
    QCOMPARE(frameAt(lanes, lanes.lanes.at(0), shownTime(lanes)).phase, LaneFrame::Phase::Transfer);
}

void TestLiveRacePanel::steadyProgressIsAnnouncedAtMostTenTimesASecond()
{
    LiveRaceModel model;
    model.onRaceStarted(start(1));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QTimer feeder;
    feeder.setInterval(2);
    feeder.setTimerType(Qt::PreciseTimer);
    qint64 bytes = 0;
    QElapsedTimer clock;
    // A plain event loop, not QTRY: QTest::qWait sleeps between rounds and would thin the feed.
    QEventLoop loop;
    connect(&feeder, &QTimer::timeout, this, [&] {
        bytes += 100;
        model.onRouteProgress(1, QStringLiteral("direct"), bytes, kThreshold);
        if (clock.elapsed() >= 1000) {
            feeder.stop();
            loop.quit();
        }
    });
    clock.start();
    feeder.start();
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    QVERIFY(!feeder.isActive());
    const double seconds = clock.elapsed() / 1000.0; // feeding time; the last flush may follow it
    const QModelIndex direct = model.routeIndex(1, QStringLiteral("direct"));
    QTRY_COMPARE_WITH_TIMEOUT(direct.data(LiveRaceModel::BytesRole).toLongLong(), bytes, 5000);
    QTest::qWait(2 * LiveRaceModel::kFlushIntervalMs); // let the last flush land
    // A round announces the race's row (its lanes) once: count those.
    int rounds = 0;
    for (const QList<QVariant> &signal : std::as_const(changed))
        rounds += !signal.at(0).toModelIndex().parent().isValid();
    qInfo("%lld progress updates in %.2f s announced in %d rounds (%lld dataChanged)", bytes / 100, seconds, rounds,
          qlonglong(changed.count()));
    QVERIFY2(bytes / 100 > 20, "the feeder must have delivered many updates");
    QVERIFY2(rounds >= 2, qPrintable(QString::number(rounds)));
    QVERIFY2(changed.count() <= 2 * rounds, qPrintable(QString::number(changed.count())));
    QVERIFY2(rounds <= int(seconds * 10) + 1,
             qPrintable(QStringLiteral("%1 rounds in %2 s for %3 updates").arg(rounds).arg(seconds).arg(bytes / 100)));
}

void TestLiveRacePanel::finishedRaceShowsStatesFiguresAndSummary()
{
    LiveRacePanel panel;
    QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto *summary = panel.findChild<QLabel *>(QStringLiteral("raceSummary"));
    auto *view = panel.findChild<QTreeView *>(QStringLiteral("liveRaceView"));
    QVERIFY(summary);
    QVERIFY(view);
    QVERIFY(panel.lastWinner(QStringLiteral("acme")).isEmpty());
    panel.onRaceStarted(start(7));
    panel.onRouteProgress(7, QStringLiteral("via:fra"), kThreshold / 2, kThreshold);
    panel.onRaceFinished(7, result());

    const QAbstractItemModel &model = *view->model();
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex race = model.index(0, 0);
    const auto route = [&](int row, int column) { return model.index(row, column, race).data().toString(); };
    QCOMPARE(route(0, LiveRaceModel::StateColumn), QStringLiteral("○ lost"));
    QCOMPARE(route(1, LiveRaceModel::StateColumn), QStringLiteral("✓ won"));
    QCOMPARE(route(2, LiveRaceModel::StateColumn), QStringLiteral("✗ failed"));
    QVERIFY(model.index(1, 0, race).data(LiveRaceModel::WinnerRole).toBool());
    QVERIFY(!model.index(0, 0, race).data(LiveRaceModel::WinnerRole).toBool());
    QCOMPARE(route(1, LiveRaceModel::ConnectColumn), QStringLiteral("12.5"));
    QCOMPARE(route(1, LiveRaceModel::TtfbColumn), QStringLiteral("40.0"));
    QCOMPARE(route(1, LiveRaceModel::ThresholdTimeColumn), QStringLiteral("116.6"));
    QCOMPARE(route(1, LiveRaceModel::ThroughputColumn), QLocale().formattedDataSize(2 * 1024 * 1024) + QStringLiteral("/s"));
    QCOMPARE(route(1, LiveRaceModel::ConnectionColumn), QStringLiteral("fresh"));
    QCOMPARE(route(0, LiveRaceModel::ConnectionColumn), QStringLiteral("reused"));
    QCOMPARE(route(0, LiveRaceModel::ConnectColumn), QString());
    QCOMPARE(route(0, LiveRaceModel::TtfbColumn), QStringLiteral("80.3"));
    QCOMPARE(route(0, LiveRaceModel::ThresholdTimeColumn), QStringLiteral("≈ 140.0"));
    QVERIFY(model.index(0, LiveRaceModel::ThresholdTimeColumn, race).data(Qt::ToolTipRole).toString().contains(QStringLiteral("projected 140.0")));
    QVERIFY(model.index(2, LiveRaceModel::StateColumn, race).data(Qt::ToolTipRole).toString().contains(QStringLiteral("connection refused")));
    QCOMPARE(model.index(1, 0, race).data(LiveRaceModel::ProgressRole).toDouble(), 1.0);

    // The race's own row: time, provider, trigger, winner, margin with its kind, wasted bytes.
    QCOMPARE(model.index(0, LiveRaceModel::ProviderColumn).data().toString(), QStringLiteral("acme"));
    QCOMPARE(model.index(0, LiveRaceModel::StateColumn).data().toString(), QStringLiteral("✓ via:fra"));
    QCOMPARE(model.index(0, LiveRaceModel::MarginColumn).data().toString(), QStringLiteral("won by 23.4 ms"));
    QCOMPARE(model.index(0, LiveRaceModel::BytesColumn).data().toString(),
             QStringLiteral("wasted 1.2 KiB"));
    QVERIFY(!model.index(0, LiveRaceModel::RaceColumn).data().toString().isEmpty());
    QVERIFY(!view->isExpanded(race)); // the routes' details collapsed by default

    QCOMPARE(summary->text(), QStringLiteral("acme: via:fra won by 23.4 ms, wasted 1234 B (trigger t1)"));
    QCOMPARE(panel.lastWinner(QStringLiteral("acme")), QStringLiteral("via:fra"));
    QCOMPARE(model.index(0, LiveRaceModel::RaceColumn).data(Qt::ToolTipRole).toString(), summary->text());
}

void TestLiveRacePanel::lateProgressAfterTheResultIsIgnored()
{
    LiveRaceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.onRaceStarted(start(3));
    model.onRaceFinished(3, result());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.onRouteProgress(3, QStringLiteral("direct"), 99, kThreshold);
    model.onRouteProgress(42, QStringLiteral("direct"), 99, kThreshold); // unknown race
    QTest::qWait(2 * LiveRaceModel::kFlushIntervalMs);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(model.routeIndex(3, QStringLiteral("direct")).data(LiveRaceModel::BytesRole).toLongLong(), 1234);
    QCOMPARE(routeCell(model, 0, 0, LiveRaceModel::StateColumn), QStringLiteral("○ lost"));
}

void TestLiveRacePanel::resultWithoutStartStillOpensItsRows()
{
    LiveRaceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.onRaceStarted(start(1, QStringLiteral("acme"), {QStringLiteral("direct"), QStringLiteral("via:fra")}));
    model.onRaceFinished(9, result(QStringLiteral("beta")));
    QCOMPARE(model.raceCount(), 2);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowCount(model.raceIndex(9)), 3);
    QCOMPARE(routeCell(model, 0, 1, LiveRaceModel::StateColumn), QStringLiteral("✓ won"));
    QCOMPARE(model.index(0, LiveRaceModel::ProviderColumn).data().toString(), QStringLiteral("beta"));
    QCOMPARE(model.lastWinner(QStringLiteral("beta")), QStringLiteral("via:fra"));
    // The race that started with two routes reports a third: its row joins the race's routes.
    model.onRaceFinished(1, result());
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowCount(model.raceIndex(1)), 3);
    QCOMPARE(model.rowOf(1, QStringLiteral("via:ams")), 2);
    QCOMPARE(model.routeIndex(1, QStringLiteral("via:ams"), LiveRaceModel::StateColumn).data().toString(), QStringLiteral("✗ failed"));
    QCOMPARE(model.lanes(1).lanes.size(), 3);
}

void TestLiveRacePanel::raceWhereEveryRouteFailedSaysSo()
{
    LiveRacePanel panel;
    panel.onRaceFinished(1, result());
    model::RaceResult failed = result();
    failed.winner.clear();
    failed.marginMs = -1;
    failed.marginKind = RaceResult::MarginKind::None;
    failed.error = QStringLiteral("direct: timeout; via:fra: reset");
    for (auto &route : failed.routes)
        route.state = model::RouteOutcome::State::Failed;
    panel.onRaceStarted(start(2));
    panel.onRaceFinished(2, failed);
    QCOMPARE(panel.lastWinner(QStringLiteral("acme")), QString());
    auto *summary = panel.findChild<QLabel *>(QStringLiteral("raceSummary"));
    QVERIFY(summary->text().startsWith(QStringLiteral("acme: every route failed (trigger t1)")));
    QVERIFY(summary->text().contains(QStringLiteral("via:fra: reset")));
    QCOMPARE(routeCell(*panel.model(), 0, 0, LiveRaceModel::StateColumn), QStringLiteral("✗ failed"));
    QCOMPARE(panel.model()->index(0, LiveRaceModel::StateColumn).data().toString(), QStringLiteral("✗ every route failed"));
    QCOMPARE(panel.model()->index(0, LiveRaceModel::MarginColumn).data().toString(), QString());
    QVERIFY(!panel.model()->index(1, 0, panel.model()->index(0, 0)).data(LiveRaceModel::WinnerRole).toBool());
    const RaceLanes lanes = panel.model()->lanes(2);
    QCOMPARE(lanes.decisionMs, -1.0);
    for (const Lane &lane : lanes.lanes)
        QCOMPARE(frameAt(lanes, lane, lanes.endMs).state, model::RouteOutcome::State::Failed);
}

void TestLiveRacePanel::onlyTheLastTwentyRacesAreKept()
{
    LiveRaceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    const QStringList two{QStringLiteral("direct"), QStringLiteral("via:fra")};
    for (quint64 id = 1; id <= 25; ++id) {
        model.onRaceStarted(start(id, QStringLiteral("acme"), two));
        if (id % 2) {
            model::RaceResult r = result();
            r.routes.removeLast();
            model.onRaceFinished(id, r);
        }
    }
    QCOMPARE(model.raceCount(), LiveRaceModel::kMaxRaces);
    QCOMPARE(model.rowCount(), LiveRaceModel::kMaxRaces);
    QCOMPARE(removed.count(), 5);
    QCOMPARE(model.index(0, 0).data(LiveRaceModel::RaceIdRole).toULongLong(), 25u);
    QCOMPARE(model.index(model.rowCount() - 1, 0).data(LiveRaceModel::RaceIdRole).toULongLong(), 6u);
    QCOMPARE(model.rowOf(5, QStringLiteral("direct")), -1);
    QCOMPARE(model.rowCount(model.index(0, 0)), 2);
}

void TestLiveRacePanel::smallWholeObjectReadsAsComplete()
{
    LiveRaceModel model;
    model.onRaceStarted(start(4));
    model.onRaceFinished(4, smallObjectResult());
    const QModelIndex fra = model.routeIndex(4, QStringLiteral("via:fra"));
    QCOMPARE(fra.data(LiveRaceModel::GoalRole).toLongLong(), kSmallObject);
    QCOMPARE(fra.data(LiveRaceModel::ProgressRole).toDouble(), 1.0);
    const QString bytes = model.routeIndex(4, QStringLiteral("via:fra"), LiveRaceModel::BytesColumn).data().toString();
    QCOMPARE(bytes, QStringLiteral("8.8 KiB (whole object)"));
    // The loser read part of the same object: its goal is the object too.
    const QString partial = model.routeIndex(4, QStringLiteral("direct"), LiveRaceModel::BytesColumn).data().toString();
    QCOMPARE(partial, QStringLiteral("3.9 KiB / 8.8 KiB (object)"));
    const RaceLanes lanes = model.lanes(4);
    const LaneFrame end = frameAt(lanes, lanes.lanes.at(1), lanes.endMs);
    QVERIFY(end.goalReached);
    QCOMPARE(end.bytes, kSmallObject);
    QVERIFY(lanes.lanes.at(1).wholeObject);
}

void TestLiveRacePanel::winnerLaneIsMarkedWon()
{
    LiveRaceModel model;
    model.onRaceStarted(start(5));
    model.onRaceFinished(5, result());
    const RaceLanes lanes = model.lanes(5);
    QCOMPARE(lanes.decisionMs, 116.6);
    int winners = 0;
    for (const Lane &lane : lanes.lanes)
        winners += lane.winner;
    QCOMPARE(winners, 1);
    const Lane &fra = lanes.lanes.at(1);
    QVERIFY(fra.winner);
    const LaneFrame end = frameAt(lanes, fra, lanes.endMs);
    QCOMPARE(end.state, model::RouteOutcome::State::Won);
    QCOMPARE(laneStatusText(fra, end), QStringLiteral("won"));
    QCOMPARE(frameAt(lanes, lanes.lanes.at(0), lanes.endMs).state, model::RouteOutcome::State::Lost);
    const QModelIndex row = model.routeIndex(5, QStringLiteral("via:fra"));
    QVERIFY(row.data(LiveRaceModel::WinnerRole).toBool());
    QVERIFY(model.routeIndex(5, QStringLiteral("via:fra"), LiveRaceModel::StateColumn).data(Qt::FontRole).value<QFont>().bold());
    QVERIFY(!model.routeIndex(5, QStringLiteral("direct"), LiveRaceModel::StateColumn).data(Qt::FontRole).value<QFont>().bold());
    QCOMPARE(model.raceIndex(5, LiveRaceModel::StateColumn).data().toString(), QStringLiteral("✓ via:fra"));
    // What the painted lanes say, in words.
    const QString spoken = model.raceIndex(5, LiveRaceModel::LanesColumn).data(Qt::AccessibleTextRole).toString();
    QVERIFY2(spoken.contains(QStringLiteral("via:fra: won, 256 KiB / 256 KiB")), qPrintable(spoken));
}

void TestLiveRacePanel::lostLaneShowsItsMarginKind_data()
{
    QTest::addColumn<double>("timeToThresholdMs");
    QTest::addColumn<double>("projectedMs");
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<int>("marginKind");
    QTest::addColumn<double>("marginMs");
    QTest::addColumn<QString>("lane");
    QTest::addColumn<QString>("race");
    using K = RaceResult::MarginKind;
    // The engine's overtime measured the loser (the concurrent change), or only a projection, or neither.
    QTest::newRow("measured") << 146.6 << 146.6 << kThreshold << int(K::Measured) << 30.0 << QStringLiteral("lost by 30.0 ms")
                              << QStringLiteral("won by 30.0 ms");
    QTest::newRow("projected") << -1.0 << 140.0 << qint64(1234) << int(K::Projected) << 23.4 << QStringLiteral("lost by ≈ 23 ms")
                               << QStringLiteral("won by ≈ 23 ms");
    QTest::newRow("lower bound") << -1.0 << 119.9 << qint64(0) << int(K::LowerBound) << 3.3 << QStringLiteral("lost by ≥ 3.3 ms")
                                 << QStringLiteral("won by ≥ 3.3 ms");
    QTest::newRow("no runner-up figure") << -1.0 << -1.0 << qint64(0) << int(K::None) << -1.0 << QStringLiteral("lost")
                                         << QStringLiteral("won (no runner-up)");
    QTest::newRow("old result, no kind") << -1.0 << 140.0 << qint64(1234) << int(K::None) << 23.4 << QStringLiteral("lost by ≈ 23 ms")
                                         << QStringLiteral("won by ≈ 23 ms");
}

void TestLiveRacePanel::lostLaneShowsItsMarginKind()
{
    QFETCH(double, timeToThresholdMs);
    QFETCH(double, projectedMs);
    QFETCH(qint64, bytes);
    QFETCH(int, marginKind);
    QFETCH(double, marginMs);
    QFETCH(QString, lane);
    QFETCH(QString, race);
    model::RaceResult r = result();
    r.routes[0].timeToThresholdMs = timeToThresholdMs;
    r.routes[0].projectedMs = projectedMs;
    r.routes[0].bytes = bytes;
    r.routes[0].throughputBytesPerSec = bytes > 0 ? 500000 : 0;
    r.marginKind = RaceResult::MarginKind(marginKind);
    r.marginMs = marginMs;
    LiveRaceModel model;
    model.onRaceFinished(6, r);
    QCOMPARE(model.routeIndex(6, QStringLiteral("direct"), LiveRaceModel::MarginColumn).data().toString(), lane);
    QCOMPARE(model.raceIndex(6, LiveRaceModel::MarginColumn).data().toString(), race);
    const RaceLanes lanes = model.lanes(6);
    QCOMPARE(laneStatusText(lanes.lanes.at(0), frameAt(lanes, lanes.lanes.at(0), lanes.endMs)), lane);
    QVERIFY(lanes.endMs >= std::max(116.6, timeToThresholdMs));
}

void TestLiveRacePanel::failedLaneReasonIsInItsTooltip()
{
    const QString reason = QStringLiteral("relay via:ams answered 407 Proxy Authentication Required after the CONNECT "
                                          "(credentials for ams.relay.example:3128 were refused)");
    model::RaceResult r = result();
    r.routes[2].error = reason;
    LiveRacePanel panel;
    panel.resize(1400, 400);
    panel.onRaceStarted(start(8));
    panel.onRaceFinished(8, r);
    LiveRaceModel *model = panel.model();
    QVERIFY(model->routeIndex(8, QStringLiteral("via:ams"), LiveRaceModel::LanesColumn).data(Qt::ToolTipRole).toString().contains(reason));
    QVERIFY(model->raceIndex(8, LiveRaceModel::LanesColumn).data(Qt::ToolTipRole).toString().contains(reason));
    // The lane under the pointer: the failed lane's own tooltip, with the whole reason.
    QStyleOptionViewItem option;
    option.initFrom(panel.view());
    option.rect = QRect(0, 0, 900, 200);
    const QModelIndex cell = model->raceIndex(8, LiveRaceModel::LanesColumn);
    const lanes::LanesLayout layout = LaneDelegate::layoutFor(option, cell);
    QCOMPARE(layout.lanes.size(), 3);
    const QString failedTip = LaneDelegate::toolTipAt(option, cell, layout.lanes.at(2).status.center().toPoint());
    QVERIFY2(failedTip.contains(reason), qPrintable(failedTip));
    QVERIFY(failedTip.startsWith(QStringLiteral("via:ams: failed")));
    const QString wonTip = LaneDelegate::toolTipAt(option, cell, layout.lanes.at(1).track.center().toPoint());
    QVERIFY2(!wonTip.contains(reason) && wonTip.startsWith(QStringLiteral("via:fra: won")), qPrintable(wonTip));
    // Painted, the reason is elided to its place: the lane's words are shorter than the reason.
    const QFontMetricsF metrics(option.font);
    QVERIFY(metrics.horizontalAdvance(reason) > layout.lanes.at(2).status.width());
}

QTEST_MAIN(TestLiveRacePanel)
#include "tst_liveracepanel.moc"
