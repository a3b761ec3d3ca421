// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The history panel over a real SQLite history: a day of races on three routes with one change of the
// optimal route, drawn in four charts from a worker thread, downsampled to the plot width.
#include "history/historystore.h"
#include "model/routechange.h"
#include "model/raceresult.h"
#include "ui/history/downsample.h"
#include "ui/history/historypanel.h"
#include "ui/history/historyworker.h"

#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QImage>
#include <QLineSeries>
#include <QRandomGenerator>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace relayrace;
using relayrace::ui::HistoryPanel;

namespace {

const QStringList kRoutes = {QStringLiteral("direct"), QStringLiteral("via:fra"), QStringLiteral("via:ams")};
constexpr int kRaceEverySeconds = 30;
constexpr double kSpikeMs = 5000;

model::RaceResult makeRace(const QDateTime &at, bool directFirst, QRandomGenerator &random, bool spike)
{
    model::RaceResult result;
    result.provider = QStringLiteral("shop");
    result.trigger = model::Trigger::T2;
    result.object = QStringLiteral("/sureroute-test-object.html");
    result.thresholdBytes = 65536;
    result.fairness = QStringLiteral("warm");
    result.startedAt = at;
    const double base[] = {directFirst ? 70.0 : 130.0, directFirst ? 95.0 : 75.0, 110.0};
    QList<double> times;
    for (qsizetype i = 0; i < kRoutes.size(); ++i)
        times.append(base[i] + random.bounded(20.0));
    if (spike)
        times[0] = kSpikeMs;
    const qsizetype best = std::min_element(times.begin(), times.end()) - times.begin();
    result.winner = kRoutes.at(best);
    for (qsizetype i = 0; i < kRoutes.size(); ++i) {
        model::RouteOutcome route;
        route.routeId = kRoutes.at(i);
        route.relay = i == 0 ? QString() : QStringLiteral("http://127.0.0.1:3128");
        route.state = i == best ? model::RouteOutcome::State::Won : model::RouteOutcome::State::Lost;
        route.ttfbMs = times[i] * 0.3;
        route.timeToThresholdMs = i == best ? times[i] : -1; // losers are aborted before the threshold
        route.projectedMs = times[i];
        route.bytes = i == best ? 65536 : 30000;
        result.routes.append(route);
    }
    return result;
}

model::RouteChange change(const QString &from, const QString &to, const QDateTime &at, const QString &reason)
{
    model::RouteChange c;
    c.provider = QStringLiteral("shop");
    c.edgeRegion = QStringLiteral("default");
    c.fromRoute = from;
    c.toRoute = to;
    c.at = at;
    c.reason = reason;
    return c;
}

template<typename T>
QList<T *> seriesOf(QChartView *view)
{
    QList<T *> out;
    for (auto *series : view->chart()->series()) {
        if (auto *typed = qobject_cast<T *>(series))
            out.append(typed);
    }
    return out;
}

} // namespace

class TestHistoryPanel final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void minMaxDownsamplingKeepsSpikesAndBoundsPoints();
    void drawsADayOfThreeRoutesDownsampledToThePlotWidth();
    void bandHasMinBelowMedianBelowMax();
    void winnerTimelineMarksEveryRouteChange();
    void ttfbHistogramComparesTheOptimalRouteWithDirect();
    void newRouteChangeRefreshesAndRefreshesCoalesce();
    void workerDropsAStaleQuery();
    void workerFiguresMatchTheStoresQueries();
    void workerRefreshReadsOnlyNewRacesAndComputesWhatAFullReadDoes();
    void downsamplingKeepsItsColumnsWhenTheRangeMoves();
    void onlyChangedChartsAreRedrawnOneATurn();
    void cleanupTestCase();

private:
    QTemporaryDir m_dir;
    QString m_path;
    QDateTime m_start;
    QDateTime m_change;
    qint64 m_races = 0;
    std::unique_ptr<HistoryPanel> m_panel;
};

void TestHistoryPanel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("history.sqlite"));
    auto store = history::HistoryStore::open(m_path);
    QVERIFY2(store, qPrintable(store ? QString() : store.error()));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_start = now.addSecs(-24 * 3600 + 120);
    m_change = m_start.addSecs(12 * 3600);
    QRandomGenerator random(42);
    QList<history::RaceRecord> records;
    for (QDateTime at = m_start; at < now.addSecs(-60); at = at.addSecs(kRaceEverySeconds)) {
        const bool spike = at.secsTo(m_start.addSecs(18 * 3600)) >= 0 && at.secsTo(m_start.addSecs(18 * 3600)) < kRaceEverySeconds;
        records.append(history::RaceRecord{makeRace(at, at < m_change, random, spike), QStringLiteral("default"), true});
    }
    m_races = records.size();
    auto added = (*store)->addRaces(records);
    QVERIFY2(added, qPrintable(added ? QString() : added.error()));
    QCOMPARE(qint64(added.value()), m_races);
    QVERIFY((*store)->addRouteChange(change(QString(), QStringLiteral("direct"), m_start, QStringLiteral("first race"))));
    QVERIFY((*store)->addRouteChange(change(QStringLiteral("direct"), QStringLiteral("via:fra"), m_change,
                                            QStringLiteral("won by 20% (hysteresis 10%)"))));

    m_panel = std::make_unique<HistoryPanel>();
    m_panel->resize(1280, 800);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    QSignalSpy loaded(m_panel.get(), &HistoryPanel::loaded);
    m_panel->setRange(HistoryPanel::Range::Last24Hours);
    m_panel->setHistoryPath(m_path);
    m_panel->setProvider(QStringLiteral("shop"));
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() >= 1, 60000);
    QVERIFY2(m_panel->lastError().isEmpty(), qPrintable(m_panel->lastError()));
    QCOMPARE(m_panel->data().races, m_races);
}

void TestHistoryPanel::minMaxDownsamplingKeepsSpikesAndBoundsPoints()
{
    QList<QPointF> points;
    for (int i = 0; i < 10000; ++i)
        points.append(QPointF(i, i == 4321 ? 1e6 : (i % 7)));
    const auto drawn = ui::downsampleMinMax(points, 0, 10000, 300);
    QVERIFY(drawn.size() <= 600);
    QVERIFY(drawn.size() >= 300);
    QVERIFY(std::any_of(drawn.begin(), drawn.end(), [](const QPointF &p) { return p.y() == 1e6; }));
    QVERIFY(std::is_sorted(drawn.begin(), drawn.end(), [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); }));
    QCOMPARE(ui::downsampleMinMax(points.mid(0, 100), 0, 100, 300).size(), 100); // few points: untouched
}

void TestHistoryPanel::drawsADayOfThreeRoutesDownsampledToThePlotWidth()
{
    auto *view = m_panel->findChild<QChartView *>(QStringLiteral("tttChart"));
    QVERIFY(view);
    const auto lines = seriesOf<QLineSeries>(view);
    QCOMPARE(lines.size(), 3);
    const int width = int(view->chart()->plotArea().width());
    QVERIFY(width >= 100);
    QVERIFY2(m_panel->plotWidthPx() <= width, qPrintable(QStringLiteral("%1 > %2").arg(m_panel->plotWidthPx()).arg(width)));
    for (auto *series : lines) {
        QVERIFY2(series->count() <= 2 * width, qPrintable(series->name()));
        QVERIFY(series->count() > width / 2); // drawn across the whole day
        QVERIFY(series->count() < m_races);   // and really downsampled
    }
    // The model keeps every sample; the spike survives the downsampling.
    QCOMPARE(m_panel->data().timeToThreshold.at(0).all.size(), m_races);
    const auto direct = lines.at(kRoutes.indexOf(QStringLiteral("direct")));
    QCOMPARE(direct->name(), QStringLiteral("direct"));
    const auto points = direct->points();
    QVERIFY(std::any_of(points.begin(), points.end(), [](const QPointF &p) { return p.y() == kSpikeMs; }));
    QVERIFY(m_panel->lastRedrawMs() >= 0);
    qInfo("redraw of the four charts: %d ms at %d px plot width (%lld samples)", m_panel->lastRedrawMs(),
          m_panel->plotWidthPx(), m_panel->data().samples);
}

void TestHistoryPanel::bandHasMinBelowMedianBelowMax()
{
    auto *view = m_panel->findChild<QChartView *>(QStringLiteral("bandChart"));
    const auto areas = seriesOf<QAreaSeries>(view);
    QCOMPARE(areas.size(), 3);
    const auto lines = seriesOf<QLineSeries>(view);
    QCOMPARE(lines.size(), 3); // the medians
    for (qsizetype r = 0; r < areas.size(); ++r) {
        const auto low = areas[r]->lowerSeries()->points();
        const auto high = areas[r]->upperSeries()->points();
        const auto median = lines[r]->points();
        QVERIFY(median.size() > 10);
        QCOMPARE(low.size(), median.size());
        QCOMPARE(high.size(), median.size());
        for (qsizetype i = 0; i < median.size(); ++i) {
            QVERIFY(low[i].y() <= median[i].y());
            QVERIFY(median[i].y() <= high[i].y());
        }
        QVERIFY(std::any_of(low.begin(), low.end(), [&](const QPointF &p) { return p.y() < high[&p - low.data()].y(); }));
    }
    QVERIFY(m_panel->data().bucketSeconds >= 60);
}

void TestHistoryPanel::winnerTimelineMarksEveryRouteChange()
{
    auto *view = m_panel->findChild<QChartView *>(QStringLiteral("winnerChart"));
    auto *markers = view->chart()->findChild<QScatterSeries *>(QStringLiteral("routeChangeMarkers"));
    if (!markers) {
        for (auto *scatter : seriesOf<QScatterSeries>(view))
            markers = scatter->objectName() == QStringLiteral("routeChangeMarkers") ? scatter : markers;
    }
    QVERIFY(markers);
    QCOMPARE(markers->count(), 2);
    QCOMPARE(qint64(markers->at(1).x()), m_change.toMSecsSinceEpoch());
    QCOMPARE(int(markers->at(1).y()), int(m_panel->data().routes.indexOf(QStringLiteral("via:fra"))));
    // Each route's wins are dots; the optimal route is a step line that switches at the change.
    const auto scatters = seriesOf<QScatterSeries>(view);
    QCOMPARE(scatters.size(), 4);
    for (auto *scatter : scatters)
        QVERIFY(scatter->count() <= 2 * int(view->chart()->plotArea().width()));
    QVERIFY(m_panel->data().optimalSteps.size() >= 4);
}

void TestHistoryPanel::ttfbHistogramComparesTheOptimalRouteWithDirect()
{
    auto *view = m_panel->findChild<QChartView *>(QStringLiteral("ttfbHistogramChart"));
    const auto bars = seriesOf<QBarSeries>(view);
    QCOMPARE(bars.size(), 1);
    QCOMPARE(bars[0]->count(), 2);
    QCOMPARE(m_panel->data().optimalRoute, QStringLiteral("via:fra"));
    QVERIFY(bars[0]->barSets().at(0)->label().contains(QStringLiteral("via:fra")));
    for (auto *set : bars[0]->barSets()) {
        QVERIFY(set->count() > 1);
        QCOMPARE(qint64(set->sum()), m_races); // every race's TTFB is in one bin
    }
}

void TestHistoryPanel::newRouteChangeRefreshesAndRefreshesCoalesce()
{
    QSignalSpy loaded(m_panel.get(), &HistoryPanel::loaded);
    const auto newChange = change(QStringLiteral("via:fra"), QStringLiteral("via:ams"), QDateTime::currentDateTimeUtc().addSecs(-30),
                                  QStringLiteral("incumbent failed"));
    {
        auto store = history::HistoryStore::open(m_path);
        QVERIFY2(store, qPrintable(store ? QString() : store.error()));
        QVERIFY((*store)->addRouteChange(newChange));
    }
    for (int i = 0; i < 10; ++i)
        m_panel->onRouteChanged(newChange);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
    QCOMPARE(m_panel->data().changes.size(), 3);
    QTest::qWait(HistoryPanel::kRefreshIntervalMs + 500);
    QCOMPARE(loaded.count(), 1); // ten calls, one refresh
    auto *view = m_panel->findChild<QChartView *>(QStringLiteral("winnerChart"));
    for (auto *scatter : seriesOf<QScatterSeries>(view)) {
        if (scatter->objectName() == QStringLiteral("routeChangeMarkers"))
            QCOMPARE(scatter->count(), 3);
    }

    // A screenshot for people (an artifact under the build tree, not an assertion on pixels).
    const QImage shot = m_panel->grab().toImage();
    QCOMPARE(shot.size(), m_panel->size() * m_panel->devicePixelRatio());
    QVERIFY(QDir().mkpath(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts")));
    QVERIFY(shot.save(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts/history-panel.png")));
}

void TestHistoryPanel::workerDropsAStaleQuery()
{
    auto latest = std::make_shared<std::atomic<quint64>>(5);
    ui::HistoryWorker worker(latest);
    QSignalSpy finished(&worker, &ui::HistoryWorker::finished);
    ui::HistoryQuery query;
    query.path = m_path;
    query.provider = QStringLiteral("shop");
    query.to = QDateTime::currentDateTimeUtc();
    query.from = query.to.addSecs(-3600);
    query.widthPx = 200;
    query.generation = 4;
    worker.run(query);
    QCOMPARE(finished.count(), 0);
    query.generation = 5;
    worker.run(query);
    QCOMPARE(finished.count(), 1);
    const auto data = finished.at(0).at(0).value<ui::HistoryData>();
    QCOMPARE(data.generation, quint64(5));
    QVERIFY(data.races > 100 && data.races < 130); // an hour of races every 30 s
}

namespace {

// A worker's figures as text, every chart's data in order: equal texts, equal charts.
QStringList figures(const ui::HistoryData &d)
{
    const auto points = [](const QList<QPointF> &list) {
        QStringList out;
        for (const auto &p : list)
            out.append(QStringLiteral("%1:%2").arg(qint64(p.x())).arg(p.y()));
        return out.join(u' ');
    };
    const auto bins = [](const QList<history::HistogramBin> &list) {
        QStringList out;
        for (const auto &b : list)
            out.append(QStringLiteral("[%1,%2)=%3").arg(b.lowMs).arg(b.highMs).arg(b.count));
        return out.join(u' ');
    };
    QStringList out{QStringLiteral("error %1").arg(d.error), QStringLiteral("routes %1").arg(d.routes.join(u',')),
                    QStringLiteral("races %1 samples %2").arg(d.races).arg(d.samples),
                    QStringLiteral("bucket %1 bin %2 tail %3 optimal %4").arg(d.bucketSeconds).arg(d.binMs).arg(d.ttfbTailMs).arg(d.optimalRoute),
                    QStringLiteral("steps %1").arg(points(d.optimalSteps)), QStringLiteral("changes %1").arg(d.changes.size()),
                    QStringLiteral("direct %1").arg(bins(d.directHistogram)), QStringLiteral("optimal %1").arg(bins(d.optimalHistogram))};
    for (const auto &series : d.timeToThreshold)
        out << series.routeId + u" all " + points(series.all) << series.routeId + u" drawn " + points(series.drawn);
    for (const auto &band : d.bands)
        out << band.routeId + u" band " + points(band.min) + u" | " + points(band.median) + u" | " + points(band.max);
    for (const auto &wins : d.winners)
        out << u"wins "_qs + points(wins);
    return out;
}

ui::HistoryQuery dayQuery(const QString &path, const QDateTime &to)
{
    ui::HistoryQuery query;
    query.generation = 1;
    query.path = path;
    query.provider = QStringLiteral("shop");
    query.to = to;
    query.from = to.addSecs(-24 * 3600);
    query.widthPx = 600;
    return query;
}

} // namespace

// The worker computes the band and the histograms from its window in memory: the same figures as the
// store's SQL queries give for the same range.
void TestHistoryPanel::workerFiguresMatchTheStoresQueries()
{
    ui::HistoryWorker worker(std::make_shared<std::atomic<quint64>>(1));
    const ui::HistoryQuery query = dayQuery(m_path, QDateTime::currentDateTimeUtc());
    const ui::HistoryData data = worker.compute(query);
    QVERIFY2(data.error.isEmpty(), qPrintable(data.error));
    QCOMPARE(data.races, m_races);
    auto store = history::HistoryStore::open(m_path);
    QVERIFY(store);
    QCOMPARE(data.samples, qint64((*store)->routeSamples(QStringLiteral("shop"), query.from, query.to)->size()));
    const auto band = (*store)->band(QStringLiteral("shop"), query.from, query.to, data.bucketSeconds, history::BandMetric::Projected);
    QVERIFY(band);
    QVERIFY(band->size() > 100);
    qsizetype compared = 0;
    for (const auto &route : data.bands) {
        qsizetype i = 0;
        for (const auto &point : *band) {
            if (point.routeId != route.routeId)
                continue;
            QVERIFY2(i < route.median.size(), qPrintable(route.routeId));
            QCOMPARE(qint64(route.median[i].x()), point.bucketStart.toMSecsSinceEpoch() + data.bucketSeconds * 500);
            QCOMPARE(route.min[i].y(), point.minMs);
            QCOMPARE(route.median[i].y(), point.medianMs);
            QCOMPARE(route.max[i].y(), point.maxMs);
            ++i;
            ++compared;
        }
        QCOMPARE(i, route.median.size());
    }
    QCOMPARE(compared, band->size());
    const auto changes = (*store)->routeChanges(QStringLiteral("shop"), {}, {});
    QVERIFY(changes && !changes->isEmpty());
    QCOMPARE(data.optimalRoute, changes->constLast().toRoute); // the latest change (another test adds one)
    QVERIFY(data.optimalRoute != QStringLiteral("direct"));
    const auto same = [](const QList<history::HistogramBin> &a, const QList<history::HistogramBin> &b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto &x, const auto &y) {
            return x.lowMs == y.lowMs && x.highMs == y.highMs && x.count == y.count;
        });
    };
    const auto direct = (*store)->ttfbHistogram(QStringLiteral("shop"), QStringLiteral("direct"), query.from, query.to, data.binMs);
    const auto optimal = (*store)->ttfbHistogram(QStringLiteral("shop"), data.optimalRoute, query.from, query.to, data.binMs);
    QVERIFY(direct && optimal);
    QVERIFY(direct->size() > 3);
    QVERIFY(!optimal->isEmpty());
    QVERIFY(same(data.directHistogram, *direct));
    QVERIFY(same(data.optimalHistogram, *optimal));
}

// A refresh reads only the races stored since the last query (one full read in all), and computes every
// chart's figures exactly as a worker reading the whole range does.
void TestHistoryPanel::workerRefreshReadsOnlyNewRacesAndComputesWhatAFullReadDoes()
{
    const QString path = m_dir.filePath(QStringLiteral("refresh.sqlite"));
    auto store = history::HistoryStore::open(path);
    QVERIFY(store);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QRandomGenerator random(7);
    QList<history::RaceRecord> records;
    for (QDateTime at = now.addSecs(-25 * 3600); at < now.addSecs(-3600); at = at.addSecs(120))
        records.append(history::RaceRecord{makeRace(at, at < now.addSecs(-10 * 3600), random, false), QStringLiteral("default"), true});
    QVERIFY((*store)->addRaces(records));
    QVERIFY((*store)->addRouteChange(change(QString(), QStringLiteral("direct"), now.addSecs(-25 * 3600), QStringLiteral("first race"))));

    ui::HistoryWorker worker(std::make_shared<std::atomic<quint64>>(1));
    QStringList previous = figures(worker.compute(dayQuery(path, now.addSecs(-1800))));
    QCOMPARE(worker.window().fullReads(), 1);
    for (int step = 1; step <= 3; ++step) {
        // New races (one started before the newest already stored), a spike, a change of optimal route,
        // and a range that moved on by 10 minutes.
        const QDateTime at = now.addSecs(-1800 + step * 600);
        QVERIFY((*store)->addRace(makeRace(at.addSecs(-30), false, random, step == 2), QStringLiteral("default"), true));
        QVERIFY((*store)->addRace(makeRace(at.addSecs(-300), false, random, false), QStringLiteral("default"), true));
        if (step == 3)
            QVERIFY((*store)->addRouteChange(change(QStringLiteral("direct"), QStringLiteral("via:fra"), at.addSecs(-60), QStringLiteral("won"))));
        const ui::HistoryData refreshed = worker.compute(dayQuery(path, at));
        QVERIFY(!refreshed.fullRead);
        const QStringList incremental = figures(refreshed);
        ui::HistoryWorker fresh(std::make_shared<std::atomic<quint64>>(1));
        const ui::HistoryData read = fresh.compute(dayQuery(path, at));
        QVERIFY(read.fullRead);
        const QStringList full = figures(read);
        QCOMPARE(incremental.size(), full.size());
        for (qsizetype i = 0; i < full.size(); ++i)
            QCOMPARE(incremental.at(i), full.at(i));
        QVERIFY(incremental != previous); // the new races show
        previous = incremental;
    }
    QCOMPARE(worker.window().fullReads(), 1);
}

void TestHistoryPanel::downsamplingKeepsItsColumnsWhenTheRangeMoves()
{
    // A minute of samples every 10 ms with a spike, in 200 columns of 300 ms; then "now" moves by 120 ms
    // and new samples arrive: every column but the last is drawn as before, the spike in both.
    const double x0 = 1'000'000;
    const double x1 = x0 + 60'000;
    QList<QPointF> points;
    for (int i = 0; i < 6000; ++i)
        points.append(QPointF(x0 + i * 10, i == 2500 ? kSpikeMs : 50 + (i * 37) % 23));
    const auto before = ui::downsampleMinMax(points, x0, x1, 200);
    for (int i = 6000; i < 6012; ++i)
        points.append(QPointF(x0 + i * 10, 40));
    const auto after = ui::downsampleMinMax(points.mid(12), x0 + 120, x1 + 120, 200);
    const auto hasSpike = [](const QList<QPointF> &drawn) {
        return std::any_of(drawn.begin(), drawn.end(), [](const QPointF &p) { return p.y() == kSpikeMs; });
    };
    QVERIFY(hasSpike(before));
    QVERIFY(hasSpike(after));
    QVERIFY(after.size() <= 2 * 201);
    QVERIFY(before.size() > 300);
    QCOMPARE(after.mid(2, before.size() - 4), before.mid(2, before.size() - 4)); // first and last columns aside
    QCOMPARE(after.constLast().y(), 40.0); // the new samples' low is in the last column
    const auto presence = ui::downsamplePresence(points.mid(0, 6000), x0, x1, 200);
    QCOMPARE(ui::downsamplePresence(points.mid(12), x0 + 120, x1 + 120, 200).mid(1, presence.size() - 2),
             presence.mid(1, presence.size() - 2));
}

void TestHistoryPanel::onlyChangedChartsAreRedrawnOneATurn()
{
    QSignalSpy loaded(m_panel.get(), &HistoryPanel::loaded);
    m_panel->refresh();
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
    // The same races, and "now" moved by far less than a pixel (minutes per pixel over a day): nothing
    // to draw again.
    QVERIFY2(m_panel->lastRedrawnCharts().isEmpty(), qPrintable(m_panel->lastRedrawnCharts().join(u',')));

    // A new race with a spike on direct: its line and the histogram change, and the spike is drawn.
    const QDateTime at = QDateTime::currentDateTimeUtc().addSecs(-5);
    {
        auto store = history::HistoryStore::open(m_path);
        QVERIFY2(store, qPrintable(store ? QString() : store.error()));
        QRandomGenerator random(7);
        QVERIFY((*store)->addRaces({history::RaceRecord{makeRace(at, false, random, true), QStringLiteral("default"), true}}));
    }
    m_panel->refresh();
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, 60000);
    const QStringList redrawn = m_panel->lastRedrawnCharts();
    QVERIFY2(redrawn.contains(QStringLiteral("tttChart")), qPrintable(redrawn.join(u',')));
    QVERIFY2(redrawn.contains(QStringLiteral("ttfbHistogramChart")), qPrintable(redrawn.join(u',')));
    QCOMPARE(m_panel->data().races, m_races + 1);
    auto *view = m_panel->findChild<QChartView *>(QStringLiteral("tttChart"));
    const auto direct = seriesOf<QLineSeries>(view).at(kRoutes.indexOf(QStringLiteral("direct")));
    const auto points = direct->points();
    QVERIFY(std::any_of(points.begin(), points.end(), [&](const QPointF &p) {
        return p.y() == kSpikeMs && qint64(p.x()) == at.toMSecsSinceEpoch();
    }));
    // Each chart in its own event-loop turn: a turn is at most the whole redraw.
    QVERIFY(m_panel->lastRedrawStepMs() >= 0);
    QVERIFY(m_panel->lastRedrawStepMs() <= m_panel->lastRedrawMs());
}

void TestHistoryPanel::cleanupTestCase()
{
    m_panel.reset();
}

QTEST_MAIN(TestHistoryPanel)
#include "tst_historypanel.moc"
