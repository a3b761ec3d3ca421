// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "history/historyqueries.h"
#include "model/routechange.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QPointF>
#include <QSslCertificate>
#include <QUrl>
#include <QString>
#include <QStringList>

namespace relayrace::ui {

// What the history panel asks its worker for. widthPx: the plot width the series are downsampled to.
struct HistoryQuery
{
    quint64 generation = 0;
    QString path;             // the engine's history store; or, when edge is set, an edge's admin API:
    QUrl edge;
    QByteArray token;
    QList<QSslCertificate> edgeCa;
    QString provider;
    QDateTime from;
    QDateTime to;
    int widthPx = 800;
    bool full = false;  // read the whole range from the store again, not only what is new
    // Fit the range to the data: from is how far back to look; the charts then start shortly before
    // the first race found (at least kFitMinimumSeconds before to).
    bool fit = false;
    static constexpr qint64 kFitMinimumSeconds = 30;
};

// One route's figure over time: x = ms since the epoch, y = ms.
struct RouteSeries
{
    QString routeId;
    QList<QPointF> all;       // every sample (the truth)
    QList<QPointF> drawn;     // downsampled to the plot width (min and max per two pixels)
};

struct RouteBand
{
    QString routeId;
    QList<QPointF> min;
    QList<QPointF> median;
    QList<QPointF> max;
};

// Everything the four charts show, computed on the worker thread. A value: crosses threads freely.
struct HistoryData
{
    quint64 generation = 0;
    QString provider;
    QDateTime from;
    QDateTime to;
    int widthPx = 0;
    QString error;                          // empty when every query worked
    bool fullRead = false;                  // the whole range was read from the store, not only what was new
    int computeMs = -1;                     // the worker's time for this data (reading and computing)
    QStringList routes;                     // chart order (the races' route order)
    qint64 races = 0;
    qint64 samples = 0;
    // (a) time to threshold per route: measured, else the projection a loser had at the decision.
    QList<RouteSeries> timeToThreshold;
    // (b) SmokePing band per route.
    int bucketSeconds = 0;
    QList<RouteBand> bands;
    // (c) race winners (x, route index), downsampled per route, and the optimal route's changes.
    QList<QList<QPointF>> winners;          // parallel to routes
    QList<model::RouteChange> changes;
    QList<QPointF> optimalSteps;            // (x, route index) step line of the optimal route
    // (d) TTFB histograms: the optimal route (latest change, else the most frequent winner) and direct.
    QString optimalRoute;
    double binMs = 0;
    double ttfbTailMs = 0;                  // the 98th percentile: bins above it fold into one
    QList<history::HistogramBin> optimalHistogram;
    QList<history::HistogramBin> directHistogram;
};

} // namespace relayrace::ui

Q_DECLARE_METATYPE(relayrace::ui::HistoryQuery)
Q_DECLARE_METATYPE(relayrace::ui::HistoryData)
