// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace edge`: the reverse proxy (docs/edge.md).
#include "command.h"

#include "delivery/failoverlog.h"
#include "edge/edgeconfig.h"
#include "edge/edgeserver.h"
#include "engine/localengine.h"
#include "log/jsonlineslog.h"
#include "log/logging.h"
#include "map/mapcodec.h"
#include "util/signalwatcher.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>

namespace relayrace::cli {
namespace {

constexpr int kDrainTimeoutMs = 30'000;

Result<edge::EdgeConfig> configFromOptions(const QCommandLineParser &parser, const QCommandLineOption &config,
                                           const QCommandLineOption &mapOption, const QCommandLineOption &listen,
                                           const QCommandLineOption &host, const QCommandLineOption &edgeRegion,
                                           const QCommandLineOption &caFile, const QCommandLineOption &accessLog,
                                           const QCommandLineOption &history)
{
    if (parser.isSet(config)) {
        if (parser.isSet(mapOption) || parser.isSet(listen))
            return makeError(QStringLiteral("--config and the short form (--map, --listen) do not mix"));
        return edge::readEdgeConfig(parser.value(config));
    }
    if (!parser.isSet(mapOption))
        return makeError(QStringLiteral("edge needs --config FILE, or --map FILE (see 'relayrace edge --help')"));
    edge::EdgeConfig c;
    const auto listener = edge::parseListen(parser.isSet(listen) ? parser.value(listen) : QStringLiteral("127.0.0.1:8080"));
    if (!listener)
        return makeError(QStringLiteral("--listen: ") + listener.error());
    c.listeners.append(*listener);
    edge::EdgeConfig::Provider provider;
    provider.mapFile = parser.value(mapOption);
    for (const QString &h : parser.values(host))
        provider.hosts.append(h.trimmed().toLower());
    c.providers.append(provider);
    c.edgeRegion = parser.value(edgeRegion);
    c.caFile = parser.value(caFile);
    c.accessLog = parser.value(accessLog);
    c.history = parser.value(history);
    return c;
}

} // namespace

int runEdge(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Serve HTTP clients through the engine: a reverse proxy that takes each request over the optimal route,\n"
        "races when a trigger fires and fails over mid-body without the client noticing (docs/edge.md)."));
    const QCommandLineOption config(QStringLiteral("config"), QStringLiteral("The edge's configuration (JSON)."),
                                    QStringLiteral("file"));
    const QCommandLineOption mapOption(QStringLiteral("map"), QStringLiteral("Short form: one provider's map."),
                                       QStringLiteral("file"));
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    QStringLiteral("Short form: where to listen (default 127.0.0.1:8080)."),
                                    QStringLiteral("addr:port"));
    const QCommandLineOption host(QStringLiteral("host"),
                                  QStringLiteral("Short form: a Host name the provider is served for (repeatable; "
                                                 "default: the map's origin host)."),
                                  QStringLiteral("name"));
    const QCommandLineOption edgeRegion(QStringLiteral("edge-region"), QStringLiteral("Short form: the edge region."),
                                        QStringLiteral("id"), QStringLiteral("default"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"), QStringLiteral("Short form: a private CA for origins (PEM)."),
                                    QStringLiteral("pem"));
    const QCommandLineOption accessLog(QStringLiteral("access-log"),
                                       QStringLiteral("Short form: the access log (JSON lines; default access.jsonl "
                                                      "beside the log file)."),
                                       QStringLiteral("file"));
    const QCommandLineOption history(QStringLiteral("history"), QStringLiteral("Short form: the history (SQLite)."),
                                     QStringLiteral("file"));
    parser.addOptions({config, mapOption, listen, host, edgeRegion, caFile, accessLog, history});
    if (const int rc = parseCommandLine(parser, arguments, QStringLiteral("relayrace edge")); rc >= 0)
        return rc;
    const Result<edge::EdgeConfig> read =
        configFromOptions(parser, config, mapOption, listen, host, edgeRegion, caFile, accessLog, history);
    if (!read) {
        printError(read.error());
        return ExitUsage;
    }
    const edge::EdgeConfig &c = *read;
    setUpLogging(parser);

    engine::EngineSettings settings;
    settings.edgeRegion = c.edgeRegion;
    settings.historyPath = c.history;
    settings.failoverLogPath = c.failoverLog.isEmpty() ? delivery::FailoverLog::defaultPath() : c.failoverLog;
    const auto ca = readCaFile(c.caFile);
    if (!ca) {
        printError(ca.error());
        return ExitFailure;
    }
    settings.caCertificates = *ca;
    edge::EdgeSettings edgeSettings;
    edgeSettings.limits = c.limits;
    QList<map::RouteMap> maps;
    for (const edge::EdgeConfig::Provider &p : c.providers) {
        Result<map::RouteMap> routeMap = map::readRouteMapFile(p.mapFile);
        if (!routeMap) {
            printError(routeMap.error());
            return ExitFailure;
        }
        const QStringList hosts = p.hosts.isEmpty() ? QStringList{routeMap->origin.host().toLower()} : p.hosts;
        for (const QString &h : hosts) {
            if (edgeSettings.hosts.contains(h)) {
                printError(QStringLiteral("the host '%1' is given to two providers (%2 and %3)")
                               .arg(h, edgeSettings.hosts.value(h), routeMap->provider));
                return ExitUsage;
            }
            edgeSettings.hosts.insert(h, routeMap->provider);
        }
        maps.append(std::move(routeMap).value());
    }

    engine::LocalEngine engine(settings);
    for (const map::RouteMap &m : std::as_const(maps))
        engine.setMap(m, QStringLiteral("file, signature not checked"));
    edge::EdgeServer server(&engine, edgeSettings);
    const QString accessPath = c.accessLog.isEmpty()
                                   ? QFileInfo(QString::fromStdString(log::logFilePath("relayrace"))).absolutePath() +
                                         QStringLiteral("/access.jsonl")
                                   : c.accessLog;
    auto access = log::JsonLinesLog::open(accessPath, QStringLiteral("access"));
    if (!access) {
        printError(access.error());
        return ExitFailure;
    }
    server.setAccessLog(std::move(access).value());
    for (const edge::EdgeConfig::Listener &l : c.listeners) {
        const Result<quint16> port = server.listen(l.address, l.port);
        if (!port) {
            printError(port.error());
            return ExitFailure;
        }
        std::printf("relayrace edge: listening on %s:%u for %s\n", qPrintable(l.address.toString()), unsigned(*port),
                    qPrintable(QStringList(edgeSettings.hosts.keys()).join(QStringLiteral(", "))));
    }
    std::fflush(stdout);

    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::interrupted, &server, [&server](int) {
        std::fprintf(stderr, "relayrace edge: stopping (requests in flight may finish within %d s)\n",
                     kDrainTimeoutMs / 1000);
        server.stopAccepting();
        QTimer::singleShot(kDrainTimeoutMs, qApp, [] { QCoreApplication::exit(ExitOk); });
    });
    QObject::connect(&server, &edge::EdgeServer::drained, qApp, [] { QCoreApplication::exit(ExitOk); });
    return QCoreApplication::exec();
}

} // namespace relayrace::cli
