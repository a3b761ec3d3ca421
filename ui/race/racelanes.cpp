// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/race/racelanes.h"

#include <QCoreApplication>
#include <QLocale>
#include <QStringList>

#include <algorithm>
#include <cmath>

namespace relayrace::ui {

using State = model::RouteOutcome::State;
using Kind = model::RaceResult::MarginKind;

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("relayrace::ui::RaceLanes", text);
}

// A projection or a bound is no more precise than a millisecond (a tenth below ten).
QString roughMs(double ms, bool floor)
{
    if (ms >= 10)
        return QString::number(floor ? std::floor(ms) : std::round(ms), 'f', 0);
    return QString::number(floor ? std::floor(ms * 10) / 10 : ms, 'f', 1);
}


// From ttfb (or the connection, or 0 when neither is known) to `to`, the goal reached at `to`.
qint64 interpolated(const Lane &lane, double start, double target, double t)
{
    if (target <= start)
        return t >= target ? lane.goalBytes : 0;
    const double fraction = std::clamp((t - start) / (target - start), 0.0, 1.0);
    return qint64(std::llround(double(lane.goalBytes) * fraction));
}

QString laneToolTip(const Lane &lane, const RaceLanes &race)
{
    QStringList lines;
    const LaneFrame last = frameAt(race, lane, race.finished ? race.endMs : std::max(race.nowMs, 0.0));
    lines << QStringLiteral("%1: %2").arg(lane.routeId, laneStatusText(lane, last));
    if (lane.connectMs >= 0)
        lines << tr("connect %1 ms").arg(msText(lane.connectMs));
    if (lane.ttfbMs >= 0)
        lines << (race.finished ? tr("first byte at %1 ms") : tr("first bytes seen after ~%1 ms")).arg(msText(lane.ttfbMs));
    const QString goal = lane.wholeObject ? tr("the whole object (%1)").arg(compactSize(lane.goalBytes))
                                          : tr("the threshold (%1)").arg(compactSize(lane.goalBytes));
    if (lane.reachMs >= 0)
        lines << tr("reached %1 at %2 ms%3").arg(goal, msText(lane.reachMs), lane.winner ? QString() : tr(" (measured in overtime)"));
    else if (lane.projectedMs >= 0 && lane.reachKind == Kind::Projected)
        lines << tr("would have reached %1 at ≈ %2 ms (projected from its bytes and rate at the decision)")
                     .arg(goal, msText(lane.projectedMs));
    else if (lane.projectedMs >= 0 && lane.reachKind == Kind::LowerBound)
        lines << tr("would have reached %1 at ≥ %2 ms (a lower bound: no first byte or no rate by the decision)")
                     .arg(goal, msText(lane.projectedMs));
    lines << tr("%1 received").arg(laneBytesText(lane, lane.bytes));
    if (!lane.error.isEmpty())
        lines << tr("reason: %1").arg(lane.error);
    if (lane.state == State::Failed && race.finished)
        lines << tr("(drawn failed at its last recorded event: the failure's own time is not recorded)");
    return lines.join(QLatin1Char('\n'));
}

} // namespace

QString compactSize(qint64 bytes)
{
    double value = double(bytes);
    while (value >= 1024)
        value /= 1024;
    return QLocale().formattedDataSize(bytes, bytes < 1024 || value >= 100 ? 0 : 1);
}

QString msText(double ms)
{
    return ms < 0 ? QString() : QString::number(ms, 'f', 1);
}

double shownTime(const RaceLanes &race)
{
    return race.nowMs >= 0 ? race.nowMs : race.endMs;
}

LaneFrame frameAt(const RaceLanes &race, const Lane &lane, double t)
{
    LaneFrame f;
    if (!race.finished) {
        // Live: only bytes are known, and when the GUI first saw some.
        f.state = lane.state;
        f.bytes = lane.bytes;
        f.goalReached = lane.goalBytes > 0 && lane.bytes >= lane.goalBytes;
        if (lane.ttfbMs >= 0) {
            f.phase = LaneFrame::Phase::Transfer;
            f.barFromMs = lane.ttfbMs;
            f.barToMs = std::max(lane.ttfbMs, t);
        }
        if (lane.state == State::Failed || lane.state == State::Won || lane.state == State::Lost)
            f.phase = LaneFrame::Phase::Done;
        return f;
    }
    const bool atEnd = t >= race.endMs;
    const double start = lane.ttfbMs >= 0 ? lane.ttfbMs : std::max(lane.connectMs, 0.0);
    if (lane.state == State::Failed && t >= lane.failedAtMs) {
        f.phase = LaneFrame::Phase::Done;
        f.state = State::Failed;
        f.bytes = lane.bytes;
        if (lane.ttfbMs >= 0 && lane.bytes > 0 && lane.failedAtMs > lane.ttfbMs) {
            f.barFromMs = lane.ttfbMs;
            f.barToMs = lane.failedAtMs;
        }
        return f;
    }
    if (lane.connectMs >= 0 && t < lane.connectMs)
        return f; // connecting
    if (lane.ttfbMs >= 0 && t < lane.ttfbMs) {
        f.phase = LaneFrame::Phase::Waiting;
        return f;
    }
    if (lane.state == State::Failed) { // before its failure
        f.phase = LaneFrame::Phase::Waiting;
        if (lane.ttfbMs >= 0) {
            f.phase = LaneFrame::Phase::Transfer;
            f.state = State::Racing;
            f.barFromMs = lane.ttfbMs;
            f.barToMs = t;
            const double span = lane.failedAtMs - lane.ttfbMs;
            f.bytes = span > 0 ? qint64(double(lane.bytes) * std::clamp((t - lane.ttfbMs) / span, 0.0, 1.0)) : 0;
        }
        return f;
    }
    const bool noByte = lane.ttfbMs < 0 && !lane.winner;
    if (lane.winner) {
        const double target = lane.reachMs >= 0 ? lane.reachMs : race.decisionMs;
        f.barFromMs = start;
        f.barToMs = std::min(t, target);
        if (t < target) {
            f.phase = LaneFrame::Phase::Transfer;
            f.state = State::Racing;
            f.bytes = std::min(interpolated(lane, start, target, t), std::max(lane.bytes, lane.goalBytes));
            return f;
        }
        f.phase = LaneFrame::Phase::Done;
        f.state = State::Won;
        f.bytes = lane.bytes;
        f.goalReached = true;
        return f;
    }
    // A loser: its bar stops at the decision; after it, a dashed ghost to its time to the goal
    // (growing as time passes when measured in overtime, whole when projected).
    const double stop = race.decisionMs >= 0 ? race.decisionMs : race.endMs;
    const double target = lane.reachMs >= 0 ? lane.reachMs : lane.projectedMs;
    const bool measured = lane.reachKind == Kind::Measured;
    if (!noByte) {
        f.barFromMs = start;
        f.barToMs = std::min(t, stop);
    }
    const double until = measured ? t : std::min(t, stop);
    f.bytes = noByte ? 0 : std::clamp<qint64>(target >= 0 ? interpolated(lane, start, target, until) : lane.bytes, 0, lane.bytes);
    if (atEnd)
        f.bytes = lane.bytes;
    f.goalReached = lane.goalBytes > 0 && f.bytes >= lane.goalBytes;
    if (t < stop) {
        f.phase = noByte ? LaneFrame::Phase::Waiting : LaneFrame::Phase::Transfer;
        f.state = noByte ? State::Connecting : State::Racing;
        return f;
    }
    f.phase = LaneFrame::Phase::Done;
    f.state = lane.state == State::Won ? State::Lost : lane.state;
    if (target > stop) {
        f.ghostToMs = measured ? std::min(t, target) : target;
        if (f.ghostToMs > race.endMs) {
            f.ghostToMs = race.endMs;
            f.ghostClipped = true;
        }
    }
    return f;
}

RaceLanes makeLanes(const QList<LaneInput> &routes, const QString &winner, bool finished, double liveNowMs)
{
    RaceLanes race;
    race.finished = finished;
    race.nowMs = finished ? -1 : std::max(liveNowMs, 0.0);
    qint64 threshold = 0;
    qint64 object = -1;
    for (const LaneInput &in : routes) {
        threshold = std::max(threshold, in.threshold);
        const model::RouteOutcome &o = in.outcome;
        if (finished && o.routeId == winner)
            race.decisionMs = o.timeToThresholdMs >= 0 ? o.timeToThresholdMs : o.projectedMs;
    }
    // A body smaller than the threshold: whoever read it whole set the goal at its size.
    for (const LaneInput &in : routes) {
        const model::RouteOutcome &o = in.outcome;
        if (finished && o.state != State::Failed && o.timeToThresholdMs >= 0 && o.bytes > 0 && (threshold <= 0 || o.bytes < threshold))
            object = object < 0 ? o.bytes : std::min(object, o.bytes);
    }
    double measuredEnd = std::max(race.decisionMs, finished ? 0.0 : race.nowMs);
    for (qsizetype i = 0; i < routes.size(); ++i) {
        const model::RouteOutcome &o = routes.at(i).outcome;
        Lane lane;
        lane.routeId = o.routeId;
        lane.colorIndex = i;
        lane.state = o.state;
        lane.winner = finished && !winner.isEmpty() && o.routeId == winner;
        lane.bytes = o.bytes;
        lane.goalBytes = object > 0 ? object : threshold;
        lane.wholeObject = object > 0;
        lane.error = o.error;
        if (!finished) {
            lane.ttfbMs = routes.at(i).liveFirstByteMs;
            race.lanes.append(lane);
            continue;
        }
        lane.connectMs = o.connectMs;
        lane.ttfbMs = o.ttfbMs;
        lane.reachMs = o.timeToThresholdMs;
        if (o.state == State::Lost) {
            lane.projectedMs = o.projectedMs;
            lane.reachKind = lane.reachMs >= 0      ? Kind::Measured
                             : lane.projectedMs < 0 ? Kind::None
                             : o.bytes > 0 && o.throughputBytesPerSec > 0 ? Kind::Projected
                                                                          : Kind::LowerBound;
            const double reach = lane.reachMs >= 0 ? lane.reachMs : lane.projectedMs;
            if (reach >= 0 && race.decisionMs >= 0)
                lane.behindMs = std::max(0.0, reach - race.decisionMs);
        }
        if (o.state == State::Failed)
            lane.failedAtMs = std::max({o.connectMs, o.ttfbMs, o.timeToThresholdMs});
        measuredEnd = std::max({measuredEnd, o.connectMs, o.ttfbMs, o.timeToThresholdMs});
        race.lanes.append(lane);
    }
    // Projections join the axis unless far out (then their ghost is clipped at its end).
    double end = measuredEnd;
    for (const Lane &lane : std::as_const(race.lanes)) {
        if (lane.projectedMs >= 0 && lane.reachMs < 0 && lane.projectedMs <= 2 * std::max(measuredEnd, 1.0))
            end = std::max(end, lane.projectedMs);
    }
    race.endMs = end > 0 ? end : 1.0;
    for (Lane &lane : race.lanes) {
        if (lane.state == State::Failed && lane.failedAtMs < 0)
            lane.failedAtMs = race.decisionMs >= 0 ? race.decisionMs : 0.0;
    }
    for (Lane &lane : race.lanes)
        lane.toolTip = laneToolTip(lane, race);
    return race;
}

QString marginKindWord(Kind kind)
{
    switch (kind) {
    case Kind::Measured: return tr("measured");
    case Kind::Projected: return tr("projected");
    case Kind::LowerBound: return tr("lower bound");
    case Kind::None: break;
    }
    return tr("none");
}

QString marginText(double marginMs, Kind kind)
{
    if (marginMs < 0)
        return tr("won (no runner-up)");
    switch (kind) {
    case Kind::Measured:
        return marginMs < 0.05 ? tr("won by < 0.1 ms") : tr("won by %1 ms").arg(QString::number(marginMs, 'f', 1));
    case Kind::LowerBound:
        return marginMs < 0.05 ? tr("won (the runner-up had no byte yet)") : tr("won by ≥ %1 ms").arg(roughMs(marginMs, true));
    case Kind::None: // an older result: its margin was projected
    case Kind::Projected: break;
    }
    return marginMs < 0.05 ? tr("won by ≈ 0 ms") : tr("won by ≈ %1 ms").arg(roughMs(marginMs, false));
}

QString laneStatusText(const Lane &lane, const LaneFrame &frame)
{
    switch (frame.state) {
    case State::Won: return tr("won");
    case State::Failed: return lane.error.isEmpty() ? tr("failed") : tr("failed: %1").arg(lane.error);
    case State::Racing: return tr("racing");
    case State::Connecting:
        return frame.phase == LaneFrame::Phase::Waiting ? tr("no byte yet") : tr("connecting");
    case State::Lost: break;
    }
    if (lane.behindMs < 0)
        return tr("lost");
    switch (lane.reachKind) {
    case Kind::Measured: return tr("lost by %1 ms").arg(QString::number(lane.behindMs, 'f', 1));
    case Kind::Projected: return tr("lost by ≈ %1 ms").arg(roughMs(lane.behindMs, false));
    case Kind::LowerBound: return tr("lost by ≥ %1 ms").arg(roughMs(lane.behindMs, true));
    case Kind::None: break;
    }
    return tr("lost");
}

QString laneBytesText(const Lane &lane, qint64 bytes)
{
    if (lane.wholeObject) {
        return bytes >= lane.goalBytes ? tr("%1 (whole object)").arg(compactSize(bytes))
                                       : tr("%1 / %2 (object)").arg(compactSize(bytes), compactSize(lane.goalBytes));
    }
    return lane.goalBytes > 0 ? QStringLiteral("%1 / %2").arg(compactSize(bytes), compactSize(lane.goalBytes)) : compactSize(bytes);
}

} // namespace relayrace::ui
