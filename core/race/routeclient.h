// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "race/httpmessage.h"
#include "util/relaycredentials.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSslConfiguration>
#include <QString>
#include <QUrl>

#include <memory>
#include <vector>

class QIODevice;
class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;
class QSslCertificate;

namespace relayrace::race {

class ConnectionPool;

// Owns a reply on every path: a running reply is aborted first (so its connection is closed and
// Qt stops delivering), then deleted on the event loop, never inside one of its own signals.
struct ReplyDeleter
{
    void operator()(QNetworkReply *reply) const;
};
using ReplyPtr = std::unique_ptr<QNetworkReply, ReplyDeleter>;

// Whether the exchange ended intact: no error, or only Qt's mapping of an HTTP status >= 400 (the
// response arrived whole; the connection is fine).
bool endedIntact(const QNetworkReply &reply);

// "scheme://host:port" of url, the key of a connection pool.
QString originKey(const QUrl &url);

// The client side of one route: direct (no proxy at all) or through one region's relay, an HTTP
// forward proxy (http origins in absolute form, https origins through a CONNECT tunnel). TLS peers
// are always verified; setCaCertificates() adds a private CA to the system's.
//
// Qt 6.4 allows 6 HTTP/1.1 connections per (host, port, proxy) per QNetworkAccessManager and queues
// the rest, which would both cap concurrent races and count queueing as route time. So the client
// keeps a pool of managers ("shards") and sends each request on one with fewer than 6 requests in
// flight to that origin, adding a shard when all are busy, up to maxManagers(); past that, the least
// loaded shard queues it (the race then measures from the moment Qt really started it).
//
// Fresh or reused connection: Qt 6.4 has no public flag, but QNetworkReply::socketStartedConnecting
// is emitted only when a request opens a connection, and a request written to a kept-alive socket the
// server had already closed is sent twice (requestSent twice) with no socketStartedConnecting. Either
// means fresh. To start races warm, the client also keeps its own count of idle kept-alive
// connections per shard and origin (a request that finished cleanly without "Connection: close"
// leaves one; Qt prefers a connected idle socket for the next request). That count is a belief, not
// a fact: a server can close an idle connection at any time (trusted for kIdleTrustMs only), and an
// HTTP/1.0 answer (tinyproxy's for plain http) is closed by Qt without a header saying so. When
// kSurprisesBeforeClosing requests in a row expected to reuse turn out fresh, the origin is taken as
// not keeping connections over this route, and is not warmed up, until a reuse is seen or
// kClosingRetryMs have passed. One idle connection the server happened to close is not enough: it
// made the route race cold (and lose) in the races after it (bench_race: 2 of 3 misses in 200).
//
// Lives on one thread, as do the races that use it.
//
// HTTP/2 is off (every route, direct or relayed, speaks HTTP/1.1, so routes race on equal terms),
// redirects are not followed (a 3xx is the origin's answer), cookies are neither sent nor stored.
// Replies are children of the client's managers: the client must outlive the replies it sends.
class RouteClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RouteClient)
public:
    enum class Connection { Pooled, Fresh };
    static constexpr int kMaxInFlightPerShard = 6;
    static constexpr int kDefaultMaxManagers = 16;
    static constexpr qint64 kIdleTrustMs = 50'000; // below the lab relay's 60 s and Qt's 120 s
    static constexpr int kWarmUpTimeoutMs = 15'000;
    static constexpr qint64 kClosingRetryMs = 60'000;
    // One idle connection closed by the server (or anything between) is an accident; this many
    // expected reuses in a row that turned out fresh mean the origin does not keep connections.
    static constexpr int kSurprisesBeforeClosing = 2;
    // Warm-ups beyond what the pool could hold at once (every shard's slots) cannot give a race a
    // warm connection: the pool is saturated, requests queue inside Qt anyway, and each warm-up is a
    // request more for the origin (bench_race: 1,000 concurrent races doubled their requests).
    static constexpr int kMaxWarmUpsInFlight = kMaxInFlightPerShard * kDefaultMaxManagers;

    // An empty relay means the direct route. A relay is http://host:port.
    explicit RouteClient(QString routeId, QUrl relay = QUrl(), QObject *parent = nullptr);
    ~RouteClient() override;

    QString routeId() const { return m_routeId; }
    QUrl relay() const { return m_relay; }
    bool isDirect() const { return m_relay.isEmpty(); }
    // Empty when the route is usable; otherwise why not (a malformed relay URL).
    QString configurationError() const { return m_configError; }
    // How the relay marks its own errors (relayOwnError()); a direct route has none.
    const RelayMarkers &relayMarkers() const { return m_relayMarkers; }
    void setRelayMarkers(RelayMarkers markers) { m_relayMarkers = std::move(markers); }
    // The relay's own error in this reply, or empty (always empty on the direct route).
    QString relayOwnError(const QNetworkReply &reply) const;

    void setCaCertificates(const QList<QSslCertificate> &certificates);
    // For a relay that wants proxy authentication (Basic): sent with every plain http request
    // through it, and given to Qt's proxy for tunnels. Set before the first request.
    void setRelayCredentials(const RelayCredentials &credentials) { m_relayCredentials = credentials; }
    void setMaxManagers(int count);
    int maxManagers() const { return m_maxManagers; }
    int managerCount() const { return int(m_shards.size()); }

    // Sends method (GET or HEAD; any other verb goes as a custom verb, with body) over this route.
    // Pooled uses the shard pool; Fresh a manager of its own that has no connection yet, dropped with
    // the reply.
    ReplyPtr send(const QByteArray &method, QNetworkRequest request, Connection connection,
                  const QByteArray &body = QByteArray());
    // The same with the body read from a device (kept alive by the caller until the reply is done).
    // With a sequential device and QNetworkRequest::DoNotBufferUploadDataAttribute, Qt cannot rewind
    // the body, so it cannot silently send the request a second time when the connection drops
    // before the response (Qt 6.4 does that even for POST): delivery uses this for non-idempotent
    // requests.
    ReplyPtr send(const QByteArray &method, QNetworkRequest request, Connection connection, QIODevice *body);

    // Whether a pooled request to url's origin would (as far as the client knows) reuse an idle
    // connection on a shard with a free slot that no starting race has been promised.
    bool hasIdleConnection(const QUrl &url) const { return availableIdle(url) > 0; }
    int availableIdle(const QUrl &url) const;
    // A warm race about to start promises itself one idle connection (an existing one, or the one
    // its own warm-up will leave), so that races starting together do not all count on the same
    // one. Released when the race sends its request (or never does).
    void promiseIdle(const QUrl &url) { ++m_promised[originKey(url)]; }
    void releasePromise(const QUrl &url);
    // Whether url's origin is known to keep connections alive over this route (see above).
    bool keepsConnections(const QUrl &url) const;
    // HEAD url on the pool, leaving a kept-alive connection behind. The reply is owned by the client
    // and deleted after finished(); connect to it with a context to wait for it.
    QNetworkReply *warmUp(const QUrl &url);
    int warmUpsInFlight() const { return int(m_warmUps.size()); }

private:
    struct OriginSlots
    {
        int inFlight = 0;
        QList<qint64> idleSince; // steady-clock ms of each believed idle connection
    };
    struct Shard
    {
        QNetworkAccessManager *manager = nullptr;
        ConnectionPool *pool = nullptr; // plain http: the shard's kept-alive connections, as Qt keeps its manager's
        QHash<int, OriginSlots> origins; // by originId()
    };
    struct Tracked
    {
        int shard = -1;                              // -1: a Fresh request's own manager
        QNetworkAccessManager *ownManager = nullptr;
        int origin = -1; // originId()
        bool expectedReuse = false;
        bool sawConnect = false;
        int sends = 0;
        bool released = false;
    };

    QNetworkAccessManager *newManager();
    // Origins are hashed once per request: the per-shard and per-origin tables are keyed by this id.
    int originId(const QString &origin);
    int knownOriginId(const QString &origin) const { return m_originIds.value(origin, -1); }
    int pickShard(int origin, bool forWarmUp);
    ReplyPtr send(const QByteArray &method, QNetworkRequest request, Connection connection, bool forWarmUp,
                  const QByteArray &body, QIODevice *bodyDevice = nullptr);
    void prepare(QNetworkRequest &request) const;
    void track(QNetworkReply *reply, Tracked tracked);
    void release(QObject *reply, bool finished);
    void pruneIdle(OriginSlots &slots) const;
    bool keepsConnections(int origin) const;

    const QString m_routeId;
    const QUrl m_relay;
    QString m_configError;
    RelayMarkers m_relayMarkers;
    RelayCredentials m_relayCredentials;
    QSslConfiguration m_tls;
    int m_maxManagers = kDefaultMaxManagers;
    std::vector<Shard> m_shards;
    QHash<QObject *, Tracked> m_tracked;
    QHash<QString, int> m_originIds;
    QHash<int, qint64> m_closingOrigins; // origin -> when it was taken as not keeping connections
    QHash<int, int> m_surprises;         // origin -> expected reuses in a row that turned out fresh
    QHash<QString, int> m_promised;
    std::vector<ReplyPtr> m_warmUps;
    QElapsedTimer m_clock;
    bool m_plainHttp = true;
    ConnectionPool *m_freshPool = nullptr; // plain http Fresh requests: never given a kept-alive connection
};

} // namespace relayrace::race
