// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The lab as a whole: every route of a running lab (direct, lab relays, a real tinyproxy; http and
// https with verification on) delivers the origin's exact bytes, hops are independent, impairments
// change live, and `relayrace lab` / `relayrace demo` do what they print.
#include "support/labfixture.h"

#include "lab/content.h"
#include "lab/lab.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QUrl>
#include <QSet>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace relayrace::lab;

namespace {

const QByteArray kTopology = R"({"format": "relayrace-lab", "version": 1,
  "providers": [{"id": "plain", "scheme": "http"}, {"id": "secure", "scheme": "https"}],
  "regions": [{"id": "r1"}, {"id": "r2"}, {"id": "tp", "relay": "tinyproxy"}],
  "links": [{"from": "edge", "to": "relay:tp", "latency_ms": 40},
            {"from": "edge", "to": "relay:r1", "latency_ms": 20},
            {"from": "relay:r1", "to": "origin:plain", "latency_ms": 20}]})";

struct Fetched
{
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    int status = 0;
    QByteArray body;
    QString errorString;
};

} // namespace

class TestLab final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void everyRouteDeliversTheOriginsExactBytes_data();
    void everyRouteDeliversTheOriginsExactBytes();
    void relayReachesTheOriginOverItsOwnHop();
    void impairmentChangesFromAnotherThreadApplyLive();
    void labCommandPrintsEndpointsAndWritesMaps();
    void labControlChangesLinksWhileTheLabRuns();
    void demoCommandReportsEveryProvider();

private:
    Fetched fetch(const QString &provider, const QString &region, const QString &path);

    relayrace::testsupport::LabFixture m_lab;
};

void TestLab::initTestCase()
{
    RELAYRACE_VERIFY_OK(m_lab.start(kTopology));
    QCOMPARE(m_lab.endpoints().providers.size(), 2);
    QCOMPARE(m_lab.endpoints().regions.size(), 3);
    QCOMPARE(m_lab.endpoints().links.size(), 2 + 3 + 2 * 2); // tinyproxy has no per-origin hops
    QVERIFY(!m_lab.endpoints().caFile.isEmpty());
}

void TestLab::cleanupTestCase()
{
    m_lab.stop();
}

Fetched TestLab::fetch(const QString &provider, const QString &region, const QString &path)
{
    const LabEndpoints &endpoints = m_lab.endpoints();
    QNetworkAccessManager manager;
    if (region.isEmpty()) {
        manager.setProxy(QNetworkProxy::NoProxy);
    } else {
        const QUrl relay = endpoints.region(region)->relayUrl;
        manager.setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, relay.host(), quint16(relay.port())));
    }
    QUrl url = endpoints.provider(provider)->url;
    url.setPath(path.section(u'?', 0, 0));
    url.setQuery(path.section(u'?', 1));
    QNetworkRequest request(url);
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.addCaCertificates(endpoints.caFile); // verification stays on: only the run's CA is added
    request.setSslConfiguration(tls);
    request.setTransferTimeout(30000);
    QNetworkReply *reply = manager.get(request);
    Fetched result;
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(60000)) {
        result.errorString = QStringLiteral("timed out");
        result.error = QNetworkReply::TimeoutError;
    } else {
        result.error = reply->error();
        result.errorString = reply->errorString();
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
    }
    delete reply;
    return result;
}

void TestLab::everyRouteDeliversTheOriginsExactBytes_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("region");
    for (const char *provider : {"plain", "secure"})
        for (const char *region : {"", "r1", "r2", "tp"})
            QTest::addRow("%s %s", provider, *region ? region : "direct") << QString::fromLatin1(provider) << QString::fromLatin1(region);
}

void TestLab::everyRouteDeliversTheOriginsExactBytes()
{
    QFETCH(QString, provider);
    QFETCH(QString, region);
    constexpr qint64 size = 3 * 1024 * 1024 + 17;
    const QString path = QStringLiteral("/obj/route-check?size=%1").arg(size);
    const Fetched got = fetch(provider, region, path);
    QVERIFY2(got.error == QNetworkReply::NoError, qPrintable(got.errorString));
    QCOMPARE(got.status, 200);
    QCOMPARE(got.body.size(), size);
    QCOMPARE(sha256Hex(got.body), contentSha256("/obj/route-check", size));
}

void TestLab::relayReachesTheOriginOverItsOwnHop()
{
    Lab *lab = m_lab.lab();
    const QString hop = Topology::relayToOriginLinkId(QStringLiteral("r1"), QStringLiteral("plain"));
    Impairment refuse;
    refuse.refuse = true;
    QVERIFY(lab->setLinkImpairment(hop, refuse));
    QTRY_VERIFY_WITH_TIMEOUT(lab->linkImpairment(hop)->refuse, 5000);
    // r1 can no longer reach the origin: it answers 502 itself; r2 and the direct route are unaffected.
    const Fetched viaR1 = fetch(QStringLiteral("plain"), QStringLiteral("r1"), QStringLiteral("/obj/a?size=1000"));
    QCOMPARE(viaR1.status, 502);
    const Fetched viaR2 = fetch(QStringLiteral("plain"), QStringLiteral("r2"), QStringLiteral("/obj/a?size=1000"));
    QCOMPARE(viaR2.status, 200);
    const Fetched direct = fetch(QStringLiteral("plain"), QString(), QStringLiteral("/obj/a?size=1000"));
    QCOMPARE(direct.status, 200);
    QVERIFY(lab->setLinkImpairment(hop, Impairment{}));
    QTRY_VERIFY_WITH_TIMEOUT(!lab->linkImpairment(hop)->refuse, 5000);
    QCOMPARE(fetch(QStringLiteral("plain"), QStringLiteral("r1"), QStringLiteral("/obj/a?size=1000")).status, 200);
}

void TestLab::impairmentChangesFromAnotherThreadApplyLive()
{
    Lab *lab = m_lab.lab();
    const QString direct = Topology::directLinkId(QStringLiteral("secure"));
    QSignalSpy changed(lab, &Lab::linkImpairmentChanged);
    Impairment refuse;
    refuse.refuse = true;
    QThread *other = QThread::create([lab, direct, refuse] { lab->setLinkImpairment(direct, refuse); });
    other->start();
    QVERIFY(other->wait(10000));
    delete other;
    QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), 10000);
    QCOMPARE(changed.first().at(0).toString(), direct);
    const Fetched refused = fetch(QStringLiteral("secure"), QString(), QStringLiteral("/obj/b?size=10"));
    QCOMPARE(refused.error, QNetworkReply::ConnectionRefusedError);
    QVERIFY(lab->setLinkImpairment(direct, Impairment{}));
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, 10000);
    QCOMPARE(fetch(QStringLiteral("secure"), QString(), QStringLiteral("/obj/b?size=10")).status, 200);
}

void TestLab::labCommandPrintsEndpointsAndWritesMaps()
{
    QTemporaryDir dir;
    QProcess cli;
    cli.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"),
              {QStringLiteral("lab"), QStringLiteral("--json"), QStringLiteral("--exit-when-ready"),
               QStringLiteral("--maps-dir"), dir.path()});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    QJsonParseError error;
    const QJsonObject doc = QJsonDocument::fromJson(cli.readAllStandardOutput(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QVERIFY(doc.value(QStringLiteral("providers")).toArray().size() >= 2);
    QVERIFY(doc.value(QStringLiteral("regions")).toArray().size() >= 4);
    const QJsonArray maps = doc.value(QStringLiteral("maps")).toArray();
    QCOMPARE(maps.size(), doc.value(QStringLiteral("providers")).toArray().size());
    QFile map(maps.first().toString());
    QVERIFY(map.open(QIODevice::ReadOnly));
    const QJsonObject mapDoc = QJsonDocument::fromJson(map.readAll()).object();
    QCOMPARE(mapDoc.value(QStringLiteral("format")).toString(), QStringLiteral("relayrace-map"));
    QCOMPARE(mapDoc.value(QStringLiteral("version")).toInt(), 1);
    QVERIFY(mapDoc.value(QStringLiteral("alternates")).toObject().value(QStringLiteral("default")).toArray().size() >= 4);

    QProcess bad;
    bad.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"),
              {QStringLiteral("lab"), QStringLiteral("--topology"), QStringLiteral(RELAYRACE_SOURCE_DIR "/README.md")});
    QVERIFY(bad.waitForFinished(30000));
    QCOMPARE(bad.exitCode(), 1);
    QVERIFY2(bad.readAllStandardError().contains("README.md: $: not valid JSON"), "error names the file and the JSON path");
}

void TestLab::labControlChangesLinksWhileTheLabRuns()
{
    // `relayrace lab --control`: a link's impairment read and replaced over HTTP while the lab runs,
    // and the traffic through the link feels it (the demo's direct link to acme adds 260 ms).
    QTemporaryDir dir;
    QProcess cli;
    cli.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"),
              {QStringLiteral("lab"), QStringLiteral("--json"), QStringLiteral("--control"), QStringLiteral("127.0.0.1:0"),
               QStringLiteral("--maps-dir"), dir.path()});
    QByteArray out;
    QVERIFY(QTest::qWaitFor([&] { out += cli.readAllStandardOutput(); return out.contains('\n') || cli.state() == QProcess::NotRunning; }, 60'000));
    const QJsonObject doc = QJsonDocument::fromJson(out).object();
    const QString control = doc.value(QStringLiteral("control")).toString();
    QVERIFY2(control.startsWith(QStringLiteral("http://127.0.0.1:")), out.constData());
    QString acme;
    for (const QJsonValue &p : doc.value(QStringLiteral("providers")).toArray()) {
        if (p.toObject().value(QStringLiteral("id")).toString() == u"acme")
            acme = p.toObject().value(QStringLiteral("origin")).toString();
    }
    QVERIFY2(!acme.isEmpty(), out.constData());
    const auto curl = [](const QStringList &arguments) {
        QProcess c;
        c.start(QStringLiteral("curl"), QStringList{QStringLiteral("-s"), QStringLiteral("--max-time"), QStringLiteral("30")} + arguments);
        c.waitForFinished(40'000);
        return c.readAllStandardOutput();
    };
    const QString link = QStringLiteral("/links/") + QString::fromLatin1(QUrl::toPercentEncoding(QStringLiteral("edge>origin:acme")));
    const QJsonObject before = QJsonDocument::fromJson(curl({control + link})).object();
    QCOMPARE(before.value(QStringLiteral("impairment")).toObject().value(QStringLiteral("latency_ms")).toInt(), 260);
    QVERIFY(QJsonDocument::fromJson(curl({control + QStringLiteral("/links")})).object().value(QStringLiteral("links")).toArray().size() >= 10);
    const auto seconds = [&] {
        return curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{time_total}"),
                     acme + QStringLiteral("/sureroute-test-object.html")}).toDouble();
    };
    const double slow = seconds();
    const QJsonObject applied = QJsonDocument::fromJson(curl({QStringLiteral("-X"), QStringLiteral("PUT"), QStringLiteral("--data"),
                                                              QStringLiteral(R"({"latency_ms": 0})"), control + link})).object();
    QCOMPARE(applied.value(QStringLiteral("impairment")).toObject().value(QStringLiteral("latency_ms")).toInt(), 0);
    const double fast = seconds();
    QVERIFY2(slow > 0.4 && fast < slow - 0.3, qPrintable(QStringLiteral("%1 s then %2 s").arg(slow).arg(fast)));

    const QByteArray bad = curl({QStringLiteral("-X"), QStringLiteral("PUT"), QStringLiteral("--data"), QStringLiteral(R"({"latency_ms": -3})"),
                                 QStringLiteral("-w"), QStringLiteral(" %{http_code}"), control + link});
    QVERIFY2(bad.endsWith(" 400") && bad.contains("latency_ms"), bad.constData());
    const QByteArray unknown = curl({QStringLiteral("-X"), QStringLiteral("PUT"), QStringLiteral("--data"), QStringLiteral("{}"),
                                     QStringLiteral("-w"), QStringLiteral(" %{http_code}"), control + QStringLiteral("/links/nowhere")});
    QVERIFY2(unknown.endsWith(" 404"), unknown.constData());
    cli.terminate();
    QVERIFY(cli.waitForFinished(30'000));
}

void TestLab::demoCommandReportsEveryProvider()
{
    QProcess cli;
    cli.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"),
              {QStringLiteral("demo"), QStringLiteral("--rounds"), QStringLiteral("1"), QStringLiteral("--json")});
    QVERIFY(cli.waitForFinished(120000));
    QCOMPARE(cli.exitCode(), 0);
    const QJsonObject report = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
    const QJsonArray races = report.value(QStringLiteral("races")).toArray();
    QCOMPARE(races.size(), 2); // one round, two providers, each a real race
    QSet<QString> providers;
    for (const QJsonValue &race : races) {
        const QJsonObject r = race.toObject();
        providers.insert(r.value(QStringLiteral("provider")).toString());
        QVERIFY2(!r.value(QStringLiteral("winner")).toString().isEmpty(), qPrintable(r.value(QStringLiteral("error")).toString()));
        QCOMPARE(r.value(QStringLiteral("trigger")).toString(), QStringLiteral("demo"));
        QCOMPARE(r.value(QStringLiteral("routes")).toArray().size(), 6); // direct + 5 regions
    }
    QCOMPARE(providers.size(), 2);
    // The first race of each provider chooses its first optimal route.
    QCOMPARE(report.value(QStringLiteral("route_changes")).toArray().size(), 2);
}

QTEST_GUILESS_MAIN(TestLab)
#include "tst_lab.moc"
