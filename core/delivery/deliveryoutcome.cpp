// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Delivery's outcomes: a route's failure and the failover it leads to, the check past the end of a
// body of unknown length, and the end of the delivery (delivery.cpp runs the attempts).
#include "delivery/delivery.h"

#include "delivery/failurereason.h"
#include "delivery/resumevalidator.h"
#include "log/logging.h"

#include <QIODevice>
#include <QNetworkReply>
#include <QTimer>

namespace relayrace::delivery {

void Delivery::endOfUnknownLength()
{
    // A chunked or close-delimited body ended as far as Qt says, and Qt 6.4 says so after a reset
    // too. Where the origin allows it, a Range request just past the end tells: 416 "bytes */K" is a
    // complete body, a 206 is the rest of a body that was cut short (then resumed from it).
    if (m_request.method == "GET" && m_validator && m_validator->resumable()) {
        dropReply();
        m_stallTimer->stop();
        m_tailCheck = true;
        m_rangeStart = m_delivered;
        m_pendingSince = now();
        startAttempt();
        return;
    }
    finish(true, QString()); // complete as far as anyone can tell; lengthVerified stays false
}

void Delivery::tailChecked(const ResumeCheck &check, const QString &detail)
{
    m_tailCheck = false;
    if (check.complete) {
        m_lengthVerified = true;
        finish(true, QString());
        return;
    }
    if (!check.ok()) {
        log::get("delivery")->info("delivery {}: the end of a {} body could not be checked: {}",
                                   m_requestText.toStdString(), race::framingName(m_framing.kind).toStdString(),
                                   detail.toStdString());
        finish(true, QString());
        return;
    }
    // The origin has more: the connection that "ended" the body had cut it short.
    model::FailoverEvent event;
    event.at = QDateTime::currentDateTimeUtc();
    event.provider = m_request.provider;
    event.request = m_requestText;
    event.client = m_request.client;
    event.requestId = m_request.requestId;
    event.fromRoute = currentRoute();
    event.reason = QStringLiteral("reset");
    event.detail = QStringLiteral("%1: the %2 body ended at byte %3, but the origin has %4 bytes (a Range request "
                                  "past the end found the rest)")
                       .arg(currentRoute(), race::framingName(m_framing.kind))
                       .arg(m_delivered)
                       .arg(check.total);
    event.bytesDelivered = m_delivered;
    m_pending = event;
    m_validator->totalLength = check.total;
    m_expectedEnd = check.total;
    m_headAccepted = true;
    recovered();
    armStallTimer();
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
    if (m_tailCheck) { // only the check failed, not the body
        tailChecked({failure.reason, failure.detail, -1, false}, failure.detail);
        return;
    }
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
    event.client = m_request.client;
    event.requestId = m_request.requestId;
    event.fromRoute = fromRoute;
    event.reason = failure.reason;
    event.detail = failure.detail;
    event.bytesDelivered = m_delivered;
    const int next = m_routeIndex + 1;
    const bool hasNext = next < m_request.routes.size();

    QString stop;
    if (m_request.bodyPipe && m_request.bodyPipe->taken() > 0) {
        stop = QStringLiteral("%1 was not sent again on another route: %2 bytes of its body streamed to %3 already (%4)")
                   .arg(QString::fromLatin1(m_request.method))
                   .arg(m_request.bodyPipe->taken())
                   .arg(fromRoute, failure.detail);
    } else if (!resendable() && !failure.neverLeft) {
        const bool write = m_request.method == "PUT" || m_request.method == "DELETE";
        stop = QStringLiteral("%1 was not sent again on another route: it may have reached the origin and %2 (%3)")
                   .arg(QString::fromLatin1(m_request.method),
                        write ? QStringLiteral("this provider does not allow resending PUT or DELETE")
                              : QStringLiteral("it is not idempotent"),
                        failure.detail);
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
    const QByteArray sha256 = m_hashing ? m_hash.resultHex() : QByteArray();
    QString failed = error;
    if (ok && m_result.httpStatus == 200) {
        // RFC 9530: when the origin states the representation's digest, the body must match it.
        const QByteArray stated = reprDigestSha256(m_result.headers);
        if (!stated.isEmpty() && stated != sha256) {
            ok = false;
            failed = QStringLiteral("the body's SHA-256 (%1) is not the one the origin states in Repr-Digest (%2)")
                         .arg(QString::fromLatin1(sha256), QString::fromLatin1(stated));
        } else if (!stated.isEmpty()) {
            m_lengthVerified = true; // the digest proves the whole body
        }
    }
    if (ok && !m_headCommitted && m_result.httpStatus != 0)
        commitHead(); // a response without body bytes
    m_result.ok = ok;
    m_result.error = ok ? QString() : failed;
    m_result.route = ok ? currentRoute() : QString();
    m_result.bytes = m_delivered;
    m_result.framing = m_headSeen || m_headAccepted ? race::framingName(m_framing.kind) : QString();
    m_result.lengthVerified = ok && m_lengthVerified;
    m_result.sha256 = QString::fromLatin1(sha256);
    m_result.elapsedMs = now();
    m_result.smoothedTtfbMs = m_ttfb;
    if (!ok && !m_result.attempts.isEmpty() && attempt().error.isEmpty())
        attempt().error = failed;
    auto logger = log::get("delivery");
    // A clean delivery is the access log's business (trace here: the file log takes debug, and an edge
    // makes thousands a second); one that failed over is news.
    const auto level = m_result.failovers.isEmpty() ? spdlog::level::trace : spdlog::level::info;
    if (ok && logger->should_log(level))
        logger->log(level, "delivery {} {}: {} B over {} in {:.1f} ms ({} failover(s)){}", m_request.provider.toStdString(),
                     m_requestText.toStdString(), m_delivered, m_result.route.toStdString(), m_result.elapsedMs,
                     m_result.failovers.size(), m_lengthVerified ? "" : ", length unverified");
    else if (!ok)
        logger->log(failed == QLatin1String(kRequesterGone) ? spdlog::level::debug : spdlog::level::warn,
                    "delivery {} {}: {}", m_request.provider.toStdString(), m_requestText.toStdString(), failed.toStdString());
    Q_EMIT finished(m_result);
}

} // namespace relayrace::delivery
