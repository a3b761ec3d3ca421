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

RawHeaders headersOf(const QNetworkReply &reply)
{
    RawHeaders out;
    for (const auto &[name, value] : reply.rawHeaderPairs())
        out.append({name, value});
    return out;
}

bool hasBody(const QByteArray &method, int status)
{
    return method != "HEAD" && status >= 200 && status != 204 && status != 304;
}

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

Result<void> Delivery::start()
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
    if (const auto &c = m_request.continuation) {
        if (m_request.method != "GET" && m_request.method != "HEAD")
            return makeError(QStringLiteral("only a GET or HEAD body can be continued"));
        if (c->offset < 0 || c->httpStatus <= 0 || c->fromRoute.isEmpty())
            return makeError(QStringLiteral("a continuation needs an offset, the response head and the failed route"));
    }

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
    m_routeIndex = 0;
    // Not from inside start(): the caller hears of every outcome on the event loop.
    QMetaObject::invokeMethod(this, m_request.continuation ? &Delivery::continueBody : &Delivery::startAttempt,
                              Qt::QueuedConnection);
    return {};
}

void Delivery::continueBody()
{
    if (m_finished)
        return;
    // The body is in the state this delivery would be in after its own route failed: the same
    // rules then decide between resuming, restarting and giving up.
    const DeliveryContinuation &c = *m_request.continuation;
    m_delivered = c.offset;
    m_result.firstByte = c.offset;
    m_result.httpStatus = c.httpStatus;
    m_result.headers = c.headers;
    m_validator = std::make_unique<ResumeValidator>(resumeValidatorOf(m_request.method, c.httpStatus, c.headers));
    DeliveryAttempt started; // the failed route's request, as an attempt: the attempts' bytes add up
    started.route = c.fromRoute;
    started.httpStatus = c.httpStatus;
    started.bytes = c.offset;
    started.error = c.detail;
    m_result.attempts.append(started);
    m_routeErrors.append(c.detail);
    m_routeIndex = -1; // the next route is the first of the list
    failOver(c.fromRoute, {c.reason, c.detail, false});
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

void Delivery::armStallTimer()
{
    if (m_stallTimer && !m_finished)
        m_stallTimer->start(int(std::ceil(stallBoundMs(currentRoute()))));
}

void Delivery::startAttempt()
{
    if (m_finished)
        return;
    race::RouteClient *client = m_request.routes.at(m_routeIndex);
    m_headSeen = m_headAccepted = m_requestWritten = false;
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

    QNetworkRequest request =
        outgoingRequest(m_request, m_rangeStart, m_rangeStart >= 0 ? m_validator->ifRange() : QByteArray());
    if (isIdempotentMethod(m_request.method)) {
        m_reply = client->send(m_request.method, request, race::RouteClient::Connection::Pooled, m_request.body);
    } else {
        request.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
        request.setHeader(QNetworkRequest::ContentLengthHeader, m_request.body.size());
        auto *body = new OneShotBody(m_request.body);
        m_reply = client->send(m_request.method, request, race::RouteClient::Connection::Pooled, body);
        body->setParent(m_reply.get()); // Qt reads it until the reply is done
    }
    QNetworkReply *reply = m_reply.get();
    connect(reply, &QNetworkReply::socketStartedConnecting, this, &Delivery::armStallTimer);
    connect(reply, &QNetworkReply::encrypted, this, &Delivery::armStallTimer);
    connect(reply, &QNetworkReply::uploadProgress, this, &Delivery::armStallTimer);
    connect(reply, &QNetworkReply::requestSent, this, [this] {
        m_requestWritten = true;
        m_requestSentAt = now();
        armStallTimer();
    });
    connect(reply, &QNetworkReply::metaDataChanged, this, &Delivery::onHead);
    connect(reply, &QNetworkReply::readyRead, this, &Delivery::onData);
    connect(reply, &QNetworkReply::finished, this, &Delivery::onReplyFinished);
    // The route's client went away and took the reply with it (replies are children of its managers).
    connect(reply, &QObject::destroyed, this, [this] {
        (void)m_reply.release();
        routeFailed({QStringLiteral("reset"), QStringLiteral("the route's client was destroyed"), false});
    });
    armStallTimer();
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
    const double sample = now() - (m_requestSentAt >= 0 ? m_requestSentAt : m_issuedAt);
    const double previous = m_ttfb.value(route, -1);
    m_ttfb.insert(route, previous > 0 ? (1 - kSmoothing) * previous + kSmoothing * sample : sample);
    attempt().ttfbMs = sample;
    attempt().httpStatus = status;
    const RawHeaders headers = headersOf(reply);

    if (!m_request.routes.at(m_routeIndex)->isDirect()) {
        const QString relayError = race::relayOwnError(reply);
        if (!relayError.isEmpty()) {
            routeFailed({QStringLiteral("relay_error"), relayError, false});
            return;
        }
    }
    if (m_rangeStart >= 0) {
        attempt().contentRange = headerValue(headers, "Content-Range");
        const ResumeCheck check = checkResume(*m_validator, m_rangeStart, status, headers);
        if (!check.ok()) {
            resumeRefused(check.reason, route + u": " + check.detail);
            return;
        }
        m_expectedEnd = m_validator->totalLength;
    } else {
        m_result.httpStatus = status;
        m_result.headers = headers;
        m_validator = std::make_unique<ResumeValidator>(resumeValidatorOf(m_request.method, status, headers));
        const QVariant length = reply.header(QNetworkRequest::ContentLengthHeader);
        m_expectedEnd = hasBody(m_request.method, status) && length.isValid() ? length.toLongLong() : -1;
        if (!hasBody(m_request.method, status))
            m_expectedEnd = 0;
    }
    m_headAccepted = true;
    recovered();
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
    const QByteArray data = m_reply->readAll();
    if (data.isEmpty())
        return;
    if (m_expectedEnd >= 0 && m_delivered + data.size() > m_expectedEnd) {
        routeFailed({QStringLiteral("protocol"),
                     QStringLiteral("%1 sent more than the %2 bytes the response announced")
                         .arg(currentRoute())
                         .arg(m_expectedEnd),
                     false});
        return;
    }
    const qint64 written = m_sink ? m_sink->write(data) : -1;
    if (written != data.size()) {
        finish(false, QStringLiteral("cannot write the body to the output: %1")
                          .arg(m_sink ? m_sink->errorString() : QStringLiteral("it was closed")));
        return;
    }
    m_hash.addData(data);
    m_delivered += data.size();
    attempt().bytes += data.size();
    armStallTimer();
    Q_EMIT progress(m_delivered, m_expectedEnd);
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
                                 : reply.errorString();
        routeFailed({failureReason(reply.error()), currentRoute() + u": " + what,
                     certainlyNotSent(reply.error(), m_requestWritten)});
        return;
    }
    onData();
    if (!m_reply || m_finished || !m_headAccepted)
        return;
    if (m_expectedEnd >= 0 && m_delivered < m_expectedEnd) {
        // Qt can end a body that the connection cut short without an error: the length is the truth.
        routeFailed({QStringLiteral("reset"),
                     QStringLiteral("%1: the body ended at byte %2 of %3").arg(currentRoute()).arg(m_delivered).arg(m_expectedEnd),
                     false});
        return;
    }
    finish(true, QString());
}

void Delivery::onStall()
{
    if (m_finished || !m_reply)
        return;
    const double bound = stallBoundMs(currentRoute());
    // Before the response head it is the route (connection, relay, request) that does not answer;
    // after it, the body that stopped moving.
    const QString reason = m_headAccepted ? QStringLiteral("stall") : QStringLiteral("timeout");
    const QString what = m_headAccepted ? QStringLiteral("no body bytes") : QStringLiteral("no response");
    routeFailed({reason,
                 QStringLiteral("%1: %2 for %3 ms (the stall bound of this route)")
                     .arg(currentRoute(), what)
                     .arg(qRound(bound)),
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

void Delivery::dropReply()
{
    if (!m_reply)
        return;
    QObject::disconnect(m_reply.get(), nullptr, this, nullptr);
    QNetworkReply *reply = m_reply.release();
    // Often called from inside one of the reply's own signals (its head, its data): aborting it there
    // would make Qt report twice. It goes on the next turn; context the reply itself, in case its
    // client takes it down first.
    QTimer::singleShot(0, reply, [reply] { race::ReplyDeleter{}(reply); });
}

void Delivery::emitEvent(model::FailoverEvent event)
{
    m_result.failovers.append(event);
    log::get("delivery")->info("failover {} {}: {} -> {} ({}, {} B delivered, {}): {}", event.provider.toStdString(),
                               event.request.toStdString(), event.fromRoute.toStdString(),
                               event.toRoute.isEmpty() ? "none" : event.toRoute.toStdString(),
                               event.reason.toStdString(), event.bytesDelivered,
                               outcomeName(event.outcome).toStdString(), event.detail.toStdString());
    Q_EMIT failover(event);
}

void Delivery::recovered()
{
    if (!m_pending)
        return;
    model::FailoverEvent event = *m_pending;
    m_pending.reset();
    event.toRoute = currentRoute();
    event.outcome = m_rangeStart >= 0 ? model::FailoverEvent::Outcome::Resumed : model::FailoverEvent::Outcome::Restarted;
    event.resumeOffset = m_rangeStart;
    event.recoverMs = now() - m_pendingSince;
    emitEvent(event);
}

void Delivery::resumeRefused(const QString &reason, const QString &detail)
{
    // The next route answered, but not with the rest of this body: bytes are out, nothing can fix it.
    dropReply();
    m_stallTimer->stop();
    attempt().error = detail;
    const QString route = currentRoute();
    if (m_pending) {
        model::FailoverEvent event = *m_pending;
        m_pending.reset();
        event.toRoute = route;
        event.detail = event.reason + u": " + event.detail + QStringLiteral("; then ") + detail;
        event.reason = reason;
        event.outcome = model::FailoverEvent::Outcome::Failed;
        emitEvent(event);
    }
    finish(false, QStringLiteral("%1 of the body's bytes were delivered and the rest cannot be resumed: %2")
                      .arg(m_delivered)
                      .arg(detail));
}

void Delivery::routeFailed(const Failure &failure)
{
    if (m_finished)
        return;
    dropReply();
    m_stallTimer->stop();
    const QString route = currentRoute();
    attempt().error = failure.detail;
    m_routeErrors.append(failure.detail);
    log::get("delivery")->debug("delivery {}: route {} failed ({}): {}", m_requestText.toStdString(),
                                route.toStdString(), failure.reason.toStdString(), failure.detail.toStdString());

    if (m_pending) {
        // The route that was to take over failed before its first byte.
        model::FailoverEvent event = *m_pending;
        m_pending.reset();
        event.toRoute = route;
        event.detail += QStringLiteral("; then ") + failure.detail;
        event.outcome = model::FailoverEvent::Outcome::Failed;
        emitEvent(event);
    }
    failOver(route, failure);
}

void Delivery::failOver(const QString &fromRoute, const Failure &failure)
{
    model::FailoverEvent event;
    event.at = QDateTime::currentDateTimeUtc();
    event.provider = m_request.provider;
    event.request = m_requestText;
    event.fromRoute = fromRoute;
    event.reason = failure.reason;
    event.detail = failure.detail;
    event.bytesDelivered = m_delivered;
    const int next = m_routeIndex + 1;
    const bool hasNext = next < m_request.routes.size();

    QString stop;
    if (!isIdempotentMethod(m_request.method) && !failure.neverLeft) {
        stop = QStringLiteral("%1 was not sent again on another route: it is not idempotent and may have "
                              "reached the origin (%2)")
                   .arg(QString::fromLatin1(m_request.method), failure.detail);
    } else if (m_delivered > 0 && !m_validator->resumable()) {
        event.reason = QStringLiteral("not_resumable");
        event.detail = failure.reason + u": " + failure.detail + QStringLiteral("; the body cannot be resumed: ") +
                       m_validator->whyNot;
        stop = QStringLiteral("%1 (%2 bytes already delivered; the body cannot be resumed: %3)")
                   .arg(failure.detail)
                   .arg(m_delivered)
                   .arg(m_validator->whyNot);
    } else if (!hasNext) {
        stop = QStringLiteral("every route failed: ") + m_routeErrors.join(QStringLiteral("; "));
    }
    if (!stop.isEmpty()) {
        event.outcome = model::FailoverEvent::Outcome::Failed;
        emitEvent(event);
        finish(false, stop);
        return;
    }
    if (m_delivered > 0) {
        m_rangeStart = m_delivered;
    } else {
        // Nothing reached the consumer: the next route starts the response afresh.
        m_rangeStart = -1;
        m_validator.reset();
        m_result.httpStatus = 0;
        m_result.headers.clear();
    }
    m_pending = event;
    m_pendingSince = now();
    m_routeIndex = next;
    startAttempt();
}

void Delivery::finish(bool ok, const QString &error)
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_stallTimer)
        m_stallTimer->stop();
    if (m_deadline)
        m_deadline->stop();
    dropReply();
    if (m_pending) {
        model::FailoverEvent event = *m_pending;
        m_pending.reset();
        event.toRoute = currentRoute();
        event.detail += QStringLiteral("; then ") + error;
        event.outcome = model::FailoverEvent::Outcome::Failed;
        emitEvent(event);
    }
    m_result.ok = ok;
    m_result.error = ok ? QString() : error;
    m_result.route = ok ? currentRoute() : QString();
    m_result.bytes = m_delivered; // a continuation's offset included; sha256 from firstByte
    m_result.sha256 = QString::fromLatin1(m_hash.result().toHex());
    m_result.elapsedMs = now();
    m_result.smoothedTtfbMs = m_ttfb;
    if (!ok && !m_result.attempts.isEmpty() && attempt().error.isEmpty())
        attempt().error = error;
    auto logger = log::get("delivery");
    if (ok)
        logger->info("delivery {} {}: {} B over {} in {:.1f} ms ({} failover(s))", m_request.provider.toStdString(),
                     m_requestText.toStdString(), m_delivered, m_result.route.toStdString(), m_result.elapsedMs,
                     m_result.failovers.size());
    else
        logger->warn("delivery {} {}: {}", m_request.provider.toStdString(), m_requestText.toStdString(),
                     error.toStdString());
    Q_EMIT finished(m_result);
}

} // namespace relayrace::delivery
