// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/topology/landoutline.h"

#include "ui/topology/topologyscene.h"

#include <QFile>
#include <QPainter>

#include <cmath>

namespace relayrace::ui {

namespace {

constexpr double kGraticuleDegrees = 10.0;

QColor mix(const QColor &a, const QColor &b, double share) // share of b
{
    return QColor::fromRgbF(float(a.redF() * (1 - share) + b.redF() * share), float(a.greenF() * (1 - share) + b.greenF() * share),
                            float(a.blueF() * (1 - share) + b.blueF() * share));
}

QPainterPath loadLand()
{
    QPainterPath path;
    path.setFillRule(Qt::OddEvenFill); // lakes are rings inside the land
    QFile file(QStringLiteral(":/relayrace/geo/land-110m.txt"));
    if (!file.open(QIODevice::ReadOnly))
        return path;
    const QByteArray data = file.readAll();
    for (const QByteArray &line : data.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        bool first = true;
        for (const QByteArray &pair : line.split(' ')) {
            const qsizetype comma = pair.indexOf(',');
            bool lonOk = false;
            bool latOk = false;
            const double lon = pair.left(comma).toDouble(&lonOk);
            const double lat = pair.mid(comma + 1).toDouble(&latOk);
            if (comma < 0 || !lonOk || !latOk)
                continue;
            const QPointF at = TopologyScene::project({lat, lon});
            if (first)
                path.moveTo(at);
            else
                path.lineTo(at);
            first = false;
        }
        path.closeSubpath();
    }
    return path;
}

} // namespace

const QPainterPath &landOutline()
{
    static const QPainterPath land = loadLand(); // ~3,000 points: read once, on the GUI thread's first paint
    return land;
}

void drawMapBackground(QPainter *painter, const QRectF &rect, const QRectF &world, const QPalette &palette)
{
    // Shades between the base and the text colour: as subdued on a dark palette as on a light one.
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    painter->fillRect(rect, base);
    const QRectF shown = world.intersected(rect);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, false);
    QPen pen(mix(base, text, 0.05), 0);
    painter->setPen(pen);
    const double step = kGraticuleDegrees * TopologyScene::kPixelsPerDegree;
    for (double x = std::ceil(shown.left() / step) * step; x <= shown.right(); x += step)
        painter->drawLine(QPointF(x, shown.top()), QPointF(x, shown.bottom()));
    for (double y = std::ceil(shown.top() / step) * step; y <= shown.bottom(); y += step)
        painter->drawLine(QPointF(shown.left(), y), QPointF(shown.right(), y));
    pen.setColor(mix(base, text, 0.14)); // the equator and the prime meridian
    painter->setPen(pen);
    if (shown.top() <= 0 && shown.bottom() >= 0)
        painter->drawLine(QPointF(shown.left(), 0), QPointF(shown.right(), 0));
    if (shown.left() <= 0 && shown.right() >= 0)
        painter->drawLine(QPointF(0, shown.top()), QPointF(0, shown.bottom()));
    // Over the graticule: land a little off the sea, its coast a little stronger.
    painter->setRenderHint(QPainter::Antialiasing, true);
    painter->setPen(QPen(mix(base, text, 0.22), 0));
    painter->setBrush(mix(base, text, 0.08));
    painter->drawPath(landOutline());
    painter->restore();
}

} // namespace relayrace::ui
