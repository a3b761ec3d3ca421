// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/racestart.h"
#include "model/raceresult.h"

#include <QWidget>

class QLabel;
class QTableView;

namespace relayrace::ui {

class LiveRaceModel;

// The current and recent races, one row per route, with the latest decision summarised above the
// table. The engine's raceStarted / routeProgress / raceFinished connect straight to the slots.
class LiveRacePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveRacePanel)
public:
    explicit LiveRacePanel(QWidget *parent = nullptr);

    LiveRaceModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString lastWinner(const QString &provider) const;

public Q_SLOTS:
    void onRaceStarted(const relayrace::engine::RaceStart &start);
    void onRouteProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 threshold);
    void onRaceFinished(quint64 raceId, const relayrace::model::RaceResult &result);

private:
    LiveRaceModel *m_model = nullptr;
    QLabel *m_summary = nullptr;
    QTableView *m_view = nullptr;
    bool m_sized = false;
};

} // namespace relayrace::ui
