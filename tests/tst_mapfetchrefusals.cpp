// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// What a map fetch refuses, against a real dnsmasq and the lab origin, each refusal naming its
// stage: rollback to an older map, a tampered map, a missing or malformed signature, a signed map
// that does not parse, an expired map, DNS failures and a silent nameserver, HTTP failures, an
// oversized map.
#include "map/mapcodec.h"
#include "map/mapfetcher.h"
#include "map/routemap.h"
#include "support/mapfetchlab.h"

#include <QElapsedTimer>
#include <QTest>

using namespace relayrace;
using namespace relayrace::map;
using namespace relayrace::testsupport::mapfetchlab;
using std::chrono::milliseconds;

class TestMapFetchRefusals final : public MapFetchLab
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startLab(); }

    void cleanupTestCase() { stopLab(); }

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
};

QTEST_GUILESS_MAIN(TestMapFetchRefusals)
#include "tst_mapfetchrefusals.moc"
