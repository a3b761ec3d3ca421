// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/mapfetcher.h"

#include "map/mapcodec.h"
#include "map/mapsigner.h"

#include <QDnsLookup>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <QCoroNetworkReply>
#include <QCoroSignal>

#include <memory>

namespace relayrace::map {
namespace {

struct DeleteLater
{
    void operator()(QObject *object) const { object->deleteLater(); }
};

const QByteArray kRecordTag = QByteArrayLiteral("v=rr1");

QString withStage(FetchStage stage, const QString &message)
{
    const QString prefix = stageName(stage) + QStringLiteral(": ");
    return message.startsWith(prefix) ? message : prefix + message;
}

Error stageError(FetchStage stage, const QString &message)
{
    return makeError(withStage(stage, message));
}

QString dnsErrorName(QDnsLookup::Error error)
{
    switch (error) {
    case QDnsLookup::NotFoundError: return QStringLiteral("no such name");
    case QDnsLookup::ServerFailureError: return QStringLiteral("server failure");
    case QDnsLookup::ServerRefusedError: return QStringLiteral("refused by the server");
    case QDnsLookup::InvalidReplyError: return QStringLiteral("invalid reply");
    case QDnsLookup::InvalidRequestError: return QStringLiteral("invalid request");
    case QDnsLookup::OperationCancelledError: return QStringLiteral("cancelled");
    case QDnsLookup::ResolverError:
    case QDnsLookup::NoError: break;
    }
    return QStringLiteral("resolver error");
}

QString stamp(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate);
}

} // namespace

QString stageName(FetchStage stage)
{
    switch (stage) {
    case FetchStage::Dns: return QStringLiteral("dns");
    case FetchStage::Http: return QStringLiteral("http");
    case FetchStage::Signature: return QStringLiteral("signature");
    case FetchStage::Parse: return QStringLiteral("parse");
    case FetchStage::Rollback: return QStringLiteral("rollback");
    case FetchStage::Expired: return QStringLiteral("expired");
    }
    return {};
}

std::optional<FetchStage> stageOf(const QString &error)
{
    for (const FetchStage stage : {FetchStage::Dns, FetchStage::Http, FetchStage::Signature, FetchStage::Parse,
                                   FetchStage::Rollback, FetchStage::Expired}) {
        if (error.startsWith(stageName(stage) + QStringLiteral(": ")))
            return stage;
    }
    return std::nullopt;
}

Result<QUrl> mapUrlFromTxtRecords(const QString &name, const QList<QByteArray> &records)
{
    QList<QByteArray> ours;
    for (const QByteArray &record : records) {
        const QList<QByteArray> tokens = record.simplified().split(' ');
        if (!tokens.isEmpty() && tokens.first() == kRecordTag)
            ours.append(record.simplified());
    }
    if (ours.isEmpty())
        return stageError(FetchStage::Dns, QStringLiteral("%1 has no \"v=rr1 url=<URL>\" TXT record (%2 other TXT record(s))")
                                               .arg(name)
                                               .arg(records.size()));
    if (ours.size() > 1)
        return stageError(FetchStage::Dns, QStringLiteral("%1 has %2 \"v=rr1\" TXT records; expected exactly one")
                                               .arg(name)
                                               .arg(ours.size()));
    QByteArray urlText;
    int urls = 0;
    for (const QByteArray &token : ours.first().split(' ')) {
        if (token.startsWith("url=")) {
            urlText = token.mid(4);
            ++urls;
        }
    }
    const QString record = QString::fromUtf8(ours.first());
    if (urls != 1)
        return stageError(FetchStage::Dns, QStringLiteral("%1: TXT record \"%2\" needs exactly one url=<URL>").arg(name, record));
    const QUrl url = QUrl::fromEncoded(urlText, QUrl::StrictMode);
    if (!url.isValid() || url.isRelative() || url.host().isEmpty()
        || (url.scheme() != u"http" && url.scheme() != u"https")) {
        return stageError(FetchStage::Dns, QStringLiteral("%1: TXT record \"%2\": url must be an absolute http or https URL")
                                               .arg(name, record));
    }
    return url;
}

struct MapFetcher::Shared
{
    std::unique_ptr<QNetworkAccessManager, DeleteLater> network{new QNetworkAccessManager};
    std::chrono::milliseconds timeout{10000};
    Clock clock = [] { return QDateTime::currentDateTimeUtc(); };
    QSet<QDnsLookup *> lookups;
    QSet<QNetworkReply *> replies;
    bool alive = true;        // false once the fetcher is destroyed
    bool abortingAll = false; // inside abortAll(): finished() of a reply means "aborted"
};

namespace {

using Shared = std::shared_ptr<MapFetcher::Shared>;

struct Body
{
    int status = 0;
    QByteArray bytes;
    QByteArray etag;
};

// Static coroutines on the shared state: nothing here touches a MapFetcher after a co_await.
QCoro::Task<Result<QUrl>> resolve(Shared shared, MapSourceConfig config)
{
    // No parent: it must outlive a destroyed fetcher until QCoro's queued resumption has run.
    const std::unique_ptr<QDnsLookup, DeleteLater> lookup(new QDnsLookup(QDnsLookup::TXT, config.name));
    if (!config.nameserver.isNull())
        lookup->setNameserver(config.nameserver);
    const std::chrono::milliseconds timeout = shared->timeout;
    bool timedOut = false;
    QTimer timer;
    timer.setSingleShot(true);
    // The resolver has its own retries; this bounds the whole lookup whatever they are.
    QObject::connect(&timer, &QTimer::timeout, lookup.get(), [&timedOut, raw = lookup.get()] {
        timedOut = true;
        raw->abort();
    });
    shared->lookups.insert(lookup.get());
    lookup->lookup();
    timer.start(timeout);
    if (!lookup->isFinished())
        co_await qCoro(lookup.get(), &QDnsLookup::finished);
    shared->lookups.remove(lookup.get());
    timer.stop();

    const QString server = config.nameserver.isNull() ? QStringLiteral("the system resolver")
                                                      : config.nameserver.toString();
    if (!shared->alive)
        co_return stageError(FetchStage::Dns, QStringLiteral("TXT lookup of %1 aborted").arg(config.name));
    if (timedOut)
        co_return stageError(FetchStage::Dns, QStringLiteral("no answer for %1 from %2 within %3 ms")
                                                  .arg(config.name, server)
                                                  .arg(timeout.count()));
    if (lookup->error() != QDnsLookup::NoError)
        co_return stageError(FetchStage::Dns, QStringLiteral("TXT lookup of %1 at %2 failed: %3 (%4)")
                                                  .arg(config.name, server, dnsErrorName(lookup->error()),
                                                       lookup->errorString()));
    QList<QByteArray> records;
    for (const QDnsTextRecord &record : lookup->textRecords())
        records.append(record.values().join());
    co_return mapUrlFromTxtRecords(config.name, records);
}

QCoro::Task<Result<Body>> get(Shared shared, QUrl url, QByteArray ifNoneMatch)
{
    const std::chrono::milliseconds timeout = shared->timeout;
    QNetworkRequest request(url);
    request.setTransferTimeout(int(timeout.count()));
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    if (!ifNoneMatch.isEmpty())
        request.setRawHeader("If-None-Match", ifNoneMatch);
    const std::unique_ptr<QNetworkReply, DeleteLater> reply(shared->network->get(request));
    bool tooLarge = false;
    bool aborted = false;
    QObject::connect(reply.get(), &QNetworkReply::downloadProgress, reply.get(),
                     [&tooLarge, raw = reply.get()](qint64 received, qint64 total) {
                         if (!tooLarge && (received > RouteMap::kMaxBytes || total > RouteMap::kMaxBytes)) {
                             tooLarge = true;
                             QMetaObject::invokeMethod(raw, &QNetworkReply::abort, Qt::QueuedConnection);
                         }
                     });
    QObject::connect(reply.get(), &QNetworkReply::finished, reply.get(),
                     [&aborted, state = shared.get()] { aborted = state->abortingAll; });
    shared->replies.insert(reply.get());
    if (!reply->isFinished())
        co_await qCoro(reply.get()).waitForFinished();
    shared->replies.remove(reply.get());

    const QString where = url.toDisplayString();
    if (tooLarge)
        co_return makeError(QStringLiteral("%1: larger than %2 bytes").arg(where).arg(RouteMap::kMaxBytes));
    if (aborted || !shared->alive)
        co_return makeError(QStringLiteral("%1: aborted").arg(where));
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() == QNetworkReply::OperationCanceledError)
        co_return makeError(QStringLiteral("%1: timed out (no data for %2 ms)").arg(where).arg(timeout.count()));
    if (status == 200 || status == 304) {
        if (reply->error() != QNetworkReply::NoError)
            co_return makeError(QStringLiteral("%1: %2").arg(where, reply->errorString()));
        co_return Body{status, status == 200 ? reply->readAll() : QByteArray(), reply->rawHeader("ETag")};
    }
    if (status > 0)
        co_return makeError(QStringLiteral("%1: HTTP %2 %3; expected 200")
                                .arg(where)
                                .arg(status)
                                .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()));
    co_return makeError(QStringLiteral("%1: %2").arg(where, reply->errorString()));
}

// GCC 12 note: no ?: with class temporaries inside a co_await expression; it reads garbage there.
QCoro::Task<Result<FetchedMap>> run(Shared shared, MapSourceConfig config, std::optional<HeldMap> held)
{
    const Result<QUrl> url = co_await resolve(shared, config);
    if (!url)
        co_return makeError(url.error());
    const bool wantSignature = !config.publicKeyPem.isEmpty();
    // A held map that was taken unsigned must not be confirmed by a 304 once a key is configured.
    const bool conditional = held && !held->etag.isEmpty() && held->url == *url && (held->verified || !wantSignature);
    const QByteArray ifNoneMatch = conditional ? held->etag : QByteArray();
    const Result<Body> body = co_await get(shared, *url, ifNoneMatch);
    if (!body)
        co_return stageError(FetchStage::Http, body.error());
    const QString where = url->toDisplayString();
    const QDateTime now = shared->clock();
    if (body->status == 304) {
        if (!conditional)
            co_return stageError(FetchStage::Http, where + QStringLiteral(": 304 Not Modified to an unconditional GET"));
        if (held->map.isExpired(now))
            co_return stageError(FetchStage::Expired, QStringLiteral("%1 is not modified and the held map expired at %2")
                                                          .arg(where, stamp(held->map.expiresAt())));
        FetchedMap same{FetchedMap::Outcome::NotModified, *held};
        co_return same;
    }

    HeldMap fetched;
    fetched.bytes = body->bytes;
    fetched.etag = body->etag;
    fetched.url = *url;
    if (wantSignature) {
        // The signature is the map's path plus ".sig" (a query string, if any, stays at the end).
        QUrl sigUrl = *url;
        sigUrl.setPath(url->path() + QStringLiteral(".sig"));
        const QByteArray unconditional;
        const Result<Body> sig = co_await get(shared, sigUrl, unconditional);
        if (!sig)
            co_return stageError(FetchStage::Signature, QStringLiteral("cannot fetch the signature: ") + sig.error());
        if (sig->bytes.size() > kMaxSignatureFileBytes)
            co_return stageError(FetchStage::Signature, sigUrl.toDisplayString() + QStringLiteral(": not a signature (too large)"));
        // Verified before parsing: unauthenticated bytes never reach the parser.
        const Result<void> valid = verifyDetached(config.publicKeyPem, fetched.bytes, sig->bytes);
        if (!valid)
            co_return stageError(FetchStage::Signature, QStringLiteral("%1 (%2)").arg(valid.error(), sigUrl.toDisplayString()));
        fetched.signature = sig->bytes.trimmed() + '\n';
        fetched.verified = true;
    }

    Result<RouteMap> parsed = parseRouteMap(fetched.bytes);
    if (!parsed)
        co_return stageError(FetchStage::Parse, QStringLiteral("%1: %2").arg(where, parsed.error()));
    if (!config.provider.isEmpty() && parsed->provider != config.provider)
        co_return stageError(FetchStage::Parse, QStringLiteral("%1: the map is for provider '%2', expected '%3'")
                                                    .arg(where, parsed->provider, config.provider));
    if (held && parsed->generatedAt < held->map.generatedAt)
        co_return stageError(FetchStage::Rollback, QStringLiteral("%1: the map was generated at %2, before the held "
                                                                  "map (%3); refused")
                                                       .arg(where, stamp(parsed->generatedAt), stamp(held->map.generatedAt)));
    if (parsed->isExpired(now))
        co_return stageError(FetchStage::Expired, QStringLiteral("%1: the map expired at %2 (generated_at + valid_for_s)")
                                                      .arg(where, stamp(parsed->expiresAt())));
    fetched.map = std::move(parsed).value();
    FetchedMap result{FetchedMap::Outcome::Fetched, std::move(fetched)};
    co_return result;
}

} // namespace

MapFetcher::MapFetcher(QObject *parent)
    : QObject(parent)
    , m_shared(std::make_shared<Shared>())
{
}

MapFetcher::~MapFetcher()
{
    m_shared->alive = false;
    abortAll();
    // Fetches in flight are resumed later, by the queued events abort() posted; until the last has
    // released the shared state, the manager (which owns their replies) must stay. It is then
    // deleted later, never from inside a reply's own event. Without fetches: deleted now.
    if (m_shared.use_count() == 1)
        delete m_shared->network.release();
}

void MapFetcher::setTimeout(std::chrono::milliseconds timeout)
{
    m_shared->timeout = timeout;
}

std::chrono::milliseconds MapFetcher::timeout() const
{
    return m_shared->timeout;
}

void MapFetcher::setClock(Clock clock)
{
    m_shared->clock = std::move(clock);
}

QCoro::Task<Result<FetchedMap>> MapFetcher::fetch(MapSourceConfig config, std::optional<HeldMap> held)
{
    return run(m_shared, std::move(config), std::move(held));
}

void MapFetcher::abortAll()
{
    m_shared->abortingAll = true;
    for (QDnsLookup *lookup : QSet<QDnsLookup *>(m_shared->lookups))
        lookup->abort();
    for (QNetworkReply *reply : QSet<QNetworkReply *>(m_shared->replies))
        reply->abort();
    m_shared->abortingAll = false;
}

} // namespace relayrace::map
