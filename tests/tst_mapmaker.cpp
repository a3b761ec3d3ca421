// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The map maker against a lab whose link latencies are known: lab relays and a real tinyproxy, http
// and https origins. Regions come out ranked by path cost with round trips close to the configured
// ones, dead regions are left out with the reason, ping data replaces measuring, and `relayrace map
// make` writes maps that parse, atomically, again and again with --every until SIGTERM.
#include "support/labfixture.h"
#include "support/makemapnow.h"

#include "lab/lab.h"
#include "map/mapcodec.h"
#include "map/mapmaker.h"

#include <QCoroTask>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace relayrace;
using namespace Qt::StringLiterals;
using namespace relayrace::map;

namespace {

struct RegionSpec
{
    const char *id;
    const char *relay;  // "lab" | "tinyproxy"
    int edgeMs;         // edge -> relay
    int originMs;       // relay -> origin (for tinyproxy: the direct hop)
};

// Path costs: near 70, mid 120, tp 150, far 210 ms.
const RegionSpec kLive[] = {
    {"near", "lab", 20, 50}, {"mid", "lab", 40, 80}, {"far", "lab", 60, 150}, {"tp", "tinyproxy", 30, 120}};
const char *const kProviders[] = {"plain", "secure"};
constexpr int kSilentTimeoutMs = 1500;

QByteArray topologyJson()
{
    QJsonArray providers{QJsonObject{{u"id"_s, u"plain"_s}, {u"scheme"_s, u"http"_s}}, QJsonObject{{u"id"_s, u"secure"_s}, {u"scheme"_s, u"https"_s}}};
    QJsonArray regions;
    QJsonArray links;
    for (const RegionSpec &r : kLive) {
        const QString id = QString::fromLatin1(r.id);
        regions.append(QJsonObject{{u"id"_s, id}, {u"relay"_s, QString::fromLatin1(r.relay)}});
        links.append(QJsonObject{{u"from"_s, u"edge"_s}, {u"to"_s, QString(u"relay:"_s + id)}, {u"latency_ms"_s, r.edgeMs}});
        for (const char *provider : kProviders) {
            const QString to = u"origin:"_s + QLatin1String(provider);
            if (QLatin1String(r.relay) == u"tinyproxy") // tinyproxy reaches the origin over the direct hop
                links.append(QJsonObject{{u"from"_s, u"edge"_s}, {u"to"_s, to}, {u"latency_ms"_s, r.originMs}});
            else
                links.append(QJsonObject{{u"from"_s, QString(u"relay:"_s + id)}, {u"to"_s, to}, {u"latency_ms"_s, r.originMs}});
        }
    }
    for (const QString &dead : {u"refused"_s, u"silent"_s, u"noupstream"_s})
        regions.append(QJsonObject{{u"id"_s, dead}});
    links.append(QJsonObject{{u"from"_s, u"edge"_s}, {u"to"_s, u"relay:refused"_s}, {u"refuse"_s, true}});
    links.append(QJsonObject{{u"from"_s, u"edge"_s}, {u"to"_s, u"relay:silent"_s}, {u"blackhole"_s, true}});
    for (const char *provider : kProviders)
        links.append(QJsonObject{{u"from"_s, u"relay:noupstream"_s}, {u"to"_s, QString(u"origin:"_s + QLatin1String(provider))}, {u"refuse"_s, true}});
    return QJsonDocument(QJsonObject{{u"format"_s, u"relayrace-lab"_s}, {u"version"_s, 1}, {u"providers"_s, providers},
                                     {u"regions"_s, regions}, {u"links"_s, links}}).toJson();
}

QString errorOf(const QList<RegionMeasurement> &regions, const QString &id)
{
    for (const RegionMeasurement &m : regions)
        if (m.regionId == id)
            return m.error;
    return QStringLiteral("<not reported>");
}

} // namespace

class TestMapMaker final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void regionsAreRankedByPathCostWithRttsWithin15Percent_data();
    void regionsAreRankedByPathCostWithRttsWithin15Percent();
    void deadRegionsAreLeftOutWithTheReason();
    void cancelEndsAMakeAtOnce();
    void badRequestIsRefusedBeforeMeasuring();
    void pingDataMakesTheMapWithoutMeasuring();
    void pingDataNamingAnUnknownRegionIsRefusedWithItsLine();
    void badPingDataNamesTheLine_data();
    void badPingDataNamesTheLine();
    void regionsFileIsARegionListOrAMapWhoseSettingsAreKept();
    void badRegionsFileNamesTheField_data();
    void badRegionsFileNamesTheField();
    void cliWritesAMapThatParsesAndReportsLeftOutRegions();
    void cliExitsOneAndWritesNothingWhenNoRegionCouldBeMeasured();
    void cliEveryRewritesTheMapAtomicallyUntilSigterm();

private:
    Region region(const QString &id) const;
    MapMakerRequest request(const QString &provider, const QStringList &regionIds) const;
    QByteArray regionsFile(const QStringList &regionIds) const;
    QString originUrl(const QString &provider) const;

    testsupport::LabFixture m_lab;
};

void TestMapMaker::initTestCase()
{
    RELAYRACE_VERIFY_OK(m_lab.start(topologyJson()));
}

void TestMapMaker::cleanupTestCase()
{
    m_lab.stop();
}

Region TestMapMaker::region(const QString &id) const
{
    const lab::LabEndpoints::Region *r = m_lab.endpoints().region(id);
    Region out;
    out.id = id;
    out.name = id.toUpper();
    out.relay = r ? r->relayUrl : QUrl();
    out.lat = 10.5;
    out.lon = -20.25;
    return out;
}

QString TestMapMaker::originUrl(const QString &provider) const
{
    return m_lab.endpoints().provider(provider)->url.toString();
}

MapMakerRequest TestMapMaker::request(const QString &provider, const QStringList &regionIds) const
{
    MapMakerRequest r;
    r.provider = provider;
    r.origin = QUrl(originUrl(provider));
    for (const QString &id : regionIds)
        r.regions.append(region(id));
    r.samples = 5;
    r.alternates = 3;
    r.timeout = std::chrono::milliseconds(kSilentTimeoutMs);
    return r;
}

QByteArray TestMapMaker::regionsFile(const QStringList &regionIds) const
{
    QJsonArray regions;
    for (const QString &id : regionIds) {
        const Region r = region(id);
        regions.append(QJsonObject{{u"id"_s, r.id}, {u"name"_s, r.name}, {u"relay"_s, r.relay.toString()}, {u"lat"_s, r.lat}, {u"lon"_s, r.lon}});
    }
    return QJsonDocument(QJsonObject{{u"regions"_s, regions}}).toJson();
}

void TestMapMaker::regionsAreRankedByPathCostWithRttsWithin15Percent_data()
{
    QTest::addColumn<QString>("provider");
    for (const char *provider : kProviders)
        QTest::newRow(provider) << QString::fromLatin1(provider);
}

void TestMapMaker::regionsAreRankedByPathCostWithRttsWithin15Percent()
{
    QFETCH(QString, provider);
    MapMaker maker;
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
    // Listed out of order, so the ranking cannot be the input order.
    const auto report = testsupport::makeNow(maker, request(provider, {u"far"_s, u"tp"_s, u"mid"_s, u"near"_s}));
    QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error()));
    QCOMPARE(report->measuredCount(), 4);
    QCOMPARE(report->alternatesKey, u"default"_s);
    QCOMPARE(report->map.alternates.value(u"default"_s), (QStringList{u"near"_s, u"mid"_s, u"tp"_s}));
    QCOMPARE(report->map.provider, provider);
    QVERIFY(report->map.generatedAt >= before && report->map.generatedAt <= QDateTime::currentDateTimeUtc());
    for (const RegionMeasurement &m : report->regions) {
        const auto *spec = std::find_if(std::begin(kLive), std::end(kLive), [&](const RegionSpec &s) { return m.regionId == QLatin1String(s.id); });
        QVERIFY(spec != std::end(kLive));
        QStringList samples;
        for (const double sample : m.originSamplesMs)
            samples.append(QString::number(sample, 'f', 1));
        qInfo("%s %s: rtt to origin %.1f ms (configured %d; samples %s), edge rtt %.1f ms (configured %d)",
              qPrintable(provider), spec->id, m.rttToOriginMs, spec->originMs, qPrintable(samples.join(u' ')),
              m.edgeRttMs, spec->edgeMs);
    }
    for (const RegionSpec &spec : kLive) {
        const QString id = QString::fromLatin1(spec.id);
        const Region *r = report->map.region(id);
        QVERIFY2(r && r->rttToOriginMs, qPrintable(id));
        QCOMPARE(r->samples, 5);
        QCOMPARE(r->relay, region(id).relay);
        const double o = *r->rttToOriginMs;
        QVERIFY2(std::abs(o - spec.originMs) <= 0.15 * spec.originMs,
                 qPrintable(QStringLiteral("%1: %2 ms, configured %3 ms").arg(id).arg(o).arg(spec.originMs)));
        QCOMPARE(std::round(o * 10.0) / 10.0, o); // written to 0.1 ms
    }
    for (const RegionMeasurement &m : report->regions) {
        const auto *spec = std::find_if(std::begin(kLive), std::end(kLive), [&](const RegionSpec &s) { return m.regionId == QLatin1String(s.id); });
        QVERIFY2(std::abs(m.edgeRttMs - spec->edgeMs) <= std::max(10.0, 0.5 * spec->edgeMs),
                 qPrintable(QStringLiteral("%1: edge %2 ms, configured %3 ms").arg(m.regionId).arg(m.edgeRttMs).arg(spec->edgeMs)));
        QCOMPARE(m.originSamplesMs.size(), 5);
    }
    const auto reparsed = parseRouteMap(serializeRouteMap(report->map));
    QVERIFY2(reparsed.ok(), qPrintable(reparsed.ok() ? QString() : reparsed.error()));
    QCOMPARE(*reparsed, report->map);
}

void TestMapMaker::deadRegionsAreLeftOutWithTheReason()
{
    MapMaker maker;
    MapMakerRequest r = request(u"plain"_s, {u"refused"_s, u"near"_s, u"silent"_s, u"noupstream"_s});
    r.edgeRegion = QStringLiteral("edge-sin");
    r.samples = 2;
    const auto report = testsupport::makeNow(maker, r);
    QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error()));
    QCOMPARE(report->measuredCount(), 1);
    QCOMPARE(report->excluded().size(), 3);
    QVERIFY2(errorOf(report->regions, u"refused"_s).contains(u"refused the connection"_s), qPrintable(errorOf(report->regions, u"refused"_s)));
    QVERIFY2(errorOf(report->regions, u"silent"_s).contains(u"did not answer within %1 ms"_s.arg(kSilentTimeoutMs)),
             qPrintable(errorOf(report->regions, u"silent"_s)));
    const QString noUpstream = errorOf(report->regions, u"noupstream"_s);
    // An http origin is asked for through the relay (no CONNECT): the relay's 502 is its own answer.
    QVERIFY2(noUpstream.contains(u"answered HEAD http://"_s) && noUpstream.contains(u"502"_s), qPrintable(noUpstream));
    QCOMPARE(report->map.regions.size(), 1);
    QCOMPARE(report->map.regions.first().id, u"near"_s);
    QCOMPARE(report->alternatesKey, u"edge-sin"_s);
    QCOMPARE(report->map.alternates, (QMap<QString, QStringList>{{u"edge-sin"_s, {u"near"_s}}}));
}

void TestMapMaker::cancelEndsAMakeAtOnce()
{
    MapMaker maker;
    MapMakerRequest r = request(u"plain"_s, {u"silent"_s, u"far"_s});
    r.timeout = std::chrono::seconds(60);
    QTimer::singleShot(300, &maker, [&maker] { maker.cancel(); });
    QElapsedTimer clock;
    clock.start();
    const auto report = testsupport::makeNow(maker, r);
    QVERIFY(!report.ok());
    QCOMPARE(report.error(), QStringLiteral("cancelled"));
    QVERIFY2(clock.elapsed() < 10000, "cancel() must not wait for the probes' timeout");
    QVERIFY(!maker.isRunning());
}

void TestMapMaker::badRequestIsRefusedBeforeMeasuring()
{
    MapMaker maker;
    MapMakerRequest r = request(u"plain"_s, {u"near"_s});
    r.origin = QUrl(QStringLiteral("ftp://127.0.0.1:21"));
    auto report = testsupport::makeNow(maker, r);
    QVERIFY(!report.ok());
    QVERIFY2(report.error().startsWith(u"origin: "_s) && report.error().contains(u"ftp"_s), qPrintable(report.error()));
    r = request(u"plain"_s, {u"near"_s});
    r.samples = 0;
    report = testsupport::makeNow(maker, r);
    QVERIFY(!report.ok());
    QVERIFY2(report.error().startsWith(u"samples: "_s), qPrintable(report.error()));
    r = request(u"plain"_s, {u"near"_s});
    r.edgeRegion = QStringLiteral("not an id");
    report = testsupport::makeNow(maker, r);
    QVERIFY(!report.ok());
    QVERIFY2(report.error().contains(u"alternates.not an id"_s), qPrintable(report.error()));
}

void TestMapMaker::pingDataMakesTheMapWithoutMeasuring()
{
    // Relays that cannot be reached: ping data must not touch the network.
    MapMakerRequest r;
    r.provider = QStringLiteral("acme");
    r.origin = QUrl(QStringLiteral("https://origin.example:443"));
    for (const char *id : {"fra", "ams", "sin", "nrt"}) {
        Region region;
        region.id = QString::fromLatin1(id);
        region.relay = QUrl(QStringLiteral("http://192.0.2.1:3128"));
        r.regions.append(region);
    }
    r.alternates = 2;
    const QByteArray csv = "\xef\xbb\xbf# collected by the probes\r\nRegion,RTT_ms,edge_rtt_ms\r\n"
                           "fra,12.5,100\r\n\r\n\"ams\",30,40\r\nsin,5\r\n";
    const auto records = parsePingData(csv);
    QVERIFY2(records.ok(), qPrintable(records.ok() ? QString() : records.error()));
    QCOMPARE(records->size(), 3);
    QCOMPARE(records->at(1).line, 5);
    const auto report = MapMaker::fromPingData(r, *records);
    QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error()));
    // Path costs: sin 5 (no edge figure), ams 70, fra 112.5; nrt has no row.
    QCOMPARE(report->map.alternates.value(u"default"_s), (QStringList{u"sin"_s, u"ams"_s}));
    QCOMPARE(report->map.region(u"fra"_s)->rttToOriginMs, std::optional<double>(12.5));
    QCOMPARE(report->map.region(u"fra"_s)->samples, 1);
    QVERIFY(!report->map.region(u"nrt"_s));
    QCOMPARE(errorOf(report->regions, u"nrt"_s), u"no ping data for this region"_s);
}

void TestMapMaker::pingDataNamingAnUnknownRegionIsRefusedWithItsLine()
{
    MapMakerRequest r = request(u"plain"_s, {u"near"_s, u"mid"_s});
    const auto records = parsePingData("region,rtt_ms\nnear,10\nmars,20\n");
    QVERIFY(records.ok());
    const auto report = MapMaker::fromPingData(r, *records);
    QVERIFY(!report.ok());
    QCOMPARE(report.error(), QStringLiteral("line 3: unknown region 'mars' (not in the regions)"));
}

void TestMapMaker::badPingDataNamesTheLine_data()
{
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<QString>("error");
    QTest::newRow("not a number") << QByteArray("region,rtt_ms\nfra,12\nams,fast\n") << u"line 3: rtt_ms 'fast' is not a number"_s;
    QTest::newRow("negative") << QByteArray("fra,-1\n") << u"line 1: rtt_ms -1 is negative"_s;
    QTest::newRow("seconds, not ms") << QByteArray("\n\nfra,120000\n") << u"line 3: rtt_ms 120000 is over 60000 ms; expected milliseconds"_s;
    QTest::newRow("one field") << QByteArray("region,rtt_ms\nfra\n") << u"line 2: expected region,rtt_ms[,edge_rtt_ms], got 1 field"_s;
    QTest::newRow("four fields") << QByteArray("fra,1,2,3\n") << u"line 1: expected region,rtt_ms[,edge_rtt_ms], got 4 fields"_s;
    QTest::newRow("empty region") << QByteArray("# c\n,5\n") << u"line 2: region is empty"_s;
    QTest::newRow("listed twice") << QByteArray("fra,1\nams,2\nfra,3\n") << u"line 3: region 'fra' listed twice (first on line 1)"_s;
    QTest::newRow("bad edge rtt") << QByteArray("fra,1,x\n") << u"line 1: edge_rtt_ms 'x' is not a number"_s;
    QTest::newRow("header only") << QByteArray("region,rtt_ms\n") << u"no ping data (expected lines of region,rtt_ms)"_s;
}

void TestMapMaker::badPingDataNamesTheLine()
{
    QFETCH(QByteArray, csv);
    QFETCH(QString, error);
    const auto records = parsePingData(csv);
    QVERIFY(!records.ok());
    QCOMPARE(records.error(), error);
}

void TestMapMaker::regionsFileIsARegionListOrAMapWhoseSettingsAreKept()
{
    const auto list = parseRegionsFile(R"({"regions": [{"id": "fra", "name": "Frankfurt", "relay": "http://127.0.0.1:3128",
                                                        "lat": 50.1, "lon": 8.7}]})");
    QVERIFY2(list.ok(), qPrintable(list.ok() ? QString() : list.error()));
    QCOMPARE(list->regions.size(), 1);
    QCOMPARE(list->regions.first().name, QStringLiteral("Frankfurt"));
    QCOMPARE(list->regions.first().lat, 50.1);
    QVERIFY(!list->base);

    const auto file = parseRegionsFile(R"({"format": "relayrace-map", "version": 1, "provider": "old",
        "origin": "http://old.example:80", "generated_at": "2020-01-01T00:00:00Z", "valid_for_s": 600,
        "race": {"threshold_bytes": 1234}, "direct": false,
        "regions": [{"id": "fra", "relay": "http://127.0.0.1:3128"}, {"id": "ams", "relay": "http://127.0.0.1:3129"}],
        "alternates": {"default": ["fra", "ams"], "edge-sin": ["ams", "fra"]}})");
    QVERIFY2(file.ok(), qPrintable(file.ok() ? QString() : file.error()));
    QCOMPARE(file->regions.size(), 2);
    QVERIFY(file->base);
    MapMakerRequest r;
    r.provider = QStringLiteral("acme");
    r.origin = QUrl(QStringLiteral("http://origin.example:8080"));
    r.regions = file->regions;
    r.base = file->base;
    const auto records = parsePingData("fra,10\n");
    QVERIFY(records.ok());
    const auto report = MapMaker::fromPingData(r, *records);
    QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error()));
    QCOMPARE(report->map.provider, QStringLiteral("acme"));
    QCOMPARE(report->map.origin, QUrl(QStringLiteral("http://origin.example:8080")));
    QCOMPARE(report->map.validForS, 600);
    QCOMPARE(report->map.race.thresholdBytes, 1234);
    QCOMPARE(report->map.direct, false);
    QCOMPARE(report->map.alternates.value(u"default"_s), QStringList{u"fra"_s});
    QCOMPARE(report->map.alternates.value(u"edge-sin"_s), QStringList{u"fra"_s}); // ams has no data: out of the map
}

void TestMapMaker::badRegionsFileNamesTheField_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("malformed") << QByteArray("{\"regions\": [") << u"malformed JSON at offset"_s;
    QTest::newRow("no regions") << QByteArray("{\"relays\": []}") << u"regions: missing"_s;
    QTest::newRow("socks relay") << QByteArray(R"({"regions": [{"id": "a", "relay": "http://127.0.0.1:1"}, {"id": "b", "relay": "socks5://127.0.0.1:1"}]})")
                                 << u"regions[1].relay: unsupported scheme 'socks5'"_s;
    QTest::newRow("duplicate id") << QByteArray(R"({"regions": [{"id": "a", "relay": "http://127.0.0.1:1"}, {"id": "a", "relay": "http://127.0.0.1:2"}]})")
                                  << u"regions[1].id: duplicate region id 'a'"_s;
    QTest::newRow("bad map") << QByteArray(R"({"format": "relayrace-map", "version": 9})") << u"version"_s;
}

void TestMapMaker::badRegionsFileNamesTheField()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const auto file = parseRegionsFile(json);
    QVERIFY(!file.ok());
    QVERIFY2(file.error().contains(error), qPrintable(file.error()));
}

void TestMapMaker::cliWritesAMapThatParsesAndReportsLeftOutRegions()
{
    QTemporaryDir dir;
    QFile regions(dir.filePath(u"regions.json"_s));
    QVERIFY(regions.open(QIODevice::WriteOnly));
    regions.write(regionsFile({u"mid"_s, u"refused"_s, u"near"_s}));
    regions.close();
    QProcess cli;
    cli.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"),
              {u"map"_s, u"make"_s, u"--regions"_s, regions.fileName(), u"--provider"_s, u"plain"_s, u"--origin"_s, originUrl(u"plain"_s),
               u"--samples"_s, u"2"_s, u"--alternates"_s, u"1"_s, u"--edge-region"_s, u"edge-sin"_s, u"--json"_s, u"-o"_s, dir.filePath(u"map.json"_s)});
    QVERIFY(cli.waitForFinished(60000));
    const QByteArray err = cli.readAllStandardError();
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY2(err.contains("region 'refused' left out: relay 127.0.0.1:") && err.contains("refused the connection"), err.constData());
    const QJsonObject doc = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
    QCOMPARE(doc.value(u"written"_s).toBool(), true);
    QCOMPARE(doc.value(u"alternates"_s).toArray(), QJsonArray{u"near"_s});
    QCOMPARE(doc.value(u"excluded"_s).toArray().size(), 1);
    QCOMPARE(doc.value(u"excluded"_s).toArray().first().toObject().value(u"id"_s).toString(), u"refused"_s);
    QFile out(dir.filePath(u"map.json"_s));
    QVERIFY(out.open(QIODevice::ReadOnly));
    const auto map = parseRouteMap(out.readAll());
    QVERIFY2(map.ok(), qPrintable(map.ok() ? QString() : map.error()));
    QCOMPARE(map->provider, u"plain"_s);
    QCOMPARE(map->regions.size(), 2);
    QCOMPARE(map->alternates, (QMap<QString, QStringList>{{u"edge-sin"_s, {u"near"_s}}}));
    QCOMPARE(map->regions.first().samples, 2);
}

void TestMapMaker::cliExitsOneAndWritesNothingWhenNoRegionCouldBeMeasured()
{
    QTemporaryDir dir;
    QFile regions(dir.filePath(u"regions.json"_s));
    QVERIFY(regions.open(QIODevice::WriteOnly));
    regions.write(regionsFile({u"refused"_s, u"noupstream"_s}));
    regions.close();
    QProcess cli;
    cli.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"),
              {u"map"_s, u"make"_s, u"--regions"_s, regions.fileName(), u"--provider"_s, u"plain"_s, u"--origin"_s, originUrl(u"plain"_s),
               u"--samples"_s, u"1"_s, u"-o"_s, dir.filePath(u"map.json"_s)});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 1);
    QVERIFY2(cli.readAllStandardError().contains("no region could be measured"), "says why nothing was written");
    QVERIFY(!QFile::exists(dir.filePath(u"map.json"_s)));

    QFile csv(dir.filePath(u"ping.csv"_s));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.write("region,rtt_ms\nrefused,ten\n");
    csv.close();
    cli.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"),
              {u"map"_s, u"make"_s, u"--regions"_s, regions.fileName(), u"--provider"_s, u"plain"_s, u"--origin"_s, originUrl(u"plain"_s),
               u"--ping-data"_s, csv.fileName(), u"-o"_s, dir.filePath(u"map.json"_s)});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 1);
    const QByteArray err = cli.readAllStandardError();
    QVERIFY2(err.contains("ping.csv: line 2: rtt_ms 'ten' is not a number"), err.constData());
    QVERIFY(!QFile::exists(dir.filePath(u"map.json"_s)));
}

void TestMapMaker::cliEveryRewritesTheMapAtomicallyUntilSigterm()
{
    QTemporaryDir dir;
    QFile regions(dir.filePath(u"regions.json"_s));
    QVERIFY(regions.open(QIODevice::WriteOnly));
    regions.write(regionsFile({u"near"_s, u"refused"_s}));
    regions.close();
    const QString mapPath = dir.filePath(u"map.json"_s);
    QProcess cli;
    cli.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"),
              {u"map"_s, u"make"_s, u"--regions"_s, regions.fileName(), u"--provider"_s, u"plain"_s, u"--origin"_s, originUrl(u"plain"_s),
               u"--samples"_s, u"1"_s, u"--every"_s, u"1"_s, u"--json"_s, u"-o"_s, mapPath});
    QVERIFY(cli.waitForStarted(10000));
    QSet<QDateTime> versions;
    int reads = 0;
    QStringList broken;
    // Every read, whenever it happens, must see a whole map: the rename is atomic.
    const auto poll = [&] {
        QFile file(mapPath);
        if (file.open(QIODevice::ReadOnly)) {
            const auto map = parseRouteMap(file.readAll());
            ++reads;
            if (map.ok())
                versions.insert(map->generatedAt);
            else
                broken.append(map.error());
        }
        return versions.size() >= 3;
    };
    QTRY_VERIFY_WITH_TIMEOUT(poll(), 30000);
    QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u'\n')));
    QVERIFY(reads > versions.size());
    cli.terminate(); // SIGTERM
    QVERIFY(cli.waitForFinished(20000));
    QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
    QCOMPARE(cli.exitCode(), 0);
    const QList<QByteArray> runs = cli.readAllStandardOutput().trimmed().split('\n');
    QVERIFY(runs.size() >= 3);
    for (const QByteArray &run : runs)
        QCOMPARE(QJsonDocument::fromJson(run).object().value(u"written"_s).toBool(), true);
    // No temporary file of QSaveFile left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), (QStringList{u"map.json"_s, u"regions.json"_s}));
}

QTEST_GUILESS_MAIN(TestMapMaker)
#include "tst_mapmaker.moc"
