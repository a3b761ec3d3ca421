// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/raceresult.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace relayrace::ui {

// A race's routes as lanes on one time axis: what LaneDelegate draws and RaceReplay animates. Built
// by the model from the recorded outcomes (a finished race) or from the progress seen so far (a live
// one); a value, cheap to copy (a handful of lanes).
struct Lane
{
    using State = model::RouteOutcome::State;
    using Kind = model::RaceResult::MarginKind;

    QString routeId;
    qsizetype colorIndex = 0;           // theme::routeColor(colorIndex): the same route, the same colour
    State state = State::Connecting;    // the final state (finished) or the live one
    bool winner = false;
    double connectMs = -1;
    double ttfbMs = -1;                 // live: when the GUI saw the first bytes (approximate)
    double reachMs = -1;                // measured time to the goal (the winner's, or a loser's overtime)
    double projectedMs = -1;            // a loser's projected time to the goal
    Kind reachKind = Kind::None;        // how a loser's time to the goal is known
    double behindMs = -1;               // a loser: its time to the goal minus the decision's
    double failedAtMs = -1;             // a failed lane: its last recorded event (when it was seen failed)
    qint64 bytes = 0;
    qint64 goalBytes = 0;               // the threshold, or the whole object when it is smaller
    bool wholeObject = false;           // goalBytes is the object's size, smaller than the threshold
    QString error;
    QString toolTip;                    // the full story of this lane
};

struct RaceLanes
{
    QList<Lane> lanes;
    bool finished = false;
    double decisionMs = -1;             // the winner's time to the goal; -1 without a winner
    double endMs = 1;                   // the axis: 0 .. endMs (the slowest time shown)
    double nowMs = -1;                  // a replay's time, or a live race's elapsed time; -1: the final picture
    bool replaying = false;
};

// One lane at time t: what a replay (or the final picture, t = endMs) shows.
struct LaneFrame
{
    enum class Phase { Connecting, Waiting, Transfer, Done };
    Phase phase = Phase::Connecting;
    Lane::State state = Lane::State::Connecting;
    double barFromMs = -1;              // the transfer bar: ttfb .. barToMs (none when barFromMs < 0)
    double barToMs = -1;
    double ghostToMs = -1;              // a loser after the decision: dashed to its time to the goal
    bool ghostClipped = false;          // that time lies past the axis
    qint64 bytes = 0;
    bool goalReached = false;
};

LaneFrame frameAt(const RaceLanes &race, const Lane &lane, double t);
// The time shown: a replay's or live race's now, else the end of the axis.
double shownTime(const RaceLanes &race);

// One route's input to makeLanes: its outcome (live: routeId, state and bytes only), the threshold,
// and for a live race when the GUI first saw its bytes.
struct LaneInput
{
    model::RouteOutcome outcome;
    qint64 threshold = 0;
    double liveFirstByteMs = -1;
};
RaceLanes makeLanes(const QList<LaneInput> &routes, const QString &winner, bool finished, double liveNowMs);

// Texts (translated): "won by 12.3 ms" measured, "won by ≈ 12 ms" projected, "won by ≥ 3 ms" a
// lower bound, "no runner-up"; an old result's margin without a kind reads as projected.
QString marginText(double marginMs, model::RaceResult::MarginKind kind);
QString marginKindWord(model::RaceResult::MarginKind kind);
// "lost by ≈ 12 ms", "won", "failed: <reason>", "racing", "connecting", "no byte yet".
QString laneStatusText(const Lane &lane, const LaneFrame &frame);
// "8.8 KiB (whole object)" (a smaller object read whole), "3.9 KiB / 8.8 KiB (object)" (part of it),
// "64.0 KiB / 256 KiB" (toward the threshold).
QString laneBytesText(const Lane &lane, qint64 bytes);
QString msText(double ms); // "12.3", empty for -1
QString compactSize(qint64 bytes); // "8.8 KiB", "256 KiB": a tenth only while it tells something

} // namespace relayrace::ui

Q_DECLARE_METATYPE(relayrace::ui::RaceLanes)
