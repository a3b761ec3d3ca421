// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "command.h"

#include "lab/lab.h"
#include "lab/labcontrol.h"
#include "map/mapcodec.h"
#include "util/signalwatcher.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <cstdio>

namespace relayrace::cli {
namespace {

bool writeMap(const QString &path, const map::RouteMap &routeMap, QString *error)
{
    QSaveFile file(path); // temp + rename: a reader never sees half a map
    if (!file.open(QIODevice::WriteOnly) || file.write(map::serializeRouteMap(routeMap)) < 0 || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

int runLab(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs a lab on 127.0.0.1 (ephemeral ports): each provider's origin, a relay per region and an\n"
        "impaired link per hop, prints its endpoints, writes a route map per provider and stays up\n"
        "until interrupted (Ctrl-C, exit 0). Without --topology it runs the console's demo topology."));
    const QCommandLineOption topologyOption(QStringLiteral("topology"), QStringLiteral("Lab topology file (docs/lab-topology.md)."), QStringLiteral("file"));
    const QCommandLineOption mapsOption(QStringLiteral("maps-dir"), QStringLiteral("Where to write <provider>.map.json (default: current directory)."), QStringLiteral("dir"), QStringLiteral("."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print one JSON document of endpoints on stdout."));
    const QCommandLineOption once(QStringLiteral("exit-when-ready"), QStringLiteral("Exit once the lab is up and the maps are written (for scripts and tests)."));
    const QCommandLineOption control(QStringLiteral("control"),
                                     QStringLiteral("Answer GET/PUT /links[/ID] here: the links' impairments, changed while the lab runs "
                                                    "(docs/lab-topology.md), e.g. 127.0.0.1:0."),
                                     QStringLiteral("addr:port"));
    parser.addOptions({topologyOption, mapsOption, json, once, control});
    if (const int rc = parseCommandLine(parser, arguments, QStringLiteral("relayrace lab")); rc >= 0)
        return rc;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("lab takes no arguments (see 'relayrace lab --help')"));
        return ExitUsage;
    }
    setUpLogging(parser);

    Result<lab::Topology> topology = makeError(QString());
    if (parser.isSet(topologyOption)) {
        QFile file(parser.value(topologyOption));
        if (!file.open(QIODevice::ReadOnly)) {
            printError(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
            return ExitFailure;
        }
        topology = lab::Topology::fromJson(file.read(8 * 1024 * 1024));
        if (!topology) {
            printError(QStringLiteral("%1: %2").arg(file.fileName(), topology.error()));
            return ExitFailure;
        }
    } else {
        topology = lab::demoTopology();
        if (!topology) {
            printError(topology.error());
            return ExitFailure;
        }
    }
    const QString mapsDir = parser.value(mapsOption);
    if (!QDir().mkpath(mapsDir)) {
        printError(QStringLiteral("cannot create %1").arg(mapsDir));
        return ExitFailure;
    }

    std::optional<std::pair<QHostAddress, quint16>> controlAt;
    if (parser.isSet(control)) {
        const QString value = parser.value(control);
        const qsizetype colon = value.lastIndexOf(u':');
        bool ok = colon > 0;
        const uint port = ok ? value.mid(colon + 1).toUInt(&ok) : 0;
        const QHostAddress address(value.left(colon));
        if (!ok || port > 65535 || address.isNull()) {
            printError(QStringLiteral("--control '%1': expected ADDRESS:PORT (e.g. 127.0.0.1:0)").arg(value));
            return ExitUsage;
        }
        controlAt = std::pair{address, quint16(port)};
    }

    lab::LabHost host(std::move(topology).value());
    std::unique_ptr<lab::LabControl> labControl;
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::interrupted, qApp, [](int) { QCoreApplication::exit(ExitOk); });
    QObject::connect(&host, &lab::LabHost::failed, qApp, [](const QString &error) {
        printError(QStringLiteral("the lab did not start: ") + error);
        QCoreApplication::exit(ExitFailure);
    });
    QObject::connect(&host, &lab::LabHost::ready, qApp, [&](const lab::LabEndpoints &endpoints) {
        QJsonObject document = endpoints.toJson();
        QJsonArray maps;
        for (const auto &provider : endpoints.providers) {
            const QString path = QDir(mapsDir).absoluteFilePath(provider.place.id + QStringLiteral(".map.json"));
            QString error;
            if (!writeMap(path, host.routeMap(provider.place.id), &error)) {
                printError(error);
                QCoreApplication::exit(ExitFailure);
                return;
            }
            maps.append(path);
        }
        document.insert(QStringLiteral("maps"), maps);
        if (controlAt) {
            labControl = std::make_unique<lab::LabControl>(host.lab());
            const Result<quint16> port = labControl->listen(controlAt->first, controlAt->second);
            if (!port) {
                printError(port.error());
                QCoreApplication::exit(ExitFailure);
                return;
            }
            document.insert(QStringLiteral("control"), QStringLiteral("http://%1:%2").arg(controlAt->first.toString()).arg(*port));
        }
        if (parser.isSet(json)) {
            std::printf("%s\n", QJsonDocument(document).toJson(QJsonDocument::Compact).constData());
        } else {
            std::printf("lab up on 127.0.0.1 (Ctrl-C to stop)\n\norigins (edge-facing, through the direct link):\n");
            for (const auto &p : endpoints.providers)
                std::printf("  %-10s %s  (origin itself on port %u)\n", qUtf8Printable(p.place.id), qUtf8Printable(p.url.toString()), p.originPort);
            std::printf("\nrelays (edge-facing, through the edge link):\n");
            for (const auto &r : endpoints.regions)
                std::printf("  %-10s %s  (%s relay on port %u)\n", qUtf8Printable(r.place.id), qUtf8Printable(r.relayUrl.toString()), qUtf8Printable(r.kind), r.relayPort);
            std::printf("\nlinks:\n");
            for (const auto &l : endpoints.links) {
                const auto impairment = host.lab()->linkImpairment(l.id);
                std::printf("  %-28s 127.0.0.1:%-5u -> %-5u %s\n", qUtf8Printable(l.id), l.port, l.targetPort,
                            impairment ? qUtf8Printable(lab::describe(*impairment)) : "");
            }
            if (!endpoints.caFile.isEmpty())
                std::printf("\nhttps origins are signed by the run's CA: %s\n", qUtf8Printable(endpoints.caFile));
            if (labControl)
                std::printf("\nlink control: %s/links (GET; PUT /links/ID with an impairment)\n",
                            qUtf8Printable(document.value(QStringLiteral("control")).toString()));
            std::printf("\nroute maps:\n");
            for (const auto &m : maps)
                std::printf("  %s\n", qUtf8Printable(m.toString()));
        }
        std::fflush(stdout);
        if (parser.isSet(once))
            QCoreApplication::exit(ExitOk);
    });
    host.start();
    const int rc = QCoreApplication::exec();
    labControl.reset(); // before the lab it changes
    return rc;
}

} // namespace relayrace::cli
