// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The providers panel as the operator reads it: one row per provider fed by engine snapshots, the
// time-relative columns ticking once a second, the map's signature state, and row selection.
#include "ui/providers/providersmodel.h"
#include "ui/providers/providerspanel.h"
#include "ui/theme/palette.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QBrush>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QHeaderView>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using relayrace::engine::ProviderSnapshot;
using relayrace::ui::ProvidersModel;
using relayrace::ui::ProvidersPanel;

using namespace relayrace;

namespace {

const QDateTime kNow = QDateTime(QDate(2024, 5, 1), QTime(12, 0, 0), Qt::UTC);

ProviderSnapshot snapshot(const QString &provider, const QDateTime &now)
{
    ProviderSnapshot s;
    s.provider = provider;
    s.origin = QUrl(QStringLiteral("https://%1.example:8443").arg(provider));
    s.edgeRegion = QStringLiteral("default");
    s.optimalRoute = QStringLiteral("via:fra");
    s.chosenAt = now.addSecs(-65);
    s.nextRetestAt = now.addSecs(30);
    s.lastTrigger = model::Trigger::T1;
    s.routes = {QStringLiteral("direct"), QStringLiteral("via:fra"), QStringLiteral("via:ams")};
    s.mapExpiresAt = now.addSecs(-10);
    s.races = 7;
    s.racesFailed = 1;
    s.racesSkippedByBudget = 3;
    s.raceBytesTestObject = 3 * 1024 * 1024;
    s.raceBytesRequested = 2048;
    s.requests = 42;
    return s;
}

QString text(const QAbstractItemModel *model, int row, int column)
{
    return model->index(row, column).data().toString();
}

} // namespace

class TestProvidersPanel final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void snapshotsFillOneRowPerProviderMergedInPlace();
    void timeColumnsShowAgeCountdownAndExpiry();
    void timeColumnsTickOnceASecondWithOneRangedSignal();
    void mapStateIsKeptPerProviderEvenBeforeItsFirstSnapshot();
    void everyNumberHasATooltip();
    void clickingARowNamesTheProvider();
    void gainAndMarginFollowTheRaces();
    void glanceColumnsShownTheOthersInTheHeaderMenu();
};

void TestProvidersPanel::snapshotsFillOneRowPerProviderMergedInPlace()
{
    ProvidersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setClock([] { return kNow; });
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.updateProvider(snapshot(QStringLiteral("alpha"), kNow));
    model.updateProvider(snapshot(QStringLiteral("beta"), kNow));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(inserted.count(), 2);

    ProviderSnapshot later = snapshot(QStringLiteral("alpha"), kNow);
    later.optimalRoute = QStringLiteral("direct");
    later.races = 8;
    later.racesFailed = 0;
    later.requests = 1234;
    changed.clear();
    model.updateProvider(later);
    QCOMPARE(model.rowCount(), 2);     // merged, not appended
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 0);
    QCOMPARE(changed.first().at(1).toModelIndex().column(), ProvidersModel::ColumnCount - 1);
    QCOMPARE(text(&model, 0, ProvidersModel::OptimalRouteColumn), QStringLiteral("direct"));
    QCOMPARE(text(&model, 0, ProvidersModel::RacesColumn), QStringLiteral("8"));
    QCOMPARE(text(&model, 0, ProvidersModel::RequestsColumn), QLocale().toString(1234));
    QCOMPARE(text(&model, 1, ProvidersModel::RacesColumn), QStringLiteral("7 (1 failed)"));
    QCOMPARE(text(&model, 1, ProvidersModel::SkippedColumn), QStringLiteral("3"));
    QCOMPARE(text(&model, 1, ProvidersModel::TestObjectBytesColumn), QLocale().formattedDataSize(3 * 1024 * 1024));
    QCOMPARE(text(&model, 1, ProvidersModel::OriginColumn), QStringLiteral("https://beta.example:8443"));
    QCOMPARE(text(&model, 1, ProvidersModel::LastTriggerColumn), QStringLiteral("t1"));

    // Served traffic beside the race: the optimal route flagged while degraded, each route's raced and
    // served TTFB in its tooltip.
    later.degraded = true;
    later.lastTrigger = relayrace::model::Trigger::Degraded;
    later.serving = {{QStringLiteral("direct"), 20.0, 104.5, -1, 30, 2}};
    model.updateProvider(later);
    QCOMPARE(text(&model, 0, ProvidersModel::OptimalRouteColumn), QStringLiteral("direct (degraded)"));
    QCOMPARE(text(&model, 0, ProvidersModel::LastTriggerColumn), QStringLiteral("degraded"));
    const QString tip = model.index(0, ProvidersModel::OptimalRouteColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("direct: TTFB raced %1 ms, served %2 ms over 30 requests, 2 failovers")
                              .arg(QLocale().toString(20.0, 'f', 1), QLocale().toString(104.5, 'f', 1))), qPrintable(tip));

    model.removeProvider(QStringLiteral("alpha"));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(text(&model, 0, ProvidersModel::ProviderColumn), QStringLiteral("beta"));
}

void TestProvidersPanel::timeColumnsShowAgeCountdownAndExpiry()
{
    ProvidersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QDateTime now = kNow;
    model.setClock([&now] { return now; });
    model.updateProvider(snapshot(QStringLiteral("alpha"), kNow));
    QCOMPARE(text(&model, 0, ProvidersModel::RouteAgeColumn), QStringLiteral("1 min 05 s"));
    QCOMPARE(text(&model, 0, ProvidersModel::RetestInColumn), QStringLiteral("30 s"));
    QCOMPARE(text(&model, 0, ProvidersModel::MapExpiryColumn), QStringLiteral("EXPIRED 10 s ago: still racing on it"));
    QCOMPARE(model.index(0, ProvidersModel::MapExpiryColumn).data(Qt::ForegroundRole).value<QBrush>().color(),
             ui::theme::readable(ui::theme::Tone::Bad, QGuiApplication::palette()));
    QCOMPARE(text(&model, 0, ProvidersModel::MapColumn), QStringLiteral("EXPIRED: still racing on it"));
    // What the engine does with it (expired_map) is in the cell.
    engine::ProviderSnapshot directOnly = snapshot(QStringLiteral("alpha"), kNow);
    directOnly.expiredMapPolicy = QStringLiteral("direct");
    model.updateProvider(directOnly);
    QCOMPARE(text(&model, 0, ProvidersModel::MapExpiryColumn), QStringLiteral("EXPIRED 10 s ago: direct only"));
    directOnly.expiredMapPolicy = QStringLiteral("refuse");
    model.updateProvider(directOnly);
    QCOMPARE(text(&model, 0, ProvidersModel::MapExpiryColumn), QStringLiteral("EXPIRED 10 s ago: not serving"));
    model.updateProvider(snapshot(QStringLiteral("alpha"), kNow));

    now = kNow.addSecs(40);
    QCOMPARE(text(&model, 0, ProvidersModel::RouteAgeColumn), QStringLiteral("1 min 45 s"));
    QCOMPARE(text(&model, 0, ProvidersModel::RetestInColumn), QStringLiteral("due"));

    ProviderSnapshot fresh = snapshot(QStringLiteral("alpha"), kNow);
    fresh.mapExpiresAt = now.addSecs(2 * 3600 + 5 * 60);
    fresh.optimalRoute.clear();
    model.updateProvider(fresh);
    QCOMPARE(text(&model, 0, ProvidersModel::MapExpiryColumn), QStringLiteral("fresh, expires in 2 h 05 min"));
    QCOMPARE(text(&model, 0, ProvidersModel::OptimalRouteColumn), QStringLiteral("(none)"));
    QCOMPARE(text(&model, 0, ProvidersModel::RouteAgeColumn), QStringLiteral("—"));
}

void TestProvidersPanel::timeColumnsTickOnceASecondWithOneRangedSignal()
{
    ProvidersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QDateTime now = kNow;
    model.setClock([&now] { return now; });
    model.updateProvider(snapshot(QStringLiteral("alpha"), kNow));
    model.updateProvider(snapshot(QStringLiteral("beta"), kNow));
    model.updateProvider(snapshot(QStringLiteral("gamma"), kNow));

    QList<qint64> ticks;
    QList<std::pair<QModelIndex, QModelIndex>> ranges;
    QElapsedTimer clock;
    clock.start();
    connect(&model, &QAbstractItemModel::dataChanged, this, [&](const QModelIndex &from, const QModelIndex &to) {
        ticks.append(clock.elapsed());
        ranges.append({from, to});
    });
    now = kNow.addSecs(10);
    QTRY_VERIFY_WITH_TIMEOUT(ticks.size() >= 2, 10000);
    // One signal per tick covers every row's four time columns, nothing else.
    for (const auto &[from, to] : ranges) {
        QCOMPARE(from, model.index(0, ProvidersModel::MapColumn));
        QCOMPARE(to, model.index(2, ProvidersModel::MapExpiryColumn));
    }
    // 1 s apart, give or take a late first tick on a loaded machine (Qt then schedules the next sooner).
    QVERIFY2(ticks.at(1) - ticks.at(0) >= 500, qPrintable(QStringLiteral("ticks %1 ms apart").arg(ticks.at(1) - ticks.at(0))));
    QCOMPARE(text(&model, 2, ProvidersModel::RouteAgeColumn), QStringLiteral("1 min 15 s"));
    QCOMPARE(text(&model, 2, ProvidersModel::RetestInColumn), QStringLiteral("20 s"));
}

void TestProvidersPanel::mapStateIsKeptPerProviderEvenBeforeItsFirstSnapshot()
{
    ProvidersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setClock([] { return kNow; });
    model.setMapState(QStringLiteral("beta"), QStringLiteral("last good kept"));
    QCOMPARE(model.rowCount(), 0);
    model.updateProvider(snapshot(QStringLiteral("alpha"), kNow));
    model.updateProvider(snapshot(QStringLiteral("beta"), kNow));
    QCOMPARE(text(&model, 0, ProvidersModel::SignatureColumn), QStringLiteral("unknown"));
    QCOMPARE(text(&model, 1, ProvidersModel::SignatureColumn), QStringLiteral("last good kept"));

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setMapState(QStringLiteral("alpha"), QStringLiteral("failed"));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex(), model.index(0, ProvidersModel::MapColumn));
    QCOMPARE(changed.first().at(1).toModelIndex(), model.index(0, ProvidersModel::SignatureColumn));
    QCOMPARE(text(&model, 0, ProvidersModel::SignatureColumn), QStringLiteral("failed"));
    // The brief column puts the expiry first (the thing to act on); its tooltip has the state too.
    QVERIFY(text(&model, 0, ProvidersModel::MapColumn).startsWith(QStringLiteral("EXPIRED")));
    QVERIFY(model.index(0, ProvidersModel::MapColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("failed")));
    QCOMPARE(model.index(0, ProvidersModel::SignatureColumn).data(Qt::ForegroundRole).value<QBrush>().color(),
             ui::theme::readable(ui::theme::Tone::Bad, QGuiApplication::palette()));
    // A new snapshot does not forget the state.
    model.updateProvider(snapshot(QStringLiteral("alpha"), kNow));
    QCOMPARE(text(&model, 0, ProvidersModel::SignatureColumn), QStringLiteral("failed"));
    model.setMapState(QStringLiteral("alpha"), QStringLiteral("valid"));
    QCOMPARE(text(&model, 0, ProvidersModel::SignatureColumn), QStringLiteral("valid"));
}

void TestProvidersPanel::everyNumberHasATooltip()
{
    ProvidersModel model;
    model.setClock([] { return kNow; });
    model.updateProvider(snapshot(QStringLiteral("alpha"), kNow));
    for (int column = 0; column < ProvidersModel::ColumnCount; ++column) {
        const QString tip = model.index(0, column).data(Qt::ToolTipRole).toString();
        QVERIFY2(!tip.isEmpty(), qPrintable(model.headerData(column, Qt::Horizontal).toString()));
    }
    QVERIFY(model.index(0, ProvidersModel::RacesColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("7 races")));
}

void TestProvidersPanel::clickingARowNamesTheProvider()
{
    ProvidersPanel panel;
    QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.resize(1000, 300);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    // Arrival order differs from the view's (sorted by provider).
    const QList<std::pair<QString, qint64>> providers{
        {QStringLiteral("gamma"), 1000}, {QStringLiteral("alpha"), 5}, {QStringLiteral("beta"), 90}};
    for (const auto &[name, requests] : providers) {
        ProviderSnapshot s = snapshot(name, QDateTime::currentDateTimeUtc());
        s.requests = requests;
        panel.updateProvider(s);
    }
    panel.setMapState(QStringLiteral("beta"), QStringLiteral("valid"));
    auto *view = panel.findChild<QTableView *>(QStringLiteral("providersView"));
    QVERIFY(view);
    QCOMPARE(view->model()->rowCount(), 3);
    QCOMPARE(text(view->model(), 0, ProvidersModel::ProviderColumn), QStringLiteral("alpha"));
    QCOMPARE(text(view->model(), 1, ProvidersModel::ProviderColumn), QStringLiteral("beta"));
    QCOMPARE(text(view->model(), 1, ProvidersModel::SignatureColumn), QStringLiteral("valid"));

    QSignalSpy selected(&panel, &ProvidersPanel::providerSelected);
    const QRect cell = view->visualRect(view->model()->index(1, ProvidersModel::OptimalRouteColumn));
    QVERIFY(cell.isValid());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.first().at(0).toString(), QStringLiteral("beta"));
    QCOMPARE(panel.selectedProvider(), QStringLiteral("beta"));

    // Sorting by a number column uses the value, not its text ("90" > "5" > "1,000" as text).
    view->sortByColumn(ProvidersModel::RequestsColumn, Qt::DescendingOrder);
    QCOMPARE(text(view->model(), 0, ProvidersModel::ProviderColumn), QStringLiteral("gamma"));
    QCOMPARE(text(view->model(), 2, ProvidersModel::ProviderColumn), QStringLiteral("alpha"));
    QCOMPARE(panel.selectedProvider(), QStringLiteral("beta")); // the selection follows the row
}


namespace {

model::RaceResult race(const QString &winner, double direct, double via, double margin, model::RaceResult::MarginKind kind)
{
    model::RaceResult result;
    result.provider = QStringLiteral("alpha");
    result.winner = winner;
    result.marginMs = margin;
    result.marginKind = kind;
    for (const auto &[id, ms] : {std::pair{QStringLiteral("direct"), direct}, std::pair{QStringLiteral("via:tyo"), via}}) {
        model::RouteOutcome route;
        route.routeId = id;
        route.state = id == winner ? model::RouteOutcome::State::Won : model::RouteOutcome::State::Lost;
        // The loser: measured in overtime, else only projected.
        route.timeToThresholdMs = id == winner || kind == model::RaceResult::MarginKind::Measured ? ms : -1;
        route.projectedMs = ms;
        result.routes.append(route);
    }
    return result;
}

} // namespace

void TestProvidersPanel::gainAndMarginFollowTheRaces()
{
    ProvidersModel model;
    engine::ProviderSnapshot s = snapshot(QStringLiteral("alpha"), kNow);
    s.optimalRoute = QStringLiteral("via:tyo");
    model.updateProvider(s);
    QCOMPARE(text(&model, 0, ProvidersModel::GainColumn), QStringLiteral("—")); // no race yet
    QCOMPARE(text(&model, 0, ProvidersModel::MarginColumn), QStringLiteral("—"));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // Medians over the window: direct 100 ms, via:tyo 60 ms -> 40% faster, whatever one outlier says.
    model.addRace(race(QStringLiteral("via:tyo"), 100, 60, 40, model::RaceResult::MarginKind::Measured));
    model.addRace(race(QStringLiteral("via:tyo"), 900, 62, 838, model::RaceResult::MarginKind::Measured));
    model.addRace(race(QStringLiteral("via:tyo"), 98, 58, 12.25, model::RaceResult::MarginKind::Measured));
    QCOMPARE(changed.size(), 3);
    QCOMPARE(changed.first().at(0).toModelIndex().column(), int(ProvidersModel::GainColumn));
    QCOMPARE(changed.first().at(1).toModelIndex().column(), int(ProvidersModel::MarginColumn));
    QCOMPARE(text(&model, 0, ProvidersModel::GainColumn), QStringLiteral("40% faster"));
    QVERIFY(model.index(0, ProvidersModel::GainColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("3 races")));
    QCOMPARE(text(&model, 0, ProvidersModel::MarginColumn), QLocale().toString(12.25, 'f', 1) + QStringLiteral(" ms"));
    model.addRace(race(QStringLiteral("via:tyo"), 100, 70, 3.4, model::RaceResult::MarginKind::LowerBound));
    QCOMPARE(text(&model, 0, ProvidersModel::MarginColumn), QStringLiteral("≥ 3 ms"));
    QVERIFY(model.index(0, ProvidersModel::MarginColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("lower bound")));
    model.addRace(race(QStringLiteral("via:tyo"), 100, 70, 29.6, model::RaceResult::MarginKind::Projected));
    QCOMPARE(text(&model, 0, ProvidersModel::MarginColumn), QStringLiteral("≈ 30 ms"));
    // The optimal route direct: nothing to gain over itself.
    s.optimalRoute = QStringLiteral("direct");
    model.updateProvider(s);
    QCOMPARE(text(&model, 0, ProvidersModel::GainColumn), QStringLiteral("direct"));
}

void TestProvidersPanel::glanceColumnsShownTheOthersInTheHeaderMenu()
{
    ProvidersPanel panel;
    panel.updateProvider(snapshot(QStringLiteral("alpha"), kNow));
    for (int column = 0; column < ProvidersModel::ColumnCount; ++column)
        QCOMPARE(panel.view()->isColumnHidden(column), column >= ProvidersModel::kDefaultColumns);
    const QStringList glance{QStringLiteral("Provider"), QStringLiteral("Optimal route"), QStringLiteral("Gain"),
                             QStringLiteral("Last margin"), QStringLiteral("Map")};
    for (int column = 0; column < ProvidersModel::kDefaultColumns; ++column)
        QCOMPARE(panel.model()->headerData(column, Qt::Horizontal).toString(), glance.at(column));
}

QTEST_MAIN(TestProvidersPanel)
#include "tst_providerspanel.moc"
