// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "lab/impairment.h"
#include "util/result.h"

#include <QJsonObject>
#include <QList>
#include <QString>

namespace relayrace::lab {

struct Place
{
    QString id;
    QString name;
    double lat = 0.0;
    double lon = 0.0;
};

struct ProviderSpec
{
    Place place;
    QString scheme = QStringLiteral("http"); // "http" or "https" (TLS with the lab's run CA)
    QString testObject = QStringLiteral("/sureroute-test-object.html");
};

struct RegionSpec
{
    // Lab: our relay, with a hop of its own to each origin. The others are Debian's proxies
    // (lab/proxyprocess.h), which reach the origins over the direct hop.
    enum class RelayKind { Lab, Tinyproxy, TinyproxyConnect443, Squid };
    Place place;
    RelayKind relay = RelayKind::Lab;
    // The lab relay closes a client connection idle this long (a proxy's keep-alive timeout); 0: the
    // relay's default (RelayLimits). Ignored for the others.
    int relayIdleTimeoutMs = 0;
    // A relay of Debian's that wants proxy authentication (Basic) with these; empty: none.
    QString relayUser;
    QString relayPassword;
};

// "lab", "tinyproxy", "tinyproxy-connect443", "squid": as topology files name them.
QString relayKindName(RegionSpec::RelayKind kind);

// A link is one hop with impairments. Ends: "edge", "relay:<region>", "origin:<provider>".
// Allowed hops: edge -> origin:P (the direct route), edge -> relay:R, relay:R -> origin:P.
struct LinkSpec
{
    QString from;
    QString to;
    Impairment impairment;
    QString id() const { return from + u'>' + to; }
};

// A lab network: where the edge is, the providers' origins, the relay regions and every hop between
// them. Hops the file leaves out are created clean, so every region reaches every origin. A tinyproxy
// region has no relay -> origin hops: tinyproxy cannot be steered, it uses the direct hop.
struct Topology
{
    Place edge;
    QList<ProviderSpec> providers;
    QList<RegionSpec> regions;
    QList<LinkSpec> links; // complete after fromJson(): one per allowed hop

    // Parses a topology file; every error names the JSON path of the problem ("regions[1].id: ...").
    static Result<Topology> fromJson(const QByteArray &json);
    QJsonObject toJson() const;

    const LinkSpec *link(const QString &from, const QString &to) const;
    const LinkSpec *link(const QString &id) const;
    static QString directLinkId(const QString &provider);
    static QString edgeToRelayLinkId(const QString &region);
    static QString relayToOriginLinkId(const QString &region, const QString &provider);
};

// The built-in demo topology (resources/lab/demo-topology.json, compiled into the binaries).
Result<Topology> demoTopology();

} // namespace relayrace::lab
