#include "downsample.h"

#include <cmath>

namespace relayrace::ui {

namespace {

qsizetype bucketOf(double x, double x0, double width, int buckets)
{
    const double index = std::floor((x - x0) / width * buckets);
    return qsizetype(std::clamp(index, 0.0, double(buckets - 1)));
}

} // namespace

QList<QPointF> downsampleMinMax(const QList<QPointF> &points, double x0, double x1, int buckets)
{
    if (buckets <= 0 || points.size() <= 2 * qsizetype(buckets) || !(x1 > x0))
        return points;
    QList<QPointF> out;
    out.reserve(2 * qsizetype(buckets));
    const double width = x1 - x0;
    qsizetype i = 0;
    while (i < points.size()) {
        const qsizetype bucket = bucketOf(points[i].x(), x0, width, buckets);
        qsizetype low = i;
        qsizetype high = i;
        qsizetype j = i + 1;
        for (; j < points.size() && bucketOf(points[j].x(), x0, width, buckets) == bucket; ++j) {
            if (points[j].y() < points[low].y())
                low = j;
            if (points[j].y() > points[high].y())
                high = j;
        }
        out.append(points[std::min(low, high)]);
        if (low != high)
            out.append(points[std::max(low, high)]);
        i = j;
    }
    return out;
}

QList<QPointF> downsamplePresence(const QList<QPointF> &points, double x0, double x1, int buckets)
{
    if (buckets <= 0 || points.size() <= qsizetype(buckets) || !(x1 > x0))
        return points;
    QList<QPointF> out;
    qsizetype last = -1;
    for (const auto &point : points) {
        const qsizetype bucket = bucketOf(point.x(), x0, x1 - x0, buckets);
        if (bucket != last)
            out.append(point);
        last = bucket;
    }
    return out;
}

} // namespace relayrace::ui
