// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "command.h"

#include "delivery/delivery.h"
#include "delivery/failoverlog.h"
#include "log/logging.h"
#include "map/mapcodec.h"
#include "race/routeclient.h"
#include "util/signalwatcher.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTimer>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace relayrace::cli {
namespace {

using delivery::DeliveryResult;
using model::FailoverEvent;

// The fetch JSON (DESIGN.md): the route used, bytes, sha256 and every failover.
QJsonObject fetchJson(const DeliveryResult &r, const QString &provider, const QString &url)
{
    QJsonArray failovers;
    for (const model::FailoverEvent &e : r.failovers) {
        failovers.append(QJsonObject{
            {QStringLiteral("from"), e.fromRoute},
            {QStringLiteral("to"), e.toRoute.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(e.toRoute)},
            {QStringLiteral("reason"), e.reason},
            {QStringLiteral("offset"), e.bytesDelivered},
            {QStringLiteral("resume_offset"), e.resumeOffset < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(e.resumeOffset)},
            {QStringLiteral("elapsed_ms"), e.recoverMs < 0 ? QJsonValue(QJsonValue::Null)
                                                           : QJsonValue(std::round(e.recoverMs * 10) / 10)},
            {QStringLiteral("outcome"), model::outcomeName(e.outcome)},
            {QStringLiteral("detail"), e.detail},
        });
    }
    const auto orNull = [](const QString &s) { return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s); };
    return QJsonObject{{QStringLiteral("provider"), provider},
                       {QStringLiteral("url"), url},
                       {QStringLiteral("route"), orNull(r.route)},
                       {QStringLiteral("status"), r.httpStatus == 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(r.httpStatus)},
                       {QStringLiteral("bytes"), r.bytes},
                       {QStringLiteral("framing"), orNull(r.framing)},
                       {QStringLiteral("length_verified"), r.lengthVerified},
                       {QStringLiteral("sha256"), r.sha256},
                       {QStringLiteral("elapsed_ms"), std::round(r.elapsedMs * 10) / 10},
                       {QStringLiteral("failovers"), failovers},
                       {QStringLiteral("ok"), r.ok},
                       {QStringLiteral("error"), orNull(r.error)}};
}

void printSummary(const DeliveryResult &r, const QString &url, const QString &destination)
{
    for (const model::FailoverEvent &e : r.failovers) {
        std::fprintf(stderr, "failover: %s -> %s (%s at byte %lld, %s%s)\n", qUtf8Printable(e.fromRoute),
                     e.toRoute.isEmpty() ? "none" : qUtf8Printable(e.toRoute), qUtf8Printable(e.reason),
                     static_cast<long long>(e.bytesDelivered), qUtf8Printable(model::outcomeName(e.outcome)),
                     e.recoverMs < 0 ? "" : qUtf8Printable(QStringLiteral(" in %1 ms").arg(e.recoverMs, 0, 'f', 1)));
    }
    if (r.ok)
        std::fprintf(stderr, "fetched %s over %s: HTTP %d, %lld bytes in %.1f ms, sha256 %s -> %s\n", qUtf8Printable(url),
                     qUtf8Printable(r.route), r.httpStatus, static_cast<long long>(r.bytes), r.elapsedMs,
                     qUtf8Printable(r.sha256), qUtf8Printable(destination));
    if (r.ok && !r.lengthVerified)
        std::fprintf(stderr, "note: the body's length could not be checked (%s-delimited, and the origin allows no "
                             "Range check); it is complete only as far as the connection's end says\n",
                     qUtf8Printable(r.framing));
}

// OUT is written as OUT.part-XXXXXX next to it and renamed into place once the body is complete, so a
// failed fetch leaves neither OUT nor the part file (an OUT from before is left alone). A fetch killed
// outright (SIGKILL, a power cut) leaves its part file: the next fetch to the same OUT removes every
// OUT.part-* not written to for kStalePartS (a live fetch writes far more often than that).
class PartFile final
{
public:
    static constexpr qint64 kStalePartS = 600;

    bool open(const QString &out, QString *error)
    {
        const QString dir = QFileInfo(out).absolutePath();
        removeStaleParts(out);
        for (int attempt = 0; attempt < 16; ++attempt) {
            const QString suffix = QString::number(QRandomGenerator::global()->generate() & 0xffffff, 16).rightJustified(6, u'0');
            m_file = std::make_unique<QFile>(QFileInfo(out).absoluteFilePath() + QStringLiteral(".part-") + suffix);
            if (m_file->open(QIODevice::WriteOnly | QIODevice::NewOnly | QIODevice::Unbuffered))
                return true;
            if (m_file->exists())
                continue;
            break;
        }
        *error = QStringLiteral("%1: cannot write a file there (%2)").arg(dir, m_file->errorString());
        m_file.reset();
        return false;
    }
    QFile *file() const { return m_file.get(); }
    bool commit(const QString &out, QString *error)
    {
        m_file->close();
        // rename(2) replaces an existing OUT atomically; QFile::rename would refuse to.
        if (std::rename(QFile::encodeName(m_file->fileName()).constData(), QFile::encodeName(out).constData()) != 0) {
            *error = QStringLiteral("cannot rename %1 to %2: %3").arg(m_file->fileName(), out, QString::fromLocal8Bit(std::strerror(errno)));
            return false;
        }
        m_file.reset();
        return true;
    }
    ~PartFile()
    {
        if (m_file) {
            m_file->close();
            m_file->remove();
        }
    }

private:
    static void removeStaleParts(const QString &out)
    {
        const QFileInfo target(out);
        const QDateTime staleBefore = QDateTime::currentDateTimeUtc().addSecs(-kStalePartS);
        const QFileInfoList parts = QDir(target.absolutePath())
                                        .entryInfoList({target.fileName() + QStringLiteral(".part-*")}, QDir::Files | QDir::Hidden);
        for (const QFileInfo &part : parts) {
            if (part.lastModified().toUTC() < staleBefore && QFile::remove(part.absoluteFilePath()))
                std::fprintf(stderr, "removed %s, left by a fetch that did not end\n", qUtf8Printable(part.fileName()));
        }
    }

    std::unique_ptr<QFile> m_file;
};

} // namespace

int runFetch(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Fetches one object over the map's routes: the direct route (when the map allows it), then the\n"
        "edge region's alternates in map order. When a route fails (refused, reset, TLS, timeout, a\n"
        "relay's own 502/503/504, a stall) the next one takes over; a body already under way resumes\n"
        "there with Range + If-Range when that is safe (docs/delivery.md). Failovers are appended to\n"
        "the failover log (JSON lines).\n"
        "URL|PATH: a URL on the map's origin or a path.\n"
        "Exit 0 only when the complete body was written (with -o: renamed into place from OUT.part-*),\n"
        "1 otherwise (an HTTP status >= 400 included; no OUT is left), 2 on bad usage."));
    const MapOptions mapOption = mapOptions();
    const QCommandLineOption edge(QStringLiteral("edge-region"),
                                  QStringLiteral("Edge region whose alternates are used (default: 'default')."),
                                  QStringLiteral("region"), QStringLiteral("default"));
    const QCommandLineOption output({QStringLiteral("o"), QStringLiteral("output")},
                                    QStringLiteral("Write the body to this file (default: stdout)."), QStringLiteral("out"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
                                     QStringLiteral("Give up after this many seconds in all (default 300)."),
                                     QStringLiteral("s"), QStringLiteral("300"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"),
                                    QStringLiteral("PEM file of a private CA for https origins (added to the system's)."),
                                    QStringLiteral("pem"));
    const QCommandLineOption logFile(QStringLiteral("failover-log"),
                                     QStringLiteral("Failover log file (default: failover.jsonl next to the log file)."),
                                     QStringLiteral("file"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the fetch JSON on stdout (needs -o)."));
    const QCommandLineOption credentials = relayCredentialsOption();
    parser.addOptions(mapOption.all());
    parser.addOptions({edge, output, timeout, caFile, credentials, logFile, json});
    parser.addPositionalArgument(QStringLiteral("target"), QStringLiteral("URL|PATH"));
    if (const int rc = parseCommandLine(parser, arguments, QStringLiteral("relayrace fetch")); rc >= 0)
        return rc;
    if (!mapOption.given(parser) || parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("fetch needs --map FILE (or --map-dns NAME) and one URL|PATH (see 'relayrace fetch --help')"));
        return ExitUsage;
    }
    if (parser.isSet(json) && !parser.isSet(output)) {
        printError(QStringLiteral("--json prints on stdout: write the body with -o OUT"));
        return ExitUsage;
    }
    bool ok = false;
    const int timeoutS = parser.value(timeout).toInt(&ok);
    if (!ok || timeoutS < 1 || timeoutS > 86400) {
        printError(QStringLiteral("--timeout: expected 1 to 86400 seconds, got '%1'").arg(parser.value(timeout)));
        return ExitUsage;
    }
    setUpLogging(parser);

    const Result<map::RouteMap> routeMap = loadMap(parser, mapOption);
    if (!routeMap) {
        printError(routeMap.error());
        return ExitFailure;
    }
    const Result<QString> path = targetPath(*routeMap, parser.positionalArguments().constFirst());
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

    std::vector<std::unique_ptr<race::RouteClient>> clients;
    for (const map::Route &route : map::routesFor(*routeMap, parser.value(edge))) {
        clients.push_back(std::make_unique<race::RouteClient>(route.id, route.relay));
        clients.back()->setRelayMarkers({route.relayName.toLatin1()});
        if (!route.relay.isEmpty())
            clients.back()->setRelayCredentials(relayCredentials->value(relayCredentialsKey(route.relay)));
    }
    if (clients.empty()) {
        printError(QStringLiteral("the map gives no route for edge region '%1' (no direct route, no alternates)")
                       .arg(parser.value(edge)));
        return ExitFailure;
    }
    delivery::DeliveryRequest request;
    request.provider = routeMap->provider;
    request.url = routeMap->origin.resolved(QUrl(*path));
    request.timeout = std::chrono::seconds(timeoutS);
    for (const auto &client : clients) {
        client->setCaCertificates(*ca);
        request.routes.append(client.get());
    }

    const QString logPath = parser.isSet(logFile) ? parser.value(logFile) : delivery::FailoverLog::defaultPath();
    auto failoverLog = delivery::FailoverLog::open(logPath);
    if (!failoverLog)
        log::get("delivery")->warn("failover log disabled: {}", failoverLog.error().toStdString());

    PartFile part;
    QFile stdoutFile;
    QIODevice *sink = nullptr;
    const QString out = parser.value(output);
    QString error;
    if (parser.isSet(output)) {
        if (!part.open(out, &error)) {
            printError(error);
            return ExitFailure;
        }
        sink = part.file();
    } else {
        if (!stdoutFile.open(stdout, QIODevice::WriteOnly | QIODevice::Unbuffered)) {
            printError(QStringLiteral("cannot write to stdout: %1").arg(stdoutFile.errorString()));
            return ExitFailure;
        }
        sink = &stdoutFile;
    }

    delivery::Delivery fetch(request, sink);
    if (failoverLog) {
        std::shared_ptr<delivery::FailoverLog> logger = failoverLog.value();
        QObject::connect(&fetch, &delivery::Delivery::failover, qApp,
                         [logger](const model::FailoverEvent &event) { logger->write(event); });
    }
    int exitCode = ExitFailure;
    QObject::connect(&fetch, &delivery::Delivery::finished, qApp, [&](const DeliveryResult &result) {
        QString problem = result.ok ? QString() : result.error;
        if (result.ok && result.httpStatus >= 400)
            problem = QStringLiteral("the origin answered %1 over %2").arg(result.httpStatus).arg(result.route);
        if (problem.isEmpty() && parser.isSet(output) && !part.commit(out, &error))
            problem = error;
        DeliveryResult shown = result;
        shown.ok = problem.isEmpty();
        shown.error = problem;
        if (parser.isSet(json))
            std::printf("%s\n", QJsonDocument(fetchJson(shown, request.provider, request.url.toString()))
                                    .toJson(QJsonDocument::Indented)
                                    .constData());
        else
            printSummary(shown, request.url.toString(), parser.isSet(output) ? out : QStringLiteral("stdout"));
        if (!problem.isEmpty())
            printError(problem);
        exitCode = problem.isEmpty() ? ExitOk : ExitFailure;
        QTimer::singleShot(0, qApp, &QCoreApplication::quit);
    });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::interrupted, &fetch,
                     [&fetch] { fetch.cancel(QStringLiteral("interrupted")); });
    const Result<void> started = fetch.start();
    if (!started) {
        printError(started.error());
        return ExitFailure;
    }
    QCoreApplication::exec();
    return exitCode;
}

} // namespace relayrace::cli
