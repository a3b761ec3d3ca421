// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "edge/edgeserver.h"
#include "engine/enginesettings.h"
#include "util/result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>

#include <optional>
#include <QStringList>

namespace relayrace::edge {

// `relayrace edge --config FILE` (docs/edge.md): JSON, every field checked, an error names the field
// ("providers[1].hosts[0]: ..."). Paths are relative to the config file's folder.
struct EdgeConfig
{
    struct Listener
    {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 8080;
        QString certificateFile; // TLS: the certificate chain (PEM); empty: plain HTTP
        QString keyFile;         // TLS: its private key (PEM)
        bool tls() const { return !certificateFile.isEmpty(); }
    };
    struct Provider
    {
        QString mapFile;
        // Or the map from a DNS name (docs/map-fetch.md), verified with the provider's key and kept
        // fresh by a map source: the provider's id, the name, its key (PEM), a nameserver (IPv4,
        // port 53; null: the system's).
        QString dnsProvider;
        QString dnsName;
        QString keyFile;
        QHostAddress nameserver;
        QStringList hosts; // lower case; empty: the map's origin host (required with a DNS map)
        bool fromDns() const { return !dnsName.isEmpty(); }
    };
    QList<Listener> listeners;
    QList<Provider> providers;
    std::optional<Listener> admin; // the admin listener (docs/api.md); none unless configured
    QString adminTokenFile;        // the JSON API's bearer token; empty: the API is off
    QString edgeRegion = QStringLiteral("default");
    QString caFile;
    QString relayCredentials; // a relay credentials file (docs/relay-credentials.md); empty: none
    engine::ExpiredMapPolicy expiredMap = engine::ExpiredMapPolicy::Keep;
    EdgeLimits limits;
    QString accessLog;   // empty: access.jsonl beside the log file
    QString failoverLog; // empty: failover.jsonl beside the log file
    QString history;     // empty: no history
};

Result<EdgeConfig> parseEdgeConfig(const QByteArray &json, const QString &baseDir);
Result<EdgeConfig> readEdgeConfig(const QString &path);
// "ADDR:PORT", "[v6]:PORT" or ":PORT" (all addresses).
Result<EdgeConfig::Listener> parseListen(const QString &text);

} // namespace relayrace::edge
