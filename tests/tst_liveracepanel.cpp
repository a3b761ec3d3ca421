// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The live race panel fed the engine's value structs: rows per route, coalesced progress, the
// decision (states, bar colours, summary), and the bounded list of recent races.
#include "ui/race/liveracemodel.h"
#include "ui/race/liveracepanel.h"
#include "ui/race/progressdelegate.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTimer>

using relayrace::model::RaceResult;
using relayrace::engine::RaceStart;
using relayrace::model::RouteOutcome;
using relayrace::ui::LiveRaceModel;
using relayrace::ui::LiveRacePanel;
using relayrace::ui::ProgressDelegate;

using namespace relayrace;

namespace {

const QStringList kRoutes{QStringLiteral("direct"), QStringLiteral("via:fra"), QStringLiteral("via:ams")};
constexpr qint64 kThreshold = 256 * 1024;

RaceStart start(quint64 id, const QString &provider = QStringLiteral("acme"), const QStringList &routes = kRoutes)
{
    RaceStart s;
    s.raceId = id;
    s.provider = provider;
    s.trigger = model::Trigger::T1;
    s.object = QStringLiteral("/test.bin");
    s.thresholdBytes = kThreshold;
    s.testObject = true;
    s.routes = routes;
    s.at = QDateTime::currentDateTimeUtc();
    return s;
}

// via:fra wins, direct loses, via:ams fails.
model::RaceResult result(const QString &provider = QStringLiteral("acme"))
{
    model::RaceResult r;
    r.provider = provider;
    r.trigger = model::Trigger::T1;
    r.object = QStringLiteral("/test.bin");
    r.thresholdBytes = kThreshold;
    r.winner = QStringLiteral("via:fra");
    r.marginMs = 23.4;
    r.wastedBytes = 1234;
    r.fairness = QStringLiteral("warm");
    r.startedAt = QDateTime::currentDateTimeUtc();
    model::RouteOutcome direct;
    direct.routeId = QStringLiteral("direct");
    direct.state = model::RouteOutcome::State::Lost;
    direct.connectMs = -1;
    direct.ttfbMs = 80.26;
    direct.projectedMs = 140;
    direct.bytes = 1234;
    direct.throughputBytesPerSec = 500000;
    model::RouteOutcome fra;
    fra.routeId = QStringLiteral("via:fra");
    fra.relay = QStringLiteral("http://127.0.0.1:9000");
    fra.state = model::RouteOutcome::State::Won;
    fra.freshConnection = true;
    fra.connectMs = 12.5;
    fra.ttfbMs = 40.0;
    fra.timeToThresholdMs = 116.6;
    fra.projectedMs = 116.6;
    fra.bytes = kThreshold;
    fra.throughputBytesPerSec = 2 * 1024 * 1024;
    model::RouteOutcome ams;
    ams.routeId = QStringLiteral("via:ams");
    ams.state = model::RouteOutcome::State::Failed;
    ams.error = QStringLiteral("connection refused");
    r.routes = {direct, fra, ams};
    return r;
}

QString cell(const QAbstractItemModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}

} // namespace

class TestLiveRacePanel final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void raceStartOpensOneRowPerRouteNewestFirst();
    void fiftyProgressCallsWithin100msGiveAtMostTwoSignals();
    void steadyProgressIsAnnouncedAtMostTenTimesASecond();
    void finishedRaceShowsStatesFiguresAndSummary();
    void progressBarIsGreenForTheWinnerGreyForLosersRedForFailed();
    void lateProgressAfterTheResultIsIgnored();
    void resultWithoutStartStillOpensItsRows();
    void raceWhereEveryRouteFailedSaysSo();
    void onlyTheLastTwentyRacesAreKept();
};

void TestLiveRacePanel::raceStartOpensOneRowPerRouteNewestFirst()
{
    LiveRaceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.onRaceStarted(start(1));
    model.onRaceStarted(start(2, QStringLiteral("other"), {QStringLiteral("direct"), QStringLiteral("via:lon")}));
    model.onRaceStarted(start(2)); // a repeated start changes nothing
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.raceCount(), 2);
    QCOMPARE(cell(model, 0, LiveRaceModel::RaceColumn), QStringLiteral("2"));
    QCOMPARE(cell(model, 0, LiveRaceModel::ProviderColumn), QStringLiteral("other"));
    QCOMPARE(cell(model, 1, LiveRaceModel::RouteColumn), QStringLiteral("via:lon"));
    QCOMPARE(cell(model, 2, LiveRaceModel::RaceColumn), QStringLiteral("1"));
    QCOMPARE(cell(model, 4, LiveRaceModel::RouteColumn), QStringLiteral("via:ams"));
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(cell(model, row, LiveRaceModel::StateColumn), QStringLiteral("connecting"));
    QCOMPARE(model.index(2, 0).data(LiveRaceModel::ThresholdRole).toLongLong(), kThreshold);
    QCOMPARE(model.rowOf(1, QStringLiteral("via:fra")), 3);
}

void TestLiveRacePanel::fiftyProgressCallsWithin100msGiveAtMostTwoSignals()
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
    QTest::qWait(3 * LiveRaceModel::kFlushIntervalMs); // a window in which no further signal may come
    QVERIFY2(changed.count() <= 2, qPrintable(QString::number(changed.count())));
    // One ranged signal for both rows that moved: state through progress.
    const QModelIndex from = changed.first().at(0).toModelIndex();
    const QModelIndex to = changed.first().at(1).toModelIndex();
    QCOMPARE(from.row(), 0);
    QCOMPARE(to.row(), 1);
    QCOMPARE(from.column(), int(LiveRaceModel::StateColumn));
    QCOMPARE(to.column(), int(LiveRaceModel::ProgressColumn));
    QCOMPARE(model.index(0, 0).data(LiveRaceModel::BytesRole).toLongLong(), 50 * 1024);
    QCOMPARE(model.index(1, 0).data(LiveRaceModel::BytesRole).toLongLong(), 49 * 1024);
    QCOMPARE(cell(model, 0, LiveRaceModel::StateColumn), QStringLiteral("racing"));
    QCOMPARE(cell(model, 2, LiveRaceModel::StateColumn), QStringLiteral("connecting"));
    QCOMPARE(model.index(0, 0).data(LiveRaceModel::ProgressRole).toDouble(), 50.0 * 1024 / kThreshold);
    QCOMPARE(cell(model, 0, LiveRaceModel::ProgressColumn),
             QStringLiteral("%1 / %2").arg(QLocale().formattedDataSize(50 * 1024), QLocale().formattedDataSize(kThreshold)));
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
    QTRY_COMPARE_WITH_TIMEOUT(model.index(0, 0).data(LiveRaceModel::BytesRole).toLongLong(), bytes, 5000);
    QTest::qWait(2 * LiveRaceModel::kFlushIntervalMs); // let the last flush land
    qInfo("%lld progress updates in %.2f s announced by %lld dataChanged", bytes / 100, seconds, qlonglong(changed.count()));
    QVERIFY2(bytes / 100 > 20, "the feeder must have delivered many updates");
    QVERIFY2(changed.count() >= 2, qPrintable(QString::number(changed.count())));
    QVERIFY2(changed.count() <= int(seconds * 10) + 1,
             qPrintable(QStringLiteral("%1 signals in %2 s for %3 updates").arg(changed.count()).arg(seconds).arg(bytes / 100)));
}

void TestLiveRacePanel::finishedRaceShowsStatesFiguresAndSummary()
{
    LiveRacePanel panel;
    QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto *summary = panel.findChild<QLabel *>(QStringLiteral("raceSummary"));
    auto *view = panel.findChild<QTableView *>(QStringLiteral("liveRaceView"));
    QVERIFY(summary);
    QVERIFY(view);
    QVERIFY(panel.lastWinner(QStringLiteral("acme")).isEmpty());
    panel.onRaceStarted(start(7));
    panel.onRouteProgress(7, QStringLiteral("via:fra"), kThreshold / 2, kThreshold);
    panel.onRaceFinished(7, result());

    const QAbstractItemModel &model = *view->model();
    QCOMPARE(cell(model, 0, LiveRaceModel::StateColumn), QStringLiteral("lost"));
    QCOMPARE(cell(model, 1, LiveRaceModel::StateColumn), QStringLiteral("won"));
    QCOMPARE(cell(model, 2, LiveRaceModel::StateColumn), QStringLiteral("failed"));
    QVERIFY(model.index(1, 0).data(LiveRaceModel::WinnerRole).toBool());
    QVERIFY(!model.index(0, 0).data(LiveRaceModel::WinnerRole).toBool());
    QCOMPARE(cell(model, 1, LiveRaceModel::ConnectColumn), QStringLiteral("12.5"));
    QCOMPARE(cell(model, 1, LiveRaceModel::TtfbColumn), QStringLiteral("40.0"));
    QCOMPARE(cell(model, 1, LiveRaceModel::ThresholdTimeColumn), QStringLiteral("116.6"));
    QCOMPARE(cell(model, 1, LiveRaceModel::ThroughputColumn), QLocale().formattedDataSize(2 * 1024 * 1024) + QStringLiteral("/s"));
    QCOMPARE(cell(model, 1, LiveRaceModel::ConnectionColumn), QStringLiteral("fresh"));
    QCOMPARE(cell(model, 0, LiveRaceModel::ConnectionColumn), QStringLiteral("reused"));
    QCOMPARE(cell(model, 0, LiveRaceModel::ConnectColumn), QString());
    QCOMPARE(cell(model, 0, LiveRaceModel::TtfbColumn), QStringLiteral("80.3"));
    QVERIFY(model.index(0, LiveRaceModel::ThresholdTimeColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("projected 140.0")));
    QVERIFY(model.index(2, LiveRaceModel::StateColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("connection refused")));
    QCOMPARE(model.index(1, 0).data(LiveRaceModel::ProgressRole).toDouble(), 1.0);

    QCOMPARE(summary->text(), QStringLiteral("acme: via:fra won by 23.4 ms, wasted 1234 B (trigger t1)"));
    QCOMPARE(panel.lastWinner(QStringLiteral("acme")), QStringLiteral("via:fra"));
    QCOMPARE(model.index(0, LiveRaceModel::RaceColumn).data(Qt::ToolTipRole).toString(), summary->text());
}

void TestLiveRacePanel::progressBarIsGreenForTheWinnerGreyForLosersRedForFailed()
{
    LiveRacePanel panel;
    panel.resize(1200, 300);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.onRaceStarted(start(1));
    model::RaceResult r = result();
    r.routes[0].bytes = kThreshold; // a loser that got there too (drawn full, so its colour shows)
    panel.onRaceFinished(1, r);
    auto *view = panel.findChild<QTableView *>(QStringLiteral("liveRaceView"));
    QVERIFY(view->columnWidth(LiveRaceModel::ProgressColumn) >= 160);
    const QImage image = view->viewport()->grab().toImage();
    const auto barColour = [&](int row) {
        const QRect rect = view->visualRect(view->model()->index(row, LiveRaceModel::ProgressColumn));
        const qreal ratio = image.devicePixelRatio();
        return QColor(image.pixel(QPoint(int((rect.left() + 5) * ratio), int(rect.center().y() * ratio)))).rgb();
    };
    QCOMPARE(barColour(0), ProgressDelegate::colorFor(model::RouteOutcome::State::Lost).rgb());
    QCOMPARE(barColour(1), ProgressDelegate::colorFor(model::RouteOutcome::State::Won).rgb());
    QCOMPARE(barColour(2), ProgressDelegate::colorFor(model::RouteOutcome::State::Failed).rgb());
    QCOMPARE(ProgressDelegate::colorFor(model::RouteOutcome::State::Won), QColor(0x2e, 0x9d, 0x4a));
    QVERIFY(ProgressDelegate::colorFor(model::RouteOutcome::State::Failed).red() > 150);
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
    QCOMPARE(model.index(0, 0).data(LiveRaceModel::BytesRole).toLongLong(), 1234);
    QCOMPARE(cell(model, 0, LiveRaceModel::StateColumn), QStringLiteral("lost"));
}

void TestLiveRacePanel::resultWithoutStartStillOpensItsRows()
{
    LiveRaceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.onRaceStarted(start(1, QStringLiteral("acme"), {QStringLiteral("direct"), QStringLiteral("via:fra")}));
    model.onRaceFinished(9, result(QStringLiteral("beta")));
    QCOMPARE(model.raceCount(), 2);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(cell(model, 1, LiveRaceModel::StateColumn), QStringLiteral("won"));
    QCOMPARE(cell(model, 1, LiveRaceModel::ProviderColumn), QStringLiteral("beta"));
    QCOMPARE(model.lastWinner(QStringLiteral("beta")), QStringLiteral("via:fra"));
    // The race that started with two routes reports a third: its row joins the race's block.
    model.onRaceFinished(1, result());
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(model.rowOf(1, QStringLiteral("via:ams")), 5);
    QCOMPARE(cell(model, 5, LiveRaceModel::StateColumn), QStringLiteral("failed"));
}

void TestLiveRacePanel::raceWhereEveryRouteFailedSaysSo()
{
    LiveRacePanel panel;
    panel.onRaceFinished(1, result());
    model::RaceResult failed = result();
    failed.winner.clear();
    failed.marginMs = -1;
    failed.error = QStringLiteral("direct: timeout; via:fra: reset");
    for (auto &route : failed.routes)
        route.state = model::RouteOutcome::State::Failed;
    panel.onRaceStarted(start(2));
    panel.onRaceFinished(2, failed);
    QCOMPARE(panel.lastWinner(QStringLiteral("acme")), QString());
    auto *summary = panel.findChild<QLabel *>(QStringLiteral("raceSummary"));
    QVERIFY(summary->text().startsWith(QStringLiteral("acme: every route failed (trigger t1)")));
    QVERIFY(summary->text().contains(QStringLiteral("via:fra: reset")));
    QCOMPARE(cell(*panel.model(), 0, LiveRaceModel::StateColumn), QStringLiteral("failed"));
    QVERIFY(!panel.model()->index(1, 0).data(LiveRaceModel::WinnerRole).toBool());
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
    QCOMPARE(model.rowCount(), 2 * LiveRaceModel::kMaxRaces);
    QCOMPARE(removed.count(), 5);
    QCOMPARE(cell(model, 0, LiveRaceModel::RaceColumn), QStringLiteral("25"));
    QCOMPARE(cell(model, model.rowCount() - 1, LiveRaceModel::RaceColumn), QStringLiteral("6"));
    QCOMPARE(model.rowOf(5, QStringLiteral("direct")), -1);
}

QTEST_MAIN(TestLiveRacePanel)
#include "tst_liveracepanel.moc"
