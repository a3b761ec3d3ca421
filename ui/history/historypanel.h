// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "ui/history/historydata.h"

#include <QElapsedTimer>
#include <QWidget>

#include <atomic>
#include <memory>

class QComboBox;
class QLabel;
class QThread;
class QTimer;
class QChartView;
class QChart;

class QGridLayout;

namespace relayrace::model {
struct RaceResult;
}

namespace relayrace::ui {

class HistoryWorker;

// One provider's history over a time range (Qt Charts): (a) time to threshold per route, (b) a
// SmokePing-style band per route, (c) the winner timeline with every change of optimal route marked,
// (d) a TTFB histogram of the optimal route against direct. Queries run on a worker thread with its
// own store; the panel keeps the last result (the truth) and gives the charts data downsampled to
// their plot width.
class HistoryPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryPanel)
public:
    // FitData (the default): up to 7 days back, the charts starting just before the first race found.
    enum class Range { LastHour, Last6Hours, Last24Hours, Last7Days, FitData };
    // Refreshes coalesce to at most one per pixel column's span of the range, within these bounds: a
    // sooner one could change only the newest column, and over a long history a query is a second
    // of CPU (7 days, 1M samples) that the console's other threads need.
    static constexpr int kRefreshIntervalMs = 1000;
    static constexpr int kMaxRefreshIntervalMs = 5000;
    int refreshIntervalMs() const;

    explicit HistoryPanel(QWidget *parent = nullptr);
    ~HistoryPanel() override;

    QString historyPath() const { return m_path; }
    QString provider() const { return m_provider; }
    Range range() const;
    void setRange(Range range);
    static qint64 rangeSeconds(Range range);

    // The last result drawn: every sample per route, the bands, changes and histograms.
    const HistoryData &data() const { return m_data; }
    QString lastError() const { return m_data.error; }
    // How long the last redraw took: from the data's arrival to the last changed chart painted. The
    // charts are redrawn one per event-loop turn, so the GUI thread is never held for all four at once;
    // lastRedrawStepMs() is the longest of those turns (one chart's data set and painted).
    int lastRedrawMs() const { return m_lastRedrawMs; }
    int lastRedrawStepMs() const { return m_lastRedrawStepMs; }
    // The charts the last redraw drew (objectNames): only those whose data changed.
    QStringList lastRedrawnCharts() const { return m_lastRedrawn; }
    // The width the drawn series were downsampled to (at most two points per pixel): 90% of the plot
    // width when queried, so a plot narrowed by wider axis labels still gets at most two per pixel.
    int plotWidthPx() const { return m_data.widthPx; }

public Q_SLOTS:
    void setHistoryPath(const QString &path);
    // An attached edge's history, over its admin API, instead of a store's file.
    void setEdge(const QUrl &adminUrl, const QByteArray &token, const QList<QSslCertificate> &ca);
    void setProvider(const QString &provider);
    // Reloads once the coalescing interval (refreshIntervalMs) since the last query has passed.
    void refresh();
    // Reloads now, reading the whole range from the store again (an operator's or a test's explicit
    // ask); refreshes read only the races stored since the last query.
    void reload();
    // New races or route changes of the shown provider refresh the panel (coalesced).
    void onRaceFinished(quint64 raceId, const relayrace::model::RaceResult &result);
    void onRouteChanged(const relayrace::model::RouteChange &change);

Q_SIGNALS:
    void loaded();
    void queryRequested(const relayrace::ui::HistoryQuery &query);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void startQuery();
    enum Chart { TimeToThreshold, Band, Winners, Histogram, ChartCount };
    void onFinished(const HistoryData &data);
    void drawNextChart();
    int currentPlotWidth() const;
    void arrangeCharts(int columns); // 2 (a 2x2 grid) or 4 (one row)

    QString m_path;
    QUrl m_edge;
    QByteArray m_token;
    QList<QSslCertificate> m_edgeCa;
    QString m_provider;
    QComboBox *m_range = nullptr;
    QLabel *m_status = nullptr;
    QChartView *m_tttView = nullptr;
    QChartView *m_bandView = nullptr;
    QChartView *m_winnerView = nullptr;
    QChartView *m_histogramView = nullptr;
    QGridLayout *m_grid = nullptr;
    int m_chartColumns = 0;
    QTimer *m_refreshTimer = nullptr;
    QElapsedTimer m_sinceQuery;
    QThread *m_thread = nullptr;
    HistoryWorker *m_worker = nullptr;
    std::shared_ptr<std::atomic<quint64>> m_latest;
    quint64 m_generation = 0;
    HistoryData m_data;
    int m_lastRedrawMs = -1;
    int m_lastRedrawStepMs = -1;
    QStringList m_lastRedrawn;
    QList<Chart> m_toDraw;        // changed charts not drawn yet, one per event-loop turn
    QElapsedTimer m_sinceData;    // since the data being drawn arrived
    int m_longestStepMs = 0;
    QStringList m_redrawn;
    bool m_inFlight = false;  // a query of m_inFlightKey is running
    bool m_pending = false;   // a refresh came meanwhile
    QString m_inFlightKey;    // provider|range
    bool m_readAll = false;   // the next query reads the whole range (reload())
};

} // namespace relayrace::ui
