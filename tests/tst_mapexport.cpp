// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace map show|export` and the DOT export: every region, the origin and RTTs in the graph, Graphviz
// renders it, JSON export is the canonical map; run through the real CLI binary where it matters.
#include "map/mapcodec.h"
#include "map/mapexport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using relayrace::Result;
using namespace relayrace::map;

namespace {

const QString kSample = QStringLiteral(RELAYRACE_SOURCE_DIR "/resources/maps/acme.map.json");

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runProgram(const QString &program, const QStringList &arguments, const QByteArray &input = {})
{
    QProcess process;
    process.start(program, arguments);
    Run run;
    if (!process.waitForStarted(30000))
        return run;
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit)
        return run;
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

Run runCli(const QStringList &arguments)
{
    return runProgram(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"), arguments);
}

RouteMap sample()
{
    Result<RouteMap> m = readRouteMapFile(kSample);
    if (!m)
        qWarning("%s", qPrintable(m.error()));
    return m ? std::move(m).value() : RouteMap{};
}

// Names a DOT writer could get wrong: quotes, backslashes, a line break, braces, arrows, non-ASCII,
// and a region whose id is "origin".
RouteMap awkwardMap()
{
    RouteMap m;
    m.provider = QStringLiteral("globex.shop");
    m.origin = QUrl(QStringLiteral("https://origin.globex.example"));
    m.generatedAt = QDateTime::currentDateTimeUtc();
    m.regions = {{QStringLiteral("origin"), QStringLiteral("Frankfurt \"Main\" \\ hub"), QUrl(QStringLiteral("http://203.0.113.10:3128")), 50.1, 8.7, true, 9.75, 3, QString()},
                 {QStringLiteral("a.b-c_d"), QStringLiteral("São Paulo {x} -> y; [z]"), QUrl(QStringLiteral("http://[2001:db8::1]:8888")), -23.5, -46.6, false, std::nullopt, 0, QString()},
                 {QStringLiteral("9lives"), QStringLiteral("two\nlines"), QUrl(QStringLiteral("http://relay.example:3128")), 0, 0, true, 250, 1, QString()}};
    m.alternates = {{QStringLiteral("default"), {QStringLiteral("a.b-c_d"), QStringLiteral("origin")}},
                    {QStringLiteral("edge-x.y"), {QStringLiteral("9lives")}}};
    return m;
}

// The text of every <text> element of an SVG, or an error when it is not well-formed XML.
QStringList svgTexts(const QByteArray &svg, QString *error)
{
    QXmlStreamReader xml(svg);
    QStringList texts;
    bool sawSvg = false;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        sawSvg = sawSvg || xml.name() == u"svg";
        if (xml.name() == u"text")
            texts.append(xml.readElementText(QXmlStreamReader::IncludeChildElements));
    }
    if (xml.hasError())
        *error = xml.errorString();
    else if (!sawSvg)
        *error = QStringLiteral("no <svg> element");
    return texts;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

} // namespace

class TestMapExport final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString badMapPath() const { return m_dir.filePath(QStringLiteral("bad.map.json")); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(QFile::exists(kSample));
        QByteArray bad = serializeRouteMap(sample());
        QVERIFY(bad.contains("http://203.0.113.10:3128"));
        bad.replace("http://203.0.113.10:3128", "socks5://203.0.113.10:1080");
        QVERIFY(writeFile(badMapPath(), bad));
    }

    void dotHasEveryRegionTheOriginAndRttLabels()
    {
        const RouteMap m = sample();
        QCOMPARE(m.regions.size(), 5);
        const QString dot = QString::fromUtf8(routeMapToDot(m));
        QVERIFY(dot.startsWith(QStringLiteral("digraph \"relayrace-map acme\" {\n")));
        QVERIFY(dot.endsWith(QStringLiteral("}\n")));
        for (const Region &r : m.regions) {
            QVERIFY2(dot.contains(QStringLiteral("\"region:%1\" [label=\"%1\\n%2\\n%3\"").arg(r.id, r.name, r.relay.toString())), qPrintable(r.id));
            const QString toOrigin = QStringLiteral("\"region:%1\" -> \"origin\"").arg(r.id);
            if (r.rttToOriginMs)
                QVERIFY2(dot.contains(toOrigin + QStringLiteral(" [label=\"%1 ms\"];").arg(*r.rttToOriginMs)), qPrintable(r.id));
            else
                QVERIFY2(dot.contains(toOrigin + QStringLiteral(";\n")), qPrintable(r.id));
        }
        QVERIFY(dot.contains(QStringLiteral("\"origin\" [shape=doubleoctagon, style=solid, label=\"origin\\nhttps://origin.acme.example:443\"];")));
        QVERIFY(dot.contains(QStringLiteral("\"region:fra\" -> \"origin\" [label=\"12.5 ms\"];")));
        QVERIFY(dot.contains(QStringLiteral("\"region:ams\" -> \"origin\" [label=\"17.25 ms\"];")));
        // One node per edge region key, the alternates order and the direct route from each.
        QVERIFY(dot.contains(QStringLiteral("\"edge:default\" [shape=house")));
        QVERIFY(dot.contains(QStringLiteral("\"edge:edge-sin\" [shape=house")));
        QVERIFY(dot.contains(QStringLiteral("\"edge:edge-sin\" -> \"region:sgp\" [label=\"1st\", penwidth=3];")));
        QVERIFY(dot.contains(QStringLiteral("\"edge:edge-sin\" -> \"region:tyo\" [label=\"2nd\", penwidth=2];")));
        QVERIFY(dot.contains(QStringLiteral("\"edge:edge-sin\" -> \"region:fra\" [label=\"3rd\", penwidth=1];")));
        QVERIFY(dot.indexOf(QStringLiteral("\"edge:default\" -> \"region:fra\" [label=\"1st\"")) < dot.indexOf(QStringLiteral("\"edge:default\" -> \"region:ams\" [label=\"2nd\"")));
        QCOMPARE(dot.count(QStringLiteral("-> \"origin\" [label=\"direct\", style=dashed];")), 2);
        QCOMPARE(dot.count(QStringLiteral(" -> ")), 6 + 2 + 5);
    }

    void dotWithoutAlternatesHasOneEdgeNodeAndHonoursDirect()
    {
        RouteMap m = sample();
        m.alternates.clear();
        QString dot = QString::fromUtf8(routeMapToDot(m));
        QVERIFY(dot.contains(QStringLiteral("\"edge\" [shape=house, style=solid, label=\"edge\"];")));
        QVERIFY(dot.contains(QStringLiteral("\"edge\" -> \"origin\" [label=\"direct\", style=dashed];")));
        QVERIFY(!dot.contains(QStringLiteral("\"edge:")));
        m = sample();
        m.direct = false;
        dot = QString::fromUtf8(routeMapToDot(m));
        QVERIFY(!dot.contains(QStringLiteral("direct")));
        QCOMPARE(dot.count(QStringLiteral(" -> ")), 6 + 5);
    }

    void dotRendersToValidSvg_data()
    {
        QTest::addColumn<QByteArray>("map"); // canonical JSON, so a failure shows what was drawn
        QTest::addRow("sample") << serializeRouteMap(sample());
        QTest::addRow("awkward names") << serializeRouteMap(awkwardMap());
    }

    void dotRendersToValidSvg()
    {
        const QString dotProgram = QStandardPaths::findExecutable(QStringLiteral("dot"));
        if (dotProgram.isEmpty())
            QSKIP("Graphviz 'dot' is not installed (apt install graphviz)");
        QFETCH(QByteArray, map);
        const Result<RouteMap> m = parseRouteMap(map);
        QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
        const Run run = runProgram(dotProgram, {QStringLiteral("-Tsvg")}, routeMapToDot(*m));
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.isEmpty(), run.err.constData()); // dot reports syntax errors and warnings here
        QString error;
        const QStringList texts = svgTexts(run.out, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        // What was drawn is what the map says, every name unmangled by the quoting.
        for (const Region &r : m->regions) {
            QVERIFY2(texts.contains(r.id), qPrintable(r.id));
            QString name = r.name;
            name.replace(u'\n', u' '); // control characters in a name are drawn as spaces
            QVERIFY2(texts.contains(name), qPrintable(name));
            if (r.rttToOriginMs)
                QVERIFY(texts.contains(QString::number(*r.rttToOriginMs, 'g', QLocale::FloatingPointShortest) + QStringLiteral(" ms")));
        }
        QVERIFY(texts.contains(QStringLiteral("origin")));
        QVERIFY(texts.contains(m->origin.toString()));
        QVERIFY(texts.contains(QStringLiteral("1st")));
        QVERIFY(texts.contains(QStringLiteral("direct")));
    }

    void cliExportWritesDotAndCanonicalJson()
    {
        const RouteMap m = sample();
        const Run json = runCli({QStringLiteral("map"), QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("json"), kSample});
        QCOMPARE(json.exitCode, 0);
        QCOMPARE(json.out, serializeRouteMap(m));
        const Run dot = runCli({QStringLiteral("map"), QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("dot"), kSample});
        QCOMPARE(dot.exitCode, 0);
        QCOMPARE(dot.out, routeMapToDot(m));

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString out = dir.filePath(QStringLiteral("acme.dot"));
        QVERIFY(writeFile(out, "stale contents"));
        const Run toFile = runCli({QStringLiteral("map"), QStringLiteral("export"), QStringLiteral("--format=dot"), QStringLiteral("-o"), out, kSample});
        QCOMPARE(toFile.exitCode, 0);
        QVERIFY(toFile.out.isEmpty());
        QFile written(out);
        QVERIFY(written.open(QIODevice::ReadOnly));
        QCOMPARE(written.readAll(), routeMapToDot(m));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("acme.dot")}); // no temp file left
    }

    void cliRefusesBadUsageAndBadMaps_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("error");
        const QString bad = badMapPath();
        QTest::addRow("export without format") << QStringList{QStringLiteral("export"), kSample} << 2 << QStringLiteral("--format is required");
        QTest::addRow("export unknown format") << QStringList{QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("png"), kSample} << 2 << QStringLiteral("unknown format 'png'");
        QTest::addRow("show without map") << QStringList{QStringLiteral("show")} << 2 << QStringLiteral("expected one map file");
        QTest::addRow("show two maps") << QStringList{QStringLiteral("show"), kSample, kSample} << 2 << QStringLiteral("expected one map file");
        QTest::addRow("show missing file") << QStringList{QStringLiteral("show"), QStringLiteral("/nonexistent/x.json")} << 1 << QStringLiteral("cannot read /nonexistent/x.json");
        QTest::addRow("show invalid map") << QStringList{QStringLiteral("show"), bad} << 1 << QStringLiteral("regions[0].relay: unsupported scheme 'socks5'");
        QTest::addRow("export invalid map") << QStringList{QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("json"), bad} << 1 << QStringLiteral("regions[0].relay: unsupported scheme 'socks5'");
    }

    void cliRefusesBadUsageAndBadMaps()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, error);
        const Run run = runCli(QStringList{QStringLiteral("map")} + arguments);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY(run.out.isEmpty());
        QVERIFY2(QString::fromUtf8(run.err).contains(error), run.err.constData());
    }

    void cliShowSummarisesAFreshMap()
    {
        RouteMap m = sample();
        m.generatedAt = QDateTime::currentDateTimeUtc().addSecs(-600);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("acme.map.json"));
        QVERIFY(writeFile(path, serializeRouteMap(m)));
        const Run run = runCli({QStringLiteral("map"), QStringLiteral("show"), path});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.isEmpty(), run.err.constData()); // fresh and clean: no warnings
        const QString out = QString::fromUtf8(run.out);
        QVERIFY(out.contains(QStringLiteral("Map of provider acme")));
        QVERIFY(out.contains(QStringLiteral("https://origin.acme.example:443")));
        QVERIFY(out.contains(QStringLiteral("(10 min ago)")));
        QVERIFY(out.contains(QStringLiteral("(in 50 min; valid for 1 h 0 min)")) || out.contains(QStringLiteral("(in 49 min; valid for 1 h 0 min)")));
        QVERIFY(out.contains(QStringLiteral("65536 bytes")));
        for (const Region &r : m.regions) {
            QVERIFY2(out.contains(r.relay.toString()), qPrintable(r.id));
            QVERIFY2(out.contains(QStringLiteral("\n  ") + r.id + u' '), qPrintable(r.id));
        }
        QVERIFY(out.contains(QStringLiteral("12.5 ms")));
        QVERIFY(out.contains(QStringLiteral("1. via:sgp  2. via:tyo  3. via:fra  + direct")));
    }

    void cliShowWarnsAboutIgnoredFieldsAndExpiry()
    {
        RouteMap m = sample();
        m.generatedAt = QDateTime::currentDateTimeUtc().addDays(-2);
        const QString expiredAt = m.expiresAt().toString(Qt::ISODate);
        QJsonObject object = QJsonDocument::fromJson(serializeRouteMap(m)).object();
        object.insert(QStringLiteral("comment"), QStringLiteral("hand edited"));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("old.map.json"));
        QVERIFY(writeFile(path, QJsonDocument(object).toJson()));
        const Run human = runCli({QStringLiteral("map"), QStringLiteral("show"), path});
        QCOMPARE(human.exitCode, 0);
        QVERIFY2(human.err.contains("warning: ignored unknown field 'comment'"), human.err.constData());
        QVERIFY2(QString::fromUtf8(human.err).contains(QStringLiteral("warning: the map expired at ") + expiredAt), human.err.constData());
        QVERIFY(human.out.contains("EXPIRED"));

        const Run json = runCli({QStringLiteral("map"), QStringLiteral("show"), QStringLiteral("--json"), path});
        QCOMPARE(json.exitCode, 0);
        QJsonParseError parseError;
        const QJsonObject doc = QJsonDocument::fromJson(json.out, &parseError).object();
        QCOMPARE(parseError.error, QJsonParseError::NoError);
        QCOMPARE(doc.value(QStringLiteral("map")).toObject(), QJsonDocument::fromJson(serializeRouteMap(m)).object());
        QCOMPARE(doc.value(QStringLiteral("expired")).toBool(), true);
        QCOMPARE(doc.value(QStringLiteral("expires_at")).toString(), expiredAt);
        QCOMPARE(doc.value(QStringLiteral("ignored")).toArray(), QJsonArray{QStringLiteral("comment")});
        QCOMPARE(doc.value(QStringLiteral("warnings")).toArray().size(), 2);
        QVERIFY(doc.value(QStringLiteral("age_s")).toInteger() >= 2 * 86400);
    }

    void mapsWrittenByTheLabAreValid()
    {
        // The lab writes maps for the demo (core/lab); the codec must read each without complaint.
        QTemporaryDir dir;
        const Run run = runCli({QStringLiteral("lab"), QStringLiteral("--exit-when-ready"), QStringLiteral("--maps-dir"), dir.path()});
        QCOMPARE(run.exitCode, 0);
        const QStringList files = QDir(dir.path()).entryList({QStringLiteral("*.map.json")}, QDir::Files);
        QVERIFY(!files.isEmpty());
        for (const QString &file : files) {
            QStringList ignored;
            const Result<RouteMap> m = readRouteMapFile(dir.filePath(file), &ignored);
            QVERIFY2(m.ok(), qPrintable(m.ok() ? QString() : m.error()));
            QVERIFY2(ignored.isEmpty(), qPrintable(ignored.join(u',')));
            QVERIFY(!m->regions.isEmpty());
            QVERIFY(!m->alternatesFor(QStringLiteral("any")).isEmpty());
        }
    }
};

QTEST_GUILESS_MAIN(TestMapExport)
#include "tst_mapexport.moc"
