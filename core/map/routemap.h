// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace relayrace::map {

// How a provider's races run (the map's "race" object). Defaults are the documented map defaults.
struct RaceSettings
{
    enum class Object { Requested, TestObject };
    Object object = Object::Requested;     // "requested" | "test_object"
    qint64 thresholdBytes = 65536;         // N: first route to receive N body bytes wins
    qint64 routeTtlS = 1800;               // claim 2: a race result is used at most this long
    qint64 firstPeriodS = 60;              // T1
    qint64 retestAfterS = 600;             // T2
    qint64 retestAfterRequests = 1000;     // N requests without a race
    double hysteresisPct = 10.0;           // the incumbent stays unless beaten by more than this
    // The degradation trigger (docs/race-policy.md): race early when the requests the cached route
    // serves see a TTFB worse than its last race measured by more than this (0 = off) ...
    double degradePct = 50.0;
    qint64 degradeMinRequests = 20;        // ... over at least this many requests since that race

    bool operator==(const RaceSettings &) const = default;
};

// A region of the map: a place with a relay (HTTP forward proxy) that can reach the origin.
struct Region
{
    QString id;
    QString name;
    QUrl relay;                            // http://host:port
    double lat = 0.0;
    double lon = 0.0;
    bool wellConnected = true;
    std::optional<double> rttToOriginMs;   // measured by the map maker, when known
    int samples = 0;
    // The relay's name in RFC 9209 Proxy-Status, by which its own error answers are told from the
    // origin's (docs/delivery.md); empty: Proxy-Status is not read.
    QString relayName;

    bool operator==(const Region &) const = default;
};

// One provider's route map, format "relayrace-map" version 1 (docs/map-format.md). A value type: the
// codec (mapcodec.h) reads and writes it; everything else only uses it.
struct RouteMap
{
    static constexpr int kFormatVersion = 1;
    static constexpr qint64 kMaxBytes = 16 * 1024 * 1024;

    QString provider;
    QUrl origin;                           // scheme://host:port, http or https
    QString testObject = QStringLiteral("/sureroute-test-object.html");
    QDateTime generatedAt;                 // UTC
    qint64 validForS = 3600;
    bool direct = true;                    // the direct route is a candidate
    RaceSettings race;
    QList<Region> regions;
    QMap<QString, QStringList> alternates; // edge region (or "default") -> ordered region ids

    bool operator==(const RouteMap &) const = default;

    const Region *region(const QString &id) const;
    // The ordered alternates for an edge region: its own list, else "default", else none.
    QStringList alternatesFor(const QString &edgeRegion) const;
    QDateTime expiresAt() const { return generatedAt.addSecs(validForS); }
    bool isExpired(const QDateTime &now) const { return now >= expiresAt(); }
};

// Route ids as the engine, the CLI and the console write them: "direct" or "via:<region>".
QString directRouteId();
QString viaRouteId(const QString &regionId);
// The region of a via route ("via:fra" -> "fra"); empty for "direct" or any other id.
QString regionOfRoute(const QString &routeId);

// One candidate route of a map for an edge region.
struct Route
{
    QString id;       // "direct" | "via:<region>"
    QString regionId; // empty for the direct route
    QUrl relay;       // the region's relay; empty for the direct route
    QString relayName; // its Proxy-Status name (Region::relayName)

    bool operator==(const Route &) const = default;
};

// The routes a map gives an edge region, in race and failover order: direct first (when the map
// allows it), then the edge region's alternates that name a region with a relay (an alternate
// without one cannot carry traffic and is left out). The one rule: the engine and `relayrace fetch`
// both use it.
QList<Route> routesFor(const RouteMap &map, const QString &edgeRegion);

} // namespace relayrace::map
