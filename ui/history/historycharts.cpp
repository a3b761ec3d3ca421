// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "historycharts.h"

#include "ui/theme/palette.h"

#include <QApplication>

#include <algorithm>

#include "map/routemap.h"

#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>

#include <cmath>

namespace relayrace::ui {

namespace {

constexpr int kMaxHistogramBins = 40;

QColor routeColor(qsizetype index)
{
    return theme::routeColor(index); // the same colour per route as the live races' lanes
}

// Axes stay from one redraw to the next, so the plot width is known before the first data arrives.
template<typename Axis>
Axis *axisOf(QChart *chart, Qt::Alignment alignment)
{
    for (auto *axis : chart->axes()) {
        if (auto *typed = qobject_cast<Axis *>(axis); typed && axis->alignment() == alignment)
            return typed;
    }
    auto *axis = new Axis;
    chart->addAxis(axis, alignment);
    return axis;
}

QDateTimeAxis *timeAxis(QChart *chart, const HistoryData &data)
{
    auto *axis = axisOf<QDateTimeAxis>(chart, Qt::AlignBottom);
    axis->setFormat(data.from.secsTo(data.to) > 86400 ? QStringLiteral("MM-dd HH:mm") : QStringLiteral("HH:mm"));
    axis->setTickCount(std::clamp(data.widthPx / 90, 3, 7)); // labels that fit a narrow chart
    // "Now" moves with every query, and each move of the range lays out every series of the chart again
    // (Qt Charts strokes each line's outline for hovering): the range follows once it is a pixel behind.
    const double pixelMs = double(data.from.msecsTo(data.to)) / std::max(1, data.widthPx);
    const auto behind = [pixelMs](const QDateTime &shown, const QDateTime &wanted) {
        return !shown.isValid() || std::abs(double(shown.msecsTo(wanted))) >= pixelMs;
    };
    if (behind(axis->min(), data.from) || behind(axis->max(), data.to))
        axis->setRange(data.from.toLocalTime(), data.to.toLocalTime());
    return axis;
}

QValueAxis *msAxis(QChart *chart, double max, const QString &title)
{
    auto *axis = axisOf<QValueAxis>(chart, Qt::AlignLeft);
    axis->setTitleText(title);
    axis->setLabelFormat(QStringLiteral("%.0f"));
    // setRange then applyNiceNumbers moves the range twice, and each move lays out every series of the
    // chart again: only when the data's maximum really changed (it rarely does from one refresh to the next).
    const double top = max > 0 ? max * 1.05 : 1;
    if (axis->property("relayraceDataMax").toDouble() != top) {
        axis->setProperty("relayraceDataMax", top);
        axis->setRange(0, top);
        axis->applyNiceNumbers();
    }
    return axis;
}

double maxY(const QList<QPointF> &points)
{
    double max = 0;
    for (const auto &point : points)
        max = std::max(max, point.y());
    return max;
}

// The chart's series, when they are (in order) the ones named. Then new points replace theirs and the
// chart keeps its items, legend markers and layout: rebuilding them was most of a redraw's cost.
QList<QAbstractSeries *> sameSeries(QChart *chart, const QStringList &objectNames)
{
    const QList<QAbstractSeries *> series = chart->series();
    if (series.size() != objectNames.size())
        return {};
    for (qsizetype i = 0; i < series.size(); ++i) {
        if (series.at(i)->objectName() != objectNames.at(i))
            return {};
    }
    return series;
}

// One pixel wide: a wider pen makes the raster engine build a stroke outline of every line and fill it,
// which was the largest cost of painting the charts.
QPen linePen(const QColor &color)
{
    return QPen(color, 1);
}

// A tooltip with the figure under the pointer: the charts' numbers are not readable off the axes alone.
void tipOnHover(QXYSeries *series, QWidget *view, const QString &unit)
{
    QObject::connect(series, &QXYSeries::hovered, view, [series, view, unit](const QPointF &point, bool state) {
        if (!state)
            return QToolTip::hideText();
        const QString when = QDateTime::fromMSecsSinceEpoch(qint64(point.x())).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        QToolTip::showText(QCursor::pos(), QStringLiteral("%1: %2 %3 at %4").arg(series->name()).arg(point.y(), 0, 'f', 1).arg(unit, when), view);
    });
}

} // namespace

QChartView *makeChartView(const QString &objectName, const QString &title, const QString &toolTip, QWidget *parent)
{
    auto *chart = new QChart;
    // Qt Charts draws its own background: dark with a dark desktop, as the rest of the console.
    chart->setTheme(theme::isDark(QApplication::palette()) ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setAnimationOptions(QChart::NoAnimation);
    auto *view = new QChartView(chart, parent); // never OpenGL: it crashes offscreen and gains nothing here
    view->setObjectName(objectName);
    // No antialiasing: thousands of stroked points per chart made the redraw about 2.5 times slower
    // (bench_console), and the lines are one pixel wide anyway.
    view->setRenderHint(QPainter::Antialiasing, false);
    view->setToolTip(toolTip);
    view->setMinimumSize(200, 100); // four of them fit under the topology at 1280x800
    return view;
}

void drawTimeToThreshold(QChartView *view, const HistoryData &data)
{
    QChart *chart = view->chart();
    auto *x = timeAxis(chart, data);
    double max = 0;
    QStringList names;
    for (const auto &route : data.timeToThreshold) {
        max = std::max(max, maxY(route.drawn));
        names.append(route.routeId);
    }
    auto *y = msAxis(chart, max, QObject::tr("ms"));
    if (const auto kept = sameSeries(chart, names); !kept.isEmpty()) {
        for (qsizetype i = 0; i < kept.size(); ++i)
            static_cast<QLineSeries *>(kept.at(i))->replace(data.timeToThreshold.at(i).drawn);
        return;
    }
    chart->removeAllSeries();
    for (const auto &route : data.timeToThreshold) {
        auto *series = new QLineSeries;
        series->setObjectName(route.routeId);
        series->setName(route.routeId);
        series->setPen(linePen(routeColor(data.routes.indexOf(route.routeId))));
        chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
        series->replace(route.drawn); // once attached: adding and attaching each lay out the points again
        tipOnHover(series, view, QStringLiteral("ms"));
    }
}

void drawBand(QChartView *view, const HistoryData &data)
{
    QChart *chart = view->chart();
    auto *x = timeAxis(chart, data);
    double max = 0;
    QStringList names;
    for (const auto &band : data.bands) {
        max = std::max(max, maxY(band.max));
        names.append(band.routeId);
        names.append(band.routeId + QStringLiteral("/median"));
    }
    auto *y = msAxis(chart, max, QObject::tr("ms"));
    if (const auto kept = sameSeries(chart, names); !kept.isEmpty()) {
        for (qsizetype i = 0; i < data.bands.size(); ++i) {
            auto *area = static_cast<QAreaSeries *>(kept.at(2 * i));
            area->upperSeries()->replace(data.bands.at(i).max);
            area->lowerSeries()->replace(data.bands.at(i).min);
            static_cast<QLineSeries *>(kept.at(2 * i + 1))->replace(data.bands.at(i).median);
        }
        return;
    }
    chart->removeAllSeries();
    for (const auto &band : data.bands) {
        const QColor color = routeColor(data.routes.indexOf(band.routeId));
        auto *upper = new QLineSeries;
        auto *lower = new QLineSeries;
        auto *area = new QAreaSeries(upper, lower);
        upper->setParent(area); // the area series draws them but does not own them
        lower->setParent(area);
        area->setName(band.routeId + QObject::tr(" min–max"));
        area->setObjectName(band.routeId);
        QColor fill = color;
        fill.setAlpha(60);
        area->setColor(fill);
        area->setBorderColor(fill);
        area->setPen(Qt::NoPen); // the fill shows the band; stroking its outline too only cost time
        auto *median = new QLineSeries;
        median->setObjectName(band.routeId + QStringLiteral("/median"));
        median->setName(band.routeId);
        median->setPen(linePen(color));
        for (auto *series : std::initializer_list<QAbstractSeries *>{area, median}) {
            chart->addSeries(series);
            series->attachAxis(x);
            series->attachAxis(y);
        }
        upper->replace(band.max);
        lower->replace(band.min);
        median->replace(band.median);
        tipOnHover(median, view, QObject::tr("ms median"));
        for (auto *marker : chart->legend()->markers(area))
            marker->setVisible(false); // one legend entry per route: the median's colour is the band's
    }
}

void drawWinners(QChartView *view, const HistoryData &data)
{
    QChart *chart = view->chart();
    auto *x = timeAxis(chart, data);
    auto *y = axisOf<QCategoryAxis>(chart, Qt::AlignLeft);
    QList<QPointF> marks;
    for (const auto &change : data.changes) {
        const qsizetype index = data.routes.indexOf(change.toRoute);
        if (index >= 0)
            marks.append(QPointF(double(change.at.toMSecsSinceEpoch()), double(index)));
    }
    QStringList names{QStringLiteral("optimalRouteLine")};
    for (qsizetype i = 0; i < data.winners.size() && i < data.routes.size(); ++i)
        names.append(QStringLiteral("wins:") + data.routes.at(i));
    names.append(QStringLiteral("routeChangeMarkers"));
    // Kept when the routes and the changes are the same (the changes' tooltips are bound to their list).
    const auto kept = y->categoriesLabels() == data.routes ? sameSeries(chart, names) : QList<QAbstractSeries *>();
    if (!kept.isEmpty() && static_cast<QScatterSeries *>(kept.constLast())->points() == marks) {
        static_cast<QLineSeries *>(kept.constFirst())->replace(data.optimalSteps);
        for (qsizetype i = 1; i + 1 < kept.size(); ++i)
            static_cast<QScatterSeries *>(kept.at(i))->replace(data.winners.at(i - 1));
        return;
    }
    chart->removeAllSeries();
    for (const auto &label : y->categoriesLabels())
        y->remove(label);
    y->setStartValue(-0.5);
    y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    for (qsizetype i = 0; i < data.routes.size(); ++i)
        y->append(data.routes.at(i), double(i));
    y->setRange(-0.5, std::max(0.5, double(data.routes.size()) - 0.5));
    const auto add = [&](QXYSeries *series) {
        chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
    };
    auto *optimal = new QLineSeries;
    optimal->setObjectName(QStringLiteral("optimalRouteLine"));
    optimal->setName(QObject::tr("optimal route"));
    optimal->setPen(QPen(QColor(0x37, 0x47, 0x4f), 2));
    optimal->replace(data.optimalSteps);
    add(optimal);
    for (qsizetype i = 0; i < data.winners.size() && i < data.routes.size(); ++i) {
        auto *wins = new QScatterSeries;
        wins->setObjectName(QStringLiteral("wins:") + data.routes.at(i));
        wins->setName(QObject::tr("%1 won").arg(data.routes.at(i)));
        wins->setMarkerSize(5);
        wins->setColor(routeColor(i));
        wins->setBorderColor(routeColor(i));
        wins->replace(data.winners.at(i));
        add(wins);
        tipOnHover(wins, view, QString());
    }
    auto *changes = new QScatterSeries;
    changes->setObjectName(QStringLiteral("routeChangeMarkers"));
    changes->setName(QObject::tr("route change"));
    changes->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    changes->setMarkerSize(13);
    changes->setColor(QColor(0xff, 0xc1, 0x07));
    changes->setBorderColor(Qt::black);
    changes->replace(marks);
    add(changes);
    QObject::connect(changes, &QXYSeries::hovered, view, [view, changeList = data.changes](const QPointF &point, bool state) {
        for (const auto &change : changeList) {
            if (state && qAbs(double(change.at.toMSecsSinceEpoch()) - point.x()) < 1) {
                QToolTip::showText(QCursor::pos(), QObject::tr("%1: %2 → %3\n%4").arg(change.at.toLocalTime().toString(),
                    change.fromRoute.isEmpty() ? QObject::tr("(none)") : change.fromRoute, change.toRoute, change.reason), view);
                return;
            }
        }
        QToolTip::hideText();
    });
}

void drawHistogram(QChartView *view, const HistoryData &data)
{
    QChart *chart = view->chart();
    const QString direct = map::directRouteId();
    QList<std::pair<QString, QList<history::HistogramBin>>> sets;
    if (!data.optimalHistogram.isEmpty())
        sets.append({QObject::tr("optimal (%1)").arg(data.optimalRoute), data.optimalHistogram});
    sets.append({data.optimalRoute == direct ? QObject::tr("direct (optimal)") : QObject::tr("direct"), data.directHistogram});
    if (!(data.binMs > 0)) {
        chart->removeAllSeries();
        return;
    }
    qint64 first = std::numeric_limits<qint64>::max();
    for (const auto &set : sets) {
        for (const auto &bin : set.second)
            first = std::min(first, qint64(std::llround(bin.lowMs / data.binMs)));
    }
    if (first == std::numeric_limits<qint64>::max()) {
        chart->removeAllSeries();
        return;
    }
    // Bins from the lowest seen up to the 98th percentile; the tail is folded into one more ("and above").
    const qint64 bins = std::clamp<qint64>(qint64(std::ceil(data.ttfbTailMs / data.binMs)) - first + 2, 1, kMaxHistogramBins);
    QList<QList<qreal>> counts(sets.size(), QList<qreal>(bins, 0));
    qint64 last = first;
    for (qsizetype s = 0; s < sets.size(); ++s) {
        for (const auto &bin : sets[s].second) {
            const qint64 index = std::min<qint64>(std::llround(bin.lowMs / data.binMs) - first, bins - 1);
            counts[s][index] += qreal(bin.count);
            last = std::max(last, first + index);
        }
    }
    QStringList categories;
    for (qint64 i = first; i <= last; ++i) {
        const bool tail = i - first == bins - 1 && i > first;
        categories.append(tail ? QStringLiteral("≥%1").arg(double(i) * data.binMs)
                               : QStringLiteral("%1").arg(double(i) * data.binMs));
    }
    double max = 0;
    for (const auto &row : counts)
        max = std::max(max, *std::max_element(row.begin(), row.end()));
    auto *x = axisOf<QBarCategoryAxis>(chart, Qt::AlignBottom);
    // The same bins and sets as drawn: only the counts move (their tooltips are bound to the categories).
    const auto kept = x->categories() == categories ? sameSeries(chart, {QStringLiteral("ttfbHistogram")})
                                                    : QList<QAbstractSeries *>();
    if (!kept.isEmpty()) {
        const auto barSets = static_cast<QBarSeries *>(kept.constFirst())->barSets();
        bool same = barSets.size() == sets.size();
        for (qsizetype s = 0; same && s < sets.size(); ++s)
            same = barSets.at(s)->label() == sets[s].first && barSets.at(s)->count() == categories.size();
        if (same) {
            for (qsizetype s = 0; s < sets.size(); ++s) {
                for (qsizetype i = 0; i < categories.size(); ++i) {
                    if (barSets.at(s)->at(i) != counts[s][i])
                        barSets.at(s)->replace(i, counts[s][i]);
                }
            }
            msAxis(chart, max, QObject::tr("races"));
            return;
        }
    }
    chart->removeAllSeries();
    auto *series = new QBarSeries;
    series->setObjectName(QStringLiteral("ttfbHistogram"));
    for (qsizetype s = 0; s < sets.size(); ++s) {
        auto *set = new QBarSet(sets[s].first);
        set->append(counts[s].mid(0, categories.size()));
        set->setColor(routeColor(std::max<qsizetype>(0, data.routes.indexOf(s == 0 && sets.size() > 1 ? data.optimalRoute : direct))));
        series->append(set);
    }
    QObject::connect(series, &QBarSeries::hovered, view, [view, categories, binMs = data.binMs](bool state, int index, QBarSet *set) {
        if (!state)
            return QToolTip::hideText();
        QToolTip::showText(QCursor::pos(), QObject::tr("%1: %2 races with TTFB in [%3, +%4) ms").arg(set->label()).arg(set->at(index))
                                               .arg(categories.value(index)).arg(binMs), view);
    });
    chart->addSeries(series);
    x->clear();
    x->append(categories);
    if (categories.size() > 12)
        x->setLabelsAngle(-60);
    x->setTitleText(QObject::tr("TTFB bin start (ms), bins of %1 ms").arg(data.binMs));
    series->attachAxis(x);
    auto *y = msAxis(chart, max, QObject::tr("races"));
    series->attachAxis(y);
}

} // namespace relayrace::ui
