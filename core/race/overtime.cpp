// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The end of a race: the decision (decide(): the winner's reply is the requester's from here on),
// overtime (losers still receiving go on until they reach the threshold themselves, fail, or the
// window ends), and the result with its margin (conclude()). See docs/race-engine.md, "Margins".
#include "race/race.h"

#include "log/logging.h"

#include <QNetworkReply>
#include <QTimer>

#include <algorithm>
#include <limits>

namespace relayrace::race {

void Race::decide(int winnerIndex)
{
    if (m_decided)
        return;
    m_decided = true;
    m_winner = winnerIndex;
    if (m_deadline)
        m_deadline->stop();
    if (m_grace)
        m_grace->stop();
    fillResult(winnerIndex);
    if (winnerIndex >= 0)
        log::get("race")->debug("race {}: {} decided at {:.1f} ms", m_result.object.toStdString(),
                                m_result.winner.toStdString(), now());
    const QPointer<Race> alive(this);
    reportProgress();
    if (!alive)
        return;
    Q_EMIT decided(m_result);
    if (!alive)
        return;
    overtimeCheck(); // nobody in overtime: finished at once
}

qint64 Race::loserBytes() const
{
    qint64 bytes = 0;
    for (size_t i = 0; i < m_lanes.size(); ++i) {
        if (int(i) != m_winner)
            bytes += m_lanes[i].outcome.bytes;
    }
    return bytes;
}

void Race::overtimeData(size_t index)
{
    if (m_lanes[index].outcome.bytes >= m_request.thresholdBytes) {
        overtimeReached(index, false);
        return;
    }
    // Each loser is cut at the threshold; this holds the total even if reads came in huge pieces.
    const qint64 bound = m_request.thresholdBytes * qint64(m_lanes.size() - 1) + kLoserSlackBytes;
    if (loserBytes() >= bound)
        endOvertime();
}

void Race::overtimeReached(size_t index, bool complete)
{
    Lane &lane = m_lanes[index];
    lane.overtime = false;
    lane.reachedAt = routeTime(lane);
    lane.complete = complete;
    lane.decidedAt = lane.reachedAt;
    lane.outcome.timeToThresholdMs = lane.reachedAt;
    fillTimes(lane);
    dropReply(lane); // done: its connection closes unless the whole body arrived
    overtimeCheck();
}

void Race::overtimeCheck()
{
    if (!m_decided || m_finished)
        return;
    const bool running = std::any_of(m_lanes.cbegin(), m_lanes.cend(), [](const Lane &l) { return l.overtime; });
    if (!running)
        conclude(m_winner);
}

void Race::endOvertime()
{
    if (m_finished)
        return;
    for (Lane &lane : m_lanes) {
        if (!lane.overtime)
            continue;
        lane.overtime = false;
        if (lane.reply)
            lane.outcome.bytes = std::max(lane.outcome.bytes, lane.reply->bytesAvailable());
        lane.decidedAt = routeTime(lane);
        fillTimes(lane);
        dropReply(lane);
    }
    conclude(m_winner);
}

void Race::fillResult(int winnerIndex)
{
    m_result.routes.clear();
    m_result.wastedBytes = 0;
    m_result.winner.clear();
    m_result.error.clear();
    m_result.marginMs = -1;
    m_result.marginKind = model::RaceResult::MarginKind::None;
    QStringList reasons;
    for (size_t i = 0; i < m_lanes.size(); ++i) {
        const model::RouteOutcome &o = m_lanes[i].outcome;
        m_result.routes.append(o);
        if (int(i) != winnerIndex)
            m_result.wastedBytes += o.bytes;
        if (o.state == model::RouteOutcome::State::Failed)
            reasons.append(o.routeId + u": " + o.error);
    }
    if (winnerIndex < 0) {
        m_result.error = QStringLiteral("every route failed: ") + reasons.join(QStringLiteral("; "));
        return;
    }
    const Lane &winner = m_lanes[size_t(winnerIndex)];
    m_result.winner = winner.outcome.routeId;
    m_result.routes[qsizetype(winnerIndex)].projectedMs = winner.outcome.timeToThresholdMs;
    // The runner-up's time: measured when it got there (before the decision, or in overtime);
    // otherwise projected from where it stood when it was stopped.
    const qint64 target = winner.complete ? std::max<qint64>(winner.outcome.bytes, 1) : m_request.thresholdBytes;
    double runnerUp = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < m_lanes.size(); ++i) {
        const Lane &lane = m_lanes[i];
        if (lane.outcome.state != model::RouteOutcome::State::Lost)
            continue;
        double time = lane.outcome.timeToThresholdMs;
        auto kind = model::RaceResult::MarginKind::Measured;
        if (time < 0) {
            qint64 goal = target;
            if (lane.expectedLength >= 0)
                goal = std::min(goal, std::max<qint64>(lane.expectedLength, 1));
            const double remaining = double(std::max<qint64>(0, goal - lane.outcome.bytes));
            double rate = lane.outcome.throughputBytesPerSec;
            if (rate <= 0)
                rate = winner.outcome.throughputBytesPerSec;
            const double stoppedAt = lane.decidedAt >= 0 ? lane.decidedAt : routeTime(lane);
            time = stoppedAt + (rate > 0 ? remaining * 1000.0 / rate : 0.0);
            kind = lane.outcome.bytes > 0 && lane.outcome.throughputBytesPerSec > 0
                       ? model::RaceResult::MarginKind::Projected
                       : model::RaceResult::MarginKind::LowerBound;
        }
        m_result.routes[qsizetype(i)].projectedMs = time;
        if (time - handicap(lane) < runnerUp) {
            runnerUp = time - handicap(lane);
            m_result.marginKind = kind;
        }
    }
    // On equal terms, as the decision (see settle()): connect times a warm race did not expect are out.
    if (runnerUp != std::numeric_limits<double>::infinity())
        m_result.marginMs = std::max(0.0, runnerUp - (winner.outcome.timeToThresholdMs - handicap(winner)));
}

void Race::rewarmLosers()
{
    if (m_request.fairness != RaceRequest::Fairness::Warm)
        return;
    // Aborting a loser closed its connection; the next race must not be decided by that. A loser
    // that received its whole body in overtime kept its connection: nothing to replace.
    for (const Lane &lane : m_lanes) {
        // Only when the route has no idle connection left: a busy pool needs no replacement.
        if (lane.outcome.state == model::RouteOutcome::State::Lost && lane.client &&
            lane.client->keepsConnections(m_request.url) && !lane.client->hasIdleConnection(m_request.url) &&
            lane.client->warmUpsInFlight() < RouteClient::kMaxWarmUpsInFlight)
            lane.client->warmUp(m_request.warmUpUrl);
    }
}

void Race::conclude(int winnerIndex)
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_overtime)
        m_overtime->stop();
    fillResult(winnerIndex);
    rewarmLosers();

    auto logger = log::get("race");
    if (m_result.ok())
        logger->info("race {} {}: {} won in {:.1f} ms (margin {:.1f} ms {}, wasted {} B, {})",
                     m_result.provider.toStdString(), m_result.object.toStdString(), m_result.winner.toStdString(),
                     m_lanes[size_t(winnerIndex)].outcome.timeToThresholdMs, m_result.marginMs,
                     model::marginKindName(m_result.marginKind).toStdString(), m_result.wastedBytes,
                     m_result.fairness.toStdString());
    else
        logger->warn("race {} {}: {}", m_result.provider.toStdString(), m_result.object.toStdString(),
                     m_result.error.toStdString());

    const QPointer<Race> alive(this);
    reportProgress();
    if (!alive)
        return;
    Q_EMIT finished(m_result);
}

} // namespace relayrace::race
