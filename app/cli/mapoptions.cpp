// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// --map FILE or --map-dns NAME [--map-key PEM] [--nameserver IP]: the map a command runs on, from a
// file or fetched by DNS name (docs/map-fetch.md), for race and fetch.
#include "command.h"

#include "map/mapcodec.h"
#include "map/mapfetcher.h"
#include "map/mapsigner.h"

#include <QCoreApplication>

#include <qcorotask.h>

#include <optional>

namespace relayrace::cli {

MapOptions mapOptions()
{
    return MapOptions{
        QCommandLineOption(QStringLiteral("map"), QStringLiteral("The provider's route map (JSON file)."), QStringLiteral("file")),
        QCommandLineOption(QStringLiteral("map-dns"), QStringLiteral("Fetch the map by this DNS name instead (docs/map-fetch.md)."), QStringLiteral("name")),
        QCommandLineOption(QStringLiteral("map-key"), QStringLiteral("Ed25519 public key (PEM) the fetched map must be signed with; without it the map is taken unsigned."),
                           QStringLiteral("pem")),
        QCommandLineOption(QStringLiteral("nameserver"), QStringLiteral("IPv4 nameserver for --map-dns (port 53) instead of the system resolver."),
                           QStringLiteral("ip")),
    };
}

QList<QCommandLineOption> MapOptions::all() const
{
    return {file, dns, key, nameserver};
}

bool MapOptions::given(const QCommandLineParser &parser) const
{
    return parser.isSet(file) != parser.isSet(dns); // exactly one of them
}

Result<map::RouteMap> loadMap(const QCommandLineParser &parser, const MapOptions &options)
{
    if (parser.isSet(options.file))
        return map::readRouteMapFile(parser.value(options.file));
    map::MapSourceConfig config;
    config.name = parser.value(options.dns);
    if (parser.isSet(options.nameserver)) {
        config.nameserver = QHostAddress(parser.value(options.nameserver));
        if (config.nameserver.protocol() != QAbstractSocket::IPv4Protocol)
            return makeError(QStringLiteral("--nameserver: expected an IPv4 address, got '%1'").arg(parser.value(options.nameserver)));
    }
    if (parser.isSet(options.key)) {
        const Result<QByteArray> key = map::loadPublicKeyFile(parser.value(options.key));
        if (!key)
            return makeError(key.error());
        config.publicKeyPem = *key;
    }
    map::MapFetcher fetcher;
    std::optional<Result<map::FetchedMap>> result;
    QCoro::connect(fetcher.fetch(config), qApp, [&result](Result<map::FetchedMap> r) {
        result = std::move(r);
        QCoreApplication::exit(0);
    });
    if (!result)
        QCoreApplication::exec();
    if (!*result)
        return makeError(QStringLiteral("--map-dns %1: %2").arg(config.name, result->error()));
    if (!result->value().held.verified)
        printError(QStringLiteral("warning: the map of %1 is unsigned (no --map-key): nothing verified it").arg(config.name));
    return result->value().held.map;
}

} // namespace relayrace::cli
