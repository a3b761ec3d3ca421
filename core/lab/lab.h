// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "lab/impairedlink.h"
#include "lab/impairment.h"
#include "lab/origin.h"
#include "lab/relay.h"
#include "lab/topology.h"
#include "map/routemap.h"
#include "util/result.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>
#include <optional>

namespace relayrace::lab {

class ImpairedLink;
class Origin;
class Relay;
class ProxyProcess;
class LabCa;

// What a running lab exposes, as the edge sees it. Immutable once the lab is up, so it crosses threads
// as a value.
struct LabEndpoints
{
    struct Provider
    {
        Place place;
        QString scheme;
        QUrl url;            // edge-facing origin URL: through the direct link
        quint16 originPort;  // the origin itself, unimpaired (for checks)
        QString testObject;
    };
    struct Region
    {
        Place place;
        QString kind;        // relayKindName(): "lab", "tinyproxy", "tinyproxy-connect443", "squid"
        QUrl relayUrl;       // edge-facing relay URL: through the edge -> relay link
        quint16 relayPort;   // the relay itself, unimpaired
    };
    struct Link
    {
        QString id, from, to;
        quint16 port;        // where the link listens
        quint16 targetPort;  // what it forwards to
    };
    Place edge;
    QList<Provider> providers;
    QList<Region> regions;
    QList<Link> links;
    QString caFile;          // PEM of the run's CA (https origins are signed by it)

    QJsonObject toJson() const;
    const Provider *provider(const QString &id) const;
    const Region *region(const QString &id) const;
};

// A lab network on 127.0.0.1: each provider's origin, a relay per region and an impaired link per hop.
// The edge reaches an origin directly through the "edge>origin:P" link, and a relay through the
// "edge>relay:R" link; a lab relay reaches the origin through "relay:R>origin:P". (A relay of Debian's
// cannot be steered per origin: it reaches the origin at the edge-facing URL, through the direct link.)
// Lives on one thread; impairments can be read and changed from any thread.
class Lab final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Lab)
public:
    explicit Lab(Topology topology, QObject *parent = nullptr);
    ~Lab() override;

    // Starts every server on ephemeral ports. Call on the lab's thread.
    Result<LabEndpoints> start();
    const Topology &topology() const { return m_topology; }

    // Thread-safe. Unknown link ids give nullopt / false.
    std::optional<Impairment> linkImpairment(const QString &linkId) const;
    bool setLinkImpairment(const QString &linkId, const Impairment &impairment);
    QStringList linkIds() const;
    // Thread-safe counters, for tests that count at the lab rather than trust the client.
    std::optional<LinkStats> linkStats(const QString &linkId) const;
    std::optional<OriginStats> originStats(const QString &providerId) const;

    // The route map (docs/map-format.md) of one provider of this lab, with the relay RTTs the topology
    // configures; alternates ranked by configured path latency. Empty provider when unknown.
    map::RouteMap routeMap(const LabEndpoints &endpoints, const QString &providerId) const;

Q_SIGNALS:
    void linkImpairmentChanged(const QString &linkId, const relayrace::lab::Impairment &impairment);
    // What a lab relay relayed (the console's relay log). Emitted on the lab's thread.
    void relayed(const QString &regionId, const relayrace::lab::RelayLogEntry &entry);

private:
    Topology m_topology;
    std::unique_ptr<LabCa> m_ca;
    std::unique_ptr<QTemporaryDir> m_dir;
    QList<Origin *> m_origins;
    QHash<QString, Relay *> m_relays;
    QHash<QString, ProxyProcess *> m_proxies;
    QHash<QString, ImpairedLink *> m_links; // fixed after start(): read without locking
};

// Runs a Lab on a thread of its own, so lab traffic never competes with the caller's event loop.
class LabHost final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LabHost)
public:
    explicit LabHost(Topology topology, QObject *parent = nullptr);
    ~LabHost() override;

    // Asynchronous: emits ready() or failed() on the caller's thread.
    void start();
    bool isReady() const { return m_endpoints.has_value(); }
    const LabEndpoints &endpoints() const { return *m_endpoints; }
    Lab *lab() const { return m_lab; } // for its thread-safe calls
    map::RouteMap routeMap(const QString &providerId) const;

Q_SIGNALS:
    void ready(const relayrace::lab::LabEndpoints &endpoints);
    void failed(const QString &error);

private:
    QThread *m_thread = nullptr;
    Lab *m_lab = nullptr;
    std::optional<LabEndpoints> m_endpoints;
};

} // namespace relayrace::lab

Q_DECLARE_METATYPE(relayrace::lab::LabEndpoints)
