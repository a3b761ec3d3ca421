#include "historyworker.h"

#include "history/historystore.h"
#include "log/logging.h"
#include "map/routemap.h"
#include "ui/history/downsample.h"

#include <QHash>

#include <algorithm>
#include <cmath>

namespace relayrace::ui {

namespace {

constexpr int kBandPixelsPerBucket = 6;
// A line keeps the lowest and the highest sample of every two pixels: one point per pixel on average,
// every extreme still drawn. Each point of a line costs Qt Charts a stroke of its outline (for hovering)
// at every update: two points per pixel made the time-to-threshold chart the costliest step of a redraw.
constexpr int kLinePixelsPerBucket = 2;
// A win is a 5-pixel dot: one dot per 3 pixels looks the same as one per pixel, at a third of the items.
constexpr int kWinPixelsPerBucket = 3;
constexpr int kHistogramBins = 25;

qsizetype indexOf(QStringList &routes, const QString &route)
{
    qsizetype index = routes.indexOf(route);
    if (index < 0) {
        routes.append(route);
        index = routes.size() - 1;
    }
    return index;
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    const auto nth = values.begin() + qsizetype(std::min(double(values.size() - 1), p * double(values.size())));
    std::nth_element(values.begin(), nth, values.end());
    return *nth;
}

} // namespace

int bandBucketSeconds(qint64 rangeSeconds, int widthPx)
{
    static constexpr int kRound[] = {10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
    const double wanted = double(rangeSeconds) / std::max(1.0, double(widthPx) / kBandPixelsPerBucket);
    for (const int seconds : kRound) {
        if (seconds >= wanted)
            return seconds;
    }
    return kRound[std::size(kRound) - 1];
}

double roundBinMs(double maxMs, int bins)
{
    const double raw = std::max(maxMs, 1.0) / std::max(bins, 1);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double step : {1.0, 2.0, 5.0, 10.0}) {
        if (step * power >= raw)
            return std::max(1.0, step * power);
    }
    return std::max(1.0, 10 * power);
}

HistoryWorker::HistoryWorker(std::shared_ptr<std::atomic<quint64>> latest, QObject *parent)
    : QObject(parent)
    , m_latest(std::move(latest))
{
    qRegisterMetaType<HistoryQuery>();
    qRegisterMetaType<HistoryData>();
}

HistoryWorker::~HistoryWorker() = default;

void HistoryWorker::run(const HistoryQuery &query)
{
    if (stale(query))
        return;
    HistoryData data = compute(query);
    if (!stale(query))
        Q_EMIT finished(data);
}

HistoryData HistoryWorker::compute(const HistoryQuery &query)
{
    HistoryData data;
    data.generation = query.generation;
    data.provider = query.provider;
    data.from = query.from;
    data.to = query.to;
    data.widthPx = std::max(1, query.widthPx);
    if (!m_store || m_store->path() != query.path) {
        m_store.reset();
        auto opened = history::HistoryStore::open(query.path);
        if (!opened) {
            data.error = opened.error();
            log::get("ui")->warn("history panel: {}", data.error.toStdString());
            return data;
        }
        m_store = std::move(opened).value();
    }
    const double x0 = double(query.from.toMSecsSinceEpoch());
    const double x1 = double(query.to.toMSecsSinceEpoch());
    const auto fail = [&data](const QString &error) {
        data.error = error;
        return data;
    };

    auto samples = m_store->routeSamples(query.provider, query.from, query.to);
    if (!samples)
        return fail(samples.error());
    if (stale(query))
        return data;
    data.samples = samples->size();
    QHash<QString, QList<QPointF>> perRoute;
    std::vector<double> ttfbs;
    for (const auto &sample : *samples) {
        indexOf(data.routes, sample.routeId);
        const double y = sample.timeToThresholdMs >= 0 ? sample.timeToThresholdMs : sample.projectedMs;
        if (y >= 0)
            perRoute[sample.routeId].append(QPointF(double(sample.at.toMSecsSinceEpoch()), y));
    }

    auto timeline = m_store->winnerTimeline(query.provider, query.from, query.to);
    auto before = m_store->routeChanges(query.provider, QDateTime::fromMSecsSinceEpoch(0, Qt::UTC), query.from);
    auto changes = m_store->routeChanges(query.provider, query.from, query.to);
    if (!timeline || !before || !changes)
        return fail(!timeline ? timeline.error() : !before ? before.error() : changes.error());
    data.races = timeline->size();
    data.changes = *changes;

    // (c) The optimal route as a step line: from the last change before the range through every change.
    QString optimal = before->isEmpty() ? QString() : before->constLast().toRoute;
    if (!optimal.isEmpty())
        data.optimalSteps.append(QPointF(x0, double(indexOf(data.routes, optimal))));
    for (const auto &change : data.changes) {
        const double x = double(change.at.toMSecsSinceEpoch());
        if (!optimal.isEmpty())
            data.optimalSteps.append(QPointF(x, double(indexOf(data.routes, optimal))));
        optimal = change.toRoute;
        if (!optimal.isEmpty())
            data.optimalSteps.append(QPointF(x, double(indexOf(data.routes, optimal))));
    }
    if (!optimal.isEmpty())
        data.optimalSteps.append(QPointF(x1, double(indexOf(data.routes, optimal))));

    QList<QList<QPointF>> winners;
    QHash<QString, int> wins;
    for (const auto &point : *timeline) {
        if (point.winner.isEmpty())
            continue;
        const qsizetype index = indexOf(data.routes, point.winner);
        while (winners.size() <= index)
            winners.append(QList<QPointF>());
        winners[index].append(QPointF(double(point.at.toMSecsSinceEpoch()), double(index)));
        ++wins[point.winner];
    }
    winners.resize(data.routes.size());
    for (const auto &points : winners)
        data.winners.append(downsamplePresence(points, x0, x1, std::max(1, data.widthPx / kWinPixelsPerBucket)));

    for (const auto &route : data.routes) {
        const QList<QPointF> points = perRoute.value(route);
        data.timeToThreshold.append(
            RouteSeries{route, points, downsampleMinMax(points, x0, x1, std::max(1, data.widthPx / kLinePixelsPerBucket))});
    }
    if (stale(query))
        return data;

    // (b) The band, a bucket every few pixels.
    data.bucketSeconds = bandBucketSeconds(query.from.secsTo(query.to), data.widthPx);
    auto band = m_store->band(query.provider, query.from, query.to, data.bucketSeconds, history::BandMetric::Projected);
    if (!band)
        return fail(band.error());
    for (const auto &route : data.routes)
        data.bands.append(RouteBand{route, {}, {}, {}});
    const double half = data.bucketSeconds * 500.0; // draw each bucket at its middle
    for (const auto &point : *band) {
        const qsizetype index = indexOf(data.routes, point.routeId);
        while (data.bands.size() < data.routes.size())
            data.bands.append(RouteBand{data.routes.at(data.bands.size()), {}, {}, {}});
        auto &target = data.bands[index];
        const double x = double(point.bucketStart.toMSecsSinceEpoch()) + half;
        target.min.append(QPointF(x, point.minMs));
        target.median.append(QPointF(x, point.medianMs));
        target.max.append(QPointF(x, point.maxMs));
    }
    if (stale(query))
        return data;

    // (d) TTFB histograms of the optimal route against direct, bins sized to the data.
    data.optimalRoute = optimal;
    if (data.optimalRoute.isEmpty() && !wins.isEmpty()) {
        data.optimalRoute = std::max_element(wins.constKeyValueBegin(), wins.constKeyValueEnd(),
                                             [](const auto &a, const auto &b) { return a.second < b.second; })->first;
    }
    const QString direct = map::directRouteId();
    for (const auto &sample : *samples) {
        if (sample.ttfbMs >= 0 && (sample.routeId == direct || sample.routeId == data.optimalRoute))
            ttfbs.push_back(sample.ttfbMs);
    }
    data.ttfbTailMs = percentile(std::move(ttfbs), 0.98);
    data.binMs = roundBinMs(data.ttfbTailMs, kHistogramBins);
    auto directBins = m_store->ttfbHistogram(query.provider, direct, query.from, query.to, data.binMs);
    if (!directBins)
        return fail(directBins.error());
    data.directHistogram = *directBins;
    if (!data.optimalRoute.isEmpty() && data.optimalRoute != direct) {
        auto optimalBins = m_store->ttfbHistogram(query.provider, data.optimalRoute, query.from, query.to, data.binMs);
        if (!optimalBins)
            return fail(optimalBins.error());
        data.optimalHistogram = *optimalBins;
    }
    return data;
}

} // namespace relayrace::ui
