// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "ui/history/historydata.h"

class QChartView;
class QWidget;

namespace relayrace::ui {

// The history panel's four charts, each redrawn whole from a HistoryData (series already downsampled).
QChartView *makeChartView(const QString &objectName, const QString &title, const QString &toolTip, QWidget *parent);
void drawTimeToThreshold(QChartView *view, const HistoryData &data);
void drawBand(QChartView *view, const HistoryData &data);
void drawWinners(QChartView *view, const HistoryData &data);
void drawHistogram(QChartView *view, const HistoryData &data);

} // namespace relayrace::ui
