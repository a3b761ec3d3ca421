#include "historypanel.h"

#include "race/raceresult.h"
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


namespace relayrace::ui {


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
    m_range->addItem(tr("Last hour"), int(Range::LastHour));
    m_range->addItem(tr("Last 6 h"), int(Range::Last6Hours));
    m_range->addItem(tr("Last 24 h"), int(Range::Last24Hours));
    m_range->addItem(tr("Last 7 days"), int(Range::Last7Days));
    m_range->setCurrentIndex(int(Range::Last24Hours));
    m_range->setToolTip(tr("Time range of the charts"));
    m_status->setObjectName(QStringLiteral("historyStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Range:"), this));
    top->addWidget(m_range);
    top->addWidget(m_status, 1);
    auto *grid = new QGridLayout;
    grid->addWidget(m_tttView, 0, 0);
    grid->addWidget(m_bandView, 0, 1);
    grid->addWidget(m_winnerView, 1, 0);
    grid->addWidget(m_histogramView, 1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(grid, 1);

    // Empty charts with their axes, so the plot width is right before the first data arrives.
    m_data.to = QDateTime::currentDateTimeUtc();
    m_data.from = m_data.to.addSecs(-rangeSeconds(range()));
    drawTimeToThreshold(m_tttView, m_data);
    drawBand(m_bandView, m_data);
    drawWinners(m_winnerView, m_data);

    m_refreshTimer->setSingleShot(true);
    connect(m_refreshTimer, &QTimer::timeout, this, &HistoryPanel::startQuery);
    connect(m_range, &QComboBox::currentIndexChanged, this, &HistoryPanel::refresh);

    m_worker = new HistoryWorker(m_latest);
    m_worker->moveToThread(m_thread);
    // Deleted on its own thread when the thread ends: its SQLite connection belongs to that thread.
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &HistoryPanel::queryRequested, m_worker, &HistoryWorker::run, Qt::QueuedConnection);
    connect(m_worker, &HistoryWorker::finished, this, &HistoryPanel::onFinished, Qt::QueuedConnection);
    m_thread->setObjectName(QStringLiteral("history-panel"));
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
    case Range::Last7Days: break;
    }
    return 7 * 24 * 3600;
}

void HistoryPanel::setHistoryPath(const QString &path)
{
    m_path = path;
    refresh();
}

void HistoryPanel::setProvider(const QString &provider)
{
    m_provider = provider;
    refresh();
}

void HistoryPanel::refresh()
{
    if (m_refreshTimer->isActive())
        return;
    const qint64 since = m_sinceQuery.isValid() ? m_sinceQuery.elapsed() : kRefreshIntervalMs;
    m_refreshTimer->start(int(std::max<qint64>(0, kRefreshIntervalMs - since)));
}

void HistoryPanel::onRaceFinished(quint64, const race::RaceResult &result)
{
    if (result.provider == m_provider)
        refresh();
}

void HistoryPanel::onRouteChanged(const policy::RouteChange &change)
{
    if (change.provider == m_provider)
        refresh();
}

void HistoryPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
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
    if (m_path.isEmpty() || m_provider.isEmpty())
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
    query.provider = m_provider;
    query.to = QDateTime::currentDateTimeUtc();
    query.from = query.to.addSecs(-rangeSeconds(range()));
    query.widthPx = currentPlotWidth();
    m_latest->store(query.generation);
    m_status->setText(tr("Loading %1…").arg(m_provider));
    Q_EMIT queryRequested(query);
}

void HistoryPanel::onFinished(const HistoryData &data)
{
    if (data.generation != m_generation)
        return; // a newer query is on its way
    m_inFlight = false;
    if (m_pending)
        refresh(); // what arrived while this one ran
    QElapsedTimer timer;
    timer.start();
    m_data = data;
    drawTimeToThreshold(m_tttView, m_data);
    drawBand(m_bandView, m_data);
    drawWinners(m_winnerView, m_data);
    drawHistogram(m_histogramView, m_data);
    if (isVisible()) {
        for (auto *view : {m_tttView, m_bandView, m_winnerView, m_histogramView})
            view->viewport()->repaint();
    }
    m_lastRedrawMs = int(timer.elapsed());
    if (!m_data.error.isEmpty()) {
        m_status->setText(tr("History unavailable: %1").arg(m_data.error));
    } else {
        m_status->setText(tr("%1: %L2 races, %L3 route samples, %L4 changes of optimal route; band buckets of %5 s")
                              .arg(m_provider).arg(m_data.races).arg(m_data.samples).arg(m_data.changes.size())
                              .arg(m_data.bucketSeconds));
    }
    m_status->setToolTip(tr("Queried %1 .. %2 (UTC); drawn in %3 ms at %4 px")
                             .arg(m_data.from.toString(Qt::ISODate), m_data.to.toString(Qt::ISODate))
                             .arg(m_lastRedrawMs).arg(m_data.widthPx));
    Q_EMIT loaded();
}

} // namespace relayrace::ui
