// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "command.h"

#include "map/mapcodec.h"
#include "engine/localengine.h"
#include "model/raceresult.h"
#include "util/signalwatcher.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QSslCertificate>
#include <QTimer>

#include <cstdio>

namespace relayrace::cli {
namespace {

QString ms(double value)
{
    return value < 0 ? QStringLiteral("-") : QString::number(value, 'f', 1);
}

void printTable(const model::RaceResult &result)
{
    std::printf("race %s %s: threshold %lld B, trigger %s, %s connections\n", qUtf8Printable(result.provider),
                qUtf8Printable(result.object), static_cast<long long>(result.thresholdBytes),
                qUtf8Printable(model::triggerName(result.trigger)), qUtf8Printable(result.fairness));
    std::printf("%-16s %-7s %-6s %9s %9s %9s %10s %12s  %s\n", "route", "state", "conn", "connect", "ttfb",
                "to N", "bytes", "throughput", "error");
    for (const model::RouteOutcome &route : result.routes) {
        std::printf("%-16s %-7s %-6s %9s %9s %9s %10lld %10.0f/s  %s\n", qUtf8Printable(route.routeId),
                    qUtf8Printable(model::stateName(route.state)), route.freshConnection ? "fresh" : "reused",
                    qUtf8Printable(ms(route.connectMs)), qUtf8Printable(ms(route.ttfbMs)),
                    qUtf8Printable(ms(route.timeToThresholdMs)), static_cast<long long>(route.bytes),
                    route.throughputBytesPerSec, qUtf8Printable(route.error));
    }
    if (result.ok())
        std::printf("winner %s, won by %s, wasted %lld B\n", qUtf8Printable(result.winner),
                    qUtf8Printable(model::marginText(result)), static_cast<long long>(result.wastedBytes));
    else
        std::printf("no winner: %s\n", qUtf8Printable(result.error));
}

} // namespace

// Shared with `fetch`: the request target of a command line, as a path on the map's origin.
Result<QString> targetPath(const map::RouteMap &map, const QString &target)
{
    if (target.startsWith(u'/'))
        return target;
    const QUrl url(target, QUrl::StrictMode);
    if (!url.isValid() || url.scheme().isEmpty())
        return makeError(QStringLiteral("'%1' is neither a path (/...) nor a URL").arg(target));
    const QUrl origin = map.origin;
    const int port = url.port(url.scheme() == u"https" ? 443 : 80);
    const int originPort = origin.port(origin.scheme() == u"https" ? 443 : 80);
    if (url.scheme() != origin.scheme() || url.host() != origin.host() || port != originPort)
        return makeError(QStringLiteral("%1 is not on the map's origin %2").arg(target, origin.toString()));
    QString path = url.path(QUrl::FullyEncoded);
    if (path.isEmpty())
        path = QStringLiteral("/");
    if (url.hasQuery())
        path += u'?' + url.query(QUrl::FullyEncoded);
    return path;
}

Result<QList<QSslCertificate>> readCaFile(const QString &path)
{
    if (path.isEmpty())
        return QList<QSslCertificate>{};
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("--ca-file %1: %2").arg(path, file.errorString()));
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (certificates.isEmpty())
        return makeError(QStringLiteral("--ca-file %1: no PEM certificate in it").arg(path));
    return certificates;
}

QCommandLineOption relayCredentialsOption()
{
    return QCommandLineOption(QStringLiteral("relay-credentials"),
                              QStringLiteral("Credentials for relays that want proxy authentication: a file of "
                                             "'host:port user:password' lines, mode 600 (docs/relay-credentials.md)."),
                              QStringLiteral("file"));
}

Result<RelayCredentialMap> readRelayCredentials(const QString &path)
{
    if (path.isEmpty())
        return RelayCredentialMap{};
    auto loaded = loadRelayCredentials(path);
    if (!loaded)
        return makeError(QStringLiteral("--relay-credentials: %1").arg(loaded.error()));
    return loaded;
}

int runRace(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Races one request: sends it at once over the direct route and the map's alternates for the\n"
        "edge region; the first route to receive the threshold's bytes wins, the others are aborted.\n"
        "URL|PATH: a URL on the map's origin or a path; '-' races the map's test object.\n"
        "Exit 0 when a route won, 1 when every route failed or the race could not run, 2 on bad usage."));
    const MapOptions mapOption = mapOptions();
    const QCommandLineOption edge(QStringLiteral("edge-region"),
                                  QStringLiteral("Edge region whose alternates race (default: 'default')."),
                                  QStringLiteral("region"), QStringLiteral("default"));
    const QCommandLineOption threshold(QStringLiteral("threshold"),
                                       QStringLiteral("Bytes a route must receive to win (default: the map's)."),
                                       QStringLiteral("bytes"));
    const QCommandLineOption fairness(QStringLiteral("fairness"),
                                      QStringLiteral("warm (kept-alive connections, default) or cold (new ones)."),
                                      QStringLiteral("warm|cold"), QStringLiteral("warm"));
    const QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("Race timeout in seconds (default 30)."),
                                     QStringLiteral("s"), QStringLiteral("30"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"),
                                    QStringLiteral("PEM file of a private CA for https origins (added to the system's)."),
                                    QStringLiteral("pem"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the race JSON on stdout."));
    const QCommandLineOption credentials = relayCredentialsOption();
    parser.addOptions(mapOption.all());
    parser.addOptions({edge, threshold, fairness, timeout, caFile, credentials, json});
    parser.addPositionalArgument(QStringLiteral("target"), QStringLiteral("URL|PATH|-"));
    if (const int rc = parseCommandLine(parser, arguments, QStringLiteral("relayrace race")); rc >= 0)
        return rc;
    if (!mapOption.given(parser) || parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("race needs --map FILE (or --map-dns NAME) and one URL|PATH (see 'relayrace race --help')"));
        return ExitUsage;
    }
    bool ok = true;
    const qint64 thresholdBytes = parser.isSet(threshold) ? parser.value(threshold).toLongLong(&ok) : 0;
    if (!ok || thresholdBytes < 0) {
        printError(QStringLiteral("--threshold: expected a number of bytes, got '%1'").arg(parser.value(threshold)));
        return ExitUsage;
    }
    const int timeoutS = parser.value(timeout).toInt(&ok);
    if (!ok || timeoutS < 1 || timeoutS > 3600) {
        printError(QStringLiteral("--timeout: expected 1 to 3600 seconds, got '%1'").arg(parser.value(timeout)));
        return ExitUsage;
    }
    const QString fairnessValue = parser.value(fairness);
    if (fairnessValue != u"warm" && fairnessValue != u"cold") {
        printError(QStringLiteral("--fairness: expected warm or cold, got '%1'").arg(fairnessValue));
        return ExitUsage;
    }
    setUpLogging(parser);

    const Result<map::RouteMap> routeMap = loadMap(parser, mapOption);
    if (!routeMap) {
        printError(routeMap.error());
        return ExitFailure;
    }
    const QString target = parser.positionalArguments().constFirst();
    Result<QString> path = target == u"-" ? Result<QString>(routeMap->testObject) : targetPath(*routeMap, target);
    if (!path) {
        printError(path.error());
        return ExitUsage;
    }
    const auto ca = readCaFile(parser.value(caFile));
    if (!ca) {
        printError(ca.error());
        return ExitFailure;
    }
    const auto relayCredentials = readRelayCredentials(parser.value(credentials));
    if (!relayCredentials) {
        printError(relayCredentials.error());
        return ExitFailure;
    }

    engine::EngineSettings settings;
    settings.relayCredentials = *relayCredentials;
    settings.edgeRegion = parser.value(edge);
    settings.fairness = fairnessValue == u"cold" ? race::RaceRequest::Fairness::Cold : race::RaceRequest::Fairness::Warm;
    settings.raceTimeout = std::chrono::seconds(timeoutS);
    settings.caCertificates = *ca;
    settings.maxRacesPerMinute = 0;
    engine::LocalEngine engine(settings);
    engine.setMap(*routeMap, QString());

    int exitCode = ExitFailure;
    const bool asJson = parser.isSet(json);
    quint64 raceId = 0;
    QObject::connect(&engine, &engine::EngineFront::raceStarted, qApp, [&](const engine::RaceStart &start) {
        raceId = start.raceId;
    });
    QObject::connect(&engine, &engine::EngineFront::raceFinished, qApp, [&](quint64 id, const model::RaceResult &result) {
        if (id != raceId)
            return;
        if (asJson)
            std::printf("%s\n", QJsonDocument(model::toJson(result)).toJson(QJsonDocument::Indented).constData());
        else
            printTable(result);
        if (!result.ok())
            printError(result.error);
        exitCode = result.ok() ? ExitOk : ExitFailure;
        QTimer::singleShot(0, qApp, &QCoreApplication::quit);
    });
    QObject::connect(&engine, &engine::EngineFront::raceRefused, qApp, [&](const engine::RaceRefusal &refusal) {
        printError(QStringLiteral("the race did not run: %1").arg(refusal.reason));
        QTimer::singleShot(0, qApp, &QCoreApplication::quit);
    });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::interrupted, qApp, [&] {
        printError(QStringLiteral("interrupted"));
        QCoreApplication::quit();
    });
    engine.raceNow(engine::RaceOrder{routeMap->provider, *path, thresholdBytes, model::Trigger::Manual, 0});
    QCoreApplication::exec();
    return exitCode;
}

} // namespace relayrace::cli
