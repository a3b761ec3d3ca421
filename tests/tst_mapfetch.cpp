// Fetching maps by name against a real dnsmasq (TXT records on 127.0.0.x port 53) and the lab origin
// serving the map and its signature over HTTP: the fetcher's stages, MapSource's statuses and the CLI.
#include "lab/origin.h"
#include "map/mapcodec.h"
#include "map/mapfetcher.h"
#include "map/mapsigner.h"
#include "map/mapsource.h"
#include "support/dnsmasq.h"
#include "support/routemaps.h"

#include <QDnsLookup>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <QCoroTask>

#include <sys/prctl.h>

#include <csignal>
#include <memory>

using namespace relayrace;
using namespace relayrace::map;
using relayrace::testsupport::Dnsmasq;
using relayrace::testsupport::freeDnsAddress;
using std::chrono::milliseconds;

namespace {

constexpr int kTimeoutMs = 60000;
const QString kMapPath = QStringLiteral("/maps/acme.json");
const QString kSigPath = QStringLiteral("/maps/acme.json.sig");

template<typename T>
QByteArray why(const Result<T> &result)
{
    return result ? QByteArray() : result.error().toUtf8();
}

// QCoro::waitFor needs a default-constructible result; Result<T> is not one.
template<typename T>
T awaitResult(QCoro::Task<T> task)
{
    auto wrapped = [](QCoro::Task<T> inner) -> QCoro::Task<std::optional<T>> { co_return co_await std::move(inner); };
    return *QCoro::waitFor(wrapped(std::move(task)));
}

QDateTime nowSeconds()
{
    return QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), Qt::UTC);
}

RouteMap makeMap(const QDateTime &generatedAt, qint64 validForS = 3600, const QString &provider = QStringLiteral("acme"))
{
    return testsupport::testRouteMap(provider, generatedAt, validForS);
}

} // namespace

class TestMapFetch final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QByteArray m_private;
    QByteArray m_public;
    std::unique_ptr<lab::Origin> m_origin;
    std::unique_ptr<lab::Origin> m_origin2; // stopped by tests to play "origin down"
    quint16 m_port2 = 0;
    Dnsmasq m_dns;
    QHostAddress m_deadNameserver;          // nothing listens there
    std::unique_ptr<QUdpSocket> m_silent;   // a "nameserver" that never answers

    QString path(const QString &name) const { return m_dir.filePath(name); }

    QByteArray runOpenSsl(const QStringList &args)
    {
        QProcess process;
        process.start(QStringLiteral("openssl"), args);
        process.waitForFinished(60000);
        return process.exitCode() == 0 ? process.readAllStandardOutput() : QByteArray();
    }

    QByteArray readFile(const QString &name) const
    {
        QFile file(path(name));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    void writeFile(const QString &name, const QByteArray &bytes) const
    {
        QFile file(path(name));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write(bytes), bytes.size());
    }

    QByteArray sign(const QByteArray &bytes) const { return signDetached(m_private, bytes).value(); }

    // Serves bytes as the map and sig as its signature (null: no signature file).
    void serve(const QByteArray &bytes, const QByteArray &sig, lab::Origin *origin = nullptr)
    {
        origin = origin ? origin : m_origin.get();
        origin->setStaticFile(kMapPath, bytes, "application/json");
        if (sig.isNull())
            origin->removeStaticFile(kSigPath);
        else
            origin->setStaticFile(kSigPath, sig, "text/plain");
    }

    QByteArray serveSigned(const RouteMap &m, lab::Origin *origin = nullptr)
    {
        const QByteArray bytes = serializeRouteMap(m);
        serve(bytes, sign(bytes), origin);
        return bytes;
    }

    MapSourceConfig config(const QString &name = QStringLiteral("acme.lab.test"), bool withKey = true) const
    {
        return MapSourceConfig{QStringLiteral("acme"), name, m_dns.address(), withKey ? m_public : QByteArray()};
    }

    static Result<FetchedMap> fetchNow(MapFetcher &fetcher, const MapSourceConfig &config, std::optional<HeldMap> held = std::nullopt)
    {
        return awaitResult(fetcher.fetch(config, std::move(held)));
    }

    // A source that only refreshes when told (automatic refreshes and retries far away).
    static std::unique_ptr<MapSource> makeSource()
    {
        auto source = std::make_unique<MapSource>();
        MapSource::Timing timing;
        timing.retryMin = timing.retryMax = std::chrono::minutes(30);
        source->setTiming(timing);
        return source;
    }

    // Not waitForFinished(): the origin the CLI talks to runs on this thread's event loop.
    static void runCli(QProcess &process, const QStringList &args)
    {
        QSignalSpy finished(&process, &QProcess::finished);
        process.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"), args);
        QVERIFY(finished.wait(kTimeoutMs));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        runOpenSsl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("ed25519"), QStringLiteral("-out"), path(QStringLiteral("key.pem"))});
        runOpenSsl({QStringLiteral("pkey"), QStringLiteral("-in"), path(QStringLiteral("key.pem")), QStringLiteral("-pubout"), QStringLiteral("-out"), path(QStringLiteral("pub.pem"))});
        m_private = readFile(QStringLiteral("key.pem"));
        m_public = readFile(QStringLiteral("pub.pem"));
        QVERIFY(m_private.contains("PRIVATE KEY") && m_public.contains("PUBLIC KEY"));

        m_origin = std::make_unique<lab::Origin>(QStringLiteral("acme"));
        const quint16 port = m_origin->listen();
        QVERIFY(port != 0);
        m_origin2 = std::make_unique<lab::Origin>(QStringLiteral("acme"));
        m_port2 = m_origin2->listen();
        QVERIFY(m_port2 != 0);
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 deadPort = closed.serverPort();
        closed.close();

        const auto url = [](quint16 p, const QString &rest) { return QStringLiteral("http://127.0.0.1:%1%2").arg(p).arg(rest); };
        // dnsmasq splits a record's strings at commas and keeps quote characters: none here.
        const QStringList records{
            QStringLiteral("acme.lab.test,v=rr1 url=%1").arg(url(port, kMapPath)),
            QStringLiteral("acme.lab.test,google-site-verification=abc"), // others are ignored
            QStringLiteral("chunks.lab.test,v=rr1 url=%1,%2").arg(url(port, QStringLiteral("/ma")), QStringLiteral("ps/acme.json")),
            QStringLiteral("missing.lab.test,v=rr1 url=%1").arg(url(port, QStringLiteral("/maps/missing.json"))),
            QStringLiteral("down.lab.test,v=rr1 url=%1").arg(url(deadPort, kMapPath)),
            QStringLiteral("second.lab.test,v=rr1 url=%1").arg(url(m_port2, kMapPath)),
            QStringLiteral("slow.lab.test,v=rr1 url=%1").arg(url(port, QStringLiteral("/delay/30000"))),
            QStringLiteral("huge.lab.test,v=rr1 url=%1").arg(url(port, QStringLiteral("/maps/huge.json"))),
            QStringLiteral("twice.lab.test,v=rr1 url=%1").arg(url(port, kMapPath)),
            QStringLiteral("twice.lab.test,v=rr1 url=%1").arg(url(m_port2, kMapPath)),
            QStringLiteral("other.lab.test,hello world"),
            QStringLiteral("badurl.lab.test,v=rr1 url=ftp://127.0.0.1/map.json"),
        };
        // 127.0.0.153 unless another run holds it.
        QString error = QStringLiteral("no free address");
        for (int i = 153; i <= 158 && !m_dns.running(); ++i) {
            const QHostAddress address = freeDnsAddress(i, i, {});
            if (!address.isNull())
                error = m_dns.start(address, records);
        }
        QVERIFY2(m_dns.running(), qPrintable(error));
        m_deadNameserver = freeDnsAddress(160, 170, {m_dns.address()});
        QVERIFY(!m_deadNameserver.isNull());
        m_silent = std::make_unique<QUdpSocket>();
        const QHostAddress silent = freeDnsAddress(171, 180, {m_dns.address(), m_deadNameserver});
        QVERIFY(!silent.isNull() && m_silent->bind(silent, 53));

        QDnsLookup lookup(QDnsLookup::TXT, QStringLiteral("acme.lab.test"), m_dns.address());
        QSignalSpy done(&lookup, &QDnsLookup::finished);
        lookup.lookup();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, kTimeoutMs);
        QCOMPARE(lookup.error(), QDnsLookup::NoError);
        QCOMPARE(lookup.textRecords().size(), 2);
    }

    void cleanupTestCase()
    {
        m_dns.stop();
        QVERIFY(!m_dns.running());
    }

    void txtRecordNeedsExactlyOneV1RecordWithHttpUrl_data()
    {
        QTest::addColumn<QList<QByteArray>>("records");
        QTest::addColumn<QString>("result"); // the URL, or the start of the error
        const QByteArray good = "v=rr1 url=https://maps.example/acme.json";
        QTest::addRow("one record") << QList<QByteArray>{good} << QStringLiteral("https://maps.example/acme.json");
        QTest::addRow("others ignored") << QList<QByteArray>{"spf1 -all", good, "v=rr2 url=http://x/"} << QStringLiteral("https://maps.example/acme.json");
        QTest::addRow("extra keys ignored") << QList<QByteArray>{"v=rr1  ttl=60 url=http://m.example:8080/a?b=c"} << QStringLiteral("http://m.example:8080/a?b=c");
        QTest::addRow("none") << QList<QByteArray>{"hello"} << QStringLiteral("dns: n.test has no \"v=rr1 url=<URL>\" TXT record (1 other");
        QTest::addRow("two") << QList<QByteArray>{good, good} << QStringLiteral("dns: n.test has 2 \"v=rr1\" TXT records; expected exactly one");
        QTest::addRow("no url") << QList<QByteArray>{"v=rr1"} << QStringLiteral("dns: n.test: TXT record \"v=rr1\" needs exactly one url=");
        QTest::addRow("relative url") << QList<QByteArray>{"v=rr1 url=/maps/acme.json"} << QStringLiteral("dns: n.test: TXT record");
        QTest::addRow("ftp url") << QList<QByteArray>{"v=rr1 url=ftp://maps.example/a"} << QStringLiteral("dns: n.test: TXT record");
        QTest::addRow("prefix only") << QList<QByteArray>{"v=rr10 url=http://x/"} << QStringLiteral("dns: n.test has no");
    }

    void txtRecordNeedsExactlyOneV1RecordWithHttpUrl()
    {
        QFETCH(QList<QByteArray>, records);
        QFETCH(QString, result);
        const Result<QUrl> url = mapUrlFromTxtRecords(QStringLiteral("n.test"), records);
        if (result.startsWith(QStringLiteral("dns: "))) {
            QVERIFY(!url);
            QVERIFY2(url.error().startsWith(result), why(url));
            QCOMPARE(stageOf(url.error()), FetchStage::Dns);
        } else {
            QVERIFY2(url, why(url));
            QCOMPARE(*url, QUrl(result));
        }
    }

    void fetchResolvesTxtAndVerifiesSignedMap()
    {
        const RouteMap m = makeMap(nowSeconds());
        const QByteArray bytes = serveSigned(m);
        MapFetcher fetcher;
        const auto fetched = fetchNow(fetcher, config());
        QVERIFY2(fetched, why(fetched));
        QCOMPARE(fetched->outcome, FetchedMap::Outcome::Fetched);
        QVERIFY(fetched->held.verified);
        QCOMPARE(fetched->held.map, m);
        QCOMPARE(fetched->held.bytes, bytes);
        QVERIFY(verifyDetached(m_public, bytes, fetched->held.signature));
        QVERIFY(fetched->held.etag.startsWith('"'));
        QCOMPARE(fetched->held.url.port(), m_origin->url().port());
    }

    void fetchJoinsTheStringsOfASplitTxtRecord()
    {
        serveSigned(makeMap(nowSeconds()));
        MapFetcher fetcher;
        const auto fetched = fetchNow(fetcher, config(QStringLiteral("chunks.lab.test")));
        QVERIFY2(fetched, why(fetched));
        QCOMPARE(fetched->held.url.path(), kMapPath);
    }

    void fetchWithoutKeyTakesMapUnsignedAndSkipsSig()
    {
        const RouteMap m = makeMap(nowSeconds());
        serve(serializeRouteMap(m), QByteArray()); // no .sig at all
        MapFetcher fetcher;
        const auto fetched = fetchNow(fetcher, config(QStringLiteral("acme.lab.test"), false));
        QVERIFY2(fetched, why(fetched));
        QVERIFY(!fetched->held.verified);
        QVERIFY(fetched->held.signature.isEmpty());
        QCOMPARE(fetched->held.map, m);
    }

    void refreshSends304ConditionalAndKeepsHeldMap()
    {
        const RouteMap m = makeMap(nowSeconds());
        serveSigned(m);
        MapFetcher fetcher;
        const auto first = fetchNow(fetcher, config());
        QVERIFY2(first, why(first));
        const qint64 before = m_origin->stats().requests;
        const auto second = fetchNow(fetcher, config(), first->held);
        QVERIFY2(second, why(second));
        QCOMPARE(second->outcome, FetchedMap::Outcome::NotModified);
        QCOMPARE(second->held.bytes, first->held.bytes);
        QCOMPARE(second->held.etag, first->held.etag);
        // One conditional GET answered 304; the signature is not fetched again.
        QCOMPARE(m_origin->stats().requests - before, 1);
    }

    void newerMapReplacesHeldOne()
    {
        const QDateTime now = nowSeconds();
        serveSigned(makeMap(now.addSecs(-60)));
        MapFetcher fetcher;
        const auto first = fetchNow(fetcher, config());
        QVERIFY(first);
        const RouteMap newer = makeMap(now);
        serveSigned(newer);
        const auto second = fetchNow(fetcher, config(), first->held);
        QVERIFY2(second, why(second));
        QCOMPARE(second->outcome, FetchedMap::Outcome::Fetched);
        QCOMPARE(second->held.map, newer);
        QVERIFY(second->held.etag != first->held.etag);
    }

    void olderMapIsRefusedAsRollback()
    {
        const QDateTime now = nowSeconds();
        serveSigned(makeMap(now));
        MapFetcher fetcher;
        const auto held = fetchNow(fetcher, config());
        QVERIFY(held);
        serveSigned(makeMap(now.addSecs(-600))); // validly signed, but older
        const auto again = fetchNow(fetcher, config(), held->held);
        QVERIFY(!again);
        QCOMPARE(stageOf(again.error()), FetchStage::Rollback);
        QVERIFY2(again.error().contains(now.toString(Qt::ISODate)), why(again));
    }

    void tamperedMapIsRefusedBySignature()
    {
        const QByteArray bytes = serializeRouteMap(makeMap(nowSeconds()));
        QByteArray tampered = bytes;
        tampered.replace("Frankfurt", "Frankfurz");
        serve(tampered, sign(bytes));
        MapFetcher fetcher;
        const auto fetched = fetchNow(fetcher, config());
        QVERIFY(!fetched);
        QVERIFY2(fetched.error().startsWith(QStringLiteral("signature: does not match")), why(fetched));
    }

    void missingOrMalformedSignatureIsRefused_data()
    {
        QTest::addColumn<QByteArray>("sig");
        QTest::addColumn<QString>("error");
        QTest::addRow("no .sig (404)") << QByteArray() << QStringLiteral("signature: cannot fetch the signature: ");
        QTest::addRow("wrong length") << QByteArray(QByteArray(63, 'x').toBase64() + '\n')
                                      << QStringLiteral("signature: expected 64 bytes after base64 decoding, got 63");
        QTest::addRow("not base64") << QByteArray("%%%\n") << QStringLiteral("signature: not valid base64");
    }

    void missingOrMalformedSignatureIsRefused()
    {
        QFETCH(QByteArray, sig);
        QFETCH(QString, error);
        serve(serializeRouteMap(makeMap(nowSeconds())), sig);
        MapFetcher fetcher;
        const auto fetched = fetchNow(fetcher, config());
        QVERIFY(!fetched);
        QVERIFY2(fetched.error().startsWith(error), why(fetched));
    }

    void signedButInvalidMapIsRefusedAtParse_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("error");
        QTest::addRow("malformed JSON") << QByteArray("{\"format\": ") << QStringLiteral("acme") << QStringLiteral("malformed JSON");
        QTest::addRow("another provider") << serializeRouteMap(makeMap(nowSeconds(), 3600, QStringLiteral("globex")))
                                          << QStringLiteral("acme") << QStringLiteral("the map is for provider 'globex', expected 'acme'");
    }

    void signedButInvalidMapIsRefusedAtParse()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, error);
        serve(bytes, sign(bytes));
        MapFetcher fetcher;
        const auto fetched = fetchNow(fetcher, config());
        QVERIFY(!fetched);
        QCOMPARE(stageOf(fetched.error()), FetchStage::Parse);
        QVERIFY2(fetched.error().contains(error), why(fetched));
    }

    void expiredMapIsRefused()
    {
        serveSigned(makeMap(nowSeconds().addSecs(-7200), 3600));
        MapFetcher fetcher;
        const auto old = fetchNow(fetcher, config());
        QVERIFY(!old);
        QCOMPARE(stageOf(old.error()), FetchStage::Expired);

        // The same check on an injected clock: a valid map seen from two hours later.
        serveSigned(makeMap(nowSeconds(), 3600));
        QVERIFY(fetchNow(fetcher, config()));
        fetcher.setClock([] { return QDateTime::currentDateTimeUtc().addSecs(7200); });
        const auto later = fetchNow(fetcher, config());
        QVERIFY(!later);
        QVERIFY2(later.error().startsWith(QStringLiteral("expired: ")), why(later));
    }

    void dnsFailuresNameTheDnsStage_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("deadNameserver");
        QTest::addColumn<QString>("error");
        QTest::addRow("no such name") << QStringLiteral("none.lab.test") << false << QStringLiteral("no such name");
        QTest::addRow("no v=rr1 record") << QStringLiteral("other.lab.test") << false << QStringLiteral("has no \"v=rr1 url=<URL>\" TXT record");
        QTest::addRow("two v=rr1 records") << QStringLiteral("twice.lab.test") << false << QStringLiteral("expected exactly one");
        QTest::addRow("ftp url") << QStringLiteral("badurl.lab.test") << false << QStringLiteral("absolute http or https URL");
        QTest::addRow("nameserver down") << QStringLiteral("acme.lab.test") << true << QStringLiteral("failed");
    }

    void dnsFailuresNameTheDnsStage()
    {
        QFETCH(QString, name);
        QFETCH(bool, deadNameserver);
        QFETCH(QString, error);
        serveSigned(makeMap(nowSeconds()));
        MapSourceConfig c = config(name);
        if (deadNameserver)
            c.nameserver = m_deadNameserver;
        MapFetcher fetcher;
        const auto fetched = fetchNow(fetcher, c);
        QVERIFY(!fetched);
        QCOMPARE(stageOf(fetched.error()), FetchStage::Dns);
        QVERIFY2(fetched.error().contains(error), why(fetched));
    }

    void dnsLookupIsBoundedByTheTimeout()
    {
        MapSourceConfig c = config();
        c.nameserver = m_silent->localAddress();
        MapFetcher fetcher;
        fetcher.setTimeout(milliseconds(1000));
        QElapsedTimer timer;
        timer.start();
        const auto fetched = fetchNow(fetcher, c);
        QVERIFY(!fetched);
        QVERIFY2(fetched.error().startsWith(QStringLiteral("dns: no answer for acme.lab.test from %1 within 1000 ms").arg(c.nameserver.toString())),
                 why(fetched));
        QVERIFY2(timer.elapsed() < 4000, qPrintable(QString::number(timer.elapsed())));
    }

    void httpFailuresNameTheHttpStage_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("error");
        QTest::addRow("404") << QStringLiteral("missing.lab.test") << QStringLiteral("HTTP 404");
        QTest::addRow("origin down") << QStringLiteral("down.lab.test") << QStringLiteral("refused");
    }

    void httpFailuresNameTheHttpStage()
    {
        QFETCH(QString, name);
        QFETCH(QString, error);
        MapFetcher fetcher;
        const auto fetched = fetchNow(fetcher, config(name));
        QVERIFY(!fetched);
        QCOMPARE(stageOf(fetched.error()), FetchStage::Http);
        QVERIFY2(fetched.error().contains(error), why(fetched));
    }

    void oversizedMapIsRefusedWithoutParsing()
    {
        m_origin->setStaticFile(QStringLiteral("/maps/huge.json"), QByteArray(RouteMap::kMaxBytes + 1, ' '), "application/json");
        MapFetcher fetcher;
        const auto fetched = fetchNow(fetcher, config(QStringLiteral("huge.lab.test"), false));
        m_origin->removeStaticFile(QStringLiteral("/maps/huge.json"));
        QVERIFY(!fetched);
        QVERIFY2(fetched.error().startsWith(QStringLiteral("http: ")) && fetched.error().contains(QStringLiteral("larger than")),
                 why(fetched));
    }

    void destroyingFetcherMidTransferEndsTheFetch()
    {
        auto fetcher = std::make_unique<MapFetcher>();
        const qint64 before = m_origin->stats().connections;
        QCoro::Task<Result<FetchedMap>> task = fetcher->fetch(config(QStringLiteral("slow.lab.test")));
        QTRY_VERIFY_WITH_TIMEOUT(m_origin->stats().connections > before, kTimeoutMs);
        QVERIFY(!task.isReady());
        fetcher.reset(); // the fetch ends from the event loop, after the fetcher is gone
        const auto result = awaitResult(std::move(task));
        QVERIFY(!result);
        QVERIFY2(result.error().startsWith(QStringLiteral("http: ")) && result.error().endsWith(QStringLiteral("aborted")), why(result));
    }

    // MapSource: what the engine and the console see.

    void sourceReportsFreshThenNotModifiedThenNewMap()
    {
        const QDateTime now = nowSeconds();
        const RouteMap first = makeMap(now.addSecs(-60));
        serveSigned(first);
        const auto source = makeSource();
        QSignalSpy maps(source.get(), &MapSource::mapChanged);
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        source->setProvider(config());
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, kTimeoutMs);
        QCOMPARE(statuses.at(0).at(1).value<MapStatus>(), MapStatus::Fresh);
        QCOMPARE(maps.count(), 1);
        QCOMPARE(maps.at(0).at(1).value<RouteMap>(), first);
        QVERIFY(source->map(QStringLiteral("acme")) == first);
        const ProviderMapState fresh = source->state(QStringLiteral("acme"));
        QVERIFY(fresh.error.isEmpty());
        QVERIFY(fresh.fetchedAt.isValid());
        // 80% of the remaining validity (59 min) is about 47 min away.
        QVERIFY(qAbs(fresh.fetchedAt.secsTo(fresh.nextRefreshAt) - 59 * 60 * 8 / 10) < 10);

        QVERIFY(source->refresh(QStringLiteral("acme")));
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 2, kTimeoutMs);
        QCOMPARE(statuses.at(1).at(1).value<MapStatus>(), MapStatus::NotModified);
        QCOMPARE(maps.count(), 1);

        const RouteMap second = makeMap(now);
        serveSigned(second);
        QVERIFY(source->refresh(QStringLiteral("acme")));
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 3, kTimeoutMs);
        QCOMPARE(statuses.at(2).at(1).value<MapStatus>(), MapStatus::Fresh);
        QCOMPARE(maps.count(), 2);
        QVERIFY(source->map(QStringLiteral("acme")) == second);
    }

    void sourceWithoutKeyReportsUnsigned()
    {
        const RouteMap m = makeMap(nowSeconds());
        serve(serializeRouteMap(m), QByteArray());
        const auto source = makeSource();
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        source->setProvider(config(QStringLiteral("acme.lab.test"), false));
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, kTimeoutMs);
        QCOMPARE(source->state(QStringLiteral("acme")).status, MapStatus::Unsigned);
        QVERIFY(source->map(QStringLiteral("acme")) == m);
    }

    void sourceKeepsLastGoodMapWhenARefreshFails_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<FetchStage>("stage");
        QTest::addRow("rollback") << QStringLiteral("rollback") << FetchStage::Rollback;
        QTest::addRow("tampered map") << QStringLiteral("tampered") << FetchStage::Signature;
        QTest::addRow("name without record") << QStringLiteral("no-record") << FetchStage::Dns;
        QTest::addRow("nameserver down") << QStringLiteral("nameserver-down") << FetchStage::Dns;
        QTest::addRow("HTTP 404") << QStringLiteral("404") << FetchStage::Http;
        QTest::addRow("origin down") << QStringLiteral("origin-down") << FetchStage::Http;
    }

    void sourceKeepsLastGoodMapWhenARefreshFails()
    {
        QFETCH(QString, fault);
        QFETCH(FetchStage, stage);
        const bool second = fault == u"origin-down";
        if (second && !m_origin2) {
            m_origin2 = std::make_unique<lab::Origin>(QStringLiteral("acme"));
            QCOMPARE(m_origin2->listen(m_port2), m_port2);
        }
        lab::Origin *origin = second ? m_origin2.get() : m_origin.get();
        const QDateTime now = nowSeconds();
        const RouteMap good = makeMap(now);
        const QByteArray goodBytes = serveSigned(good, origin);
        const MapSourceConfig goodConfig = config(second ? QStringLiteral("second.lab.test") : QStringLiteral("acme.lab.test"));
        const auto source = makeSource();
        QSignalSpy maps(source.get(), &MapSource::mapChanged);
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        source->setProvider(goodConfig);
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, kTimeoutMs);
        QCOMPARE(source->state(QStringLiteral("acme")).status, MapStatus::Fresh);

        MapSourceConfig faulty = goodConfig;
        if (fault == u"rollback") {
            serveSigned(makeMap(now.addSecs(-600)));
        } else if (fault == u"tampered") {
            serve(QByteArray(goodBytes).replace("Frankfurt", "Frankfurz"), sign(goodBytes));
        } else if (fault == u"no-record") {
            faulty.name = QStringLiteral("none.lab.test");
        } else if (fault == u"nameserver-down") {
            faulty.nameserver = m_deadNameserver;
        } else if (fault == u"404") {
            m_origin->removeStaticFile(kMapPath);
        } else if (fault == u"origin-down") {
            m_origin2.reset();
        }
        if (faulty == goodConfig)
            QVERIFY(source->refresh(QStringLiteral("acme")));
        else
            source->setProvider(faulty); // a new source for the same provider
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 2, kTimeoutMs);
        const ProviderMapState kept = source->state(QStringLiteral("acme"));
        QCOMPARE(kept.status, MapStatus::LastGoodKept);
        QCOMPARE(statuses.at(1).at(1).value<MapStatus>(), MapStatus::LastGoodKept);
        QCOMPARE(stageOf(kept.error), stage);
        QCOMPARE(kept.consecutiveFailures, 1);
        QVERIFY(source->map(QStringLiteral("acme")) == good);
        QCOMPARE(kept.held->bytes, goodBytes);
        QCOMPARE(maps.count(), 1); // nothing partial, nothing new was applied

        // Undo the fault: the same map is served again and confirmed with a 304.
        if (second) {
            m_origin2 = std::make_unique<lab::Origin>(QStringLiteral("acme"));
            QCOMPARE(m_origin2->listen(m_port2), m_port2);
        }
        serveSigned(good, second ? m_origin2.get() : m_origin.get());
        if (faulty == goodConfig)
            QVERIFY(source->refresh(QStringLiteral("acme")));
        else
            source->setProvider(goodConfig);
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 3, kTimeoutMs);
        QCOMPARE(source->state(QStringLiteral("acme")).status, MapStatus::NotModified);
        QVERIFY(source->state(QStringLiteral("acme")).error.isEmpty());
        QCOMPARE(maps.count(), 1);
    }

    void sourceWithoutAnyMapReportsFailedAndBacksOff()
    {
        // A fixed clock makes the scheduled delays exact.
        const QDateTime fixed = nowSeconds();
        const auto source = std::make_unique<MapSource>();
        source->setClock([fixed] { return fixed; });
        MapSource::Timing timing;
        timing.retryMin = milliseconds(100);
        timing.retryMax = milliseconds(400);
        source->setTiming(timing);
        QSignalSpy maps(source.get(), &MapSource::mapChanged);
        QList<qint64> delays;
        connect(source.get(), &MapSource::statusChanged, this, [&](const QString &provider, MapStatus status) {
            const ProviderMapState s = source->state(provider);
            QCOMPARE(status, MapStatus::Failed);
            delays.append(s.attemptedAt.msecsTo(s.nextRefreshAt));
        });
        source->setProvider(config(QStringLiteral("none.lab.test")));
        QTRY_VERIFY_WITH_TIMEOUT(delays.size() >= 5, kTimeoutMs);
        QCOMPARE(delays.mid(0, 5), (QList<qint64>{100, 200, 400, 400, 400}));
        QCOMPARE(maps.count(), 0);
        QVERIFY(!source->map(QStringLiteral("acme")));
        QVERIFY(source->state(QStringLiteral("acme")).error.startsWith(QStringLiteral("dns: ")));
        QVERIFY(source->state(QStringLiteral("acme")).consecutiveFailures >= 5);
    }

    void sourceRefreshesOnItsOwnBeforeExpiry()
    {
        serveSigned(makeMap(nowSeconds(), 4));
        const auto source = std::make_unique<MapSource>();
        MapSource::Timing timing;
        timing.minRefresh = milliseconds(0);
        source->setTiming(timing);
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        source->setProvider(config());
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, kTimeoutMs);
        const ProviderMapState first = source->state(QStringLiteral("acme"));
        QCOMPARE(first.status, MapStatus::Fresh);
        // 80% of what is left of 4 s (generated_at is whole seconds: 3 to 4 s left).
        const qint64 delay = first.attemptedAt.msecsTo(first.nextRefreshAt);
        QVERIFY2(delay >= 1600 && delay <= 3200, qPrintable(QString::number(delay)));
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 2, kTimeoutMs); // nobody called refresh()
        QCOMPARE(statuses.at(1).at(1).value<MapStatus>(), MapStatus::NotModified);
    }

    void reconfiguringDuringAFetchAbortsItForTheNewSource()
    {
        serveSigned(makeMap(nowSeconds()));
        const auto source = makeSource();
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        const qint64 before = m_origin->stats().connections;
        source->setProvider(config(QStringLiteral("slow.lab.test"))); // answers after 30 s
        QTRY_VERIFY_WITH_TIMEOUT(m_origin->stats().connections > before, kTimeoutMs);
        source->setProvider(config());
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, 20000); // well before the slow answer
        QCOMPARE(source->state(QStringLiteral("acme")).status, MapStatus::Fresh);
    }

    void sourceDestroyedMidFetchEmitsNothing()
    {
        auto source = makeSource();
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        const qint64 before = m_origin->stats().connections;
        source->setProvider(config(QStringLiteral("slow.lab.test")));
        QTRY_VERIFY_WITH_TIMEOUT(m_origin->stats().connections > before, kTimeoutMs);
        QVERIFY(source->state(QStringLiteral("acme")).refreshing);
        source.reset(); // ASan/LSan runs show nothing of the fetch is left behind
        QCOMPARE(statuses.count(), 0);
    }

    // The CLI, once each.

    void cliSignsAndVerifiesAMapFile()
    {
        writeFile(QStringLiteral("cli.json"), serializeRouteMap(makeMap(nowSeconds())));
        QProcess sign;
        runCli(sign, {QStringLiteral("map"), QStringLiteral("sign"), QStringLiteral("--key"), path(QStringLiteral("key.pem")), path(QStringLiteral("cli.json"))});
        QVERIFY2(sign.exitCode() == 0, sign.readAllStandardError().constData());
        QCOMPARE(readFile(QStringLiteral("cli.json.sig")).size(), 89); // 88 base64 characters and a newline

        QProcess verify;
        runCli(verify, {QStringLiteral("map"), QStringLiteral("verify"), QStringLiteral("--pubkey"), path(QStringLiteral("pub.pem")), path(QStringLiteral("cli.json"))});
        QVERIFY2(verify.exitCode() == 0, verify.readAllStandardError().constData());

        writeFile(QStringLiteral("cli.json"), readFile(QStringLiteral("cli.json")).replace("Frankfurt", "Frankfurz"));
        QProcess tampered;
        runCli(tampered, {QStringLiteral("map"), QStringLiteral("verify"), QStringLiteral("--pubkey"), path(QStringLiteral("pub.pem")), path(QStringLiteral("cli.json"))});
        QCOMPARE(tampered.exitCode(), 1);
        QVERIFY(tampered.readAllStandardError().contains("signature: does not match"));

        writeFile(QStringLiteral("cli.json.sig"), QByteArray(63, 'x').toBase64() + '\n');
        QProcess shortSig;
        runCli(shortSig, {QStringLiteral("map"), QStringLiteral("verify"), QStringLiteral("--pubkey"), path(QStringLiteral("pub.pem")), path(QStringLiteral("cli.json"))});
        QCOMPARE(shortSig.exitCode(), 1);
        QVERIFY(shortSig.readAllStandardError().contains("signature: expected 64 bytes after base64 decoding, got 63"));
    }

    void cliFetchWritesVerifiedMapAndRefusesRollback()
    {
        const QDateTime now = nowSeconds();
        const QByteArray bytes = serveSigned(makeMap(now));
        const QStringList fetchArgs{QStringLiteral("map"), QStringLiteral("fetch"), QStringLiteral("--name"), QStringLiteral("acme.lab.test"),
                                    QStringLiteral("--nameserver"), m_dns.address().toString(), QStringLiteral("--pubkey"),
                                    path(QStringLiteral("pub.pem")), QStringLiteral("--json"), QStringLiteral("-o"), path(QStringLiteral("fetched.json"))};
        QProcess fetch;
        runCli(fetch, fetchArgs);
        QVERIFY2(fetch.exitCode() == 0, fetch.readAllStandardError().constData());
        const QJsonObject report = QJsonDocument::fromJson(fetch.readAllStandardOutput()).object();
        QCOMPARE(report.value(QStringLiteral("status")).toString(), QStringLiteral("fresh"));
        QCOMPARE(report.value(QStringLiteral("provider")).toString(), QStringLiteral("acme"));
        QCOMPARE(readFile(QStringLiteral("fetched.json")), bytes);
        QVERIFY(verifyDetached(m_public, bytes, readFile(QStringLiteral("fetched.json.sig"))));

        // An older map, against the file already at -o: refused, the file untouched.
        serveSigned(makeMap(now.addSecs(-600)));
        QProcess rollback;
        runCli(rollback, fetchArgs);
        QCOMPARE(rollback.exitCode(), 1);
        const QJsonObject refused = QJsonDocument::fromJson(rollback.readAllStandardOutput()).object();
        QCOMPARE(refused.value(QStringLiteral("stage")).toString(), QStringLiteral("rollback"));
        QVERIFY(rollback.readAllStandardError().contains("rollback: "));
        QCOMPARE(readFile(QStringLiteral("fetched.json")), bytes);

        // And against --held for a new output path.
        QProcess held;
        runCli(held, {QStringLiteral("map"), QStringLiteral("fetch"), QStringLiteral("--name"), QStringLiteral("acme.lab.test"),
                      QStringLiteral("--nameserver"), m_dns.address().toString(), QStringLiteral("--held"), path(QStringLiteral("fetched.json")),
                      QStringLiteral("-o"), path(QStringLiteral("new.json"))});
        QCOMPARE(held.exitCode(), 1);
        QVERIFY(held.readAllStandardError().contains("rollback: "));
        QVERIFY(!QFile::exists(path(QStringLiteral("new.json"))));
    }
};

QTEST_GUILESS_MAIN(TestMapFetch)
#include "tst_mapfetch.moc"
