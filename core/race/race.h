// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/raceresult.h"
#include "race/routeclient.h"
#include "util/result.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <chrono>
#include <utility>
#include <vector>

class QTimer;

namespace relayrace::race {

struct RaceRequest
{
    enum class Fairness { Warm, Cold };

    QString provider;
    QByteArray method = QByteArrayLiteral("GET"); // GET or HEAD: nothing else is ever raced
    QUrl url;
    qint64 thresholdBytes = 65536;
    model::Trigger trigger = model::Trigger::Manual;
    // Warm: every route starts on a kept-alive connection where it can (routes without one are
    // warmed up first; losers' connections are re-established after the race). Cold: every route
    // opens a new connection (a manager of its own per route and race).
    Fairness fairness = Fairness::Warm;
    // From the moment the requests are issued until a route wins; routes still going then fail. It is
    // also the winner's transfer (inactivity) timeout while the requester receives the rest.
    std::chrono::milliseconds timeout{30'000};
    // How long a warm race waits for its routes' warm-ups before it starts anyway (a dead route must
    // not hold every race up; it then races on whatever connection it gets, recorded as fresh).
    std::chrono::milliseconds warmUpTimeout{3'000};
    QUrl warmUpUrl; // what warm-ups HEAD (the provider's test object); empty: url
    // Overtime (docs/race-engine.md, "Margins"): after the decision, losers still receiving go on
    // until they reach the threshold themselves (their time is then measured), fail, or the overtime
    // window ends; each is cut at the threshold, so losers receive at most threshold x (routes - 1)
    // (+ one read each). Off: losers are aborted at the decision and the margin is projected.
    bool overtime = true;
    QList<std::pair<QByteArray, QByteArray>> headers;
};

QString fairnessName(RaceRequest::Fairness fairness);

// One race: the same GET or HEAD sent at once over every route; the first route to receive
// thresholdBytes of body (or its whole body, when smaller) wins (decided()). The others are aborted
// then, or, with RaceRequest::overtime, when they reach the threshold themselves or the overtime
// window ends, which measures the margin (finished()). A route fails on a connection or TLS error, on the timeout, or when its
// relay answers for itself (relayOwnError()); an origin's answer, even 404 or 502, is a valid
// result. The winner's reply keeps streaming: takeWinnerReply() hands over its whole body (nothing
// of it is read by the race). One Race runs once; delete it (deleteLater from a slot) when done.
class Race final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Race)
public:
    static constexpr int kProgressIntervalMs = 50;
    // See settle(): how long a route still setting up its connection is waited for, in best times.
    static constexpr double kSetUpRoundTrips = 4;
    // Overtime window (race clock): max(kOvertimeFactor x the decision time, kOvertimeFloorMs),
    // never past the race's timeout.
    static constexpr double kOvertimeFactor = 2.0;
    static constexpr double kOvertimeFloorMs = 250;
    // Above threshold x (routes - 1): what losers may receive in all (one read each past the threshold).
    static constexpr qint64 kLoserSlackBytes = 64 * 1024;

    // The clients must outlive the race and the winner's reply.
    explicit Race(QList<RouteClient *> routes, QObject *parent = nullptr);
    ~Race() override;

    // Starts the race, or refuses it (nothing is sent): a method other than GET/HEAD (non-idempotent
    // requests are never raced), no routes, a URL that is not http(s), a threshold below 1, or a
    // second start.
    Result<void> start(const RaceRequest &request);

    bool isDecided() const { return m_decided; }
    bool isFinished() const { return m_finished; }
    const model::RaceResult &result() const { return m_result; }
    // The winner's reply, still receiving; the race has read none of it. Null before the decision,
    // after a failed race, or once taken.
    QNetworkReply *winnerReply() const { return m_winnerReply.get(); }
    ReplyPtr takeWinnerReply();

Q_SIGNALS:
    // At most every kProgressIntervalMs per route before the decision, once more at the decision and
    // once more when overtime is over (the losers' final bytes).
    void progress(const QString &routeId, qint64 bytes, qint64 thresholdBytes);
    // Emitted once, at the decision (or when every route has failed): the winner's reply can be taken
    // now. The result's margin is provisional (projected at the decision). A slot must not delete the
    // race: overtime follows.
    void decided(const relayrace::model::RaceResult &result);
    // Emitted once, when overtime is over (at once after decided() when no loser was still running):
    // the final result, with the margin as measured. The last thing the race does in that event-loop
    // turn, so a slot may delete the race (deleteLater).
    void finished(const relayrace::model::RaceResult &result);

private:
    struct Lane
    {
        QPointer<RouteClient> client;
        ReplyPtr reply;
        model::RouteOutcome outcome;
        double issuedAt = -1; // race clock, ms
        double startedAt = -1;
        double connectStartedAt = -1;
        double requestSentAt = -1; // the last time it was written (Qt may write it twice)
        double firstSentAt = -1;
        double headersAt = -1;
        double firstByteAt = -1;
        double lastByteAt = -1;
        int sends = 0;
        qint64 firstChunkBytes = 0;
        qint64 reportedBytes = 0;
        bool complete = false;      // the whole response arrived
        bool promised = false;      // holds a promise of an idle connection on its client
        double decidedAt = -1;      // route time when it was stopped (lost or failed)
        double reachedAt = -1;      // route time when it had the threshold (or its whole body)
        qint64 expectedLength = -1;
        bool overtime = false;      // lost, still receiving after the decision (see overtime.cpp)
    };

    void warmUpThenDispatch();
    void dispatch();
    void dispatchLane(size_t index);
    void onStarted(size_t index);
    void onHeaders(size_t index);
    void onData(size_t index);
    void onFinished(size_t index);
    void reached(size_t index, bool complete);
    void settle();
    void win(size_t index);
    double handicap(const Lane &lane) const;
    // Connection set-up before the request went through (connect, CONNECT and TLS; or the time lost on
    // a dead kept-alive socket); -1 when the request went out on a kept-alive connection at once.
    static double setUpMs(const Lane &lane);
    enum class Drop { Now, Later };
    void fail(size_t index, const QString &error, bool mayConclude = true, Drop drop = Drop::Now);
    void onTimeout();
    void dropReply(Lane &lane, Drop drop = Drop::Now);
    void fillTimes(Lane &lane);
    void conclude(int winner);
    // Overtime (overtime.cpp).
    void decide(int winner);
    void overtimeData(size_t index);
    void overtimeReached(size_t index, bool complete);
    void overtimeCheck();
    void endOvertime();
    void fillResult(int winner);
    qint64 loserBytes() const;
    void rewarmLosers();
    void reportProgress();
    double now() const;
    double routeTime(const Lane &lane) const;

    std::vector<Lane> m_lanes;
    RaceRequest m_request;
    model::RaceResult m_result;
    QElapsedTimer m_clock;
    double m_lastProgressAt = -1e9;
    QTimer *m_deadline = nullptr;
    QTimer *m_warmUpDeadline = nullptr;
    QTimer *m_grace = nullptr; // see settle()
    QTimer *m_overtime = nullptr;
    int m_winner = -1;
    int m_candidate = -1;      // the lane that got there first on equal terms, while settle() waits
    QList<QPointer<QNetworkReply>> m_warmUps;
    ReplyPtr m_winnerReply;
    bool m_started = false;
    bool m_dispatched = false;
    bool m_decided = false;
    bool m_finished = false;
};

} // namespace relayrace::race
