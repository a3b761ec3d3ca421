// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace map fetch`: a map by its DNS name (TXT "v=rr1 url=<URL>"), verified and checked against
// rollback, written atomically.
#include "command.h"

#include "map/mapcodec.h"
#include "map/mapfetcher.h"
#include "map/mapsigner.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <QCoroTask>

#include <cstdio>

namespace relayrace::cli {
namespace {

using map::FetchedMap;
using map::HeldMap;

bool writeAtomically(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        printError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

QString iso(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate);
}

int runMapFetch(const QStringList &arguments)
{
    const QString usage = QStringLiteral("relayrace map fetch");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Fetches a provider's map by name: looks up the TXT record \"v=rr1 url=<URL>\" of NAME, GETs URL\n"
        "and, with --pubkey, URL.sig, verifies the signature over the exact bytes, parses the map and\n"
        "refuses one that has expired or was generated before the map held (--held, or the existing\n"
        "output file). Writes OUT (and OUT.sig when verified; a stale OUT.sig is removed otherwise) via\n"
        "a temporary file and rename. Errors name the stage: dns, http, signature, parse, rollback,\n"
        "expired. See docs/map-fetch.md."));
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("DNS name of the map."), QStringLiteral("NAME"));
    const QCommandLineOption nameserver(QStringLiteral("nameserver"), QStringLiteral("IPv4 nameserver to ask (port 53) instead of the system resolver."),
                                        QStringLiteral("IPv4"));
    const QCommandLineOption pubkey(QStringLiteral("pubkey"), QStringLiteral("Ed25519 public key (PEM); without it the map is taken unsigned."),
                                    QStringLiteral("PUB.pem"));
    const QCommandLineOption held(QStringLiteral("held"), QStringLiteral("The map held so far: a map generated before it is refused."),
                                  QStringLiteral("OLD.json"));
    const QCommandLineOption output({QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("Where to write the map."), QStringLiteral("map.json"));
    const QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("Seconds each lookup and transfer may stall (default 10)."),
                                     QStringLiteral("s"), QStringLiteral("10"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print one JSON document on stdout."));
    parser.addOptions({name, nameserver, pubkey, held, output, timeout, json});
    if (const int rc = parseCommandLine(parser, arguments, usage); rc >= 0)
        return rc;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("map fetch takes no arguments (see '%1 --help')").arg(usage));
        return ExitUsage;
    }
    if (!parser.isSet(name) || !parser.isSet(output)) {
        printError(QStringLiteral("--name and -o are required (see '%1 --help')").arg(usage));
        return ExitUsage;
    }
    map::MapSourceConfig config;
    config.name = parser.value(name);
    if (parser.isSet(nameserver)) {
        config.nameserver = QHostAddress(parser.value(nameserver));
        if (config.nameserver.protocol() != QAbstractSocket::IPv4Protocol) {
            printError(QStringLiteral("--nameserver: expected an IPv4 address, got '%1'").arg(parser.value(nameserver)));
            return ExitUsage;
        }
    }
    bool ok = false;
    const int timeoutS = parser.value(timeout).toInt(&ok);
    if (!ok || timeoutS < 1 || timeoutS > 600) {
        printError(QStringLiteral("--timeout: expected seconds from 1 to 600, got '%1'").arg(parser.value(timeout)));
        return ExitUsage;
    }
    setUpLogging(parser);

    if (parser.isSet(pubkey)) {
        const Result<QByteArray> key = map::loadPublicKeyFile(parser.value(pubkey));
        if (!key) {
            printError(key.error());
            return ExitFailure;
        }
        config.publicKeyPem = *key;
    }
    // The rollback floor: the newer of --held and the map already at the output path.
    const QString outPath = parser.value(output);
    std::optional<HeldMap> floor;
    if (parser.isSet(held)) {
        const Result<map::RouteMap> m = map::readRouteMapFile(parser.value(held));
        if (!m) {
            printError(m.error());
            return ExitFailure;
        }
        floor = HeldMap{*m, {}, {}, {}, {}, false};
    }
    if (QFile::exists(outPath)) {
        if (const Result<map::RouteMap> m = map::readRouteMapFile(outPath); !m)
            printError(QStringLiteral("warning: the existing output is no map (%1); it will be replaced").arg(m.error()));
        else if (!floor || m->generatedAt > floor->map.generatedAt)
            floor = HeldMap{*m, {}, {}, {}, {}, false};
    }

    map::MapFetcher fetcher;
    fetcher.setTimeout(std::chrono::seconds(timeoutS));
    std::optional<Result<FetchedMap>> result;
    QCoro::connect(fetcher.fetch(config, floor), qApp, [&result](Result<FetchedMap> r) {
        result = std::move(r);
        QCoreApplication::exit(0);
    });
    if (!result)
        QCoreApplication::exec();

    QJsonObject document{{QStringLiteral("name"), config.name}, {QStringLiteral("output"), outPath}};
    if (!*result) {
        const auto stage = map::stageOf(result->error());
        document.insert(QStringLiteral("status"), QStringLiteral("failed"));
        document.insert(QStringLiteral("stage"), stage ? map::stageName(*stage) : QStringLiteral("other"));
        document.insert(QStringLiteral("error"), result->error());
        if (parser.isSet(json))
            std::printf("%s\n", QJsonDocument(document).toJson(QJsonDocument::Compact).constData());
        printError(result->error());
        return ExitFailure;
    }
    const HeldMap &fetched = result->value().held;
    const QString sigPath = map::signaturePath(outPath);
    if (!writeAtomically(outPath, fetched.bytes))
        return ExitFailure;
    if (fetched.verified) {
        if (!writeAtomically(sigPath, fetched.signature))
            return ExitFailure;
    } else if (QFile::exists(sigPath)) {
        // It signed the bytes just replaced: left in place it would fail every later verification.
        if (!QFile::remove(sigPath)) {
            printError(QStringLiteral("cannot remove the stale %1").arg(sigPath));
            return ExitFailure;
        }
        printError(QStringLiteral("warning: removed the stale %1 (the new map is unsigned)").arg(sigPath));
    }
    const map::RouteMap &m = fetched.map;
    if (parser.isSet(json)) {
        document.insert(QStringLiteral("status"), fetched.verified ? QStringLiteral("fresh") : QStringLiteral("unsigned"));
        document.insert(QStringLiteral("url"), fetched.url.toString());
        document.insert(QStringLiteral("provider"), m.provider);
        document.insert(QStringLiteral("generated_at"), iso(m.generatedAt));
        document.insert(QStringLiteral("expires_at"), iso(m.expiresAt()));
        document.insert(QStringLiteral("verified"), fetched.verified);
        document.insert(QStringLiteral("etag"), QString::fromLatin1(fetched.etag));
        document.insert(QStringLiteral("bytes"), fetched.bytes.size());
        document.insert(QStringLiteral("signature_file"), fetched.verified ? QJsonValue(sigPath) : QJsonValue());
        std::printf("%s\n", QJsonDocument(document).toJson(QJsonDocument::Compact).constData());
    } else {
        std::printf("%s: map of %s generated %s, expires %s, from %s, %s\n", qUtf8Printable(outPath),
                    qUtf8Printable(m.provider), qUtf8Printable(iso(m.generatedAt)), qUtf8Printable(iso(m.expiresAt())),
                    qUtf8Printable(fetched.url.toDisplayString()),
                    fetched.verified ? "signature verified" : "UNSIGNED (no --pubkey)");
    }
    return ExitOk;
}

const MapSubcommand::Registrar registrar{"fetch", "fetch a map by its DNS name (TXT v=rr1), verify it", &runMapFetch};

} // namespace

} // namespace relayrace::cli
