// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Map format v1 (docs/map-format.md): round trip, defaults, every refused input naming its field.
#include "map/mapcodec.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using relayrace::Result;
using namespace relayrace::map;

namespace {

using Edit = std::function<void(QJsonObject &)>;

// A valid map in JSON form, which each bad-input row breaks in one place.
QJsonObject validMap()
{
    const auto region = [](const char *id, const char *relay) {
        return QJsonObject{{QStringLiteral("id"), QLatin1String(id)}, {QStringLiteral("relay"), QLatin1String(relay)},
                           {QStringLiteral("rtt_to_origin_ms"), 12.5}};
    };
    return QJsonObject{
        {QStringLiteral("format"), QStringLiteral("relayrace-map")},
        {QStringLiteral("version"), 1},
        {QStringLiteral("provider"), QStringLiteral("acme")},
        {QStringLiteral("origin"), QStringLiteral("https://origin.acme.example:443")},
        {QStringLiteral("generated_at"), QStringLiteral("2026-11-25T18:00:00Z")},
        {QStringLiteral("race"), QJsonObject{{QStringLiteral("threshold_bytes"), 65536}}},
        {QStringLiteral("regions"), QJsonArray{region("fra", "http://203.0.113.10:3128"), region("sgp", "http://198.51.100.30:3128")}},
        {QStringLiteral("alternates"), QJsonObject{{QStringLiteral("edge-sin"), QJsonArray{QStringLiteral("sgp"), QStringLiteral("fra")}}}}};
}

QByteArray edited(const Edit &edit)
{
    QJsonObject map = validMap();
    edit(map);
    return QJsonDocument(map).toJson();
}

Edit set(const QString &key, const QJsonValue &value)
{
    return [=](QJsonObject &m) {
        if (value.isUndefined())
            m.remove(key);
        else
            m.insert(key, value);
    };
}

Edit setIn(const QString &object, const QString &key, const QJsonValue &value)
{
    return [=](QJsonObject &m) {
        QJsonObject inner = m.value(object).toObject();
        if (value.isUndefined())
            inner.remove(key);
        else
            inner.insert(key, value);
        m.insert(object, inner);
    };
}

Edit setRegion(int index, const QString &key, const QJsonValue &value)
{
    return [=](QJsonObject &m) {
        QJsonArray regions = m.value(QStringLiteral("regions")).toArray();
        QJsonObject region = regions.at(index).toObject();
        if (value.isUndefined())
            region.remove(key);
        else
            region.insert(key, value);
        regions.replace(index, region);
        m.insert(QStringLiteral("regions"), regions);
    };
}

RouteMap fullMap()
{
    RouteMap m;
    m.provider = QStringLiteral("globex.shop");
    m.origin = QUrl(QStringLiteral("http://127.0.0.1:8080"));
    m.testObject = QStringLiteral("/probe?size=64k");
    m.generatedAt = QDateTime(QDate(2026, 11, 25), QTime(18, 0, 1, 250), Qt::UTC);
    m.validForS = 900;
    m.direct = false;
    m.race = {RaceSettings::Object::TestObject, 1 << 20, 0, 30, 300, 50, 12.5};
    m.regions = {{QStringLiteral("fra"), QStringLiteral("Frankfurt \"Main\" \\ hub"), QUrl(QStringLiteral("http://203.0.113.10:3128")),
                  50.1, 8.7, true, 12.5, 5, QStringLiteral("relay.fra")},
                 {QStringLiteral("syd"), QStringLiteral("Sydney"), QUrl(QStringLiteral("http://[2001:db8::1]:8888")),
                  -33.9, 151.2, false, std::nullopt, 0, QString()},
                 {QStringLiteral("gru"), QString(), QUrl(QStringLiteral("http://relay.gru.example:3128")),
                  -23.55, -46.63, true, 0.1 + 0.2, 7, QString()}};
    m.alternates = {{QStringLiteral("default"), {QStringLiteral("fra"), QStringLiteral("gru")}},
                    {QStringLiteral("edge-sin"), {QStringLiteral("syd"), QStringLiteral("fra"), QStringLiteral("gru")}},
                    {QStringLiteral("edge-none"), {}}};
    return m;
}

QByteArray readSource(const char *relative)
{
    QFile file(QStringLiteral(RELAYRACE_SOURCE_DIR "/") + QLatin1String(relative));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray(); // callers check for empty
}

} // namespace

class TestMapCodec final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTripIsLosslessAndByteStable()
    {
        const RouteMap m = fullMap();
        const QByteArray bytes = serializeRouteMap(m);
        QStringList ignored{QStringLiteral("stale")};
        const Result<RouteMap> parsed = parseRouteMap(bytes, &ignored);
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error()));
        QCOMPARE(*parsed, m);
        QVERIFY(ignored.isEmpty());
        QCOMPARE(serializeRouteMap(*parsed), bytes);
    }

    void serializedMapIsCanonical()
    {
        const QByteArray bytes = serializeRouteMap(fullMap());
        QVERIFY(bytes.endsWith("}\n"));
        QVERIFY(bytes.contains("\n    \"alternates\": {\n"));
        // Keys sorted at every level, in the text itself.
        const QList<QByteArray> top{"alternates", "direct", "format", "generated_at", "origin", "provider", "race",
                                    "regions", "test_object", "valid_for_s", "version"};
        qsizetype previous = -1;
        for (const QByteArray &key : top) {
            const qsizetype at = bytes.indexOf(QByteArray("\n    \"" + key + "\":"));
            QVERIFY2(at > previous, key.constData());
            previous = at;
        }
        QVERIFY(bytes.indexOf("\"first_period_s\"") < bytes.indexOf("\"threshold_bytes\""));
        QVERIFY(bytes.indexOf("\"id\": \"fra\"") < bytes.indexOf("\"lat\": 50.1,"));
        // Doubles without noise, integers as integers, unknown RTT as null, milliseconds kept.
        QVERIFY(bytes.contains("\"rtt_to_origin_ms\": 12.5,"));
        QVERIFY(bytes.contains("\"lon\": 8.7,"));
        QVERIFY(bytes.contains("\"rtt_to_origin_ms\": 0.30000000000000004,")); // shortest exact form of 0.1 + 0.2
        QVERIFY(bytes.contains("\"rtt_to_origin_ms\": null,"));
        QVERIFY(bytes.contains("\"threshold_bytes\": 1048576\n"));
        QVERIFY(bytes.contains("\"generated_at\": \"2026-11-25T18:00:01.250Z\","));
        QVERIFY(bytes.contains("\"version\": 1\n"));
    }

    void minimalMapGetsDocumentedDefaults()
    {
        // (No raw string literal spanning lines: moc cannot read those.)
        const QByteArray bytes = "{\"format\": \"relayrace-map\", \"version\": 1, \"provider\": \"acme\","
                                 " \"origin\": \"http://origin.acme.example\", \"generated_at\": \"2026-11-25T18:00:00Z\","
                                 " \"regions\": [{\"id\": \"fra\", \"relay\": \"http://203.0.113.10:3128\"}]}";
        const Result<RouteMap> m = parseRouteMap(bytes);
        QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
        QCOMPARE(m->testObject, QStringLiteral("/sureroute-test-object.html"));
        QCOMPARE(m->validForS, 3600);
        QCOMPARE(m->direct, true);
        QCOMPARE(m->race, RaceSettings{});
        QCOMPARE(m->race.thresholdBytes, 65536);
        QCOMPARE(m->race.routeTtlS, 1800);
        QCOMPARE(m->race.firstPeriodS, 60);
        QCOMPARE(m->race.retestAfterS, 600);
        QCOMPARE(m->race.retestAfterRequests, 1000);
        QCOMPARE(m->race.hysteresisPct, 10.0);
        QCOMPARE(m->race.object, RaceSettings::Object::Requested);
        QVERIFY(m->alternates.isEmpty());
        QCOMPARE(m->generatedAt, QDateTime(QDate(2026, 11, 25), QTime(18, 0), Qt::UTC));
        QCOMPARE(m->expiresAt(), QDateTime(QDate(2026, 11, 25), QTime(19, 0), Qt::UTC));
        QCOMPARE(m->regions.size(), 1);
        const Region &r = m->regions.first();
        QCOMPARE(r.name, QString());
        QCOMPARE(r.lat, 0.0);
        QCOMPARE(r.wellConnected, true);
        QCOMPARE(r.rttToOriginMs, std::nullopt);
        QCOMPARE(r.samples, 0);
        QCOMPARE(r.relay.port(), 3128);
    }

    void generatedAtWithAnOffsetIsReadAsUtc()
    {
        const Result<RouteMap> m = parseRouteMap(edited(set(QStringLiteral("generated_at"), QStringLiteral("2026-11-25T20:30:00+02:00"))));
        QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
        QCOMPARE(m->generatedAt, QDateTime(QDate(2026, 11, 25), QTime(18, 30), Qt::UTC));
        QVERIFY(serializeRouteMap(*m).contains("\"generated_at\": \"2026-11-25T18:30:00Z\""));
    }

    void unknownFieldsAreIgnoredAndReported()
    {
        const QByteArray bytes = edited([](QJsonObject &m) {
            set(QStringLiteral("comment"), QStringLiteral("made by hand"))(m);
            setIn(QStringLiteral("race"), QStringLiteral("colour"), QStringLiteral("blue"))(m);
            setRegion(1, QStringLiteral("asn"), 64500)(m);
        });
        QStringList ignored;
        const Result<RouteMap> m = parseRouteMap(bytes, &ignored);
        QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
        ignored.sort();
        QCOMPARE(ignored, (QStringList{QStringLiteral("comment"), QStringLiteral("race.colour"), QStringLiteral("regions[1].asn")}));
        QCOMPARE(*m, *parseRouteMap(QJsonDocument(validMap()).toJson()));
        QVERIFY(!serializeRouteMap(*m).contains("colour")); // ignored means not kept either
    }

    void badInputIsRefusedNamingTheField_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("error"); // a regular expression the whole message must match
        const auto row = [](const char *name, const QByteArray &bytes, const char *error) {
            QTest::addRow("%s", name) << bytes << QString::fromUtf8(error);
        };
        const QJsonValue none(QJsonValue::Undefined);
        row("malformed JSON", R"({"format": "relayrace-map",, "version": 1})", "^malformed JSON at offset 28: .+");
        row("truncated JSON", R"({"format": "relayrace-map")", "^malformed JSON at offset 26: .+");
        row("not an object", "[1, 2]", "^malformed map: the document is not a JSON object$");
        row("format missing", edited(set(QStringLiteral("format"), none)), "^format: missing$");
        row("format wrong tag", edited(set(QStringLiteral("format"), QStringLiteral("relayrace-lab"))),
            "^format: 'relayrace-lab' is not a route map \\(expected 'relayrace-map'\\)$");
        row("format not a string", edited(set(QStringLiteral("format"), 1)), "^format: expected a string, got a number$");
        row("version missing", edited(set(QStringLiteral("version"), none)), "^version: missing$");
        row("version newer", edited(set(QStringLiteral("version"), 2)), "^version: this map is format version 2, newer .*; upgrade relayrace to use it$");
        row("version newer, other fields changed", edited([](QJsonObject &m) { m = {{QStringLiteral("format"), QStringLiteral("relayrace-map")}, {QStringLiteral("version"), 7}}; }),
            "^version: this map is format version 7, newer .*upgrade relayrace");
        row("version fraction", edited(set(QStringLiteral("version"), 1.5)), "^version: expected an integer, got 1.5$");
        row("version string", edited(set(QStringLiteral("version"), QStringLiteral("1"))), "^version: expected an integer, got a string$");
        row("version zero", edited(set(QStringLiteral("version"), 0)), "^version: 0 is not a map format version");
        row("provider missing", edited(set(QStringLiteral("provider"), none)), "^provider: missing$");
        row("provider bad id", edited(set(QStringLiteral("provider"), QStringLiteral("acme corp"))), "^provider: 'acme corp' is not a valid provider id");
        row("provider empty", edited(set(QStringLiteral("provider"), QString())), "^provider: '' is not a valid provider id");
        row("origin missing", edited(set(QStringLiteral("origin"), none)), "^origin: missing$");
        row("origin ftp", edited(set(QStringLiteral("origin"), QStringLiteral("ftp://origin.acme.example"))), "^origin: unsupported scheme 'ftp'; expected http\\(s\\)://host:port$");
        row("origin not absolute", edited(set(QStringLiteral("origin"), QStringLiteral("origin.acme.example:443"))), "^origin: .*expected http\\(s\\)://host:port$");
        row("origin with path", edited(set(QStringLiteral("origin"), QStringLiteral("https://origin.acme.example/videos"))), "^origin: '.*' has a path");
        row("origin with query", edited(set(QStringLiteral("origin"), QStringLiteral("https://origin.acme.example/?a=1"))), "^origin: '.*' has a query");
        row("origin without host", edited(set(QStringLiteral("origin"), QStringLiteral("http://:8080"))), "^origin: .*expected http\\(s\\)://host:port$");
        row("origin with credentials", edited(set(QStringLiteral("origin"), QStringLiteral("https://user:pw@origin.acme.example"))), "^origin: credentials are not allowed");
        row("origin bad port", edited(set(QStringLiteral("origin"), QStringLiteral("https://origin.acme.example:99999"))), "^origin: '.*' is not a valid URL");
        row("test_object not a path", edited(set(QStringLiteral("test_object"), QStringLiteral("probe.html"))), "^test_object: 'probe.html' is not a path");
        row("generated_at missing", edited(set(QStringLiteral("generated_at"), none)), "^generated_at: missing$");
        row("generated_at not a date", edited(set(QStringLiteral("generated_at"), QStringLiteral("yesterday"))), "^generated_at: 'yesterday' is not an ISO 8601");
        row("generated_at without zone", edited(set(QStringLiteral("generated_at"), QStringLiteral("2026-11-25T18:00:00"))), "^generated_at: .* has no time zone");
        row("generated_at number", edited(set(QStringLiteral("generated_at"), 1764093600)), "^generated_at: expected a string, got a number$");
        row("valid_for_s zero", edited(set(QStringLiteral("valid_for_s"), 0)), "^valid_for_s: 0 is out of range \\(1\\.\\.31622400\\)$");
        row("valid_for_s fraction", edited(set(QStringLiteral("valid_for_s"), 1.5)), "^valid_for_s: expected an integer, got 1.5$");
        row("valid_for_s string", edited(set(QStringLiteral("valid_for_s"), QStringLiteral("3600"))), "^valid_for_s: expected an integer, got a string$");
        row("direct not a boolean", edited(set(QStringLiteral("direct"), QStringLiteral("yes"))), "^direct: expected true or false, got a string$");
        row("direct false without alternates", edited([](QJsonObject &m) { m.insert(QStringLiteral("direct"), false); m.remove(QStringLiteral("alternates")); }),
            "^direct: false and alternates is empty");
        row("race not an object", edited(set(QStringLiteral("race"), QJsonArray{})), "^race: expected an object, got an array$");
        row("race.object unknown", edited(setIn(QStringLiteral("race"), QStringLiteral("object"), QStringLiteral("sometimes"))), "^race.object: 'sometimes' is not one of requested, test_object$");
        row("race.threshold_bytes zero", edited(setIn(QStringLiteral("race"), QStringLiteral("threshold_bytes"), 0)), "^race.threshold_bytes: 0 is out of range \\(1\\.\\.1073741824\\)$");
        row("race.threshold_bytes over 1 GiB", edited(setIn(QStringLiteral("race"), QStringLiteral("threshold_bytes"), 1073741825.0)), "^race.threshold_bytes: 1073741825 is out of range");
        row("race.route_ttl_s negative", edited(setIn(QStringLiteral("race"), QStringLiteral("route_ttl_s"), -1)), "^race.route_ttl_s: -1 is out of range \\(0\\.\\.2592000\\)$");
        row("race.first_period_s too long", edited(setIn(QStringLiteral("race"), QStringLiteral("first_period_s"), 2592001)), "^race.first_period_s: 2592001 is out of range");
        row("race.retest_after_s string", edited(setIn(QStringLiteral("race"), QStringLiteral("retest_after_s"), QStringLiteral("600"))), "^race.retest_after_s: expected an integer, got a string$");
        row("race.retest_after_requests negative", edited(setIn(QStringLiteral("race"), QStringLiteral("retest_after_requests"), -5)), "^race.retest_after_requests: -5 is out of range");
        row("race.hysteresis_pct over 100", edited(setIn(QStringLiteral("race"), QStringLiteral("hysteresis_pct"), 100.5)), "^race.hysteresis_pct: 100.5 is out of range \\(0\\.\\.100\\)$");
        row("race.hysteresis_pct negative", edited(setIn(QStringLiteral("race"), QStringLiteral("hysteresis_pct"), -1)), "^race.hysteresis_pct: -1 is out of range");
        row("regions not an array", edited(set(QStringLiteral("regions"), QJsonObject{})), "^regions: expected an array, got an object$");
        row("region not an object", edited([](QJsonObject &m) { QJsonArray r = m.value(QStringLiteral("regions")).toArray(); r.append(QStringLiteral("ams")); m.insert(QStringLiteral("regions"), r); }),
            "^regions\\[2\\]: expected an object, got a string$");
        row("region id missing", edited(setRegion(1, QStringLiteral("id"), none)), "^regions\\[1\\].id: missing$");
        row("region id invalid", edited(setRegion(1, QStringLiteral("id"), QStringLiteral("via:sgp"))), "^regions\\[1\\].id: 'via:sgp' is not a valid id");
        row("region ids duplicate", edited(setRegion(1, QStringLiteral("id"), QStringLiteral("fra"))), "^regions\\[1\\].id: duplicate region id 'fra'$");
        row("region relay missing", edited(setRegion(0, QStringLiteral("relay"), none)), "^regions\\[0\\].relay: missing$");
        row("region relay https", edited(setRegion(0, QStringLiteral("relay"), QStringLiteral("https://203.0.113.10:3128"))), "^regions\\[0\\].relay: unsupported scheme 'https'; expected http://host:port");
        row("region relay socks5", edited(setRegion(1, QStringLiteral("relay"), QStringLiteral("socks5://198.51.100.30:1080"))), "^regions\\[1\\].relay: unsupported scheme 'socks5'; expected http://host:port");
        row("region relay without port", edited(setRegion(0, QStringLiteral("relay"), QStringLiteral("http://203.0.113.10"))), "^regions\\[0\\].relay: 'http://203.0.113.10' has no port");
        row("region relay without host", edited(setRegion(0, QStringLiteral("relay"), QStringLiteral("http://:3128"))), "^regions\\[0\\].relay: .*expected http://host:port");
        row("region relay bare host:port", edited(setRegion(0, QStringLiteral("relay"), QStringLiteral("203.0.113.10:3128"))), "^regions\\[0\\].relay: .*expected http://host:port");
        row("region relay with path", edited(setRegion(0, QStringLiteral("relay"), QStringLiteral("http://203.0.113.10:3128/proxy"))), "^regions\\[0\\].relay: '.*' has a path");
        row("region relay number", edited(setRegion(0, QStringLiteral("relay"), 3128)), "^regions\\[0\\].relay: expected a string, got a number$");
        row("region lat over 90", edited(setRegion(0, QStringLiteral("lat"), 90.5)), "^regions\\[0\\].lat: 90.5 is out of range \\(-90\\.\\.90\\)$");
        row("region lon under -180", edited(setRegion(1, QStringLiteral("lon"), -181)), "^regions\\[1\\].lon: -181 is out of range \\(-180\\.\\.180\\)$");
        row("region lat string", edited(setRegion(0, QStringLiteral("lat"), QStringLiteral("50.1"))), "^regions\\[0\\].lat: expected a number, got a string$");
        row("region rtt negative", edited(setRegion(0, QStringLiteral("rtt_to_origin_ms"), -0.5)), "^regions\\[0\\].rtt_to_origin_ms: -0.5 is out of range");
        row("region samples fraction", edited(setRegion(0, QStringLiteral("samples"), 2.5)), "^regions\\[0\\].samples: expected an integer, got 2.5$");
        row("region well_connected string", edited(setRegion(0, QStringLiteral("well_connected"), QStringLiteral("true"))), "^regions\\[0\\].well_connected: expected true or false, got a string$");
        row("region name too long", edited(setRegion(0, QStringLiteral("name"), QString(257, u'x'))), "^regions\\[0\\].name: longer than 256 characters$");
        row("too many regions", edited([](QJsonObject &m) {
                QJsonArray regions;
                for (int i = 0; i <= 1000; ++i)
                    regions.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("r%1").arg(i)}, {QStringLiteral("relay"), QStringLiteral("http://127.0.0.1:3128")}});
                m.insert(QStringLiteral("regions"), regions);
            }), "^regions: 1001 regions; the limit is 1000$");
        row("alternates not an object", edited(set(QStringLiteral("alternates"), QJsonArray{})), "^alternates: expected an object, got an array$");
        row("alternates list not an array", edited(setIn(QStringLiteral("alternates"), QStringLiteral("edge-sin"), QStringLiteral("fra"))), "^alternates.edge-sin: expected an array of region ids, got a string$");
        row("alternates unknown region", edited(setIn(QStringLiteral("alternates"), QStringLiteral("edge-sin"), QJsonArray{QStringLiteral("sgp"), QStringLiteral("lhr")})),
            "^alternates.edge-sin\\[1\\]: unknown region 'lhr' \\(not in regions\\)$");
        row("alternates region twice", edited(setIn(QStringLiteral("alternates"), QStringLiteral("default"), QJsonArray{QStringLiteral("fra"), QStringLiteral("fra")})),
            "^alternates.default\\[1\\]: region 'fra' listed twice$");
        row("alternates id not a string", edited(setIn(QStringLiteral("alternates"), QStringLiteral("default"), QJsonArray{1})), "^alternates.default\\[0\\]: expected a region id, got a number$");
        row("alternates bad edge region", edited(setIn(QStringLiteral("alternates"), QStringLiteral("edge sin"), QJsonArray{})), "^alternates.edge sin: 'edge sin' is not a valid edge region id$");
    }

    void badInputIsRefusedNamingTheField()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, error);
        QStringList ignored{QStringLiteral("untouched")};
        const Result<RouteMap> m = parseRouteMap(bytes, &ignored);
        QVERIFY2(!m.ok(), "a bad map was accepted");
        QVERIFY2(QRegularExpression(error).match(m.error()).hasMatch(), qPrintable(QStringLiteral("error was: ") + m.error()));
        QCOMPARE(ignored, QStringList{QStringLiteral("untouched")}); // nothing partial is handed out
    }

    void oversizedMapIsRefusedBeforeParsing()
    {
        QByteArray valid = QJsonDocument(validMap()).toJson();
        // Padding is legal JSON whitespace: exactly at the limit the map still parses...
        QByteArray atLimit = valid + QByteArray(RouteMap::kMaxBytes - valid.size(), ' ');
        QCOMPARE(atLimit.size(), RouteMap::kMaxBytes);
        QVERIFY(parseRouteMap(atLimit).ok());
        // ...one byte over, it is refused for its size, even when it is not JSON at all.
        const Result<RouteMap> over = parseRouteMap(atLimit + ' ');
        QVERIFY(!over.ok());
        QCOMPARE(over.error(), QStringLiteral("map is 16777217 bytes; the limit is 16777216 bytes (16 MiB)"));
        const Result<RouteMap> junk = parseRouteMap(QByteArray(RouteMap::kMaxBytes + 1, '{'));
        QVERIFY(!junk.ok());
        QVERIFY2(junk.error().startsWith(QStringLiteral("map is 16777217 bytes")), qPrintable(junk.error()));
    }

    void mapFileOverTheLimitIsRefusedWithItsPath()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("huge.map.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(RouteMap::kMaxBytes * 4)); // sparse: 64 MiB that are never read whole
        file.close();
        const Result<RouteMap> m = readRouteMapFile(path);
        QVERIFY(!m.ok());
        QCOMPARE(m.error(), path + QStringLiteral(": map is 16777217 bytes; the limit is 16777216 bytes (16 MiB)"));
        const Result<RouteMap> missing = readRouteMapFile(dir.filePath(QStringLiteral("none.json")));
        QVERIFY(!missing.ok());
        QVERIFY2(missing.error().startsWith(QStringLiteral("cannot read ")), qPrintable(missing.error()));
    }

    void sampleMapParsesAndIsCanonical()
    {
        QStringList ignored;
        const Result<RouteMap> m = readRouteMapFile(QStringLiteral(RELAYRACE_SOURCE_DIR "/resources/maps/acme.map.json"), &ignored);
        QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
        QVERIFY(ignored.isEmpty());
        QCOMPARE(m->provider, QStringLiteral("acme"));
        QCOMPARE(m->regions.size(), 5);
        QCOMPARE(m->alternatesFor(QStringLiteral("edge-sin")), (QStringList{QStringLiteral("sgp"), QStringLiteral("tyo"), QStringLiteral("fra")}));
        QCOMPARE(m->alternatesFor(QStringLiteral("edge-lhr")), (QStringList{QStringLiteral("fra"), QStringLiteral("ams"), QStringLiteral("iad")}));
        QCOMPARE(m->region(QStringLiteral("fra"))->rttToOriginMs, 12.5);
        QCOMPARE(m->region(QStringLiteral("tyo"))->rttToOriginMs, std::nullopt);
        const QByteArray file = readSource("resources/maps/acme.map.json");
        QVERIFY(!file.isEmpty());
        QCOMPARE(serializeRouteMap(*m), file);
    }

    void documentedExamplesParse()
    {
        // Every ```json block of docs/map-format.md that is a whole map must be a valid map.
        const QString doc = QString::fromUtf8(readSource("docs/map-format.md"));
        QVERIFY2(!doc.isEmpty(), "docs/map-format.md is missing");
        static const QRegularExpression block(QStringLiteral("```json\\n(.*?)```"), QRegularExpression::DotMatchesEverythingOption);
        int maps = 0;
        for (const QRegularExpressionMatch &match : block.globalMatch(doc)) {
            const QByteArray json = match.captured(1).toUtf8();
            if (!json.contains("\"format\": \"relayrace-map\""))
                continue;
            ++maps;
            QStringList ignored;
            const Result<RouteMap> m = parseRouteMap(json, &ignored);
            QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
            QVERIFY2(ignored.isEmpty(), qPrintable(ignored.join(u',')));
        }
        QVERIFY(maps >= 1);
    }
};

QTEST_GUILESS_MAIN(TestMapCodec)
#include "tst_mapcodec.moc"
