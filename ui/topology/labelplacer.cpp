// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/topology/labelplacer.h"

#include <QLineF>

#include <array>
#include <cmath>
#include <numbers>

namespace relayrace::ui {

namespace {

constexpr double kGap = 3.0;                                  // between a box and its anchor's clearance
constexpr std::array<double, 6> kRings{0, 10, 22, 38, 60, 90}; // further distances, leader lines from the 2nd
constexpr double kSeparation = 5.0;                           // kept between two boxes
constexpr int kSpreadRounds = 4;

// The box of `size` on side (dx, dy) of `at`, `distance` away from it.
QRectF boxAround(QPointF at, QSizeF size, int dx, int dy, double distance)
{
    const double diagonal = (dx != 0 && dy != 0) ? std::numbers::sqrt2 / 2 : 1.0;
    const double x = dx > 0 ? at.x() + distance * diagonal : dx < 0 ? at.x() - distance * diagonal - size.width()
                                                                      : at.x() - size.width() / 2;
    const double y = dy > 0 ? at.y() + distance * diagonal : dy < 0 ? at.y() - distance * diagonal - size.height()
                                                                      : at.y() - size.height() / 2;
    return QRectF(QPointF(x, y), size);
}

} // namespace

LabelPlacer::LabelPlacer(const QRectF &bounds)
    : m_bounds(bounds)
{
}

void LabelPlacer::addObstacle(const QRectF &rect)
{
    m_obstacles.append(rect);
}

double LabelPlacer::covered(const QRectF &box) const
{
    double area = 0;
    const QRectF inside = box.intersected(m_bounds);
    area += box.width() * box.height() - inside.width() * inside.height();
    const QRectF spaced = box.adjusted(-kSeparation, -kSeparation, kSeparation, kSeparation);
    for (const QRectF &obstacle : m_obstacles) {
        const QRectF common = spaced.intersected(obstacle);
        if (!common.isEmpty())
            area += common.width() * common.height() + 1; // + 1: a touch counts
    }
    return area;
}

LabelPlacer::Placement LabelPlacer::place(const Request &request)
{
    // Right, left, above, below, then the diagonals; a route's label may also sit on its anchor.
    static constexpr std::array<std::pair<int, int>, 9> kSides{{{0, 0}, {1, 0}, {-1, 0}, {0, -1}, {0, 1}, {1, -1}, {-1, -1}, {1, 1}, {-1, 1}}};
    Placement best;
    double bestCovered = -1;
    for (qsizetype ring = 0; ring < qsizetype(kRings.size()); ++ring) {
        for (qsizetype a = 0; a < request.anchors.size(); ++a) {
            for (const auto &[dx, dy] : kSides) {
                if (dx == 0 && dy == 0 && (request.clearance > 0 || ring > 0))
                    continue;
                const double distance = request.clearance + kGap + kRings[size_t(ring)];
                const QRectF box = boxAround(request.anchors[a], request.size, dx, dy, distance);
                const double cover = covered(box);
                if (bestCovered < 0 || cover < bestCovered) {
                    bestCovered = cover;
                    best = Placement{a, box, ring > 1, cover == 0};
                }
                if (cover == 0) {
                    m_obstacles.append(box);
                    return best;
                }
            }
        }
    }
    return best;
}

QList<QPointF> LabelPlacer::spread(const QList<QPointF> &points, double minDistance)
{
    QList<QPointF> result = points;
    for (int round = 0; round < kSpreadRounds; ++round) {
        // Clusters of points closer than minDistance (transitively), by union-find.
        QList<qsizetype> parent(result.size());
        for (qsizetype i = 0; i < result.size(); ++i)
            parent[i] = i;
        const auto root = [&parent](qsizetype i) {
            while (parent[i] != i)
                i = parent[i] = parent[parent[i]];
            return i;
        };
        bool any = false;
        for (qsizetype i = 0; i < result.size(); ++i) {
            for (qsizetype j = i + 1; j < result.size(); ++j) {
                if (QLineF(result[i], result[j]).length() < minDistance - 0.01) {
                    parent[root(j)] = root(i);
                    any = true;
                }
            }
        }
        if (!any)
            break;
        QList<QList<qsizetype>> clusters(result.size());
        for (qsizetype i = 0; i < result.size(); ++i)
            clusters[root(i)].append(i);
        for (const auto &cluster : std::as_const(clusters)) {
            if (cluster.size() < 2)
                continue;
            QPointF centre;
            for (qsizetype i : cluster)
                centre += points[i];
            centre /= double(cluster.size());
            // Around the centre in the order of their angles (coincident ones by index), evenly.
            QList<std::pair<double, qsizetype>> order;
            for (qsizetype i : cluster) {
                const QPointF d = points[i] - centre;
                const bool same = std::hypot(d.x(), d.y()) < 0.5;
                order.append({same ? double(i) : std::atan2(d.y(), d.x()), i});
            }
            std::sort(order.begin(), order.end());
            const double n = double(cluster.size());
            const double radius = minDistance / (2 * std::sin(std::numbers::pi / n)) * (1.0 + 0.15 * round);
            const double start = std::atan2((points[order.first().second] - centre).y(), (points[order.first().second] - centre).x());
            for (qsizetype k = 0; k < order.size(); ++k) {
                const double angle = start + 2 * std::numbers::pi * double(k) / n;
                result[order[k].second] = centre + QPointF(std::cos(angle), std::sin(angle)) * radius;
            }
        }
    }
    return result;
}

} // namespace relayrace::ui
