// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "map/routemap.h"
#include "util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QHostAddress>
#include <QObject>
#include <QUrl>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <QCoroTask>

namespace relayrace::map {

// Where a map comes from: a DNS name whose TXT record names the map's URL (docs/map-fetch.md).
struct MapSourceConfig
{
    QString provider;          // when set, a map for another provider is refused (stage "parse")
    QString name;              // DNS name with the "v=rr1 url=<URL>" TXT record
    QHostAddress nameserver;   // IPv4 nameserver to ask (port 53: QDnsLookup in Qt 6.4 has no port);
                               // null: the system resolver
    QByteArray publicKeyPem;   // Ed25519 public key; empty: the map is taken unsigned

    bool operator==(const MapSourceConfig &) const = default;
};

// A map as fetched: the exact bytes that were verified and parsed, and how to ask for it again.
struct HeldMap
{
    RouteMap map;
    QByteArray bytes;          // the body as served (and signed)
    QByteArray signature;      // the served .sig (base64 line); empty when unsigned
    QByteArray etag;           // the map response's ETag, for If-None-Match; may be empty
    QUrl url;                  // where it came from
    bool verified = false;     // signature checked against the configured key
};

struct FetchedMap
{
    enum class Outcome { Fetched, NotModified };
    Outcome outcome = Outcome::Fetched;
    HeldMap held;              // on NotModified: the held map given to fetch(), as it was
};

// The stages of a fetch. Every error message starts with the stage's name and a colon:
// "dns: ...", "http: ...", "signature: ...", "parse: ...", "rollback: ...", "expired: ...".
enum class FetchStage { Dns, Http, Signature, Parse, Rollback, Expired };
QString stageName(FetchStage stage);
// The stage an error message of fetch() names; nullopt for other messages.
std::optional<FetchStage> stageOf(const QString &error);

// The TXT record: of all TXT records of the name, exactly one starts with the token "v=rr1"; its
// "url=" token is an absolute http(s) URL. Other TXT records are ignored. A record's strings are
// joined without separator (a long record is split into 255-byte strings). Errors start "dns: ".
Result<QUrl> mapUrlFromTxtRecords(const QString &name, const QList<QByteArray> &records);

// Fetches route maps: DNS TXT -> GET map (+ GET map.sig when a key is configured) -> verify ->
// parse -> rollback and expiry checks. Nothing partial is returned: a map comes back only when every
// step passed. Destroying the fetcher aborts fetches in flight (they finish with an error).
class MapFetcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MapFetcher)

public:
    using Clock = std::function<QDateTime()>;

    explicit MapFetcher(QObject *parent = nullptr);
    ~MapFetcher() override;

    // Bounds each DNS lookup and each HTTP transfer (no progress for this long -> error). Default 10 s.
    void setTimeout(std::chrono::milliseconds timeout);
    std::chrono::milliseconds timeout() const;
    // "Now", for the expiry check. Default: the system clock (UTC).
    void setClock(Clock clock);

    // With held: a refresh. Sends If-None-Match with its ETag when the URL is the same (304 ->
    // NotModified, the held map returned unchanged) and refuses a map generated before it.
    QCoro::Task<Result<FetchedMap>> fetch(MapSourceConfig config, std::optional<HeldMap> held = std::nullopt);

    // Aborts every lookup and transfer in flight; their fetches finish with an error (QCoro resumes
    // them from the event loop, not within this call).
    void abortAll();

    // Internal (mapfetcher.cpp): what fetches in flight use. Shared with them, not owned by the
    // fetcher: QCoro resumes an aborted fetch from a queued event, possibly after the fetcher is gone.
    struct Shared;

private:
    std::shared_ptr<Shared> m_shared;
};

} // namespace relayrace::map
