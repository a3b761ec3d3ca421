// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "historyworker.h"

#include "history/historystore.h"
#include "remote/remotehistory.h"
#include "log/logging.h"
#include "map/routemap.h"
#include "ui/history/downsample.h"

#include <QElapsedTimer>
#include <QHash>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

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
    QElapsedTimer timer;
    timer.start();
    HistoryData data = compute(query);
    data.computeMs = int(timer.elapsed());
    if (!stale(query))
        Q_EMIT finished(data);
}

QDateTime HistoryWorker::fittedFrom(const QDateTime &from, const QDateTime &to) const
{
    const qint64 toMs = to.toMSecsSinceEpoch();
    const auto [begin, end] = m_window.samplesIn(from.toMSecsSinceEpoch(), toMs);
    if (begin == end)
        return std::max(from, to.addSecs(-HistoryQuery::kFitMinimumSeconds));
    const qint64 first = m_window.samples()[begin].atMs;
    const qint64 start = std::min(first - (toMs - first) / 20, toMs - HistoryQuery::kFitMinimumSeconds * 1000);
    return std::max(from, QDateTime::fromMSecsSinceEpoch(start, Qt::UTC));
}

HistoryData HistoryWorker::compute(const HistoryQuery &asked)
{
    HistoryQuery query = asked; // a fitted range moves from once the window is read
    HistoryData data;
    data.generation = query.generation;
    data.provider = query.provider;
    data.from = query.from;
    data.to = query.to;
    data.widthPx = std::max(1, query.widthPx);
    const auto fail = [&data](const QString &error) {
        data.error = error;
        log::get("ui")->warn("history panel: {}", error.toStdString());
        return data;
    };
    const QString identity = query.edge.isValid() ? query.edge.toString() : query.path;
    if (!m_store || m_store->identity() != identity) {
        m_store.reset();
        if (query.edge.isValid()) {
            m_store = std::make_unique<remote::RemoteHistory>(query.edge, query.token, query.edgeCa);
        } else {
            auto opened = history::HistoryStore::open(query.path);
            if (!opened)
                return fail(opened.error());
            m_store = std::move(opened).value();
        }
    }
    const qint64 fromMs = query.from.toMSecsSinceEpoch();
    const qint64 toMs = query.to.toMSecsSinceEpoch();
    const double x0 = double(fromMs);
    const double x1 = double(toMs);

    // Only the races stored since the last query are read; the rest is the window's.
    const auto read = m_window.update(*m_store, query.provider, query.from, query.full);
    if (!read)
        return fail(read.error());
    data.fullRead = *read == history::SampleWindow::Read::Full;
    if (stale(query))
        return data;
    if (query.fit) {
        query.from = fittedFrom(query.from, query.to);
        data.from = query.from;
    }
    const auto &names = m_window.routeNames();
    const auto &samples = m_window.samples();
    const auto [samplesBegin, samplesEnd] = m_window.samplesIn(fromMs, toMs);
    const auto [racesBegin, racesEnd] = m_window.racesIn(fromMs, toMs);
    data.samples = qint64(samplesEnd - samplesBegin);
    data.races = qint64(racesEnd - racesBegin);

    // (a) Time to threshold per route, routes in the order they first appear.
    QList<int> chartIndex(names.size(), -1); // the window's route index -> data.routes index
    const auto chartRoute = [&](int route) {
        if (chartIndex.at(route) < 0)
            chartIndex[route] = int(indexOf(data.routes, names.at(route)));
        return chartIndex.at(route);
    };
    QList<QList<QPointF>> perRoute;
    for (size_t i = samplesBegin; i < samplesEnd; ++i) {
        const auto &sample = samples[i];
        const int route = chartRoute(sample.route);
        const double y = sample.timeToThresholdMs >= 0 ? sample.timeToThresholdMs : sample.projectedMs;
        if (perRoute.size() <= route)
            perRoute.resize(route + 1);
        if (y >= 0)
            perRoute[route].append(QPointF(double(sample.atMs), y));
    }

    auto before = m_store->routeChanges(query.provider, QDateTime::fromMSecsSinceEpoch(0, Qt::UTC), query.from);
    auto changes = m_store->routeChanges(query.provider, query.from, query.to);
    if (!before || !changes)
        return fail(!before ? before.error() : changes.error());
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
    QList<qint64> wins(names.size(), 0);
    for (size_t i = racesBegin; i < racesEnd; ++i) {
        const auto &race = m_window.races()[i];
        if (race.winner < 0)
            continue;
        const qsizetype index = indexOf(data.routes, names.at(race.winner));
        while (winners.size() <= index)
            winners.append(QList<QPointF>());
        winners[index].append(QPointF(double(race.atMs), double(index)));
        ++wins[race.winner];
    }
    winners.resize(data.routes.size());
    for (const auto &points : winners)
        data.winners.append(downsamplePresence(points, x0, x1, std::max(1, data.widthPx / kWinPixelsPerBucket)));

    for (qsizetype i = 0; i < data.routes.size(); ++i) {
        const QList<QPointF> points = perRoute.value(i);
        data.timeToThreshold.append(
            RouteSeries{data.routes.at(i), points, downsampleMinMax(points, x0, x1, std::max(1, data.widthPx / kLinePixelsPerBucket))});
    }
    if (stale(query))
        return data;

    // (b) The band, a bucket every few pixels, of what hysteresis compares (BandMetric::Projected): the
    // samples are in time order, so each bucket is a run of them.
    data.bucketSeconds = bandBucketSeconds(query.from.secsTo(query.to), data.widthPx);
    for (const auto &route : data.routes)
        data.bands.append(RouteBand{route, {}, {}, {}});
    const qint64 bucketMs = qint64(data.bucketSeconds) * 1000;
    std::vector<std::vector<double>> bucket(size_t(data.routes.size()));
    const auto closeBucket = [&](qint64 index) {
        const double x = double(index * bucketMs) + double(bucketMs) / 2; // drawn at the bucket's middle
        for (size_t route = 0; route < bucket.size(); ++route) {
            if (bucket[route].empty())
                continue;
            const history::Spread spread = history::spreadOf(bucket[route]);
            auto &target = data.bands[qsizetype(route)];
            target.min.append(QPointF(x, spread.min));
            target.median.append(QPointF(x, spread.median));
            target.max.append(QPointF(x, spread.max));
            bucket[route].clear();
        }
    };
    qint64 current = std::numeric_limits<qint64>::min();
    for (size_t i = samplesBegin; i < samplesEnd; ++i) {
        const auto &sample = samples[i];
        if (sample.projectedMs < 0)
            continue;
        const qint64 index = history::floorDiv(sample.atMs, bucketMs);
        if (index != current && current != std::numeric_limits<qint64>::min())
            closeBucket(current);
        current = index;
        bucket[size_t(chartIndex.at(sample.route))].push_back(sample.projectedMs);
    }
    if (current != std::numeric_limits<qint64>::min())
        closeBucket(current);
    if (stale(query))
        return data;

    // (d) TTFB histograms of the optimal route against direct, bins sized to the data.
    data.optimalRoute = optimal;
    if (data.optimalRoute.isEmpty()) {
        // The most frequent winner; the first in the window's order on a tie.
        const auto most = std::max_element(wins.begin(), wins.end());
        if (most != wins.end() && *most > 0)
            data.optimalRoute = names.at(most - wins.begin());
    }
    const int direct = int(names.indexOf(map::directRouteId()));
    const int best = int(names.indexOf(data.optimalRoute));
    std::vector<double> ttfbs;
    for (size_t i = samplesBegin; i < samplesEnd; ++i) {
        if (samples[i].ttfbMs >= 0 && (samples[i].route == direct || samples[i].route == best))
            ttfbs.push_back(samples[i].ttfbMs);
    }
    data.ttfbTailMs = percentile(std::move(ttfbs), 0.98);
    data.binMs = roundBinMs(data.ttfbTailMs, kHistogramBins);
    // Bins of binMs from 0, as the store's ttfbHistogram() counts them; empty bins are left out.
    const auto histogram = [&](int route) {
        QList<history::HistogramBin> bins;
        if (route < 0)
            return bins; // no sample of that route in the window
        std::map<qint64, qint64> counts;
        for (size_t i = samplesBegin; i < samplesEnd; ++i) {
            if (samples[i].route == route && samples[i].ttfbMs >= 0)
                ++counts[qint64(samples[i].ttfbMs / data.binMs)];
        }
        for (const auto &[bin, count] : counts)
            bins.append(history::HistogramBin{double(bin) * data.binMs, double(bin + 1) * data.binMs, count});
        return bins;
    };
    data.directHistogram = histogram(direct);
    if (!data.optimalRoute.isEmpty() && best != direct)
        data.optimalHistogram = histogram(best);
    return data;
}

} // namespace relayrace::ui
