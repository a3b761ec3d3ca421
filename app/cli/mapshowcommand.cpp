// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace map show` and `relayrace map export`: read one map, print it for people or for tools.
#include "command.h"

#include "map/mapcodec.h"
#include "map/mapexport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace relayrace::cli {
namespace {

using map::RouteMap;

// "3 h 12 min", "45 s": enough precision to judge a map's freshness at a glance.
QString duration(qint64 seconds)
{
    seconds = std::abs(seconds);
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1 min").arg(seconds / 60);
    if (seconds < 48 * 3600)
        return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
    return QStringLiteral("%1 d %2 h").arg(seconds / 86400).arg(seconds % 86400 / 3600);
}

QString relative(qint64 secondsFromNow)
{
    return secondsFromNow >= 0 ? QStringLiteral("in ") + duration(secondsFromNow) : duration(secondsFromNow) + QStringLiteral(" ago");
}

QString iso(const QDateTime &at)
{
    return at.toUTC().toString(Qt::ISODate);
}


QString summary(const RouteMap &m, const QString &path, const QDateTime &now)
{
    using map::RaceSettings;
    const RaceSettings &race = m.race;
    QString out = QStringLiteral("Map of provider %1 (%2)\n").arg(m.provider, path);
    QString expiry = relative(now.secsTo(m.expiresAt()));
    if (m.isExpired(now))
        expiry = QStringLiteral("EXPIRED ") + expiry;
    out += textTable({{QStringLiteral("origin"), m.origin.toString()},
                  {QStringLiteral("test object"), m.testObject},
                  {QStringLiteral("generated"), QStringLiteral("%1 (%2)").arg(iso(m.generatedAt), relative(now.secsTo(m.generatedAt)))},
                  {QStringLiteral("expires"), QStringLiteral("%1 (%2; valid for %3)").arg(iso(m.expiresAt()), expiry, duration(m.validForS))},
                  {QStringLiteral("direct route"), m.direct ? QStringLiteral("a candidate") : QStringLiteral("not a candidate")}},
                 QStringLiteral("  "));
    out += QStringLiteral("\nRace\n");
    out += textTable({{QStringLiteral("object"), race.object == RaceSettings::Object::TestObject
                                                 ? QStringLiteral("test_object (race on %1, then send the request over the winner)").arg(m.testObject)
                                                 : QStringLiteral("requested (race on the request itself)")},
                  {QStringLiteral("threshold"), QStringLiteral("%1 bytes").arg(race.thresholdBytes)},
                  {QStringLiteral("route TTL"), QStringLiteral("%1 s").arg(race.routeTtlS)},
                  {QStringLiteral("T1 first period"), QStringLiteral("%1 s").arg(race.firstPeriodS)},
                  {QStringLiteral("T2 retest after"), QStringLiteral("%1 s").arg(race.retestAfterS)},
                  {QStringLiteral("N retest after"), QStringLiteral("%1 requests").arg(race.retestAfterRequests)},
                  {QStringLiteral("hysteresis"), QString::number(race.hysteresisPct, 'g', QLocale::FloatingPointShortest) + QStringLiteral(" %")}},
                 QStringLiteral("  "));
    out += QStringLiteral("\nRegions (%1)\n").arg(m.regions.size());
    QList<QStringList> rows{{QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("RELAY"), QStringLiteral("RTT TO ORIGIN"),
                             QStringLiteral("SAMPLES"), QStringLiteral("WELL-CONNECTED")}};
    for (const map::Region &r : m.regions) {
        rows.append({r.id, r.name.isEmpty() ? QStringLiteral("-") : r.name, r.relay.toString(),
                     r.rttToOriginMs ? QString::number(*r.rttToOriginMs, 'g', QLocale::FloatingPointShortest) + QStringLiteral(" ms")
                                     : QStringLiteral("unknown"),
                     QString::number(r.samples), r.wellConnected ? QStringLiteral("yes") : QStringLiteral("no")});
    }
    out += m.regions.isEmpty() ? QStringLiteral("  (none)\n") : textTable(rows, QStringLiteral("  "));
    out += QStringLiteral("\nAlternates per edge region (in order)\n");
    rows.clear();
    for (auto it = m.alternates.constBegin(); it != m.alternates.constEnd(); ++it) {
        QStringList routes;
        for (qsizetype i = 0; i < it->size(); ++i)
            routes.append(QStringLiteral("%1. %2").arg(i + 1).arg(map::viaRouteId(it->at(i))));
        if (m.direct)
            routes.append(QStringLiteral("+ ") + map::directRouteId());
        rows.append({it.key() == u"default" ? QStringLiteral("default (any other)") : it.key(), routes.join(QStringLiteral("  "))});
    }
    out += rows.isEmpty() ? QStringLiteral("  (none: direct only)\n") : textTable(rows, QStringLiteral("  "));
    return out;
}

QStringList warningsFor(const RouteMap &m, const QStringList &ignored, const QDateTime &now)
{
    QStringList warnings;
    for (const QString &field : ignored)
        warnings.append(QStringLiteral("ignored unknown field '%1' (not part of map format v1)").arg(field));
    if (m.isExpired(now))
        warnings.append(QStringLiteral("the map expired at %1 (%2); fetch or make a fresh one")
                            .arg(iso(m.expiresAt()), relative(now.secsTo(m.expiresAt()))));
    else if (m.generatedAt > now)
        warnings.append(QStringLiteral("the map was generated in the future (%1); check the clocks").arg(iso(m.generatedAt)));
    return warnings;
}

// Loads MAP (the one positional argument); on failure prints why and returns the exit code.
std::optional<RouteMap> loadMap(const QCommandLineParser &parser, const QString &usage, QStringList *ignored, int *rc)
{
    const QStringList args = parser.positionalArguments();
    if (args.size() != 1) {
        printError(QStringLiteral("expected one map file (see '%1 --help')").arg(usage));
        *rc = ExitUsage;
        return std::nullopt;
    }
    Result<RouteMap> loaded = map::readRouteMapFile(args.first(), ignored);
    if (!loaded) {
        printError(loaded.error());
        *rc = ExitFailure;
        return std::nullopt;
    }
    return std::move(loaded).value();
}

bool writeOutput(const QString &path, const QByteArray &bytes)
{
    if (path.isEmpty()) {
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
        return std::fflush(stdout) == 0;
    }
    QSaveFile file(path); // temp + rename: a reader never sees half an export
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        printError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

int runMapShow(const QStringList &arguments)
{
    const QString usage = QStringLiteral("relayrace map show");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Shows a route map (docs/map-format.md): provider, origin, age and expiry, race settings, regions\n"
        "with relay and RTT, alternates per edge region. Warns on stderr about ignored fields and an\n"
        "expired map. Exit 1 when the map cannot be read or is invalid (the error names the field)."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print one JSON document: the canonical map plus expiry, age and warnings."));
    parser.addOption(json);
    parser.addPositionalArgument(QStringLiteral("MAP"), QStringLiteral("The map file."));
    if (const int rc = parseCommandLine(parser, arguments, usage); rc >= 0)
        return rc;
    setUpLogging(parser);
    QStringList ignored;
    int rc = ExitOk;
    const std::optional<RouteMap> m = loadMap(parser, usage, &ignored, &rc);
    if (!m)
        return rc;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QStringList warnings = warningsFor(*m, ignored, now);
    for (const QString &warning : warnings)
        printError(QStringLiteral("warning: ") + warning);
    if (parser.isSet(json)) {
        const QJsonObject out{
            {QStringLiteral("file"), parser.positionalArguments().first()},
            {QStringLiteral("map"), QJsonDocument::fromJson(map::serializeRouteMap(*m)).object()},
            {QStringLiteral("expires_at"), iso(m->expiresAt())},
            {QStringLiteral("age_s"), m->generatedAt.secsTo(now)},
            {QStringLiteral("expired"), m->isExpired(now)},
            {QStringLiteral("ignored"), QJsonArray::fromStringList(ignored)},
            {QStringLiteral("warnings"), QJsonArray::fromStringList(warnings)}};
        return writeOutput(QString(), QJsonDocument(out).toJson(QJsonDocument::Indented)) ? ExitOk : ExitFailure;
    }
    return writeOutput(QString(), summary(*m, parser.positionalArguments().first(), now).toUtf8()) ? ExitOk : ExitFailure;
}

int runMapExport(const QStringList &arguments)
{
    const QString usage = QStringLiteral("relayrace map export");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Exports a route map: 'dot' is a Graphviz digraph of the edge, the regions and the origin with\n"
        "RTT labels and the alternates order (render with 'dot -Tsvg'); 'json' is the canonical map\n"
        "(sorted keys, every default written). Writes stdout, or OUT atomically with -o."));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("dot or json."), QStringLiteral("format"));
    const QCommandLineOption output({QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("Write OUT (atomically) instead of stdout."), QStringLiteral("OUT"));
    parser.addOptions({format, output});
    parser.addPositionalArgument(QStringLiteral("MAP"), QStringLiteral("The map file."));
    if (const int rc = parseCommandLine(parser, arguments, usage); rc >= 0)
        return rc;
    const QString kind = parser.value(format);
    if (kind != u"dot" && kind != u"json") {
        printError(kind.isEmpty() ? QStringLiteral("--format is required: dot or json (see '%1 --help')").arg(usage)
                                  : QStringLiteral("unknown format '%1': expected dot or json").arg(kind));
        return ExitUsage;
    }
    setUpLogging(parser);
    QStringList ignored;
    int rc = ExitOk;
    const std::optional<RouteMap> m = loadMap(parser, usage, &ignored, &rc);
    if (!m)
        return rc;
    for (const QString &field : ignored)
        printError(QStringLiteral("warning: ignored unknown field '%1' (not exported)").arg(field));
    const QByteArray bytes = kind == u"dot" ? map::routeMapToDot(*m) : map::serializeRouteMap(*m);
    return writeOutput(parser.value(output), bytes) ? ExitOk : ExitFailure;
}

const MapSubcommand::Registrar showRegistrar{"show", "show a map: origin, age, race settings, regions, alternates", &runMapShow};
const MapSubcommand::Registrar exportRegistrar{"export", "export a map as Graphviz DOT or canonical JSON", &runMapExport};

} // namespace
} // namespace relayrace::cli
