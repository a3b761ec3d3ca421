// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "edge/edgeconfig.h"

#include "engine/mapexpiry.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace relayrace::edge {
namespace {

QString resolved(const QString &baseDir, const QString &path)
{
    return path.isEmpty() || QDir::isAbsolutePath(path) ? path : QDir(baseDir).filePath(path);
}

// Reads one JSON object's members, the first error kept with its path; unknown members are errors
// (a misspelt limit must not be ignored silently).
struct Reader
{
    QString error;
    bool failed() const { return !error.isEmpty(); }
    void fail(const QString &path, const QString &why)
    {
        if (error.isEmpty())
            error = path + QStringLiteral(": ") + why;
    }
    void known(const QJsonObject &o, const QString &path, const QStringList &names)
    {
        for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
            if (!names.contains(it.key()))
                fail(path.isEmpty() ? it.key() : path + u'.' + it.key(), QStringLiteral("unknown field"));
        }
    }
    QString text(const QJsonObject &o, const QString &path, const QString &key, const QString &fallback = {})
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined())
            return fallback;
        if (!v.isString() || v.toString().isEmpty())
            fail(path + key, QStringLiteral("expected a non-empty string"));
        return v.toString();
    }
    qint64 number(const QJsonObject &o, const QString &path, const QString &key, qint64 fallback, qint64 least,
                  qint64 most)
    {
        const QJsonValue v = o.value(key);
        if (v.isUndefined())
            return fallback;
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d != double(qint64(d)) || d < double(least) || d > double(most)) {
            fail(path + key, QStringLiteral("expected a whole number from %1 to %2").arg(least).arg(most));
            return fallback;
        }
        return qint64(d);
    }
};

} // namespace

Result<EdgeConfig::Listener> parseListen(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(u':');
    bool ok = false;
    const uint port = colon < 0 ? 0 : text.mid(colon + 1).toUInt(&ok);
    if (colon < 0 || !ok || port > 65535)
        return makeError(QStringLiteral("'%1' is not ADDRESS:PORT").arg(text));
    QString host = text.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    EdgeConfig::Listener listener;
    listener.port = quint16(port);
    listener.address = host.isEmpty() ? QHostAddress(QHostAddress::Any) : QHostAddress(host);
    if (listener.address.isNull())
        return makeError(QStringLiteral("'%1' is not an IP address").arg(host));
    return listener;
}

Result<EdgeConfig> parseEdgeConfig(const QByteArray &json, const QString &baseDir)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(QStringLiteral("not JSON: %1 at offset %2").arg(parseError.errorString()).arg(parseError.offset));
    if (!doc.isObject())
        return makeError(QStringLiteral("expected a JSON object"));
    const QJsonObject root = doc.object();
    Reader r;
    // A listener's "tls": {"certificate": PEM, "key": PEM}, when the object at path has one.
    const auto readTls = [&r, &baseDir](const QJsonObject &o, const QString &path, EdgeConfig::Listener &l) {
        if (!o.contains(QStringLiteral("tls")))
            return;
        const QJsonObject tls = o.value(QStringLiteral("tls")).toObject();
        const QString tp = path + QStringLiteral(".tls.");
        r.known(tls, tp.chopped(1), {QStringLiteral("certificate"), QStringLiteral("key")});
        l.certificateFile = resolved(baseDir, r.text(tls, tp, QStringLiteral("certificate")));
        l.keyFile = resolved(baseDir, r.text(tls, tp, QStringLiteral("key")));
        if (l.certificateFile.isEmpty() || l.keyFile.isEmpty())
            r.fail(tp.chopped(1), QStringLiteral("needs \"certificate\" and \"key\" (PEM files)"));
    };
    r.known(root, {}, {QStringLiteral("listen"), QStringLiteral("providers"), QStringLiteral("edge_region"),
                       QStringLiteral("ca_file"), QStringLiteral("relay_credentials"), QStringLiteral("limits"), QStringLiteral("logs"),
                       QStringLiteral("admin"), QStringLiteral("expired_map")});
    EdgeConfig config;
    const QJsonArray listen = root.value(QStringLiteral("listen")).toArray();
    if (listen.isEmpty())
        r.fail(QStringLiteral("listen"), QStringLiteral("expected a list of \"ADDRESS:PORT\" (at least one)"));
    // Each: "ADDRESS:PORT", or {"address": "ADDRESS:PORT", "tls": {"certificate": PEM, "key": PEM}}.
    for (qsizetype i = 0; i < listen.size() && !r.failed(); ++i) {
        const QString path = QStringLiteral("listen[%1]").arg(i);
        const QJsonObject o = listen.at(i).toObject();
        if (listen.at(i).isObject())
            r.known(o, path, {QStringLiteral("address"), QStringLiteral("tls")});
        const auto listener = parseListen(listen.at(i).isObject() ? o.value(QStringLiteral("address")).toString()
                                                                  : listen.at(i).toString());
        if (!listener) {
            r.fail(listen.at(i).isObject() ? path + QStringLiteral(".address") : path, listener.error());
            continue;
        }
        EdgeConfig::Listener l = *listener;
        readTls(o, path, l);
        config.listeners.append(l);
    }
    const QJsonArray providers = root.value(QStringLiteral("providers")).toArray();
    if (providers.isEmpty())
        r.fail(QStringLiteral("providers"), QStringLiteral("expected a list of providers (at least one)"));
    for (qsizetype i = 0; i < providers.size() && !r.failed(); ++i) {
        const QString path = QStringLiteral("providers[%1].").arg(i);
        const QJsonObject p = providers.at(i).toObject();
        r.known(p, path.chopped(1), {QStringLiteral("map"), QStringLiteral("key"), QStringLiteral("map_dns"), QStringLiteral("hosts")});
        EdgeConfig::Provider provider;
        provider.mapFile = resolved(baseDir, r.text(p, path, QStringLiteral("map")));
        // A map file's key: its "<map>.sig" must then verify (checked at start and at each reload).
        provider.keyFile = resolved(baseDir, r.text(p, path, QStringLiteral("key")));
        if (p.contains(QStringLiteral("map_dns"))) {
            const QJsonObject dns = p.value(QStringLiteral("map_dns")).toObject();
            const QString dp = path + QStringLiteral("map_dns.");
            r.known(dns, dp.chopped(1), {QStringLiteral("provider"), QStringLiteral("name"), QStringLiteral("key"),
                                         QStringLiteral("nameserver")});
            provider.dnsProvider = r.text(dns, dp, QStringLiteral("provider"));
            provider.dnsName = r.text(dns, dp, QStringLiteral("name"));
            provider.keyFile = resolved(baseDir, r.text(dns, dp, QStringLiteral("key")));
            if (provider.dnsProvider.isEmpty() || provider.dnsName.isEmpty() || provider.keyFile.isEmpty())
                r.fail(dp.chopped(1), QStringLiteral("needs \"provider\", \"name\" and \"key\" (the provider's public key, PEM)"));
            const QString ns = r.text(dns, dp, QStringLiteral("nameserver"));
            provider.nameserver = QHostAddress(ns);
            if (!ns.isEmpty() && provider.nameserver.protocol() != QAbstractSocket::IPv4Protocol)
                r.fail(dp + QStringLiteral("nameserver"), QStringLiteral("expected an IPv4 address (Qt 6.4 asks IPv4 nameservers only)"));
            if (!provider.mapFile.isEmpty())
                r.fail(path.chopped(1), QStringLiteral("give \"map\" or \"map_dns\", not both"));
            if (p.value(QStringLiteral("hosts")).toArray().isEmpty())
                r.fail(path + QStringLiteral("hosts"), QStringLiteral("required with map_dns: the Host names it serves"));
        } else if (provider.mapFile.isEmpty()) {
            r.fail(path + QStringLiteral("map"), QStringLiteral("required: the provider's map file (or map_dns)"));
        }
        const QJsonArray hosts = p.value(QStringLiteral("hosts")).toArray();
        for (qsizetype h = 0; h < hosts.size(); ++h) {
            const QString host = hosts.at(h).toString().trimmed().toLower();
            if (host.isEmpty() || host.contains(u'/') || host.contains(u' '))
                r.fail(path + QStringLiteral("hosts[%1]").arg(h), QStringLiteral("expected a host name"));
            provider.hosts.append(host);
        }
        config.providers.append(provider);
    }
    // {"listen": "ADDRESS:PORT", "token_file": FILE, "tls": {"certificate": PEM, "key": PEM}}
    if (root.contains(QStringLiteral("admin"))) {
        const QJsonObject admin = root.value(QStringLiteral("admin")).toObject();
        r.known(admin, QStringLiteral("admin"), {QStringLiteral("listen"), QStringLiteral("token_file"), QStringLiteral("tls")});
        config.adminTokenFile = resolved(baseDir, r.text(admin, QStringLiteral("admin."), QStringLiteral("token_file")));
        const auto listener = parseListen(r.text(admin, QStringLiteral("admin."), QStringLiteral("listen")));
        if (listener) {
            config.admin = *listener;
            readTls(admin, QStringLiteral("admin"), *config.admin);
        } else {
            r.fail(QStringLiteral("admin.listen"), listener.error());
        }
    }
    config.edgeRegion = r.text(root, {}, QStringLiteral("edge_region"), config.edgeRegion);
    config.caFile = resolved(baseDir, r.text(root, {}, QStringLiteral("ca_file")));
    config.relayCredentials = resolved(baseDir, r.text(root, {}, QStringLiteral("relay_credentials")));
    const QString expiredMap = r.text(root, {}, QStringLiteral("expired_map"), QStringLiteral("keep"));
    if (const auto policy = engine::expiredMapPolicyFromName(expiredMap))
        config.expiredMap = *policy;
    else
        r.fail(QStringLiteral("expired_map"), QStringLiteral("expected \"keep\", \"direct\" or \"refuse\", got \"%1\"").arg(expiredMap));
    const QJsonObject limits = root.value(QStringLiteral("limits")).toObject();
    r.known(limits, QStringLiteral("limits"),
            {QStringLiteral("max_header_bytes"), QStringLiteral("max_body_bytes"), QStringLiteral("header_timeout_ms"),
             QStringLiteral("idle_timeout_ms"), QStringLiteral("max_connections")});
    EdgeLimits &l = config.limits;
    const QString lp = QStringLiteral("limits.");
    l.maxHeaderBytes = r.number(limits, lp, QStringLiteral("max_header_bytes"), l.maxHeaderBytes, 1024, 1 << 20);
    l.maxBodyBytes = r.number(limits, lp, QStringLiteral("max_body_bytes"), l.maxBodyBytes, 0, qint64(1) << 32);
    l.headerTimeoutMs = int(r.number(limits, lp, QStringLiteral("header_timeout_ms"), l.headerTimeoutMs, 100, 600'000));
    l.idleTimeoutMs = int(r.number(limits, lp, QStringLiteral("idle_timeout_ms"), l.idleTimeoutMs, 100, 3'600'000));
    l.maxConnections = int(r.number(limits, lp, QStringLiteral("max_connections"), l.maxConnections, 1, 1'000'000));
    const QJsonObject logs = root.value(QStringLiteral("logs")).toObject();
    r.known(logs, QStringLiteral("logs"), {QStringLiteral("access"), QStringLiteral("failover"), QStringLiteral("history")});
    config.accessLog = resolved(baseDir, r.text(logs, QStringLiteral("logs."), QStringLiteral("access")));
    config.failoverLog = resolved(baseDir, r.text(logs, QStringLiteral("logs."), QStringLiteral("failover")));
    config.history = resolved(baseDir, r.text(logs, QStringLiteral("logs."), QStringLiteral("history")));
    if (r.failed())
        return makeError(r.error);
    return config;
}

Result<EdgeConfig> readEdgeConfig(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("%1: %2").arg(path, file.errorString()));
    Result<EdgeConfig> config = parseEdgeConfig(file.read(1 << 20), QFileInfo(path).absolutePath());
    if (!config)
        return makeError(QStringLiteral("%1: %2").arg(path, config.error()));
    return config;
}

} // namespace relayrace::edge
