// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab.h"

#include "lab/impairedlink.h"
#include "lab/labca.h"
#include "lab/origin.h"
#include "lab/relay.h"
#include "lab/proxyprocess.h"
#include "log/logging.h"
#include "util/threadcrypto.h"

#include <QDateTime>
#include <QJsonArray>
#include <QMetaObject>
#include <QThread>

#include <algorithm>

namespace relayrace::lab {
namespace {

QJsonObject placeJson(const Place &p)
{
    return {{QStringLiteral("id"), p.id}, {QStringLiteral("name"), p.name},
            {QStringLiteral("lat"), p.lat}, {QStringLiteral("lon"), p.lon}};
}

QUrl localUrl(const QString &scheme, quint16 port)
{
    QUrl url;
    url.setScheme(scheme);
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port);
    return url;
}

} // namespace

QJsonObject LabEndpoints::toJson() const
{
    QJsonArray providerArray, regionArray, linkArray;
    for (const Provider &p : providers) {
        QJsonObject o = placeJson(p.place);
        o.insert(QStringLiteral("origin"), p.url.toString());
        o.insert(QStringLiteral("origin_unimpaired_port"), p.originPort);
        o.insert(QStringLiteral("test_object"), p.testObject);
        providerArray.append(o);
    }
    for (const Region &r : regions) {
        QJsonObject o = placeJson(r.place);
        o.insert(QStringLiteral("relay"), r.relayUrl.toString());
        o.insert(QStringLiteral("relay_kind"), r.kind);
        o.insert(QStringLiteral("relay_unimpaired_port"), r.relayPort);
        regionArray.append(o);
    }
    for (const Link &l : links)
        linkArray.append(QJsonObject{{QStringLiteral("id"), l.id}, {QStringLiteral("from"), l.from},
                                     {QStringLiteral("to"), l.to}, {QStringLiteral("port"), l.port},
                                     {QStringLiteral("target_port"), l.targetPort}});
    return {{QStringLiteral("edge"), placeJson(edge)}, {QStringLiteral("providers"), providerArray},
            {QStringLiteral("regions"), regionArray}, {QStringLiteral("links"), linkArray},
            {QStringLiteral("ca_file"), caFile}};
}

const LabEndpoints::Provider *LabEndpoints::provider(const QString &id) const
{
    auto it = std::find_if(providers.begin(), providers.end(), [&](const Provider &p) { return p.place.id == id; });
    return it == providers.end() ? nullptr : &*it;
}

const LabEndpoints::Region *LabEndpoints::region(const QString &id) const
{
    auto it = std::find_if(regions.begin(), regions.end(), [&](const Region &r) { return r.place.id == id; });
    return it == regions.end() ? nullptr : &*it;
}

Lab::Lab(Topology topology, QObject *parent)
    : QObject(parent)
    , m_topology(std::move(topology))
{
}

Lab::~Lab()
{
    // Links first: they hold sockets to relays and origins.
    qDeleteAll(m_links);
    m_links.clear();
    qDeleteAll(m_relays);
    qDeleteAll(m_proxies);
    qDeleteAll(m_origins);
}

Result<LabEndpoints> Lab::start()
{
    auto logger = log::get("lab");
    LabEndpoints endpoints;
    endpoints.edge = m_topology.edge;

    const bool anyTls = std::any_of(m_topology.providers.begin(), m_topology.providers.end(),
                                    [](const ProviderSpec &p) { return p.scheme == u"https"; });
    if (anyTls) {
        auto ca = LabCa::generate();
        if (!ca)
            return makeError(QStringLiteral("lab CA: ") + ca.error());
        m_ca = std::make_unique<LabCa>(std::move(ca).value());
        m_dir = std::make_unique<QTemporaryDir>();
        endpoints.caFile = m_dir->filePath(QStringLiteral("lab-ca.pem"));
        auto written = m_ca->writeCaPem(endpoints.caFile);
        if (!written)
            return makeError(QStringLiteral("lab CA: ") + written.error());
    }

    auto addLink = [&](const LinkSpec &spec, quint16 targetPort) -> Result<quint16> {
        auto *link = new ImpairedLink(spec.id(), QStringLiteral("127.0.0.1"), targetPort, spec.impairment, this);
        if (!link->listen(0)) {
            delete link;
            return makeError(QStringLiteral("link %1: cannot listen on 127.0.0.1").arg(spec.id()));
        }
        connect(link, &ImpairedLink::impairmentChanged, this,
                [this, id = spec.id()](const Impairment &i) { Q_EMIT linkImpairmentChanged(id, i); });
        m_links.insert(spec.id(), link);
        endpoints.links.append({spec.id(), spec.from, spec.to, link->port(), targetPort});
        return link->port();
    };

    // Origins and the direct hop.
    for (const ProviderSpec &spec : m_topology.providers) {
        auto *origin = new Origin(spec.place.id, this);
        m_origins.append(origin);
        const bool tls = spec.scheme == u"https";
        const quint16 port = tls ? origin->listenTls(*m_ca, 0) : origin->listen(0);
        if (port == 0)
            return makeError(QStringLiteral("origin %1: cannot listen on 127.0.0.1").arg(spec.place.id));
        const LinkSpec *direct = m_topology.link(Topology::directLinkId(spec.place.id));
        auto linkPort = addLink(*direct, port);
        if (!linkPort)
            return makeError(linkPort.error());
        endpoints.providers.append({spec.place, spec.scheme, localUrl(spec.scheme, *linkPort), port, spec.testObject});
    }

    // Relays, the hop to each and their hops to every origin.
    for (const RegionSpec &spec : m_topology.regions) {
        quint16 relayPort = 0;
        QString kind;
        if (spec.relay != RegionSpec::RelayKind::Lab) {
            const auto proxyKind = spec.relay == RegionSpec::RelayKind::Squid                 ? ProxyProcess::Kind::Squid
                                   : spec.relay == RegionSpec::RelayKind::TinyproxyConnect443 ? ProxyProcess::Kind::TinyproxyConnect443
                                                                                              : ProxyProcess::Kind::Tinyproxy;
            auto *proxy = new ProxyProcess(proxyKind, this);
            m_proxies.insert(spec.place.id, proxy);
            if (!spec.relayUser.isEmpty())
                proxy->setCredentials(spec.relayUser, spec.relayPassword);
            auto started = proxy->start();
            if (!started)
                return makeError(QStringLiteral("region %1: %2").arg(spec.place.id, started.error()));
            relayPort = *started;
            kind = relayKindName(spec.relay);
        } else {
            auto *relay = new Relay(spec.place.id, this);
            m_relays.insert(spec.place.id, relay);
            if (spec.relayIdleTimeoutMs > 0) {
                RelayLimits limits = relay->limits();
                limits.idleTimeout = std::chrono::milliseconds(spec.relayIdleTimeoutMs);
                relay->setLimits(limits);
            }
            if (!relay->listen(0))
                return makeError(QStringLiteral("region %1: the relay cannot listen on 127.0.0.1").arg(spec.place.id));
            relayPort = relay->port();
            kind = QStringLiteral("lab");
            connect(relay, &Relay::relayed, this,
                    [this, id = spec.place.id](const RelayLogEntry &entry) { Q_EMIT relayed(id, entry); });
            for (const LabEndpoints::Provider &provider : endpoints.providers) {
                const LinkSpec *hop = m_topology.link(Topology::relayToOriginLinkId(spec.place.id, provider.place.id));
                auto hopPort = addLink(*hop, provider.originPort);
                if (!hopPort)
                    return makeError(hopPort.error());
                // The relay is asked for the edge-facing origin URL; send it over its own hop instead.
                relay->setUpstreamRoute(QStringLiteral("127.0.0.1"), quint16(provider.url.port()),
                                           QStringLiteral("127.0.0.1"), *hopPort);
            }
        }
        const LinkSpec *toRelay = m_topology.link(Topology::edgeToRelayLinkId(spec.place.id));
        auto linkPort = addLink(*toRelay, relayPort);
        if (!linkPort)
            return makeError(linkPort.error());
        endpoints.regions.append({spec.place, kind, localUrl(QStringLiteral("http"), *linkPort), relayPort});
    }
    logger->info("lab up: {} providers, {} regions, {} links", endpoints.providers.size(),
                 endpoints.regions.size(), m_links.size());
    return endpoints;
}

std::optional<Impairment> Lab::linkImpairment(const QString &linkId) const
{
    const auto it = m_links.constFind(linkId);
    if (it == m_links.constEnd())
        return std::nullopt;
    return (*it)->impairment();
}

std::optional<LinkStats> Lab::linkStats(const QString &linkId) const
{
    const auto it = m_links.constFind(linkId);
    if (it == m_links.constEnd())
        return std::nullopt;
    return (*it)->stats();
}

std::optional<OriginStats> Lab::originStats(const QString &providerId) const
{
    for (const Origin *origin : m_origins) {
        if (origin->providerId() == providerId)
            return origin->stats();
    }
    return std::nullopt;
}

bool Lab::setLinkImpairment(const QString &linkId, const Impairment &impairment)
{
    const auto it = m_links.constFind(linkId);
    if (it == m_links.constEnd())
        return false;
    (*it)->setImpairment(impairment);
    return true;
}

QStringList Lab::linkIds() const
{
    QStringList ids = m_links.keys();
    ids.sort();
    return ids;
}

map::RouteMap Lab::routeMap(const LabEndpoints &endpoints, const QString &providerId) const
{
    map::RouteMap m;
    const LabEndpoints::Provider *provider = endpoints.provider(providerId);
    if (!provider)
        return m;
    m.provider = providerId;
    m.origin = provider->url;
    m.testObject = provider->testObject;
    // Whole seconds: the map format keeps milliseconds, but a lab map reads better without them.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m.generatedAt = now.addMSecs(-now.time().msec());
    struct Ranked { QString id; int pathMs; };
    QList<Ranked> ranked;
    for (const LabEndpoints::Region &region : endpoints.regions) {
        const int toRelay = m_topology.link(Topology::edgeToRelayLinkId(region.place.id))->impairment.latencyMs;
        // A relay of Debian's reaches the origin over the direct hop (see Topology).
        const LinkSpec *hop = m_topology.link(Topology::relayToOriginLinkId(region.place.id, providerId));
        const int toOrigin = (hop ? hop : m_topology.link(Topology::directLinkId(providerId)))->impairment.latencyMs;
        ranked.append({region.place.id, toRelay + toOrigin});
        map::Region r;
        r.id = region.place.id;
        r.name = region.place.name;
        r.relay = region.relayUrl;
        r.lat = region.place.lat;
        r.lon = region.place.lon;
        r.rttToOriginMs = toOrigin; // configured, not measured: samples stays 0
        m.regions.append(r);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked &a, const Ranked &b) { return a.pathMs < b.pathMs; });
    QStringList order;
    for (const Ranked &r : ranked)
        order.append(r.id);
    m.alternates.insert(QStringLiteral("default"), order);
    return m;
}

LabHost::LabHost(Topology topology, QObject *parent)
    : QObject(parent)
    , m_thread(new QThread(this))
    , m_lab(new Lab(std::move(topology)))
{
    m_thread->setObjectName(QStringLiteral("lab"));
    m_lab->moveToThread(m_thread);
    // On the lab's thread as it ends: the lab first (its sockets, TLS included), then that thread's
    // OpenSSL state, before the thread's own exit could race the process's (see threadcrypto.h).
    connect(m_thread, &QThread::finished, m_thread, [this] {
        delete m_lab;
        m_lab = nullptr;
        releaseThreadCrypto();
    }, Qt::DirectConnection);
}

LabHost::~LabHost()
{
    m_thread->quit();
    m_thread->wait();
}

void LabHost::start()
{
    m_thread->start();
    QMetaObject::invokeMethod(m_lab, [this] {
        auto result = m_lab->start();
        QMetaObject::invokeMethod(this, [this, result = std::move(result)] {
            if (!result.ok()) {
                Q_EMIT failed(result.error());
                return;
            }
            m_endpoints = result.value();
            Q_EMIT ready(*m_endpoints);
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
}

map::RouteMap LabHost::routeMap(const QString &providerId) const
{
    return m_endpoints ? m_lab->routeMap(*m_endpoints, providerId) : map::RouteMap{};
}

} // namespace relayrace::lab
