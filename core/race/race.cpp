// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "race/race.h"

#include "race/httpmessage.h"

#include "log/logging.h"

#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <limits>

namespace relayrace::race {

QString fairnessName(RaceRequest::Fairness fairness)
{
    return fairness == RaceRequest::Fairness::Cold ? QStringLiteral("cold") : QStringLiteral("warm");
}

Race::Race(QList<RouteClient *> routes, QObject *parent) : QObject(parent)
{
    m_lanes.resize(size_t(routes.size()));
    for (qsizetype i = 0; i < routes.size(); ++i) {
        Lane &lane = m_lanes[size_t(i)];
        lane.client = routes.at(i);
        if (routes.at(i)) {
            lane.outcome.routeId = routes.at(i)->routeId();
            lane.outcome.relay = routes.at(i)->relay().toString();
        }
    }
}

Race::~Race()
{
    // Aborting emits the replies' signals at once: nothing of ours may still listen to them.
    for (Lane &lane : m_lanes) {
        if (lane.reply)
            QObject::disconnect(lane.reply.get(), nullptr, this, nullptr);
    }
    if (m_winnerReply)
        QObject::disconnect(m_winnerReply.get(), nullptr, this, nullptr);
    for (const QPointer<QNetworkReply> &warmUp : std::as_const(m_warmUps)) {
        if (warmUp)
            QObject::disconnect(warmUp, nullptr, this, nullptr);
    }
    for (Lane &lane : m_lanes) {
        if (lane.promised && lane.client)
            lane.client->releasePromise(m_request.url); // destroyed before it started
    }
}

Result<void> Race::start(const RaceRequest &request)
{
    if (m_started)
        return makeError(QStringLiteral("this race has already been started"));
    if (request.method != "GET" && request.method != "HEAD")
        return makeError(QStringLiteral("%1 is not raced: only GET and HEAD are idempotent and safe "
                                        "to send over several routes at once")
                             .arg(QString::fromLatin1(request.method)));
    if (m_lanes.empty())
        return makeError(QStringLiteral("a race needs at least one route"));
    if (!request.url.isValid() || (request.url.scheme() != u"http" && request.url.scheme() != u"https") ||
        request.url.host().isEmpty())
        return makeError(QStringLiteral("'%1' is not an http or https URL").arg(request.url.toString()));
    if (request.thresholdBytes < 1)
        return makeError(QStringLiteral("the threshold must be at least 1 byte, not %1").arg(request.thresholdBytes));
    if (request.timeout.count() < 1)
        return makeError(QStringLiteral("the timeout must be positive"));

    m_started = true;
    m_request = request;
    if (m_request.warmUpUrl.isEmpty())
        m_request.warmUpUrl = m_request.url;
    m_result.provider = request.provider;
    m_result.trigger = request.trigger;
    m_result.object = request.url.path(QUrl::FullyEncoded) +
                      (request.url.hasQuery() ? u'?' + request.url.query(QUrl::FullyEncoded) : QString());
    m_result.thresholdBytes = request.thresholdBytes;
    m_result.fairness = fairnessName(request.fairness);

    m_deadline = new QTimer(this);
    m_deadline->setSingleShot(true);
    connect(m_deadline, &QTimer::timeout, this, &Race::onTimeout);

    if (request.fairness == RaceRequest::Fairness::Warm)
        warmUpThenDispatch();
    else
        dispatch();
    return {};
}

void Race::warmUpThenDispatch()
{
    for (Lane &lane : m_lanes) {
        RouteClient *client = lane.client;
        if (!client || !client->configurationError().isEmpty() || !client->keepsConnections(m_request.url))
            continue;
        const bool idle = client->hasIdleConnection(m_request.url);
        if (!idle && client->warmUpsInFlight() >= RouteClient::kMaxWarmUpsInFlight)
            continue; // races on whatever connection it gets (recorded as such)
        client->promiseIdle(m_request.url);
        lane.promised = true;
        if (idle)
            continue;
        QNetworkReply *warmUp = client->warmUp(m_request.warmUpUrl);
        m_warmUps.append(warmUp);
        connect(warmUp, &QNetworkReply::finished, this, [this] {
            const bool pending = std::any_of(m_warmUps.cbegin(), m_warmUps.cend(), [](const QPointer<QNetworkReply> &r) {
                return r && !r->isFinished();
            });
            if (!pending)
                QMetaObject::invokeMethod(this, &Race::dispatch, Qt::QueuedConnection);
        });
    }
    if (m_warmUps.isEmpty()) {
        dispatch();
        return;
    }
    m_warmUpDeadline = new QTimer(this);
    m_warmUpDeadline->setSingleShot(true);
    connect(m_warmUpDeadline, &QTimer::timeout, this, &Race::dispatch);
    m_warmUpDeadline->start(m_request.warmUpTimeout);
}

void Race::dispatch()
{
    if (m_dispatched)
        return;
    m_dispatched = true;
    if (m_warmUpDeadline)
        m_warmUpDeadline->stop();
    for (const QPointer<QNetworkReply> &warmUp : std::as_const(m_warmUps)) {
        if (warmUp)
            QObject::disconnect(warmUp, nullptr, this, nullptr);
    }
    m_warmUps.clear();
    m_clock.start();
    m_result.startedAt = QDateTime::currentDateTimeUtc();
    for (size_t i = 0; i < m_lanes.size(); ++i)
        dispatchLane(i);
    const bool allFailed = std::all_of(m_lanes.cbegin(), m_lanes.cend(), [](const Lane &lane) {
        return lane.outcome.state == model::RouteOutcome::State::Failed;
    });
    if (allFailed) {
        // Not from inside start(): the caller gets finished() on the event loop like any other result.
        QMetaObject::invokeMethod(this, [this] { decide(-1); }, Qt::QueuedConnection);
        return;
    }
    m_deadline->start(m_request.timeout);
}

void Race::dispatchLane(size_t index)
{
    Lane &lane = m_lanes[index];
    lane.issuedAt = now();
    RouteClient *client = lane.client;
    if (client && lane.promised)
        client->releasePromise(m_request.url); // the request below takes the connection itself
    lane.promised = false;
    if (!client) {
        fail(index, QStringLiteral("the route's client is gone"), false);
        return;
    }
    if (!client->configurationError().isEmpty()) {
        fail(index, client->configurationError(), false);
        return;
    }
    QNetworkRequest request(m_request.url);
    for (const auto &[name, value] : std::as_const(m_request.headers))
        request.setRawHeader(name, value);
    // No transfer timeout: Qt re-arms it on every chunk, and with a thousand replies in flight the
    // timer list churn alone stalled the event loop (bench_race). The race's deadline covers the
    // race; whoever takes the winner's reply guards the rest of its stream.
    const auto connection = m_request.fairness == RaceRequest::Fairness::Cold ? RouteClient::Connection::Fresh
                                                                                : RouteClient::Connection::Pooled;
    lane.reply = client->send(m_request.method, request, connection);
    QNetworkReply *reply = lane.reply.get();
    connect(reply, &QNetworkReply::socketStartedConnecting, this, [this, index] {
        Lane &l = m_lanes[index];
        if (l.connectStartedAt < 0)
            l.connectStartedAt = now();
        onStarted(index);
    });
    connect(reply, &QNetworkReply::requestSent, this, [this, index] {
        Lane &l = m_lanes[index];
        ++l.sends;
        l.requestSentAt = now();
        if (l.firstSentAt < 0)
            l.firstSentAt = l.requestSentAt;
        onStarted(index);
        if (m_candidate >= 0)
            settle(); // its set-up time is known now
    });
    connect(reply, &QNetworkReply::metaDataChanged, this, [this, index] { onHeaders(index); });
    connect(reply, &QNetworkReply::readyRead, this, [this, index] { onData(index); });
    connect(reply, &QNetworkReply::finished, this, [this, index] { onFinished(index); });
    // Its client went away and took the reply with it (replies are children of its managers).
    connect(reply, &QObject::destroyed, this, [this, index] {
        (void)m_lanes[index].reply.release();
        fail(index, QStringLiteral("the route's client was destroyed during the race"));
    });
}

double Race::now() const
{
    return double(m_clock.nsecsElapsed()) / 1e6;
}

double Race::routeTime(const Lane &lane) const
{
    return now() - (lane.startedAt >= 0 ? lane.startedAt : lane.issuedAt);
}

void Race::onStarted(size_t index)
{
    Lane &lane = m_lanes[index];
    if (lane.startedAt >= 0)
        return;
    lane.startedAt = now();
    lane.outcome.queuedMs = lane.startedAt - lane.issuedAt;
}

void Race::onHeaders(size_t index)
{
    Lane &lane = m_lanes[index];
    if (lane.headersAt >= 0 || !lane.reply)
        return;
    onStarted(index); // a head cannot arrive before the request started
    lane.headersAt = now();
    QNetworkReply *reply = lane.reply.get();
    lane.outcome.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // A 204, a 304 or a HEAD has no body whatever its Content-Length says: complete with 0 bytes.
    lane.expectedLength = bodyFramingOf(m_request.method, lane.outcome.httpStatus, headersOf(*reply)).length;
    // Qt is still inside this reply's head handling: aborting it here would make Qt report its error
    // twice, so a failed lane's reply goes on the next turn (the route is out of the race now).
    const int status = lane.outcome.httpStatus;
    if (status != 0 && (status < 100 || status > 599)) { // not an HTTP status: garbage in HTTP's shape, never a winner
        fail(index, QStringLiteral("status %1 is not an HTTP status").arg(status), true, Drop::Later);
        return;
    }
    if (lane.client) {
        const QString relayError = lane.client->relayOwnError(*reply);
        if (!relayError.isEmpty())
            fail(index, relayError, true, Drop::Later);
    }
}

void Race::onData(size_t index)
{
    Lane &lane = m_lanes[index];
    if (!lane.reply)
        return;
    // Counted, never read: whatever the winner received stays in its reply for the requester.
    const qint64 bytes = lane.reply->bytesAvailable();
    if (bytes <= lane.outcome.bytes)
        return;
    const double t = now();
    if (lane.firstByteAt < 0) {
        lane.firstByteAt = t;
        lane.firstChunkBytes = bytes;
        if (!m_decided)
            lane.outcome.state = model::RouteOutcome::State::Racing; // in overtime it has lost already
    }
    lane.lastByteAt = t;
    lane.outcome.bytes = bytes;
    if (lane.overtime) {
        overtimeData(index);
        return;
    }
    if (lane.reachedAt >= 0)
        return; // a candidate waiting for settle(): its bytes stay in the reply
    if (bytes >= m_request.thresholdBytes) {
        reached(index, false);
        return;
    }
    // Throttled from the data itself rather than a timer per race (see dispatchLane).
    if (t - m_lastProgressAt >= kProgressIntervalMs) {
        m_lastProgressAt = t;
        reportProgress();
    }
}

void Race::onFinished(size_t index)
{
    Lane &lane = m_lanes[index];
    if (!lane.reply)
        return;
    QNetworkReply *reply = lane.reply.get();
    if (!endedIntact(*reply)) {
        fail(index, failureText(*reply));
        return;
    }
    if (lane.headersAt < 0)
        onHeaders(index);
    // Decided: only a loser in overtime still listens (the winner's reply is the requester's).
    if (lane.outcome.state == model::RouteOutcome::State::Failed || (m_decided && !lane.overtime))
        return;
    onData(index);
    if (lane.outcome.state == model::RouteOutcome::State::Failed || (m_decided && !lane.overtime))
        return;
    if (lane.expectedLength >= 0 && lane.outcome.bytes != lane.expectedLength) {
        // Qt 6.4 can end a body cut short with NoError (docs/delivery.md): the length is the truth.
        fail(index, QStringLiteral("the body ended at byte %1 of %2").arg(lane.outcome.bytes).arg(lane.expectedLength));
        return;
    }
    if (lane.overtime)
        overtimeReached(index, true);
    else
        reached(index, true); // the whole body, smaller than the threshold
}

void Race::dropReply(Lane &lane, Drop drop)
{
    if (!lane.reply)
        return;
    QObject::disconnect(lane.reply.get(), nullptr, this, nullptr);
    if (drop == Drop::Later) {
        QNetworkReply *reply = lane.reply.release();
        // Context: the reply itself, so nothing runs if its client took it down meanwhile.
        QTimer::singleShot(0, reply, [reply] { ReplyDeleter{}(reply); });
        return;
    }
    lane.reply.reset(); // aborts a running reply (closing its connection), then deleteLater
}

void Race::fillTimes(Lane &lane)
{
    model::RouteOutcome &o = lane.outcome;
    o.freshConnection = lane.connectStartedAt >= 0 || lane.sends > 1;
    const double setUp = setUpMs(lane);
    o.connectMs = setUp > 0 ? setUp : -1;
    const double base = lane.startedAt >= 0 ? lane.startedAt : lane.issuedAt;
    if (lane.firstByteAt >= 0)
        o.ttfbMs = lane.firstByteAt - base;
    else if (lane.complete && lane.headersAt >= 0)
        o.ttfbMs = lane.headersAt - base; // HEAD or an empty body: the head is the first byte
    const double span = lane.lastByteAt - lane.firstByteAt;
    // The first chunk arrived at firstByteAt: only what came after it measures the rate.
    o.throughputBytesPerSec = span > 0.5 ? double(o.bytes - lane.firstChunkBytes) * 1000.0 / span : 0;
    if (lane.reply && o.httpStatus == 0)
        o.httpStatus = lane.reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

double Race::handicap(const Lane &lane) const
{
    // In a warm race a route that had to open a connection paid for what the others did not.
    return m_request.fairness == RaceRequest::Fairness::Warm ? std::max(0.0, setUpMs(lane)) : 0.0;
}

double Race::setUpMs(const Lane &lane)
{
    if (lane.connectStartedAt >= 0 && lane.requestSentAt >= lane.connectStartedAt)
        return lane.requestSentAt - lane.connectStartedAt;
    // Written to a kept-alive socket the server had closed, then sent again on a new connection:
    // the time from the first write to the one that went through.
    if (lane.sends > 1 && lane.firstSentAt >= 0)
        return lane.requestSentAt - lane.firstSentAt;
    return -1;
}

void Race::reached(size_t index, bool complete)
{
    Lane &lane = m_lanes[index];
    if (m_decided || lane.reachedAt >= 0)
        return;
    lane.reachedAt = routeTime(lane);
    lane.complete = complete;
    if (m_candidate < 0) {
        m_candidate = int(index);
    } else {
        const Lane &best = m_lanes[size_t(m_candidate)];
        if (lane.reachedAt - handicap(lane) < best.reachedAt - handicap(best))
            m_candidate = int(index);
    }
    settle();
}

// The first route to get there wins, on equal terms: in a warm race, a route whose kept-alive
// connection was gone (the server closed it) had to connect first, which the others did not. When
// such a route, already connected, could still get there first once its connect time is taken out,
// the decision waits for it, at most that connect time; otherwise (nearly always) it is made at once.
void Race::settle()
{
    if (m_decided || m_candidate < 0)
        return;
    const Lane &best = m_lanes[size_t(m_candidate)];
    const double bestTime = best.reachedAt - handicap(best);
    double waitMs = 0;
    for (size_t i = 0; i < m_lanes.size(); ++i) {
        const Lane &lane = m_lanes[i];
        if (int(i) == m_candidate || lane.reachedAt >= 0 || lane.outcome.state == model::RouteOutcome::State::Failed)
            continue;
        const double h = handicap(lane);
        if (h > 0) {
            waitMs = std::max(waitMs, bestTime + h - routeTime(lane));
        } else if (m_request.fairness == RaceRequest::Fairness::Warm && lane.connectStartedAt >= 0 &&
                   lane.requestSentAt < lane.connectStartedAt) {
            // Still setting its connection up: how long that takes is known once its request goes out
            // (which settles again). A set-up is a few round trips (TCP, CONNECT, TLS), and a route
            // whose round trip exceeds the best time cannot win: past 4 best times it is not waited for.
            waitMs = std::max(waitMs, kSetUpRoundTrips * bestTime - (now() - lane.connectStartedAt));
        }
    }
    if (waitMs <= 0) {
        win(size_t(m_candidate));
        return;
    }
    if (!m_grace) {
        m_grace = new QTimer(this);
        m_grace->setSingleShot(true);
        m_grace->setTimerType(Qt::PreciseTimer);
        connect(m_grace, &QTimer::timeout, this, &Race::settle);
    }
    m_grace->start(std::max(1, int(std::ceil(waitMs))));
}

void Race::win(size_t index)
{
    if (m_decided)
        return;
    Lane &winner = m_lanes[index];
    winner.outcome.state = model::RouteOutcome::State::Won;
    winner.outcome.timeToThresholdMs = winner.reachedAt >= 0 ? winner.reachedAt : routeTime(winner);
    fillTimes(winner);
    QNetworkReply *reply = winner.reply.get();
    QObject::disconnect(reply, nullptr, this, nullptr);
    connect(reply, &QObject::destroyed, this, [this] { (void)m_winnerReply.release(); });
    m_winnerReply = std::move(winner.reply);

    // Every other route has lost. One that got there too (waited for by settle()) has its time and
    // stops now; one still receiving goes into overtime (overtime.cpp) when there is time for it, or
    // stops now too.
    const double overtimeEnd = std::min(std::max(kOvertimeFactor * now(), kOvertimeFloorMs), double(m_request.timeout.count()));
    const bool overtime = m_request.overtime && overtimeEnd > now();
    for (size_t i = 0; i < m_lanes.size(); ++i) {
        Lane &lane = m_lanes[i];
        if (i == index || lane.outcome.state == model::RouteOutcome::State::Failed)
            continue;
        if (lane.reply)
            lane.outcome.bytes = std::max(lane.outcome.bytes, lane.reply->bytesAvailable());
        lane.outcome.state = model::RouteOutcome::State::Lost;
        if (lane.reachedAt >= 0) {
            lane.outcome.timeToThresholdMs = lane.reachedAt;
        } else if (overtime && lane.reply) {
            lane.overtime = true;
            // Not read past the threshold (what we never read stays in the reply; ours honours it).
            lane.reply->setReadBufferSize(m_request.thresholdBytes);
            continue;
        }
        lane.decidedAt = lane.reachedAt >= 0 ? lane.reachedAt : routeTime(lane);
        fillTimes(lane);
        dropReply(lane);
    }
    if (overtime) {
        m_overtime = new QTimer(this);
        m_overtime->setSingleShot(true);
        m_overtime->setTimerType(Qt::PreciseTimer);
        connect(m_overtime, &QTimer::timeout, this, &Race::endOvertime);
        m_overtime->start(std::max(1, int(std::ceil(overtimeEnd - now()))));
    }
    decide(int(index));
}

void Race::fail(size_t index, const QString &error, bool mayConclude, Drop drop)
{
    Lane &lane = m_lanes[index];
    if (m_finished || lane.outcome.state == model::RouteOutcome::State::Failed)
        return;
    if (m_decided && !lane.overtime)
        return;
    lane.overtime = false;
    if (lane.reply)
        lane.outcome.bytes = std::max(lane.outcome.bytes, lane.reply->bytesAvailable());
    lane.outcome.state = model::RouteOutcome::State::Failed;
    lane.outcome.error = error.isEmpty() ? QStringLiteral("failed") : error;
    lane.decidedAt = routeTime(lane);
    fillTimes(lane);
    dropReply(lane, drop);
    log::get("race")->debug("race {}: route {} failed: {}", m_result.object.toStdString(),
                            lane.outcome.routeId.toStdString(), lane.outcome.error.toStdString());
    if (m_decided) {
        overtimeCheck(); // a loser that failed in overtime: its state says so
        return;
    }
    if (!mayConclude)
        return;
    if (m_candidate >= 0) {
        settle(); // a route waited for is out
        return;
    }
    const bool allFailed = std::all_of(m_lanes.cbegin(), m_lanes.cend(), [](const Lane &l) {
        return l.outcome.state == model::RouteOutcome::State::Failed;
    });
    if (allFailed)
        decide(-1);
}

void Race::onTimeout()
{
    if (m_candidate >= 0) {
        win(size_t(m_candidate)); // one got there: the routes still waited for are out of time
        return;
    }
    for (size_t i = 0; i < m_lanes.size(); ++i) {
        const Lane &lane = m_lanes[i];
        if (lane.outcome.state == model::RouteOutcome::State::Failed)
            continue;
        fail(i,
             QStringLiteral("no winner within %1 ms (%2 of %3 bytes received)")
                 .arg(m_request.timeout.count())
                 .arg(lane.reply ? std::max(lane.outcome.bytes, lane.reply->bytesAvailable()) : lane.outcome.bytes)
                 .arg(m_request.thresholdBytes),
             false);
    }
    decide(-1);
}

void Race::reportProgress()
{
    const QPointer<Race> alive(this);
    for (Lane &lane : m_lanes) {
        if (lane.outcome.bytes == lane.reportedBytes)
            continue;
        lane.reportedBytes = lane.outcome.bytes;
        const QString routeId = lane.outcome.routeId;
        Q_EMIT progress(routeId, lane.outcome.bytes, m_request.thresholdBytes);
        if (!alive)
            return;
    }
}

ReplyPtr Race::takeWinnerReply()
{
    if (m_winnerReply)
        QObject::disconnect(m_winnerReply.get(), nullptr, this, nullptr);
    return std::move(m_winnerReply);
}

} // namespace relayrace::race
