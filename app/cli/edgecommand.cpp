// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace edge`: the reverse proxy (docs/edge.md).
#include "command.h"

#include "edgerunner.h"

#include "edge/edgeconfig.h"
#include "lab/lab.h"
#include "lab/topology.h"

#include <QCoreApplication>
#include <QTemporaryDir>

#include <cstdio>

namespace relayrace::cli {
namespace {

// --admin ADDR:PORT [--admin-token-file FILE], the short form's and the demo's.
Result<void> adminFromOptions(const QCommandLineParser &parser, const QCommandLineOption &admin,
                              const QCommandLineOption &adminToken, edge::EdgeConfig &c)
{
    if (!parser.isSet(admin))
        return {};
    const auto adminListener = edge::parseListen(parser.value(admin));
    if (!adminListener)
        return makeError(QStringLiteral("--admin: ") + adminListener.error());
    c.admin = *adminListener;
    c.adminTokenFile = parser.value(adminToken);
    return {};
}

Result<edge::EdgeConfig> configFromOptions(const QCommandLineParser &parser, const QCommandLineOption &config,
                                           const QCommandLineOption &mapOption, const QCommandLineOption &listen,
                                           const QCommandLineOption &host, const QCommandLineOption &edgeRegion,
                                           const QCommandLineOption &caFile, const QCommandLineOption &accessLog,
                                           const QCommandLineOption &history, const QCommandLineOption &admin,
                                           const QCommandLineOption &adminToken)
{
    if (parser.isSet(config)) {
        if (parser.isSet(mapOption) || parser.isSet(listen) || parser.isSet(admin))
            return makeError(QStringLiteral("--config and the short form (--map, --listen, --admin) do not mix"));
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
    if (const Result<void> set = adminFromOptions(parser, admin, adminToken, c); !set)
        return makeError(set.error());
    return c;
}

// `relayrace edge --demo`: the demo lab on this machine and an edge in front of it, each provider
// served for the Host "<provider>.demo"; runs until Ctrl-C.
int runDemoEdge(const QCommandLineParser &parser, const QCommandLineOption &listen, const QCommandLineOption &admin,
                const QCommandLineOption &adminToken)
{
    auto topology = lab::demoTopology();
    if (!topology) {
        printError(topology.error());
        return ExitFailure;
    }
    const auto listener = edge::parseListen(parser.isSet(listen) ? parser.value(listen) : QStringLiteral("127.0.0.1:8080"));
    if (!listener) {
        printError(QStringLiteral("--listen: ") + listener.error());
        return ExitUsage;
    }
    edge::EdgeConfig base;
    if (const Result<void> set = adminFromOptions(parser, admin, adminToken, base); !set) {
        printError(set.error());
        return ExitUsage;
    }
    setUpLogging(parser);
    QTemporaryDir logs; // the demo's access and failover logs and its history, gone with it
    lab::LabHost host(std::move(topology).value());
    std::unique_ptr<EdgeRunner> runner;
    QObject::connect(&host, &lab::LabHost::failed, qApp, [](const QString &error) {
        printError(QStringLiteral("the demo lab did not start: ") + error);
        QCoreApplication::exit(ExitFailure);
    });
    QObject::connect(&host, &lab::LabHost::ready, qApp, [&](const lab::LabEndpoints &endpoints) {
        edge::EdgeConfig config = base;
        config.listeners.append(*listener);
        config.accessLog = logs.filePath(QStringLiteral("access.jsonl"));
        config.failoverLog = logs.filePath(QStringLiteral("failover.jsonl"));
        config.history = logs.filePath(QStringLiteral("history.sqlite"));
        QList<map::RouteMap> maps;
        for (const lab::LabEndpoints::Provider &p : endpoints.providers) {
            edge::EdgeConfig::Provider provider;
            provider.hosts.append(p.place.id + QStringLiteral(".demo"));
            config.providers.append(provider);
            maps.append(host.routeMap(p.place.id));
        }
        runner = std::make_unique<EdgeRunner>(QString(), config);
        QObject::connect(runner.get(), &EdgeRunner::finished, qApp, &QCoreApplication::exit);
        const QList<QSslCertificate> labCa =
            endpoints.caFile.isEmpty() ? QList<QSslCertificate>() : QSslCertificate::fromPath(endpoints.caFile);
        if (const Result<void> started = runner->start(labCa, maps); !started) {
            printError(started.error());
            QCoreApplication::exit(ExitFailure);
            return;
        }
        const lab::LabEndpoints::Provider &first = endpoints.providers.first();
        std::printf("\ndemo lab up: %lld providers behind the edge; access log %s\ntry:\n  curl -sS -o /dev/null "
                    "-w '%%{http_code} %%{size_download} bytes in %%{time_total} s\\n' -H 'Host: %s.demo' "
                    "http://%s:%u%s\n(Ctrl-C stops the edge and the lab)\n",
                    qlonglong(endpoints.providers.size()), qUtf8Printable(config.accessLog),
                    qUtf8Printable(first.place.id), qUtf8Printable(listener->address.toString()),
                    unsigned(runner->ports().value(0)), qUtf8Printable(first.testObject));
        std::fflush(stdout);
    });
    host.start();
    const int rc = QCoreApplication::exec();
    runner.reset(); // before the lab it serves from
    return rc;
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
    const QCommandLineOption admin(QStringLiteral("admin"),
                                   QStringLiteral("Short form and demo: the admin listener (/metrics, /healthz, "
                                                  "/readyz, /api/v1; docs/api.md), e.g. 127.0.0.1:9901."),
                                   QStringLiteral("addr:port"));
    const QCommandLineOption adminToken(QStringLiteral("admin-token-file"),
                                        QStringLiteral("Short form and demo: the admin API's bearer token (a file)."),
                                        QStringLiteral("file"));
    const QCommandLineOption demo(QStringLiteral("demo"),
                                  QStringLiteral("The demo lab and an edge for its providers (Host <provider>.demo); "
                                                 "prints a curl command to try."));
    parser.addOptions({config, mapOption, listen, host, edgeRegion, caFile, accessLog, history, admin, adminToken, demo});
    if (const int rc = parseCommandLine(parser, arguments, QStringLiteral("relayrace edge")); rc >= 0)
        return rc;
    if (parser.isSet(demo))
        return runDemoEdge(parser, listen, admin, adminToken);
    const Result<edge::EdgeConfig> read =
        configFromOptions(parser, config, mapOption, listen, host, edgeRegion, caFile, accessLog, history, admin, adminToken);
    if (!read) {
        printError(read.error());
        return ExitUsage;
    }
    setUpLogging(parser);
    EdgeRunner runner(parser.isSet(config) ? parser.value(config) : QString(), *read);
    if (const Result<void> started = runner.start(); !started) {
        printError(started.error());
        return ExitFailure;
    }
    QObject::connect(&runner, &EdgeRunner::finished, qApp, &QCoreApplication::exit);
    return QCoreApplication::exec();
}

} // namespace relayrace::cli
