// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/racestart.h"
#include "model/raceresult.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTreeView;

namespace relayrace::ui {

class LiveRaceModel;
class RaceReplay;

// The current and recent races, one row per race with its routes as lanes on a shared time axis
// (expandable to one row per route), the latest decision summarised above them, and Replay (the
// button, or a finished race's context menu) to watch a race again slowed down. The engine's
// raceStarted / routeProgress / raceFinished connect straight to the slots.
class LiveRacePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveRacePanel)
public:
    explicit LiveRacePanel(QWidget *parent = nullptr);

    LiveRaceModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }
    RaceReplay *replayer() const { return m_replay; }
    QString lastWinner(const QString &provider) const;
    // The race the Replay button would replay: the selected one, else the newest finished; 0 when none
    // (race ids start at 1).
    quint64 replayCandidate() const;

public Q_SLOTS:
    void onRaceStarted(const relayrace::engine::RaceStart &start);
    void onRouteProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 threshold);
    void onRaceFinished(quint64 raceId, const relayrace::model::RaceResult &result);
    // Replays a finished race; false when it is unknown or still running.
    bool replay(quint64 raceId);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void fitLanes();
    void widenTextColumns();
    void showContextMenu(const QPoint &pos);
    void updateReplayButton();
    quint64 raceAt(const QModelIndex &index) const;

    LiveRaceModel *m_model = nullptr;
    RaceReplay *m_replay = nullptr;
    QLabel *m_summary = nullptr;
    QPushButton *m_replayButton = nullptr;
    QTreeView *m_view = nullptr;
    bool m_sized = false;
};

} // namespace relayrace::ui
