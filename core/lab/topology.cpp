// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "topology.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSet>

#include <cmath>

namespace relayrace::lab {
namespace {

constexpr qint64 kMaxTopologyBytes = 4 * 1024 * 1024;

bool validId(const QString &id)
{
    if (id.isEmpty() || id.size() > 64)
        return false;
    for (const QChar c : id)
        if (!(c.isLetterOrNumber() || c == u'-' || c == u'_' || c == u'.'))
            return false;
    return true;
}

Result<Place> readPlace(const QJsonValue &value, const QString &path, bool needId)
{
    if (!value.isObject())
        return makeError(path + QStringLiteral(": expected an object"));
    const QJsonObject o = value.toObject();
    Place place;
    const QJsonValue id = o.value(QStringLiteral("id"));
    if (needId || !id.isUndefined()) {
        if (!id.isString())
            return makeError(path + QStringLiteral(".id: expected a string"));
        place.id = id.toString();
        if (!validId(place.id))
            return makeError(path + QStringLiteral(".id: '%1' is not a valid id (1-64 of a-z, 0-9, '-', '_', '.')").arg(place.id));
    }
    const QJsonValue name = o.value(QStringLiteral("name"));
    if (!name.isUndefined() && !name.isString())
        return makeError(path + QStringLiteral(".name: expected a string"));
    place.name = name.isString() ? name.toString() : place.id;
    for (const auto &[key, target, limit] : {std::tuple{QStringLiteral("lat"), &place.lat, 90.0},
                                             std::tuple{QStringLiteral("lon"), &place.lon, 180.0}}) {
        const QJsonValue v = o.value(key);
        if (v.isUndefined())
            continue;
        if (!v.isDouble())
            return makeError(path + u'.' + key + QStringLiteral(": expected a number"));
        if (std::abs(v.toDouble()) > limit)
            return makeError(path + u'.' + key + QStringLiteral(": %1 is outside -%2..%2").arg(v.toDouble()).arg(limit));
        *target = v.toDouble();
    }
    return place;
}

Result<QJsonArray> readArray(const QJsonObject &root, const QString &key, bool required)
{
    const QJsonValue v = root.value(key);
    if (v.isUndefined() && !required)
        return QJsonArray{};
    if (!v.isArray())
        return makeError(key + QStringLiteral(": expected an array"));
    return v.toArray();
}

} // namespace

QString relayKindName(RegionSpec::RelayKind kind)
{
    switch (kind) {
    case RegionSpec::RelayKind::Lab: return QStringLiteral("lab");
    case RegionSpec::RelayKind::Tinyproxy: return QStringLiteral("tinyproxy");
    case RegionSpec::RelayKind::TinyproxyConnect443: return QStringLiteral("tinyproxy-connect443");
    case RegionSpec::RelayKind::Squid: return QStringLiteral("squid");
    }
    return {};
}

QString Topology::directLinkId(const QString &provider)
{
    return QStringLiteral("edge>origin:") + provider;
}

QString Topology::edgeToRelayLinkId(const QString &region)
{
    return QStringLiteral("edge>relay:") + region;
}

QString Topology::relayToOriginLinkId(const QString &region, const QString &provider)
{
    return QStringLiteral("relay:") + region + QStringLiteral(">origin:") + provider;
}

Result<Topology> Topology::fromJson(const QByteArray &json)
{
    if (json.size() > kMaxTopologyBytes)
        return makeError(QStringLiteral("$: the file is %1 bytes, over the %2 byte limit").arg(json.size()).arg(kMaxTopologyBytes));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(QStringLiteral("$: not valid JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString()));
    if (!doc.isObject())
        return makeError(QStringLiteral("$: expected a JSON object"));
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != u"relayrace-lab")
        return makeError(QStringLiteral("format: expected \"relayrace-lab\""));
    const QJsonValue version = root.value(QStringLiteral("version"));
    if (!version.isDouble() || version.toDouble() != 1.0)
        return makeError(QStringLiteral("version: only version 1 is supported"));

    Topology t;
    if (root.contains(QStringLiteral("edge"))) {
        auto edge = readPlace(root.value(QStringLiteral("edge")), QStringLiteral("edge"), false);
        if (!edge) return makeError(edge.error());
        t.edge = *edge;
    }
    if (t.edge.id.isEmpty()) t.edge.id = QStringLiteral("edge");
    if (t.edge.name.isEmpty()) t.edge.name = t.edge.id;

    QSet<QString> providerIds, regionIds;
    auto providers = readArray(root, QStringLiteral("providers"), true);
    if (!providers) return makeError(providers.error());
    if (providers->isEmpty()) return makeError(QStringLiteral("providers: at least one provider is needed"));
    for (qsizetype i = 0; i < providers->size(); ++i) {
        const QString path = QStringLiteral("providers[%1]").arg(i);
        auto place = readPlace(providers->at(i), path, true);
        if (!place) return makeError(place.error());
        if (providerIds.contains(place->id)) return makeError(path + QStringLiteral(".id: duplicate id '%1'").arg(place->id));
        providerIds.insert(place->id);
        ProviderSpec p;
        p.place = *place;
        const QJsonObject o = providers->at(i).toObject();
        const QJsonValue scheme = o.value(QStringLiteral("scheme"));
        if (!scheme.isUndefined()) {
            if (scheme.toString() != u"http" && scheme.toString() != u"https")
                return makeError(path + QStringLiteral(".scheme: expected \"http\" or \"https\""));
            p.scheme = scheme.toString();
        }
        const QJsonValue testObject = o.value(QStringLiteral("test_object"));
        if (!testObject.isUndefined()) {
            if (!testObject.isString() || !testObject.toString().startsWith(u'/'))
                return makeError(path + QStringLiteral(".test_object: expected a path starting with '/'"));
            p.testObject = testObject.toString();
        }
        t.providers.append(p);
    }

    auto regions = readArray(root, QStringLiteral("regions"), true);
    if (!regions) return makeError(regions.error());
    for (qsizetype i = 0; i < regions->size(); ++i) {
        const QString path = QStringLiteral("regions[%1]").arg(i);
        auto place = readPlace(regions->at(i), path, true);
        if (!place) return makeError(place.error());
        if (regionIds.contains(place->id)) return makeError(path + QStringLiteral(".id: duplicate id '%1'").arg(place->id));
        regionIds.insert(place->id);
        RegionSpec r;
        r.place = *place;
        const QJsonValue relay = regions->at(i).toObject().value(QStringLiteral("relay"));
        if (!relay.isUndefined()) {
            if (relay.toString() == u"lab") r.relay = RegionSpec::RelayKind::Lab;
            else if (relay.toString() == u"tinyproxy") r.relay = RegionSpec::RelayKind::Tinyproxy;
            else if (relay.toString() == u"tinyproxy-connect443") r.relay = RegionSpec::RelayKind::TinyproxyConnect443;
            else if (relay.toString() == u"squid") r.relay = RegionSpec::RelayKind::Squid;
            else return makeError(path + QStringLiteral(".relay: expected \"lab\", \"tinyproxy\", \"tinyproxy-connect443\" or \"squid\""));
        }
        const QJsonValue auth = regions->at(i).toObject().value(QStringLiteral("relay_auth"));
        if (!auth.isUndefined()) {
            const QJsonObject a = auth.toObject();
            r.relayUser = a.value(QStringLiteral("user")).toString();
            r.relayPassword = a.value(QStringLiteral("password")).toString();
            static const QRegularExpression token(QStringLiteral("^[A-Za-z0-9._~-]{1,64}$"));
            if (!auth.isObject() || !token.match(r.relayUser).hasMatch() || !token.match(r.relayPassword).hasMatch())
                return makeError(path + QStringLiteral(".relay_auth: expected {\"user\": U, \"password\": P}, each 1-64 of A-Z a-z 0-9 . _ ~ -"));
            if (r.relay == RegionSpec::RelayKind::Lab)
                return makeError(path + QStringLiteral(".relay_auth: the lab relay takes no credentials; use tinyproxy or squid"));
        }
        const QJsonValue idle = regions->at(i).toObject().value(QStringLiteral("relay_idle_timeout_ms"));
        if (!idle.isUndefined()) {
            if (!idle.isDouble() || idle.toDouble() < 1 || idle.toDouble() > 3'600'000 || idle.toDouble() != std::floor(idle.toDouble()))
                return makeError(path + QStringLiteral(".relay_idle_timeout_ms: expected an integer from 1 to 3600000"));
            r.relayIdleTimeoutMs = idle.toInt();
        }
        t.regions.append(r);
    }

    auto links = readArray(root, QStringLiteral("links"), false);
    if (!links) return makeError(links.error());
    QSet<QString> seen;
    for (qsizetype i = 0; i < links->size(); ++i) {
        const QString path = QStringLiteral("links[%1]").arg(i);
        if (!links->at(i).isObject()) return makeError(path + QStringLiteral(": expected an object"));
        const QJsonObject o = links->at(i).toObject();
        LinkSpec link;
        link.from = o.value(QStringLiteral("from")).toString();
        link.to = o.value(QStringLiteral("to")).toString();
        const bool fromEdge = link.from == u"edge";
        const bool fromRelay = link.from.startsWith(QStringLiteral("relay:")) && regionIds.contains(link.from.mid(6));
        if (!fromEdge && !fromRelay)
            return makeError(path + QStringLiteral(".from: '%1' is neither \"edge\" nor \"relay:<region>\" of a known region").arg(link.from));
        const bool toOrigin = link.to.startsWith(QStringLiteral("origin:")) && providerIds.contains(link.to.mid(7));
        const bool toRelay = link.to.startsWith(QStringLiteral("relay:")) && regionIds.contains(link.to.mid(6));
        if (!(toOrigin || (fromEdge && toRelay)))
            return makeError(path + QStringLiteral(".to: '%1' is not a hop from '%2' (edge -> origin:<provider> | relay:<region>; relay:<region> -> origin:<provider>)").arg(link.to, link.from));
        if (fromRelay) {
            const QString region = link.from.mid(6);
            for (const RegionSpec &r : t.regions)
                if (r.place.id == region && r.relay != RegionSpec::RelayKind::Lab)
                    return makeError(path + QStringLiteral(".from: region '%1' relays with %2, which reaches origins over the direct hop; it has no hop of its own").arg(region, relayKindName(r.relay)));
        }
        if (seen.contains(link.id()))
            return makeError(path + QStringLiteral(": duplicate link %1").arg(link.id()));
        seen.insert(link.id());
        auto impairment = impairmentFromJson(o, path);
        if (!impairment) return makeError(impairment.error());
        link.impairment = *impairment;
        t.links.append(link);
    }
    // Complete the graph with clean hops.
    auto ensure = [&](const QString &from, const QString &to) {
        if (!t.link(from, to)) t.links.append(LinkSpec{from, to, {}});
    };
    for (const ProviderSpec &p : t.providers) ensure(QStringLiteral("edge"), QStringLiteral("origin:") + p.place.id);
    for (const RegionSpec &r : t.regions) {
        ensure(QStringLiteral("edge"), QStringLiteral("relay:") + r.place.id);
        if (r.relay == RegionSpec::RelayKind::Lab)
            for (const ProviderSpec &p : t.providers)
                ensure(QStringLiteral("relay:") + r.place.id, QStringLiteral("origin:") + p.place.id);
    }
    return t;
}

QJsonObject Topology::toJson() const
{
    auto place = [](const Place &p) {
        return QJsonObject{{QStringLiteral("id"), p.id}, {QStringLiteral("name"), p.name},
                           {QStringLiteral("lat"), p.lat}, {QStringLiteral("lon"), p.lon}};
    };
    QJsonArray providerArray, regionArray, linkArray;
    for (const ProviderSpec &p : providers) {
        QJsonObject o = place(p.place);
        o.insert(QStringLiteral("scheme"), p.scheme);
        o.insert(QStringLiteral("test_object"), p.testObject);
        providerArray.append(o);
    }
    for (const RegionSpec &r : regions) {
        QJsonObject o = place(r.place);
        o.insert(QStringLiteral("relay"), relayKindName(r.relay));
        if (r.relayIdleTimeoutMs > 0)
            o.insert(QStringLiteral("relay_idle_timeout_ms"), r.relayIdleTimeoutMs);
        if (!r.relayUser.isEmpty())
            o.insert(QStringLiteral("relay_auth"), QJsonObject{{QStringLiteral("user"), r.relayUser}, {QStringLiteral("password"), r.relayPassword}});
        regionArray.append(o);
    }
    for (const LinkSpec &l : links) {
        QJsonObject o = lab::toJson(l.impairment);
        o.insert(QStringLiteral("from"), l.from);
        o.insert(QStringLiteral("to"), l.to);
        linkArray.append(o);
    }
    return {{QStringLiteral("format"), QStringLiteral("relayrace-lab")}, {QStringLiteral("version"), 1},
            {QStringLiteral("edge"), place(edge)}, {QStringLiteral("providers"), providerArray},
            {QStringLiteral("regions"), regionArray}, {QStringLiteral("links"), linkArray}};
}

const LinkSpec *Topology::link(const QString &from, const QString &to) const
{
    for (const LinkSpec &l : links)
        if (l.from == from && l.to == to)
            return &l;
    return nullptr;
}

const LinkSpec *Topology::link(const QString &id) const
{
    for (const LinkSpec &l : links)
        if (l.id() == id)
            return &l;
    return nullptr;
}

Result<Topology> demoTopology()
{
    QFile file(QStringLiteral(":/relayrace/lab/demo-topology.json"));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("the demo topology is not compiled into this binary"));
    return Topology::fromJson(file.readAll());
}

} // namespace relayrace::lab
