// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "race/routeclient.h"

#include "log/logging.h"
#include "race/connectionpool.h"
#include "race/plainhttpreply.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslSocket>

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace relayrace::race {
namespace {

bool isHttpStatusError(QNetworkReply::NetworkError error)
{
    // Qt turns HTTP statuses >= 400 into these codes; the connection itself is intact.
    return (error >= QNetworkReply::ContentAccessDenied && error <= QNetworkReply::UnknownContentError) ||
           error == QNetworkReply::ProtocolInvalidOperationError ||
           (error >= QNetworkReply::InternalServerError && error <= QNetworkReply::UnknownServerError);
}

// RELAYRACE_HTTP_CLIENT=qt sends plain http through QNetworkAccessManager as well (a fallback).
bool plainHttpByDefault()
{
    static const bool plain = qEnvironmentVariable("RELAYRACE_HTTP_CLIENT") != u"qt";
    return plain;
}

} // namespace

bool endedIntact(const QNetworkReply &reply)
{
    return reply.error() == QNetworkReply::NoError ||
           (isHttpStatusError(reply.error()) &&
            reply.attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() >= 400);
}

void ReplyDeleter::operator()(QNetworkReply *reply) const
{
    if (!reply)
        return;
    if (reply->isRunning())
        reply->abort();
    reply->deleteLater();
}

QString originKey(const QUrl &url)
{
    const int defaultPort = url.scheme() == u"https" ? 443 : 80;
    return url.scheme() + u"://" + url.host() + u':' + QString::number(url.port(defaultPort));
}

QString RouteClient::relayOwnError(const QNetworkReply &reply) const
{
    return isDirect() ? QString() : race::relayOwnError(reply, m_relayMarkers);
}

RouteClient::RouteClient(QString routeId, QUrl relay, QObject *parent)
    : QObject(parent), m_routeId(std::move(routeId)), m_relay(std::move(relay)),
      m_tls(QSslConfiguration::defaultConfiguration())
{
    m_clock.start();
    m_plainHttp = plainHttpByDefault();
    m_freshPool = new ConnectionPool(std::numeric_limits<int>::max(), this);
    m_tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    if (!m_relay.isEmpty() && (m_relay.scheme() != u"http" || m_relay.host().isEmpty() || m_relay.port() <= 0))
        m_configError = QStringLiteral("relay '%1' is not http://host:port").arg(m_relay.toString());
}

RouteClient::~RouteClient()
{
    // Our warm-ups are children of our managers: let go of them before the managers take them down.
    for (ReplyPtr &reply : m_warmUps) {
        QObject::disconnect(reply.get(), nullptr, this, nullptr);
        reply->abort();
        reply.release()->deleteLater();
    }
    for (auto it = m_tracked.cbegin(); it != m_tracked.cend(); ++it)
        QObject::disconnect(it.key(), nullptr, this, nullptr);
}

void RouteClient::setCaCertificates(const QList<QSslCertificate> &certificates)
{
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    tls.addCaCertificates(certificates);
    m_tls = tls;
}

void RouteClient::setMaxManagers(int count)
{
    m_maxManagers = std::max(1, count);
}

QNetworkAccessManager *RouteClient::newManager()
{
    auto *manager = new QNetworkAccessManager(this);
    if (isDirect())
        manager->setProxy(QNetworkProxy::NoProxy);
    else
        manager->setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, m_relay.host(), quint16(m_relay.port()),
                                        m_relayCredentials.user, m_relayCredentials.password));
    manager->setCookieJar(nullptr);
    manager->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    manager->setAutoDeleteReplies(false);
    return manager;
}

void RouteClient::pruneIdle(OriginSlots &slots) const
{
    const qint64 now = m_clock.elapsed();
    slots.idleSince.removeIf([now](qint64 since) { return now - since > kIdleTrustMs; });
}

int RouteClient::originId(const QString &origin)
{
    const auto it = m_originIds.constFind(origin);
    if (it != m_originIds.constEnd())
        return *it;
    const int id = int(m_originIds.size());
    m_originIds.insert(origin, id);
    return id;
}

int RouteClient::pickShard(int origin, bool forWarmUp)
{
    int best = -1;
    int bestIdle = -1;
    int bestInFlight = kMaxInFlightPerShard;
    for (int i = 0; i < int(m_shards.size()); ++i) {
        OriginSlots &slots = m_shards[size_t(i)].origins[origin];
        pruneIdle(slots);
        const int idle = int(slots.idleSince.size());
        if (slots.inFlight >= kMaxInFlightPerShard)
            continue;
        if (forWarmUp) {
            // Qt sends on a connected idle socket when its manager has one: a warm-up must go where
            // there is none, or it would take a connection instead of adding one.
            if (idle > 0)
                continue;
            if (slots.inFlight < bestInFlight) {
                best = i;
                bestInFlight = slots.inFlight;
            }
            continue;
        }
        // A shard with an idle connection first (warm), then the least loaded.
        if (idle > bestIdle || (idle == bestIdle && slots.inFlight < bestInFlight)) {
            best = i;
            bestIdle = idle;
            bestInFlight = slots.inFlight;
        }
    }
    if (best >= 0)
        return best;
    if (int(m_shards.size()) < m_maxManagers) {
        m_shards.push_back(Shard{newManager(), new ConnectionPool(kMaxInFlightPerShard, this), {}});
        log::get("race")->debug("route {}: shard {} added for {}", m_routeId.toStdString(), m_shards.size(),
                                m_originIds.key(origin).toStdString());
        return int(m_shards.size()) - 1;
    }
    // Every shard is full: Qt queues the request; the race measures from when it really starts.
    const auto least = std::min_element(m_shards.begin(), m_shards.end(), [origin](const Shard &a, const Shard &b) {
        return a.origins.value(origin).inFlight < b.origins.value(origin).inFlight;
    });
    return int(least - m_shards.begin());
}

void RouteClient::prepare(QNetworkRequest &request) const
{
    request.setSslConfiguration(m_tls);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
}

ReplyPtr RouteClient::send(const QByteArray &method, QNetworkRequest request, Connection connection,
                           const QByteArray &body)
{
    return send(method, std::move(request), connection, false, body);
}

ReplyPtr RouteClient::send(const QByteArray &method, QNetworkRequest request, Connection connection, QIODevice *body)
{
    return send(method, std::move(request), connection, false, QByteArray(), body);
}

ReplyPtr RouteClient::send(const QByteArray &method, QNetworkRequest request, Connection connection,
                           bool forWarmUp, const QByteArray &body, QIODevice *bodyDevice)
{
    prepare(request);
    Tracked tracked;
    tracked.origin = originId(originKey(request.url()));
    const bool plain = m_plainHttp && request.url().scheme() == u"http";
    // Preemptive, as curl sends it: a relay that wants credentials gets them on the first request
    // (for plain http through the relay only: the header is the relay's, never the origin's).
    if (plain && !isDirect() && !m_relayCredentials.isEmpty())
        request.setRawHeader("Proxy-Authorization", m_relayCredentials.basicAuthorization());
    QNetworkAccessManager *manager = nullptr;
    ConnectionPool *pool = m_freshPool;
    if (connection == Connection::Fresh) {
        if (!plain) {
            tracked.ownManager = newManager();
            manager = tracked.ownManager;
        }
    } else {
        tracked.shard = pickShard(tracked.origin, forWarmUp);
        Shard &shard = m_shards[size_t(tracked.shard)];
        OriginSlots &slots = shard.origins[tracked.origin];
        ++slots.inFlight;
        if (!slots.idleSince.isEmpty()) {
            slots.idleSince.removeLast(); // the most recently idle one is the likeliest still open
            tracked.expectedReuse = true;
        }
        manager = shard.manager;
        pool = shard.pool;
    }
    QNetworkReply *reply = nullptr;
    if (plain) {
        const auto how = connection == Connection::Fresh ? PlainHttpReply::Connection::Fresh
                                                         : PlainHttpReply::Connection::Pooled;
        reply = new PlainHttpReply(pool, method, request, m_relay, how, body, bodyDevice, pool);
    } else if (method == "GET")
        reply = manager->get(request);
    else if (method == "HEAD")
        reply = manager->head(request);
    else
        reply = bodyDevice ? manager->sendCustomRequest(request, method, bodyDevice)
                           : manager->sendCustomRequest(request, method, body);
    track(reply, tracked);
    return ReplyPtr(reply);
}

void RouteClient::track(QNetworkReply *reply, Tracked tracked)
{
    QNetworkAccessManager *own = tracked.ownManager;
    m_tracked.insert(reply, tracked);
    connect(reply, &QNetworkReply::socketStartedConnecting, this, [this, reply] {
        if (auto it = m_tracked.find(reply); it != m_tracked.end())
            it->sawConnect = true;
    });
    connect(reply, &QNetworkReply::requestSent, this, [this, reply] {
        if (auto it = m_tracked.find(reply); it != m_tracked.end())
            ++it->sends;
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { release(reply, true); });
    connect(reply, &QObject::destroyed, this, [this, own](QObject *object) {
        release(object, false);
        if (own)
            own->deleteLater(); // a Fresh request's manager goes with its reply, never before it
    });
}

void RouteClient::release(QObject *object, bool finished)
{
    const auto it = m_tracked.find(object);
    if (it == m_tracked.end())
        return;
    Tracked tracked = *it;
    if (!finished) {
        m_tracked.erase(it);
    } else {
        it->released = true;
    }
    if (tracked.released)
        return; // finished already; this is its destruction
    const bool fresh = tracked.sawConnect || tracked.sends > 1;
    bool keptAlive = false;
    if (finished) {
        auto *reply = static_cast<QNetworkReply *>(object);
        keptAlive = endedIntact(*reply) && !reply->rawHeader("Connection").toLower().contains("close");
        if (tracked.expectedReuse && fresh) {
            if (++m_surprises[tracked.origin] >= kSurprisesBeforeClosing)
                m_closingOrigins.insert(tracked.origin, m_clock.elapsed());
        } else if (!fresh && tracked.sends > 0) {
            m_closingOrigins.remove(tracked.origin);
            m_surprises.remove(tracked.origin);
        }
    }
    if (tracked.shard < 0 || tracked.shard >= int(m_shards.size()))
        return;
    OriginSlots &slots = m_shards[size_t(tracked.shard)].origins[tracked.origin];
    slots.inFlight = std::max(0, slots.inFlight - 1);
    if (keptAlive && keepsConnections(tracked.origin))
        slots.idleSince.append(m_clock.elapsed());
}

int RouteClient::availableIdle(const QUrl &url) const
{
    const QString origin = originKey(url);
    const int id = knownOriginId(origin);
    const qint64 now = m_clock.elapsed();
    int idle = 0;
    for (const Shard &shard : m_shards) {
        const OriginSlots slots = shard.origins.value(id);
        if (slots.inFlight >= kMaxInFlightPerShard)
            continue;
        idle += int(std::count_if(slots.idleSince.cbegin(), slots.idleSince.cend(),
                                  [now](qint64 since) { return now - since <= kIdleTrustMs; }));
    }
    return idle - m_promised.value(origin);
}

void RouteClient::releasePromise(const QUrl &url)
{
    const QString origin = originKey(url);
    const auto it = m_promised.find(origin);
    if (it == m_promised.end())
        return;
    if (--*it <= 0)
        m_promised.erase(it);
}

bool RouteClient::keepsConnections(const QUrl &url) const
{
    return keepsConnections(knownOriginId(originKey(url)));
}

bool RouteClient::keepsConnections(int origin) const
{
    const auto it = m_closingOrigins.constFind(origin);
    return it == m_closingOrigins.constEnd() || m_clock.elapsed() - *it > kClosingRetryMs;
}

QNetworkReply *RouteClient::warmUp(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setTransferTimeout(kWarmUpTimeoutMs); // a silent route must not hold a slot for ever
    ReplyPtr reply = send(QByteArrayLiteral("HEAD"), request, Connection::Pooled, true, QByteArray());
    QNetworkReply *raw = reply.get();
    m_warmUps.push_back(std::move(reply));
    connect(raw, &QNetworkReply::finished, this, [this, raw] {
        const auto it = std::find_if(m_warmUps.begin(), m_warmUps.end(),
                                     [raw](const ReplyPtr &p) { return p.get() == raw; });
        if (it == m_warmUps.end())
            return;
        if (!endedIntact(*raw))
            log::get("race")->debug("route {}: warm-up of {} failed: {}", m_routeId.toStdString(),
                                    raw->url().toString().toStdString(), raw->errorString().toStdString());
        m_warmUps.erase(it); // deleteLater: we are inside the reply's own signal
    });
    return raw;
}

} // namespace relayrace::race
