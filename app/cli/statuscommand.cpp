// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace status --edge URL`: a running edge's providers, routes and counters, read from its admin
// API (GET /api/v1/providers), for people or (--json) for tools.
#include "command.h"

#include "wire/frontjson.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>

#include <cstdio>

namespace relayrace::cli {
namespace {

QString when(const QDateTime &at)
{
    return at.isValid() ? at.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) : QStringLiteral("-");
}

QString bytes(qint64 n)
{
    return QLocale::c().formattedDataSize(n, 1, QLocale::DataSizeTraditionalFormat);
}

} // namespace

int runStatus(const QStringList &arguments)
{
    QCommandLineParser parser;
    const QString usage = QStringLiteral("relayrace status --edge URL [--token-file F] [--ca-file PEM] [--json]");
    parser.setApplicationDescription(QStringLiteral(
        "Shows a running edge's providers, their optimal routes and counters, from its admin API.\n\nUsage: ") + usage);
    const QCommandLineOption edge(QStringLiteral("edge"), QStringLiteral("The edge's admin URL (e.g. http://127.0.0.1:9901)."),
                                  QStringLiteral("URL"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"), QStringLiteral("A file holding the admin API's bearer token."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the API's answer: {\"version\", \"providers\": [...], \"status\"}."));
    const QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("Seconds to wait for the edge (default 10)."),
                                     QStringLiteral("SECONDS"), QStringLiteral("10"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"), QStringLiteral("Certificates to trust for an https URL besides the system's (PEM)."),
                                    QStringLiteral("pem"));
    parser.addOptions({edge, tokenFile, json, timeout, caFile});
    if (const int rc = parseCommandLine(parser, arguments, usage); rc >= 0)
        return rc;
    if (!parser.isSet(edge)) {
        printError(QStringLiteral("--edge URL is required (see '%1 --help')").arg(usage));
        return ExitUsage;
    }
    const QUrl base = QUrl::fromUserInput(parser.value(edge));
    if (!base.isValid() || base.host().isEmpty() || (base.scheme() != u"http" && base.scheme() != u"https")) {
        printError(QStringLiteral("--edge '%1' is not an http or https URL").arg(parser.value(edge)));
        return ExitUsage;
    }
    bool numeric = false;
    const int seconds = parser.value(timeout).toInt(&numeric);
    if (!numeric || seconds <= 0) {
        printError(QStringLiteral("--timeout '%1' is not a number of seconds").arg(parser.value(timeout)));
        return ExitUsage;
    }
    QByteArray token;
    if (parser.isSet(tokenFile)) {
        QFile file(parser.value(tokenFile));
        if (!file.open(QIODevice::ReadOnly)) {
            printError(QStringLiteral("%1: %2").arg(file.fileName(), file.errorString()));
            return ExitFailure;
        }
        token = file.read(4096).trimmed();
    }
    const Result<QList<QSslCertificate>> ca = readCaFile(parser.value(caFile));
    if (!ca) {
        printError(ca.error());
        return ExitFailure;
    }
    setUpLogging(parser);

    QUrl url = base;
    url.setPath(base.path().chopped(base.path().endsWith(u'/') ? 1 : 0) + QStringLiteral("/api/v1/providers"));
    QNetworkRequest request(url);
    if (!token.isEmpty())
        request.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token);
    request.setTransferTimeout(seconds * 1000);
    if (!ca->isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(*ca);
        request.setSslConfiguration(tls);
    }
    QNetworkAccessManager net;
    QNetworkReply *reply = net.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QByteArray body = reply->readAll();
    const int code = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (code != 200) {
        const QString named = QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toString();
        printError(QStringLiteral("%1: %2").arg(url.toString(), code ? QStringLiteral("HTTP %1%2").arg(code).arg(named.isEmpty() ? QString() : u": " + named)
                                                                      : reply->errorString()));
        if (code == 401 && token.isEmpty())
            printError(QStringLiteral("the admin API asks for its token: --token-file FILE"));
        return ExitFailure;
    }
    const QJsonObject answer = QJsonDocument::fromJson(body).object();
    if (parser.isSet(json)) {
        const QByteArray out = QJsonDocument(answer).toJson(QJsonDocument::Indented);
        std::fwrite(out.constData(), 1, size_t(out.size()), stdout);
        return ExitOk;
    }
    const auto status = wire::statusFromJson(answer.value(QStringLiteral("status")).toObject());
    QList<engine::ProviderSnapshot> providers;
    for (const QJsonValue &value : answer.value(QStringLiteral("providers")).toArray()) {
        const auto snapshot = wire::providerFromJson(value.toObject());
        if (!snapshot) {
            printError(QStringLiteral("%1: a provider that does not read: %2").arg(url.toString(), snapshot.error()));
            return ExitFailure;
        }
        providers.append(*snapshot);
    }
    std::printf("edge %s: API version %d, %lld providers", qUtf8Printable(base.toString()),
                answer.value(QStringLiteral("version")).toInt(), qlonglong(providers.size()));
    if (status)
        std::printf(", %d races in the last minute, %d failovers in the last hour", status->racesLastMinute, status->failoversLastHour);
    std::printf("\n\n");
    QList<QStringList> rows{{QStringLiteral("PROVIDER"), QStringLiteral("OPTIMAL ROUTE"), QStringLiteral("CHOSEN (UTC)"),
                             QStringLiteral("LAST TRIGGER"), QStringLiteral("RACES"), QStringLiteral("FAILED"), QStringLiteral("SKIPPED"),
                             QStringLiteral("REQUESTS"), QStringLiteral("SERVED"), QStringLiteral("MAP"), QStringLiteral("MAP EXPIRES (UTC)")}};
    for (const engine::ProviderSnapshot &p : std::as_const(providers)) {
        rows.append({p.provider, p.optimalRoute.isEmpty() ? QStringLiteral("(none)") : p.optimalRoute, when(p.chosenAt),
                     model::triggerName(p.lastTrigger).isEmpty() ? QStringLiteral("-") : model::triggerName(p.lastTrigger),
                     QString::number(p.races), QString::number(p.racesFailed), QString::number(p.racesSkippedByBudget),
                     QString::number(p.requests), bytes(p.requestBytes), p.mapTrust, when(p.mapExpiresAt)});
    }
    std::fputs(qUtf8Printable(textTable(rows)), stdout);
    std::printf("\n");
    for (const engine::ProviderSnapshot &p : std::as_const(providers))
        std::printf("%s: origin %s, edge region %s, routes %s\n", qUtf8Printable(p.provider), qUtf8Printable(p.origin.toString()),
                    qUtf8Printable(p.edgeRegion.isEmpty() ? QStringLiteral("-") : p.edgeRegion), qUtf8Printable(p.routes.join(QStringLiteral(", "))));
    return ExitOk;
}

} // namespace relayrace::cli
