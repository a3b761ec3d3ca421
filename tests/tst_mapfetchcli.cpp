// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The `relayrace map` CLI, once each, against a real dnsmasq and the lab origin: `map sign` and
// `map verify` on a file, and `map fetch` writing a verified map and refusing a rollback.
#include "lab/content.h"
#include "map/mapcodec.h"
#include "map/mapsigner.h"
#include "support/mapfetchlab.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpServer>
#include <QProcess>
#include <QTest>

using namespace relayrace;
using namespace relayrace::map;
using namespace relayrace::testsupport::mapfetchlab;

class TestMapFetchCli final : public MapFetchLab
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startLab(); }

    void cleanupTestCase() { stopLab(); }

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

    void edgeServesAProviderWhoseMapComesFromDns()
    {
        // The map (signed, fetched by name from dnsmasq) sends requests straight to the lab origin.
        map::RouteMap m = makeMap(nowSeconds());
        m.origin = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_origin->servers().first()->serverPort()));
        m.direct = true;
        m.alternates.clear();
        serveSigned(m);
        const QJsonObject provider{
            {QStringLiteral("map_dns"), QJsonObject{{QStringLiteral("provider"), QStringLiteral("acme")},
                                                   {QStringLiteral("name"), QStringLiteral("acme.lab.test")},
                                                   {QStringLiteral("key"), QStringLiteral("pub.pem")},
                                                   {QStringLiteral("nameserver"), m_dns.address().toString()}}},
            {QStringLiteral("hosts"), QJsonArray{QStringLiteral("acme.example")}}};
        QJsonObject config{{QStringLiteral("listen"), QJsonArray{QStringLiteral("127.0.0.1:0")}},
                           {QStringLiteral("providers"), QJsonArray{provider}},
                           {QStringLiteral("logs"), QJsonObject{{QStringLiteral("access"), QStringLiteral("access.jsonl")},
                                                                {QStringLiteral("failover"), QStringLiteral("failover.jsonl")}}}};
        writeFile(QStringLiteral("edge.json"), QJsonDocument(config).toJson());

        QProcess edge;
        edge.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"), {QStringLiteral("edge"), QStringLiteral("--config"), path(QStringLiteral("edge.json"))});
        QByteArray out;
        const QRegularExpression listening(QStringLiteral("listening on 127.0.0.1:(\\d+)"));
        QVERIFY(QTest::qWaitFor([&] { out += edge.readAllStandardOutput(); return listening.match(QString::fromUtf8(out)).hasMatch(); }, kTimeoutMs));
        const QString url = QStringLiteral("http://127.0.0.1:%1/obj/dns?size=50000").arg(listening.match(QString::fromUtf8(out)).captured(1));
        QByteArray body;
        QVERIFY2(QTest::qWaitFor([&] { // the map arrives by DNS and HTTP after the edge listens
            QProcess curl;
            QSignalSpy done(&curl, &QProcess::finished);
            curl.start(QStringLiteral("curl"), {QStringLiteral("-sS"), QStringLiteral("-f"), QStringLiteral("-H"), QStringLiteral("Host: acme.example"), url});
            done.wait(kTimeoutMs);
            body = curl.readAllStandardOutput();
            return curl.exitCode() == 0;
        }, kTimeoutMs), "the edge served the provider once its map came by DNS");
        QCOMPARE(lab::sha256Hex(body), lab::contentSha256("/obj/dns", 50000));

        // A provider from DNS must name its hosts (the map is not there to give its origin's host).
        config[QStringLiteral("providers")] = QJsonArray{QJsonObject{{QStringLiteral("map_dns"), provider.value(QStringLiteral("map_dns"))}}};
        writeFile(QStringLiteral("bad.json"), QJsonDocument(config).toJson());
        QProcess bad;
        runCli(bad, {QStringLiteral("edge"), QStringLiteral("--config"), path(QStringLiteral("bad.json"))});
        QCOMPARE(bad.exitCode(), 2);
        QVERIFY2(bad.readAllStandardError().contains("providers[0].hosts: required with map_dns"), "the field is named");

        edge.terminate();
        QSignalSpy stopped(&edge, &QProcess::finished);
        QVERIFY(stopped.wait(kTimeoutMs));
        QCOMPARE(edge.exitCode(), 0);
    }

    void fetchAndRaceTakeAMapByDnsName()
    {
        map::RouteMap m = makeMap(nowSeconds());
        m.origin = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_origin->servers().first()->serverPort()));
        m.direct = true;
        m.alternates.clear();
        serveSigned(m);
        const QStringList byName{QStringLiteral("--map-dns"), QStringLiteral("acme.lab.test"), QStringLiteral("--map-key"),
                                 path(QStringLiteral("pub.pem")), QStringLiteral("--nameserver"), m_dns.address().toString()};
        QProcess fetch;
        runCli(fetch, QStringList{QStringLiteral("fetch")} + byName + QStringList{QStringLiteral("-o"), path(QStringLiteral("dns-body")), QStringLiteral("/obj/bydns?size=40000")});
        QVERIFY2(fetch.exitCode() == 0, fetch.readAllStandardError().constData());
        QCOMPARE(lab::sha256Hex(readFile(QStringLiteral("dns-body"))), lab::contentSha256("/obj/bydns", 40000));
        QProcess race;
        runCli(race, QStringList{QStringLiteral("race")} + byName + QStringList{QStringLiteral("--json"), QStringLiteral("/obj/race?size=1000")});
        QVERIFY2(race.exitCode() == 0, race.readAllStandardError().constData());
        QVERIFY(race.readAllStandardOutput().contains("\"winner\": \"direct\""));

        // Signed with another key than the one given: refused, naming the name and the stage.
        serve(map::serializeRouteMap(m), sign("other bytes"));
        QProcess refused;
        runCli(refused, QStringList{QStringLiteral("race")} + byName + QStringList{QStringLiteral("/obj/race?size=1000")});
        QCOMPARE(refused.exitCode(), 1);
        const QByteArray error = refused.readAllStandardError();
        QVERIFY2(error.contains("--map-dns acme.lab.test: signature"), error.constData());
        // Both or neither of --map and --map-dns: usage.
        QProcess both;
        runCli(both, QStringList{QStringLiteral("race"), QStringLiteral("--map"), path(QStringLiteral("x.json"))} + byName + QStringList{QStringLiteral("-")});
        QCOMPARE(both.exitCode(), 2);
    }
};

QTEST_GUILESS_MAIN(TestMapFetchCli)
#include "tst_mapfetchcli.moc"
