// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>

class QVariantAnimation;

namespace relayrace::ui {

class LiveRaceModel;

// Replays a finished race from its recorded times: a QVariantAnimation on the GUI thread moves the
// race's time from 0 to the end of its axis over a slowed-down duration (kSlowdown times the race,
// at least kMinDurationMs, at most kMaxDurationMs) and gives each moment to the model
// (LiveRaceModel::setReplayTime), whose lanes then show what each route was doing. Never blocks;
// one replay at a time (a new one stops the previous).
class RaceReplay final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RaceReplay)
public:
    static constexpr int kSlowdown = 10;
    static constexpr int kMinDurationMs = 2000;
    static constexpr int kMaxDurationMs = 20000;

    explicit RaceReplay(LiveRaceModel *model, QObject *parent = nullptr);
    ~RaceReplay() override;

    static int durationFor(double raceEndMs);

    // False when the race is unknown or not finished yet.
    bool start(quint64 raceId);
    // Ends the replay at once; the race shows its final picture again.
    void stop();
    bool isRunning() const;
    quint64 raceId() const { return m_raceId; }
    double lastTimeMs() const { return m_lastMs; } // the last replayed moment (the race's end once done)
    double endMs() const { return m_endMs; }

Q_SIGNALS:
    void started(quint64 raceId, int durationMs);
    void frame(quint64 raceId, double ms);
    void finished(quint64 raceId);

private:
    void onValue(const QVariant &value);
    void onFinished();

    QPointer<LiveRaceModel> m_model;
    QVariantAnimation *m_animation = nullptr;
    quint64 m_raceId = 0;
    double m_endMs = 0;
    double m_lastMs = -1;
};

} // namespace relayrace::ui
