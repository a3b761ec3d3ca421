// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "delivery/requestbody.h"
#include "model/failoverevent.h"
#include "race/httpmessage.h"
#include "race/routeclient.h"
#include "util/result.h"
#include "util/sha256.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

class QIODevice;
class QNetworkReply;
class QTimer;

namespace relayrace::delivery {

struct ResumeCheck;
struct ResumeValidator;

// When a route counts as stalled: no progress (connection set-up, request written, response head or
// body bytes) for longer than max(multiplier x smoothed TTFB of that route, floorMs). Before any TTFB
// is known for a route (no race hint, no earlier attempt), the bound is max(initialMs, floorMs).
// docs/delivery.md explains the choice of numbers.
struct StallSettings
{
    double multiplier = 4.0;
    int floorMs = 250;
    // No estimate yet: about 4 round trips of a 500 ms path, enough for TCP, a CONNECT tunnel, TLS and
    // the request on a far route, and 20 times less than nginx's 60 s defaults.
    int initialMs = 2000;
    QHash<QString, double> smoothedTtfbMs; // route id -> smoothed TTFB from races (hints)
    // The last route left in the order has nowhere to fail over to: its silence is a read timeout of
    // at least this many ms (a proxy's; nginx's proxy_read_timeout is 60 s), not the bound, so a slow
    // but working origin under load is waited for instead of answered with an error.
    int lastRouteMs = 30'000;

    // The bound for a route whose smoothed TTFB is this many ms (<= 0: no estimate yet). The one rule
    // for every body that streams to a requester (Delivery, a race's winner in engine::EngineRequest).
    double boundMs(double smoothedTtfbMs) const;
};

// One request to deliver. Routes are tried in the given order (the engine orders them by its route
// cache); none is tried twice.
struct DeliveryRequest
{
    QString provider;
    QByteArray method = QByteArrayLiteral("GET");
    QUrl url;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body; // POST/PUT
    QList<race::RouteClient *> routes;
    StallSettings stall;
    std::chrono::milliseconds timeout{300'000}; // the whole delivery, every route included
    // PUT and DELETE go to another route only when they certainly never left, unless the provider
    // opts in here (idempotent by RFC 9110, but an origin may not implement them so).
    bool resendWrites = false;
    // A body streamed from the client (its length known) instead of body; sent over one route only,
    // or over the next when the first took none of it (refused before it was read).
    std::shared_ptr<RequestBodyPipe> bodyPipe;
    QString client;    // for the failover log: who asked (the edge's client address) and its request id
    QString requestId;
    // The body's SHA-256 in the result (1.6 GB/s on this machine: a quarter of the edge's CPU per
    // GiB of 16 MiB objects). Off, it is still computed when the response states a Repr-Digest,
    // which is checked either way; the result's sha256 is then empty otherwise.
    bool hashBody = true;
};

// One request sent over one route.
struct DeliveryAttempt
{
    QString route;
    qint64 rangeStart = -1;  // the Range start it asked for; -1 for the whole body
    int httpStatus = 0;      // 0 when no response head arrived
    QByteArray contentRange; // as the route answered it, for a range request
    qint64 bytes = 0;        // body bytes it delivered to the consumer
    double ttfbMs = -1;      // request written -> response head
    QString error;           // empty when it delivered the rest of the body
};

struct DeliveryResult
{
    bool ok = false;       // the complete response arrived (whatever its status): the consumer has it all
    QString route;         // the route that delivered the end of the body; empty when none did
    int httpStatus = 0;    // of the representation delivered (200 for a resumed body); 0 when none
    QList<std::pair<QByteArray, QByteArray>> headers; // the response head that started the body
    qint64 bytes = 0;      // body bytes the consumer has
    QString sha256;        // lower-case hex of the body
    // How the body's end was known (race::framingName: content-length, chunked, close, none) and
    // whether its length was checked: by Content-Length, by having no body, or, for a chunked or
    // close-delimited body, by the tail check (a Range request past the end answered 416). An ok
    // result with lengthVerified false is a body Qt called complete that nothing could check.
    QString framing;
    bool lengthVerified = false;
    double elapsedMs = 0;
    QList<model::FailoverEvent> failovers;
    QList<DeliveryAttempt> attempts; // in order; a tail check is an attempt on the same route
    QHash<QString, double> smoothedTtfbMs; // the estimates after this delivery (hints updated)
    QString error;         // when !ok: what went wrong, naming the route and the check
};

// Delivers one request: sends it over the first route and, when that route fails (refused, reset,
// TLS, timeout, its relay's own error, a body shorter than its Content-Length, or a stall), over the
// next, and so on. A GET whose body had started resumes on the next route with Range + If-Range when
// that is safe (a strong validator and Accept-Ranges: bytes), accepting only a 206 with the matching
// Content-Range, so the consumer receives one byte-exact body; otherwise it restarts from zero when
// nothing was delivered yet, or ends with an error. A chunked or close-delimited body, whose end Qt
// 6.4 cannot be trusted to report (a reset reads as the end), is checked with a Range request past
// its end when the origin allows ranges: a 206 there means it was cut short, and it is resumed.
// A truncated or spliced body is never reported as success. Only GET, HEAD, OPTIONS and TRACE go to
// another route after they may have left (PUT and DELETE by opt-in); no stall bound ends a request
// whose body may have reached the origin unless it may be sent again. docs/delivery.md has the rules.
//
// startWith() takes over a reply already running on the first route (a race's winner): the body it
// streams is delivered, checked and continued under the same rules.
//
// The body is written to the sink as it arrives (never buffered whole). The route clients and the
// sink must outlive the delivery. One Delivery runs once; delete it (deleteLater from a slot) when
// done. Lives on its routes' thread.
class Delivery final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Delivery)
public:
    explicit Delivery(DeliveryRequest request, QIODevice *sink, QObject *parent = nullptr);
    ~Delivery() override;

    // Starts, or refuses (nothing sent): no routes, a URL that is not http(s), a sink not open for
    // writing, or a second start.
    Result<void> start();
    // Starts with running, a reply already sent over the first route for this very request (its
    // head, body bytes and end may already be in): nothing is sent until it fails. GET or HEAD only.
    Result<void> startWith(race::ReplyPtr running);
    // Ends the delivery now with this error (finished() follows at once).
    void cancel(const QString &why);
    // The error of a delivery cancelled because its requester left: no news (logged at debug).
    static constexpr char kRequesterGone[] = "the requester went away";

    bool isFinished() const { return m_finished; }
    const DeliveryResult &result() const { return m_result; }
    // The bound that applies to a route now, in ms (see StallSettings).
    double stallBoundMs(const QString &routeId) const;

    // How many bytes the sink may hold unread (its bytesToWrite()) before the delivery stops reading
    // from its route until the sink drains (bytesWritten); the route's reply buffers at most
    // kReadBufferBytes meanwhile. A slow consumer slows the route instead of filling memory.
    static constexpr qint64 kSinkHighWater = 1024 * 1024;
    static constexpr qint64 kReadBufferBytes = 1024 * 1024;

Q_SIGNALS:
    // The head of the response the consumer gets, once: just before its first body byte is written,
    // or at the end of a response without body bytes. (A route that failed before its first body
    // byte does not commit its head: the next route's answer starts afresh.)
    void headCommitted(int status, const QList<std::pair<QByteArray, QByteArray>> &headers, const QString &framing,
                       qint64 length);
    // As each failover happens: once the next route delivered its first byte, or failed to.
    void failover(const relayrace::model::FailoverEvent &event);
    // Body bytes delivered so far; total is -1 while unknown.
    void progress(qint64 bytes, qint64 total);
    // Once, last; a slot may delete the delivery.
    void finished(const relayrace::delivery::DeliveryResult &result);

private:
    struct Failure
    {
        QString reason;
        QString detail;
        bool neverLeft = false; // the request certainly never left (see certainlyNotSent)
    };

    Result<void> prepare();
    void adoptRunning();
    void startAttempt();
    void watchReply();
    void commitHead();
    void replyComplete();
    bool resendable() const;
    bool mayResendAfterWriting() const;
    void endOfUnknownLength();
    void tailChecked(const ResumeCheck &check, const QString &detail);
    void onHead();
    void onData();
    void onReplyFinished();
    void onSinkDrained();
    void onStall();
    bool onLastRoute() const; // no route after this attempt's
    double stallLimitMs() const; // this attempt's: the bound, or the last route's read timeout
    void onDeadline();
    void armStallTimer();
    void routeFailed(const Failure &failure);
    void failOver(const QString &fromRoute, const Failure &failure);
    void resumeRefused(const QString &reason, const QString &detail);
    void recovered();
    void emitEvent(model::FailoverEvent event);
    void dropReply();
    void finish(bool ok, const QString &error);
    QString currentRoute() const;
    DeliveryAttempt &attempt();
    double now() const;

    DeliveryRequest m_request;
    QPointer<QIODevice> m_sink;
    DeliveryResult m_result;
    Sha256 m_hash;
    bool m_hashing = true; // hashBody, or a Repr-Digest to check
    QElapsedTimer m_clock;
    QTimer *m_stallTimer = nullptr;
    QTimer *m_deadline = nullptr;
    QHash<QString, double> m_ttfb;

    int m_routeIndex = -1;
    race::ReplyPtr m_reply;
    qint64 m_delivered = 0;
    std::unique_ptr<ResumeValidator> m_validator; // from the response that started the body
    // The current attempt.
    qint64 m_rangeStart = -1;
    double m_issuedAt = -1;
    double m_requestSentAt = -1;
    bool m_headSeen = false;
    bool m_headAccepted = false;
    bool m_requestWritten = false;
    bool m_uploadStarted = false;
    bool m_tailCheck = false;
    bool m_adopted = false;        // the attempt is startWith()'s reply
    bool m_lengthVerified = false;
    qint64 m_skip = 0;             // bytes of the current answer the consumer already has
    bool m_headCommitted = false;
    bool m_waitingForSink = false; // stopped reading: the sink is full
    bool m_replyDone = false;      // the reply finished intact; its last bytes wait for the sink  // the attempt asks past the end of a body of unknown length
    qint64 m_expectedEnd = -1; // total body length when known
    race::ReplyPtr m_running;  // startWith()'s reply until it is adopted
    race::BodyFraming m_framing;
    // A failover waiting for its outcome (the next route's first byte, or its failure).
    std::optional<model::FailoverEvent> m_pending;
    double m_pendingSince = -1;
    QStringList m_routeErrors;
    QString m_requestText; // "GET /path"
    bool m_started = false;
    bool m_finished = false;
};

} // namespace relayrace::delivery

Q_DECLARE_METATYPE(relayrace::delivery::DeliveryResult)
