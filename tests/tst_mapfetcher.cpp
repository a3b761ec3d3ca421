// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// What a map fetch delivers, against a real dnsmasq (TXT records on 127.0.0.x port 53) and the lab
// origin serving the map and its signature over HTTP: the TXT record names one URL, a signed map is
// verified, an unsigned one is taken without a key, a refresh is a conditional GET, a newer map
// replaces the held one, and a fetcher destroyed mid-transfer ends its fetch.
#include "map/mapcodec.h"
#include "map/mapfetcher.h"
#include "map/mapsigner.h"
#include "support/mapfetchlab.h"

#include <QTest>

#include <QCoroTask>

#include <memory>

using namespace relayrace;
using namespace relayrace::map;
using namespace relayrace::testsupport::mapfetchlab;

class TestMapFetcher final : public MapFetchLab
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startLab(); }

    void cleanupTestCase() { stopLab(); }

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
};

QTEST_GUILESS_MAIN(TestMapFetcher)
#include "tst_mapfetcher.moc"
