// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "historypanel.h"

#include "model/raceresult.h"
#include "ui/history/historycharts.h"
#include "ui/history/historyworker.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <utility>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#endif

namespace relayrace::ui {

namespace {

void lowerThisThreadsPriority()
{
#ifdef Q_OS_LINUX
    // On Linux a nice value is per thread: PRIO_PROCESS with 0 is the calling thread. 10: a tenth of
    // the weight of a normal thread when both want the CPU.
    ::setpriority(PRIO_PROCESS, 0, 10);
#endif
}

} // namespace


HistoryPanel::HistoryPanel(QWidget *parent)
    : QWidget(parent)
    , m_range(new QComboBox(this))
    , m_status(new QLabel(this))
    , m_tttView(makeChartView(QStringLiteral("tttChart"), tr("Time to threshold per route"),
                              tr("Measured for the winner; a loser's projection at the decision"), this))
    , m_bandView(makeChartView(QStringLiteral("bandChart"), tr("Spread per route (min / median / max)"),
                               tr("SmokePing style: the shaded band spans min to max per time bucket, the line is the median"), this))
    , m_winnerView(makeChartView(QStringLiteral("winnerChart"), tr("Winners and optimal route"),
                                 tr("Dots: each race's winner. Line: the optimal route. Diamonds: changes of the optimal route"), this))
    , m_histogramView(makeChartView(QStringLiteral("ttfbHistogramChart"), tr("TTFB: optimal route vs direct"),
                                    tr("Number of races per TTFB bin"), this))
    , m_refreshTimer(new QTimer(this))
    , m_thread(new QThread(this))
    , m_latest(std::make_shared<std::atomic<quint64>>(0))
{
    setObjectName(QStringLiteral("historyPanel"));
    m_range->setObjectName(QStringLiteral("historyRange"));
    m_range->addItem(tr("Fit the data"), int(Range::FitData));
    m_range->addItem(tr("Last hour"), int(Range::LastHour));
    m_range->addItem(tr("Last 6 h"), int(Range::Last6Hours));
    m_range->addItem(tr("Last 24 h"), int(Range::Last24Hours));
    m_range->addItem(tr("Last 7 days"), int(Range::Last7Days));
    m_range->setCurrentIndex(0);
    m_range->setToolTip(tr("Time range of the charts; \"Fit the data\" starts them just before the first race "
                           "of the last 7 days"));
    m_status->setObjectName(QStringLiteral("historyStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Range:"), this));
    top->addWidget(m_range);
    top->addWidget(m_status, 1);
    auto *grid = new QGridLayout;
    m_grid = grid;
    arrangeCharts(2);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(grid, 1);

    // Empty charts with their axes, so the plot width is right before the first data arrives.
    m_data.to = QDateTime::currentDateTimeUtc();
    m_data.from = m_data.to.addSecs(range() == Range::FitData ? -HistoryQuery::kFitMinimumSeconds : -rangeSeconds(range()));
    drawTimeToThreshold(m_tttView, m_data);
    drawBand(m_bandView, m_data);
    drawWinners(m_winnerView, m_data);

    m_refreshTimer->setSingleShot(true);
    connect(m_refreshTimer, &QTimer::timeout, this, &HistoryPanel::startQuery);
    // Another range is another question: asked at once, not after the coalescing interval.
    connect(m_range, &QComboBox::currentIndexChanged, this, [this] { m_refreshTimer->start(0); });

    m_worker = new HistoryWorker(m_latest);
    m_worker->moveToThread(m_thread);
    // Deleted on its own thread when the thread ends: its SQLite connection belongs to that thread.
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &HistoryPanel::queryRequested, m_worker, &HistoryWorker::run, Qt::QueuedConnection);
    connect(m_worker, &HistoryWorker::finished, this, &HistoryPanel::onFinished, Qt::QueuedConnection);
    m_thread->setObjectName(QStringLiteral("history-panel"));
    // A query over a long history keeps a core busy for seconds, one after the other while races land:
    // at the GUI thread's priority it delayed the GUI thread by up to 16 ms (bench_console, perf sched).
    // Background work, so it yields to the other threads. Not QThread::IdlePriority (SCHED_IDLE): with
    // builds running beside the console it got so little CPU that the panel stopped refreshing.
    connect(m_thread, &QThread::started, m_worker, [] { lowerThisThreadsPriority(); });
    m_thread->start();
}

HistoryPanel::~HistoryPanel()
{
    m_latest->store(0); // whatever runs is stale now: the worker gives up at its next step
    m_thread->quit();
    m_thread->wait(); // the window closes: a query in flight ends at its next step
}

HistoryPanel::Range HistoryPanel::range() const
{
    return Range(m_range->currentData().toInt());
}

void HistoryPanel::setRange(Range range)
{
    m_range->setCurrentIndex(m_range->findData(int(range)));
}

qint64 HistoryPanel::rangeSeconds(Range range)
{
    switch (range) {
    case Range::LastHour: return 3600;
    case Range::Last6Hours: return 6 * 3600;
    case Range::Last24Hours: return 24 * 3600;
    case Range::Last7Days:
    case Range::FitData: break; // looks back 7 days
    }
    return 7 * 24 * 3600;
}

void HistoryPanel::setHistoryPath(const QString &path)
{
    m_path = path;
    m_edge.clear();
    m_refreshTimer->start(0);
}

void HistoryPanel::setEdge(const QUrl &adminUrl, const QByteArray &token, const QList<QSslCertificate> &ca)
{
    m_path.clear();
    m_edge = adminUrl;
    m_token = token;
    m_edgeCa = ca;
    m_refreshTimer->start(0);
}

void HistoryPanel::setProvider(const QString &provider)
{
    m_provider = provider;
    m_refreshTimer->start(0);
}

void HistoryPanel::reload()
{
    m_readAll = true;
    m_refreshTimer->start(0);
}

int HistoryPanel::refreshIntervalMs() const
{
    // A fitted range refreshes for the span it shows, not the 7 days it looks back.
    const qint64 spanMs = range() == Range::FitData && m_data.from.isValid() ? m_data.from.msecsTo(m_data.to)
                                                                            : rangeSeconds(range()) * 1000;
    const qint64 columnMs = spanMs / std::max(50, currentPlotWidth());
    return int(std::clamp<qint64>(columnMs, kRefreshIntervalMs, kMaxRefreshIntervalMs));
}

void HistoryPanel::refresh()
{
    if (m_refreshTimer->isActive())
        return;
    const qint64 interval = refreshIntervalMs();
    const qint64 since = m_sinceQuery.isValid() ? m_sinceQuery.elapsed() : interval;
    m_refreshTimer->start(int(std::max<qint64>(0, interval - since)));
}

void HistoryPanel::onRaceFinished(quint64, const model::RaceResult &result)
{
    if (result.provider == m_provider)
        refresh();
}

void HistoryPanel::onRouteChanged(const model::RouteChange &change)
{
    if (change.provider == m_provider)
        refresh();
}

void HistoryPanel::arrangeCharts(int columns)
{
    if (columns == m_chartColumns)
        return;
    m_chartColumns = columns;
    const QList<QChartView *> views{m_tttView, m_bandView, m_winnerView, m_histogramView};
    for (qsizetype i = 0; i < views.size(); ++i)
        m_grid->addWidget(views.at(i), int(i) / columns, int(i) % columns);
}

void HistoryPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    // Wide and short (under the topology): the four charts side by side, each as tall as the panel.
    arrangeCharts(width() > 3 * height() ? 4 : 2);
    // Redownsample for the new width once the charts have laid out (the refresh runs from the loop).
    if (m_data.widthPx > 0 && std::abs(currentPlotWidth() - m_data.widthPx) > m_data.widthPx / 5)
        refresh();
}

int HistoryPanel::currentPlotWidth() const
{
    const int plot = int(m_tttView->chart()->plotArea().width());
    const int width = plot >= 50 ? plot : std::max(100, m_tttView->width() - 80);
    // New data can widen the axis labels and so narrow the plot a little: leave room for that.
    return width * 9 / 10;
}

void HistoryPanel::startQuery()
{
    if ((m_path.isEmpty() && !m_edge.isValid()) || m_provider.isEmpty())
        return;
    // A refresh of what is already loading waits for it: over a long history a query can take longer
    // than races take to arrive, and superseding it each time would never draw anything. Another
    // provider or range supersedes it at once (its result is then stale and dropped).
    if (m_inFlight && m_inFlightKey == m_provider + u'|' + QString::number(int(range()))) {
        m_pending = true;
        return;
    }
    m_inFlight = true;
    m_pending = false;
    m_inFlightKey = m_provider + u'|' + QString::number(int(range()));
    m_sinceQuery.start();
    HistoryQuery query;
    query.generation = ++m_generation;
    query.path = m_path;
    query.edge = m_edge;
    query.token = m_token;
    query.edgeCa = m_edgeCa;
    query.provider = m_provider;
    query.to = QDateTime::currentDateTimeUtc();
    query.from = query.to.addSecs(-rangeSeconds(range()));
    query.fit = range() == Range::FitData;
    query.widthPx = currentPlotWidth();
    query.full = std::exchange(m_readAll, false);
    m_latest->store(query.generation);
    m_status->setText(tr("Loading %1…").arg(m_provider));
    Q_EMIT queryRequested(query);
}

namespace {

bool sameSeries(const QList<RouteSeries> &a, const QList<RouteSeries> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i].routeId != b[i].routeId || a[i].drawn != b[i].drawn)
            return false;
    }
    return true;
}

bool sameBands(const QList<RouteBand> &a, const QList<RouteBand> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i].routeId != b[i].routeId || a[i].min != b[i].min || a[i].median != b[i].median || a[i].max != b[i].max)
            return false;
    }
    return true;
}

bool sameBins(const QList<history::HistogramBin> &a, const QList<history::HistogramBin> &b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto &x, const auto &y) {
        return x.lowMs == y.lowMs && x.count == y.count;
    });
}

bool sameChanges(const QList<model::RouteChange> &a, const QList<model::RouteChange> &b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto &x, const auto &y) {
        return x.at == y.at && x.fromRoute == y.fromRoute && x.toRoute == y.toRoute && x.reason == y.reason;
    });
}

// The optimal route's step line ends at "now": a move of its end by less than a pixel is no change.
bool sameSteps(const QList<QPointF> &a, const QList<QPointF> &b, double pixelMs)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const bool end = i + 1 == a.size();
        if (a[i].y() != b[i].y() || (end ? std::abs(a[i].x() - b[i].x()) >= pixelMs : a[i].x() != b[i].x()))
            return false;
    }
    return true;
}

// The time axis moves with every query ("now" moves): it counts as a change once it moved a pixel.
bool axisMoved(const HistoryData &a, const HistoryData &b)
{
    const double pixelMs = double(a.from.msecsTo(a.to)) / std::max(1, a.widthPx);
    return a.widthPx != b.widthPx || std::abs(double(a.to.msecsTo(b.to))) >= pixelMs
           || std::abs(double(a.from.msecsTo(b.from))) >= pixelMs;
}

} // namespace

void HistoryPanel::onFinished(const HistoryData &data)
{
    if (data.generation != m_generation)
        return; // a newer query is on its way
    m_inFlight = false;
    if (m_pending)
        refresh(); // what arrived while this one ran
    // Only the charts whose data changed are drawn again; charts still waiting from the previous data
    // are drawn from this one.
    const bool first = m_lastRedrawMs < 0 && m_toDraw.isEmpty();
    const bool moved = first || axisMoved(m_data, data) || m_data.routes != data.routes || m_data.error != data.error;
    QList<Chart> changed;
    if (moved || !sameSeries(m_data.timeToThreshold, data.timeToThreshold))
        changed.append(TimeToThreshold);
    if (moved || m_data.bucketSeconds != data.bucketSeconds || !sameBands(m_data.bands, data.bands))
        changed.append(Band);
    const double pixelMs = double(data.from.msecsTo(data.to)) / std::max(1, data.widthPx);
    if (moved || m_data.winners != data.winners || !sameSteps(m_data.optimalSteps, data.optimalSteps, pixelMs)
        || !sameChanges(m_data.changes, data.changes))
        changed.append(Winners);
    if (first || m_data.routes != data.routes || m_data.optimalRoute != data.optimalRoute || m_data.binMs != data.binMs
        || m_data.ttfbTailMs != data.ttfbTailMs || !sameBins(m_data.optimalHistogram, data.optimalHistogram)
        || !sameBins(m_data.directHistogram, data.directHistogram))
        changed.append(Histogram);
    // Freeing the previous samples (megabytes of them) took about 10 ms of the GUI thread: the worker's
    // thread frees them, when it deletes this call after running it.
    QMetaObject::invokeMethod(m_worker, [old = std::exchange(m_data, data)] { Q_UNUSED(old) }, Qt::QueuedConnection);
    if (m_toDraw.isEmpty()) {
        m_sinceData.start();
        m_longestStepMs = 0;
        m_redrawn.clear();
        if (changed.isEmpty()) {
            m_sinceData.invalidate();
            QMetaObject::invokeMethod(this, &HistoryPanel::drawNextChart, Qt::QueuedConnection);
        }
    }
    const bool idle = m_toDraw.isEmpty();
    for (const Chart chart : changed) {
        if (!m_toDraw.contains(chart))
            m_toDraw.append(chart);
    }
    if (idle && !m_toDraw.isEmpty())
        QMetaObject::invokeMethod(this, &HistoryPanel::drawNextChart, Qt::QueuedConnection);
}

// One chart per call, each call its own event-loop turn: setting the data and painting one chart is a
// few milliseconds, all four at once held the GUI thread for tens of them.
void HistoryPanel::drawNextChart()
{
    if (!m_toDraw.isEmpty()) {
        QElapsedTimer step;
        step.start();
        const Chart chart = m_toDraw.takeFirst();
        QChartView *view = nullptr;
        switch (chart) {
        case TimeToThreshold: drawTimeToThreshold(view = m_tttView, m_data); break;
        case Band: drawBand(view = m_bandView, m_data); break;
        case Winners: drawWinners(view = m_winnerView, m_data); break;
        case Histogram: drawHistogram(view = m_histogramView, m_data); break;
        case ChartCount: break;
        }
        if (view && isVisible())
            view->viewport()->repaint();
        if (view)
            m_redrawn.append(view->objectName());
        m_longestStepMs = std::max(m_longestStepMs, int(step.elapsed()));
        if (!m_toDraw.isEmpty()) {
            QMetaObject::invokeMethod(this, &HistoryPanel::drawNextChart, Qt::QueuedConnection);
            return;
        }
    }
    m_lastRedrawMs = m_sinceData.isValid() ? int(m_sinceData.elapsed()) : 0;
    m_lastRedrawStepMs = m_longestStepMs;
    m_lastRedrawn = m_redrawn;
    if (!m_data.error.isEmpty()) {
        m_status->setText(tr("History unavailable: %1").arg(m_data.error));
    } else {
        m_status->setText(tr("%1: %L2 races, %L3 route samples, %L4 changes of optimal route; band buckets of %5 s")
                              .arg(m_provider).arg(m_data.races).arg(m_data.samples).arg(m_data.changes.size())
                              .arg(m_data.bucketSeconds));
    }
    m_status->setToolTip(tr("Queried %1 .. %2 (UTC) in %3 ms (%4); drawn in %5 ms (longest step %6 ms) at %7 px")
                             .arg(m_data.from.toString(Qt::ISODate), m_data.to.toString(Qt::ISODate))
                             .arg(m_data.computeMs)
                             .arg(m_data.fullRead ? tr("the whole range read") : tr("only the new races read"))
                             .arg(m_lastRedrawMs).arg(m_lastRedrawStepMs).arg(m_data.widthPx));
    Q_EMIT loaded();
}

} // namespace relayrace::ui
