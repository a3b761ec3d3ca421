// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "delivery/delivery.h"

#include "delivery/failurereason.h"
#include "delivery/oneshotbody.h"
#include "delivery/outgoingrequest.h"
#include "delivery/resumevalidator.h"
#include "log/logging.h"

#include <QIODevice>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace relayrace::delivery {
namespace {

// RFC 6298's smoothing of round-trip samples: the estimate follows a route without jumping on one sample.
constexpr double kSmoothing = 0.125;

} // namespace

Delivery::Delivery(DeliveryRequest request, QIODevice *sink, QObject *parent)
    : QObject(parent), m_request(std::move(request)), m_sink(sink)
{
}

Delivery::~Delivery()
{
    // Aborting emits the reply's signals at once: nothing of ours may still listen to them.
    if (m_reply)
        QObject::disconnect(m_reply.get(), nullptr, this, nullptr);
}

Result<void> Delivery::prepare()
{
    if (m_started)
        return makeError(QStringLiteral("this delivery has already been started"));
    if (m_request.routes.isEmpty())
        return makeError(QStringLiteral("a delivery needs at least one route"));
    if (std::any_of(m_request.routes.cbegin(), m_request.routes.cend(), [](const auto *r) { return !r; }))
        return makeError(QStringLiteral("a route of the delivery is null"));
    const QUrl &url = m_request.url;
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") || url.host().isEmpty())
        return makeError(QStringLiteral("'%1' is not an http or https URL").arg(url.toString()));
    if (!m_sink || !m_sink->isWritable())
        return makeError(QStringLiteral("the delivery's output is not open for writing"));
    if (m_request.method.isEmpty())
        return makeError(QStringLiteral("the request has no method"));
    if (m_request.timeout.count() < 1)
        return makeError(QStringLiteral("the timeout must be positive"));

    m_started = true;
    m_clock.start();
    m_ttfb = m_request.stall.smoothedTtfbMs;
    m_requestText = QString::fromLatin1(m_request.method) + u' ' + url.path(QUrl::FullyEncoded) +
                    (url.hasQuery() ? u'?' + url.query(QUrl::FullyEncoded) : QString());
    m_stallTimer = new QTimer(this);
    m_stallTimer->setSingleShot(true);
    m_stallTimer->setTimerType(Qt::PreciseTimer); // the bound is a few hundred ms: 5 % slack would show
    connect(m_stallTimer, &QTimer::timeout, this, &Delivery::onStall);
    m_deadline = new QTimer(this);
    m_deadline->setSingleShot(true);
    connect(m_deadline, &QTimer::timeout, this, &Delivery::onDeadline);
    m_deadline->start(m_request.timeout);
    connect(m_sink, &QIODevice::bytesWritten, this, &Delivery::onSinkDrained);
    m_routeIndex = 0;
    return {};
}

Result<void> Delivery::start()
{
    if (Result<void> ready = prepare(); !ready)
        return ready;
    // Not from inside start(): the caller hears of every outcome on the event loop.
    QMetaObject::invokeMethod(this, &Delivery::startAttempt, Qt::QueuedConnection);
    return {};
}

Result<void> Delivery::startWith(race::ReplyPtr running)
{
    if (!running)
        return makeError(QStringLiteral("startWith() needs a running reply"));
    if (m_request.method != "GET" && m_request.method != "HEAD")
        return makeError(QStringLiteral("only a GET or HEAD reply can be taken over"));
    if (Result<void> ready = prepare(); !ready)
        return ready;
    m_running = std::move(running);
    QMetaObject::invokeMethod(this, &Delivery::adoptRunning, Qt::QueuedConnection);
    return {};
}

void Delivery::adoptRunning()
{
    if (m_finished || !m_running)
        return;
    DeliveryAttempt a;
    a.route = currentRoute();
    m_result.attempts.append(a);
    m_issuedAt = now();
    m_requestWritten = true; // it was sent by whoever started it
    m_adopted = true;
    m_reply = std::move(m_running);
    watchReply();
    armStallTimer();
    // What already happened to it: its head, body bytes, its end.
    if (m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 0)
        onHead();
    onData();
    if (m_reply && !m_finished && m_reply->isFinished())
        onReplyFinished();
}

void Delivery::cancel(const QString &why)
{
    if (!m_finished)
        finish(false, why);
}

double Delivery::now() const
{
    return double(m_clock.nsecsElapsed()) / 1e6;
}

QString Delivery::currentRoute() const
{
    if (m_routeIndex < 0 || m_routeIndex >= m_request.routes.size())
        return {};
    return m_request.routes.at(m_routeIndex)->routeId();
}

DeliveryAttempt &Delivery::attempt()
{
    return m_result.attempts.last();
}

double StallSettings::boundMs(double smoothedTtfb) const
{
    if (smoothedTtfb <= 0)
        return std::max<double>(initialMs, floorMs);
    return std::max(multiplier * smoothedTtfb, double(floorMs));
}

double Delivery::stallBoundMs(const QString &routeId) const
{
    return m_request.stall.boundMs(m_ttfb.value(routeId, -1));
}

bool Delivery::resendable() const
{
    const QByteArray &m = m_request.method;
    if (m == "PUT" || m == "DELETE")
        return m_request.resendWrites;
    return isIdempotentMethod(m);
}

bool Delivery::mayResendAfterWriting() const
{
    if (m_request.bodyPipe) // streamed: what a route took of it is gone
        return m_request.bodyPipe->taken() == 0 && !m_request.bodyPipe->atEnd();
    return resendable() || !(m_requestWritten || m_uploadStarted);
}

void Delivery::armStallTimer()
{
    if (!m_stallTimer || m_finished)
        return;
    // A request that may have reached the origin and must not be sent twice is never given up on by
    // a stall bound (aborting it would not undo it, and a resend would run beside it): the
    // delivery's own timeout applies.
    if (!mayResendAfterWriting()) {
        m_stallTimer->stop();
        return;
    }
    m_stallTimer->start(int(std::ceil(stallLimitMs())));
}

bool Delivery::onLastRoute() const
{
    return m_routeIndex + 1 >= m_request.routes.size();
}

double Delivery::stallLimitMs() const
{
    const double bound = stallBoundMs(currentRoute());
    // A tail check only asks whether the body ended: its bound stays the route's.
    if (!onLastRoute() || m_tailCheck)
        return bound;
    return std::max(bound, double(m_request.stall.lastRouteMs));
}

void Delivery::startAttempt()
{
    if (m_finished)
        return;
    race::RouteClient *client = m_request.routes.at(m_routeIndex);
    m_headSeen = m_headAccepted = m_requestWritten = m_uploadStarted = m_adopted = false;
    m_replyDone = m_waitingForSink = false;
    m_skip = 0;
    m_requestSentAt = -1;
    m_issuedAt = now();
    m_expectedEnd = -1;
    DeliveryAttempt a;
    a.route = client->routeId();
    a.rangeStart = m_rangeStart;
    m_result.attempts.append(a);
    if (!client->configurationError().isEmpty()) {
        routeFailed({QStringLiteral("relay_error"), client->configurationError(), true});
        return;
    }

    const bool keepRange = m_rangeStart < 0; // a resume or a tail check asks for its own range
    QNetworkRequest request =
        outgoingRequest(m_request, keepRange, m_rangeStart, m_rangeStart >= 0 ? m_validator->ifRange() : QByteArray());
    // A request with a body that is not safe to repeat (POST, PUT, DELETE even when the provider
    // allows this delivery to resend it) is handed to Qt as a body it cannot rewind: Qt 6.4 would
    // otherwise send it again by itself, on the same route, when its connection drops before the
    // answer (OneShotBody). Only this delivery decides about sending again.
    const QByteArray &m = m_request.method;
    if (m_request.bodyPipe) {
        request.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
        request.setHeader(QNetworkRequest::ContentLengthHeader, m_request.bodyPipe->length());
        auto *body = new StreamedBody(m_request.bodyPipe);
        m_reply = client->send(m_request.method, request, race::RouteClient::Connection::Pooled, body);
        body->setParent(m_reply.get());
    } else if (m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE") {
        m_reply = client->send(m_request.method, request, race::RouteClient::Connection::Pooled, m_request.body);
    } else {
        request.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
        request.setHeader(QNetworkRequest::ContentLengthHeader, m_request.body.size());
        auto *body = new OneShotBody(m_request.body);
        m_reply = client->send(m_request.method, request, race::RouteClient::Connection::Pooled, body);
        body->setParent(m_reply.get()); // Qt reads it until the reply is done
    }
    watchReply();
    // The stall bound starts when the route has the request: its connection starts (a new one), or
    // the request is written (a kept-alive one). Not before: a request waiting in Qt's queue for one
    // of the route's connections (6 per host and manager) is not the route being silent; under load
    // that wait alone passed the bound and failed healthy routes (1,000 wrk clients, 502s).
}

void Delivery::watchReply()
{
    QNetworkReply *reply = m_reply.get();
    connect(reply, &QNetworkReply::socketStartedConnecting, this, &Delivery::armStallTimer);
    connect(reply, &QNetworkReply::encrypted, this, &Delivery::armStallTimer);
    connect(reply, &QNetworkReply::uploadProgress, this, [this](qint64 sent, qint64) {
        m_uploadStarted = m_uploadStarted || sent > 0;
        armStallTimer();
    });
    connect(reply, &QNetworkReply::requestSent, this, [this] {
        m_requestWritten = true;
        m_requestSentAt = now();
        armStallTimer();
    });
    reply->setReadBufferSize(kReadBufferBytes); // Qt stops reading the route while we wait for the sink
    connect(reply, &QNetworkReply::metaDataChanged, this, &Delivery::onHead);
    connect(reply, &QNetworkReply::readyRead, this, &Delivery::onData);
    connect(reply, &QNetworkReply::finished, this, &Delivery::onReplyFinished);
    // The route's client went away and took the reply with it (replies are children of its managers).
    connect(reply, &QObject::destroyed, this, [this] {
        (void)m_reply.release();
        routeFailed({QStringLiteral("reset"), QStringLiteral("the route's client was destroyed"), false});
    });
}

void Delivery::onHead()
{
    if (m_headSeen || !m_reply || m_finished)
        return;
    QNetworkReply &reply = *m_reply;
    const int status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return; // not a response head yet
    m_headSeen = true;
    const QString route = currentRoute();
    if (!m_adopted) { // an adopted reply's head arrived before this delivery knew of it: no sample
        const double sample = now() - (m_requestSentAt >= 0 ? m_requestSentAt : m_issuedAt);
        const double previous = m_ttfb.value(route, -1);
        m_ttfb.insert(route, previous > 0 ? (1 - kSmoothing) * previous + kSmoothing * sample : sample);
        attempt().ttfbMs = sample;
    }
    attempt().httpStatus = status;
    const RawHeaders headers = race::headersOf(reply);
    const race::RouteClient *client = m_request.routes.at(m_routeIndex);
    if (const QString relayError = client->relayOwnError(reply); !relayError.isEmpty()) {
        routeFailed({QStringLiteral("relay_error"), relayError, false});
        return;
    }
    if (status < 100 || status > 599) {
        // Not an HTTP status (RFC 9110 section 15): a relay answering garbage in HTTP's shape, never
        // an answer to pass on (a relay's "999" reached clients as a 200-like success).
        routeFailed({QStringLiteral("protocol"), QStringLiteral("%1 answered status %2, which is not an HTTP status")
                                                     .arg(route).arg(status), false});
        return;
    }
    if (m_rangeStart >= 0) {
        attempt().contentRange = headerValue(headers, "Content-Range");
        const ResumeCheck check = checkResume(*m_validator, m_rangeStart, status, headers);
        if (m_tailCheck) {
            tailChecked(check, route + u": " + check.detail);
            return;
        }
        if (!check.ok()) {
            resumeRefused(check.reason, route + u": " + check.detail);
            return;
        }
        m_headAccepted = true;
        recovered();
        if (check.complete) { // the route that failed had delivered the whole body after all
            m_lengthVerified = true;
            finish(true, QString());
            return;
        }
        m_validator->totalLength = check.total;
        m_expectedEnd = check.total;
        m_skip = check.skipToOffset ? m_rangeStart : 0;
    } else {
        m_result.httpStatus = status;
        m_result.headers = headers;
        // A relay on a plain http route may write its own Date: only the origin's dates a Last-Modified.
        const bool dateFromOrigin = client->isDirect() || m_request.url.scheme() == u"https";
        m_validator = std::make_unique<ResumeValidator>(
            resumeValidatorOf(m_request.method, status, headers, dateFromOrigin));
        m_framing = race::bodyFramingOf(m_request.method, status, headers);
        m_hashing = m_request.hashBody || !reprDigestSha256(headers).isEmpty();
        m_expectedEnd = m_framing.length;
        m_headAccepted = true;
        recovered();
    }
    armStallTimer();
}

void Delivery::onData()
{
    if (!m_reply || m_finished)
        return;
    if (!m_headSeen)
        onHead();
    if (!m_headAccepted || !m_reply || m_finished)
        return; // refused above: its bytes are not the body the consumer is getting
    for (;;) {
        const qint64 available = m_reply->bytesAvailable();
        if (available == 0)
            break; // (before asking the sink: a ResponseStream wakes a writer told of a backlog)
        const qint64 room = kSinkHighWater - (m_sink ? m_sink->bytesToWrite() : 0);
        if (room <= 0) {
            // The consumer is behind: wait for it (bytesWritten), not for the route.
            m_waitingForSink = true;
            m_stallTimer->stop();
            return;
        }
        // No more than is there: QIODevice::read(n) allocates n bytes whatever it then reads.
        QByteArray data = m_reply->read(std::min(available, room));
        if (m_skip > 0) { // a whole body answering a Range request: its first bytes are the consumer's already
            const qint64 n = std::min<qint64>(m_skip, data.size());
            data.remove(0, n);
            m_skip -= n;
            armStallTimer();
        }
        if (data.isEmpty())
            break;
        if (m_expectedEnd >= 0 && m_delivered + data.size() > m_expectedEnd) {
            routeFailed({QStringLiteral("protocol"),
                         QStringLiteral("%1 sent more than the %2 bytes the response announced")
                             .arg(currentRoute())
                             .arg(m_expectedEnd),
                         false});
            return;
        }
        if (!m_headCommitted)
            commitHead();
        const qint64 written = m_sink ? m_sink->write(data) : -1;
        if (written != data.size()) {
            finish(false, QStringLiteral("cannot write the body to the output: %1")
                              .arg(m_sink ? m_sink->errorString() : QStringLiteral("it was closed")));
            return;
        }
        if (m_hashing)
            m_hash.addData(data);
        m_delivered += data.size();
        attempt().bytes += data.size();
        armStallTimer();
        Q_EMIT progress(m_delivered, m_expectedEnd);
    }
    if (m_replyDone && m_reply->bytesAvailable() == 0)
        replyComplete();
}

void Delivery::onSinkDrained()
{
    if (!m_waitingForSink || m_finished)
        return;
    m_waitingForSink = false;
    armStallTimer();
    onData();
}

void Delivery::commitHead()
{
    m_headCommitted = true;
    Q_EMIT headCommitted(m_result.httpStatus, m_result.headers, race::framingName(m_framing.kind), m_framing.length);
}

void Delivery::onReplyFinished()
{
    if (!m_reply || m_finished)
        return;
    QNetworkReply &reply = *m_reply;
    if (!race::endedIntact(reply)) {
        // Qt's only word for a request it declined to send again (OneShotBody) is "Unknown error".
        const QString what = reply.error() == QNetworkReply::ContentReSendError
                                 ? QStringLiteral("the connection closed before the response head")
                                 : race::failureText(reply);
        routeFailed({failureReason(reply.error()), currentRoute() + u": " + what,
                     certainlyNotSent(reply.error(), m_requestWritten)});
        return;
    }
    m_replyDone = true;
    onData(); // completes the reply once the sink took its last bytes (replyComplete)
}

void Delivery::replyComplete()
{
    if (!m_reply || m_finished || !m_headAccepted)
        return;
    m_replyDone = false;
    if (m_expectedEnd < 0) {
        endOfUnknownLength();
        return;
    }
    if (m_delivered < m_expectedEnd) {
        // Qt 6.4 can end a body that the connection cut short without an error (docs/delivery.md):
        // the length is the truth.
        routeFailed({QStringLiteral("reset"),
                     QStringLiteral("%1: the body ended at byte %2 of %3").arg(currentRoute()).arg(m_delivered).arg(m_expectedEnd),
                     false});
        return;
    }
    m_lengthVerified = true;
    finish(true, QString());
}

void Delivery::onStall()
{
    if (m_finished || !m_reply)
        return;
    const double bound = stallBoundMs(currentRoute());
    const double limit = stallLimitMs();
    // Before the response head it is the route (connection, relay, request) that does not answer;
    // after it, the body that stopped moving.
    const QString reason = m_headAccepted ? QStringLiteral("stall") : QStringLiteral("timeout");
    const QString what = m_headAccepted ? QStringLiteral("no body bytes") : QStringLiteral("no response");
    const QString which = limit > bound ? QStringLiteral("the read timeout of the last route left")
                                        : QStringLiteral("the stall bound of this route");
    routeFailed({reason, QStringLiteral("%1: %2 for %3 ms (%4)").arg(currentRoute(), what).arg(qRound(limit)).arg(which),
                 false});
}

void Delivery::onDeadline()
{
    if (m_finished)
        return;
    finish(false, QStringLiteral("the delivery did not complete within %1 ms (%2 of %3 bytes delivered)")
                      .arg(m_request.timeout.count())
                      .arg(m_delivered)
                      .arg(m_expectedEnd >= 0 ? QString::number(m_expectedEnd) : QStringLiteral("?")));
}

} // namespace relayrace::delivery
