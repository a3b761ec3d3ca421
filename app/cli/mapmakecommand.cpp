// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace map make`: measure each region's round trip to the origin through its relay (or take
// ping data collected elsewhere), rank the alternates and write the map atomically; with --every,
// again and again until interrupted. docs/map-maker.md.
#include "command.h"

#include "map/mapcodec.h"
#include "map/mapmaker.h"
#include "util/signalwatcher.h"

#include <QCoreApplication>
#include <QCoroTask>
#include <QCoroTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace relayrace::cli {
namespace {

using map::MapMakerReport;
using map::RegionMeasurement;

constexpr qint64 kMaxPingDataBytes = 16 * 1024 * 1024;

enum class RunOutcome { Written, NotWritten, BadInput, Interrupted };

struct Job
{
    QString regionsPath;
    QString pingDataPath; // empty: measure
    QString outputPath;
    bool json = false;
    qint64 everyMs = 0;   // 0: once
    map::MapMakerRequest request;
    map::MapMaker maker;
    QTimer sleeper;
    bool stopping = false;
};

Result<QByteArray> readInput(const QString &path, qint64 limit)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const QByteArray bytes = file.read(limit + 1);
    if (bytes.size() > limit)
        return makeError(QStringLiteral("%1: larger than %2 bytes").arg(path).arg(limit));
    return bytes;
}

QJsonValue msOrNull(bool known, double ms)
{
    return known ? QJsonValue(std::round(ms * 10.0) / 10.0) : QJsonValue(QJsonValue::Null);
}

QJsonObject reportJson(const Job &job, const map::MapMakerRequest &request, const MapMakerReport &report, bool written)
{
    QJsonArray regions;
    QJsonArray excluded;
    for (qsizetype i = 0; i < report.regions.size(); ++i) {
        const RegionMeasurement &m = report.regions.at(i);
        const QString relay = request.regions.at(i).relay.toString();
        if (!m.ok()) {
            excluded.append(QJsonObject{{QStringLiteral("id"), m.regionId}, {QStringLiteral("relay"), relay},
                                        {QStringLiteral("error"), m.error}});
        }
        regions.append(QJsonObject{
            {QStringLiteral("id"), m.regionId},
            {QStringLiteral("relay"), relay},
            {QStringLiteral("state"), m.ok() ? QStringLiteral("measured") : QStringLiteral("excluded")},
            {QStringLiteral("edge_rtt_ms"), msOrNull(m.ok() && m.edgeRttKnown, m.edgeRttMs)},
            {QStringLiteral("rtt_to_origin_ms"), msOrNull(m.ok(), m.rttToOriginMs)},
            {QStringLiteral("path_cost_ms"), msOrNull(m.ok(), m.pathCostMs())},
            {QStringLiteral("samples"), m.samples},
            {QStringLiteral("error"), m.error.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(m.error)}});
    }
    return QJsonObject{
        {QStringLiteral("provider"), report.map.provider},
        {QStringLiteral("origin"), report.map.origin.toString()},
        {QStringLiteral("source"), job.pingDataPath.isEmpty() ? QStringLiteral("measured") : QStringLiteral("ping-data")},
        {QStringLiteral("output"), job.outputPath},
        {QStringLiteral("written"), written},
        {QStringLiteral("generated_at"), report.map.generatedAt.toString(Qt::ISODate)},
        {QStringLiteral("alternates_key"), report.alternatesKey},
        {QStringLiteral("alternates"), QJsonArray::fromStringList(report.map.alternates.value(report.alternatesKey))},
        {QStringLiteral("regions"), regions},
        {QStringLiteral("excluded"), excluded}};
}

void printHuman(const Job &job, const MapMakerReport &report, bool written)
{
    std::printf("%s: map of %s, %d of %lld regions measured%s\n", qUtf8Printable(job.outputPath),
                qUtf8Printable(report.map.provider), report.measuredCount(), qlonglong(report.regions.size()),
                written ? "" : " (not written)");
    const QStringList alternates = report.map.alternates.value(report.alternatesKey);
    std::printf("  %-16s %12s %15s %12s  %s\n", "region", "edge rtt", "rtt to origin", "path cost", "alternate");
    for (const RegionMeasurement &m : report.regions) {
        if (!m.ok())
            continue;
        const qsizetype rank = alternates.indexOf(m.regionId);
        std::printf("  %-16s %12s %12.1f ms %9.1f ms  %s\n", qUtf8Printable(m.regionId),
                    m.edgeRttKnown ? qUtf8Printable(QStringLiteral("%1 ms").arg(m.edgeRttMs, 0, 'f', 1)) : "-",
                    m.rttToOriginMs, m.pathCostMs(),
                    rank >= 0 ? qUtf8Printable(QString::number(rank + 1)) : "-");
    }
    std::printf("  alternates[%s]: %s\n", qUtf8Printable(report.alternatesKey),
                alternates.isEmpty() ? "(none)" : qUtf8Printable(alternates.join(QStringLiteral(", "))));
}

QCoro::Task<RunOutcome> runOnce(Job &job)
{
    const auto regionsBytes = readInput(job.regionsPath, map::RouteMap::kMaxBytes);
    if (!regionsBytes) {
        printError(regionsBytes.error());
        co_return RunOutcome::BadInput;
    }
    const auto regionsFile = map::parseRegionsFile(*regionsBytes);
    if (!regionsFile) {
        printError(QStringLiteral("%1: %2").arg(job.regionsPath, regionsFile.error()));
        co_return RunOutcome::BadInput;
    }
    map::MapMakerRequest request = job.request;
    request.regions = regionsFile->regions;
    request.base = regionsFile->base;

    if (const QString problem = map::MapMaker::problemWith(request); !problem.isEmpty()) {
        printError(problem);
        co_return RunOutcome::BadInput;
    }
    Result<MapMakerReport> report = makeError(QString());
    if (!job.pingDataPath.isEmpty()) {
        const auto csv = readInput(job.pingDataPath, kMaxPingDataBytes);
        if (!csv) {
            printError(csv.error());
            co_return RunOutcome::BadInput;
        }
        const auto records = map::parsePingData(*csv);
        if (!records) {
            printError(QStringLiteral("%1: %2").arg(job.pingDataPath, records.error()));
            co_return RunOutcome::BadInput;
        }
        report = map::MapMaker::fromPingData(request, *records);
        if (!report) {
            printError(QStringLiteral("%1: %2").arg(job.pingDataPath, report.error()));
            co_return RunOutcome::BadInput;
        }
    } else {
        report = co_await job.maker.make(request);
        if (job.stopping) {
            if (job.everyMs <= 0)
                printError(QStringLiteral("interrupted; %1 not written").arg(job.outputPath));
            co_return RunOutcome::Interrupted;
        }
        if (!report) {
            printError(report.error());
            co_return RunOutcome::BadInput; // make() only refuses requests it cannot work on
        }
    }

    for (const RegionMeasurement &m : report->excluded())
        printError(QStringLiteral("region '%1' left out: %2").arg(m.regionId, m.error));
    // Measuring nothing at all says more about this host's network than about the regions: the last
    // good map is worth more than one without alternates.
    bool written = false;
    if (report->measuredCount() == 0 && !request.regions.isEmpty()) {
        printError(QStringLiteral("no region could be measured; %1 left as it was").arg(job.outputPath));
    } else {
        QSaveFile file(job.outputPath); // temp file + rename: a reader never sees half a map
        const QByteArray bytes = map::serializeRouteMap(report->map);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
            printError(QStringLiteral("cannot write %1: %2").arg(job.outputPath, file.errorString()));
        else
            written = true;
    }
    if (job.json)
        std::printf("%s\n", QJsonDocument(reportJson(job, request, *report, written)).toJson(QJsonDocument::Compact).constData());
    else
        printHuman(job, *report, written);
    std::fflush(stdout);
    co_return written ? RunOutcome::Written : RunOutcome::NotWritten;
}

QCoro::Task<int> runLoop(Job &job)
{
    for (int run = 1;; ++run) {
        const RunOutcome outcome = co_await runOnce(job);
        if (job.everyMs <= 0)
            co_return outcome == RunOutcome::Written ? ExitOk : ExitFailure;
        if (job.stopping)
            co_return ExitOk;
        if (outcome == RunOutcome::BadInput && run == 1)
            co_return ExitFailure; // a typo should not wait for the next round to show
        job.sleeper.start(std::chrono::milliseconds(job.everyMs));
        co_await job.sleeper;
        if (job.stopping)
            co_return ExitOk;
    }
}

// Returns false (after printing why) when the value is not an integer in [min, max].
bool readInt(const QCommandLineParser &parser, const QCommandLineOption &option, int min, int max, int *value)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const int v = parser.value(option).toInt(&ok);
    if (!ok || v < min || v > max) {
        printError(QStringLiteral("--%1: '%2' is not a whole number in %3..%4")
                       .arg(option.names().constLast(), parser.value(option)).arg(min).arg(max));
        return false;
    }
    *value = v;
    return true;
}

bool readSeconds(const QCommandLineParser &parser, const QCommandLineOption &option, qint64 *ms)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const double seconds = parser.value(option).toDouble(&ok);
    if (!ok || !std::isfinite(seconds) || seconds <= 0.0 || seconds > 366.0 * 24 * 3600) {
        printError(QStringLiteral("--%1: '%2' is not a positive number of seconds").arg(option.names().constLast(), parser.value(option)));
        return false;
    }
    *ms = std::max<qint64>(1, qint64(std::llround(seconds * 1000.0)));
    return true;
}

int runMapMake(const QStringList &arguments)
{
    const QString usage = QStringLiteral("relayrace map make");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Measures each region's round trip to the origin through the region's relay (the median of\n"
        "--samples), ranks the regions by path cost (edge->region + region->origin), keeps the best\n"
        "--alternates for --edge-region and writes the map atomically. Regions that fail are left out\n"
        "and reported. With --ping-data, round trips collected elsewhere replace the measurement.\n"
        "See docs/map-maker.md."));
    const QCommandLineOption regionsOption(QStringLiteral("regions"), QStringLiteral("Regions: {\"regions\": [...]} or a map v1 file."), QStringLiteral("file"));
    const QCommandLineOption providerOption(QStringLiteral("provider"), QStringLiteral("Provider id."), QStringLiteral("id"));
    const QCommandLineOption originOption(QStringLiteral("origin"), QStringLiteral("The origin, http(s)://host:port."), QStringLiteral("url"));
    const QCommandLineOption alternatesOption(QStringLiteral("alternates"), QStringLiteral("Alternates to keep (default 3)."), QStringLiteral("k"));
    const QCommandLineOption samplesOption(QStringLiteral("samples"), QStringLiteral("Samples per region (default 5)."), QStringLiteral("s"));
    const QCommandLineOption edgeOption(QStringLiteral("edge-region"), QStringLiteral("Edge region the alternates are for (default: \"default\")."), QStringLiteral("id"));
    const QCommandLineOption pingOption(QStringLiteral("ping-data"), QStringLiteral("CSV of region,rtt_ms[,edge_rtt_ms] instead of measuring."), QStringLiteral("csv"));
    const QCommandLineOption everyOption(QStringLiteral("every"), QStringLiteral("Make the map again every this many seconds, until interrupted."), QStringLiteral("seconds"));
    const QCommandLineOption timeoutOption(QStringLiteral("timeout"), QStringLiteral("Seconds one probe may take (default 10)."), QStringLiteral("seconds"));
    const QCommandLineOption concurrencyOption(QStringLiteral("concurrency"), QStringLiteral("Regions measured at once (default 4)."), QStringLiteral("n"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print one JSON document per run on stdout."));
    const QCommandLineOption outputOption({QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("Where to write the map."), QStringLiteral("file"));
    const QCommandLineOption credentialsOption = relayCredentialsOption();
    parser.addOptions({regionsOption, providerOption, originOption, alternatesOption, samplesOption, edgeOption,
                       pingOption, everyOption, timeoutOption, concurrencyOption, credentialsOption, jsonOption, outputOption});
    if (const int rc = parseCommandLine(parser, arguments, usage); rc >= 0)
        return rc;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("map make takes no arguments (see '%1 --help')").arg(usage));
        return ExitUsage;
    }
    for (const QCommandLineOption *required : {&regionsOption, &providerOption, &originOption, &outputOption}) {
        if (!parser.isSet(*required)) {
            printError(QStringLiteral("--%1 is required (see '%2 --help')").arg(required->names().constLast(), usage));
            return ExitUsage;
        }
    }
    Job job;
    job.regionsPath = parser.value(regionsOption);
    job.pingDataPath = parser.value(pingOption);
    job.outputPath = parser.value(outputOption);
    job.json = parser.isSet(jsonOption);
    job.request.provider = parser.value(providerOption);
    job.request.origin = QUrl(parser.value(originOption), QUrl::StrictMode);
    job.request.edgeRegion = parser.value(edgeOption);
    qint64 timeoutMs = 10'000;
    if (!readInt(parser, alternatesOption, 0, 1000, &job.request.alternates) ||
        !readInt(parser, samplesOption, 1, 1000, &job.request.samples) ||
        !readInt(parser, concurrencyOption, 1, 64, &job.request.concurrency) ||
        !readSeconds(parser, everyOption, &job.everyMs) || !readSeconds(parser, timeoutOption, &timeoutMs))
        return ExitUsage;
    job.request.timeout = std::chrono::milliseconds(timeoutMs);
    setUpLogging(parser);
    const auto credentials = readRelayCredentials(parser.value(credentialsOption));
    if (!credentials) {
        printError(credentials.error());
        return ExitFailure;
    }
    job.request.relayCredentials = *credentials;

    job.sleeper.setSingleShot(true);
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::interrupted, qApp, [&job](int) {
        job.stopping = true;
        job.maker.cancel();
        if (job.sleeper.isActive())
            job.sleeper.start(0); // wakes the loop now
    });
    // Started inside the event loop, so that a run that ends without waiting can still end it.
    QMetaObject::invokeMethod(qApp, [&job] {
        QCoro::connect(runLoop(job), qApp, [](int rc) { QCoreApplication::exit(rc); });
    }, Qt::QueuedConnection);
    return QCoreApplication::exec();
}

const MapSubcommand::Registrar registrar{"make", "make a map: measure regions through their relays, rank alternates", &runMapMake};

} // namespace
} // namespace relayrace::cli
