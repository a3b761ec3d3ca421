// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "mapcodec.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include <cmath>

// Limits are documented in docs/map-format.md ("Limits"); keep both in step.
namespace relayrace::map {
namespace {

constexpr qint64 kMaxThresholdBytes = qint64(1) << 30;   // 1 GiB
constexpr qint64 kMaxDurationS = 30 * 24 * 3600;         // 30 days: race periods and TTLs
constexpr qint64 kMaxValidForS = 366 * 24 * 3600;        // a map older than a year is not a map
constexpr qint64 kMaxRetestRequests = 1'000'000'000;
constexpr qint64 kMaxSamples = 1'000'000;
constexpr double kMaxRttMs = 600'000.0;                  // 10 minutes
constexpr qsizetype kMaxRegions = 1000;
constexpr qsizetype kMaxNameChars = 256;
constexpr qsizetype kMaxUrlChars = 2048;

const QString kFormat = QStringLiteral("relayrace-map");

QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("a boolean");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("a string");
    case QJsonValue::Array: return QStringLiteral("an array");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Undefined: break;
    }
    return QStringLiteral("nothing");
}

QString numberText(double d)
{
    return QString::number(d, 'g', QLocale::FloatingPointShortest);
}

// Provider ids, region ids and edge-region keys: safe in DNS labels, file names, route ids
// ("via:<id>") and DOT without quoting surprises.
bool isValidId(const QString &id)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
    return pattern.match(id).hasMatch();
}

// RFC 9209 names a proxy by a token or a string; a relay name is matched as text, so it may hold
// neither list nor parameter separators nor quotes.
constexpr qsizetype kMaxRelayNameChars = 128;
bool isValidRelayName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[\\x21\\x23-\\x2b\\x2d-\\x3a\\x3c-\\x7e]+$"));
    return pattern.match(name).hasMatch();
}

// The first error wins and is kept; later reads become no-ops, so the reading code stays linear.
struct Context
{
    QString error;
    QStringList ignored;

    bool failed() const { return !error.isNull(); }
    void fail(const QString &path, const QString &problem)
    {
        if (!failed())
            error = path + QStringLiteral(": ") + problem;
    }
};

// Reads the fields of one JSON object; keys never asked for are reported as ignored.
class ObjectReader final
{
public:
    ObjectReader(Context &ctx, QJsonObject object, QString path)
        : m_ctx(ctx), m_object(std::move(object)), m_path(std::move(path)) {}

    QString path(const QString &key) const { return m_path.isEmpty() ? key : m_path + u'.' + key; }

    // Undefined when absent; a missing required field fails.
    QJsonValue take(const QString &key, bool required = false)
    {
        m_seen.insert(key);
        const QJsonValue v = m_object.value(key);
        if (v.isUndefined() && required)
            m_ctx.fail(path(key), QStringLiteral("missing"));
        return v;
    }

    bool expect(const QString &key, const QJsonValue &v, QJsonValue::Type type, const QString &what)
    {
        if (v.type() == type)
            return true;
        m_ctx.fail(path(key), QStringLiteral("expected %1, got %2").arg(what, typeName(v)));
        return false;
    }

    void text(const QString &key, QString *out, bool required, qsizetype maxChars = kMaxNameChars)
    {
        const QJsonValue v = take(key, required);
        if (v.isUndefined() || !expect(key, v, QJsonValue::String, QStringLiteral("a string")))
            return;
        if (v.toString().size() > maxChars)
            return m_ctx.fail(path(key), QStringLiteral("longer than %1 characters").arg(maxChars));
        *out = v.toString();
    }

    void integer(const QString &key, qint64 *out, qint64 min, qint64 max, bool required = false)
    {
        const QJsonValue v = take(key, required);
        if (v.isUndefined() || !expect(key, v, QJsonValue::Double, QStringLiteral("an integer")))
            return;
        const double d = v.toDouble();
        if (std::trunc(d) != d)
            return m_ctx.fail(path(key), QStringLiteral("expected an integer, got %1").arg(numberText(d)));
        if (d < double(min) || d > double(max))
            return m_ctx.fail(path(key), QStringLiteral("%1 is out of range (%2..%3)").arg(numberText(d)).arg(min).arg(max));
        *out = qint64(d);
    }

    void number(const QString &key, double *out, double min, double max)
    {
        const QJsonValue v = take(key);
        if (v.isUndefined() || !expect(key, v, QJsonValue::Double, QStringLiteral("a number")))
            return;
        const double d = v.toDouble();
        if (!(d >= min && d <= max))
            return m_ctx.fail(path(key), QStringLiteral("%1 is out of range (%2..%3)").arg(numberText(d), numberText(min), numberText(max)));
        *out = d;
    }

    void boolean(const QString &key, bool *out)
    {
        const QJsonValue v = take(key);
        if (!v.isUndefined() && expect(key, v, QJsonValue::Bool, QStringLiteral("true or false")))
            *out = v.toBool();
    }

    void reportUnknown()
    {
        for (auto it = m_object.constBegin(); it != m_object.constEnd(); ++it) {
            if (!m_seen.contains(it.key()))
                m_ctx.ignored.append(path(it.key()));
        }
    }

private:
    Context &m_ctx;
    QJsonObject m_object;
    QString m_path;
    QSet<QString> m_seen;
};

// Checks a URL field; `schemes` lists the accepted schemes, `needPort` whether host:port is required.
QUrl readUrl(Context &ctx, const QString &path, const QString &text, const QStringList &schemes, bool needPort,
             const QString &shape)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid()) {
        ctx.fail(path, QStringLiteral("'%1' is not a valid URL (%2); expected %3").arg(text, url.errorString(), shape));
        return {};
    }
    if (url.scheme().isEmpty()) {
        ctx.fail(path, QStringLiteral("'%1' is not an absolute URL; expected %2").arg(text, shape));
        return {};
    }
    if (!schemes.contains(url.scheme())) {
        ctx.fail(path, QStringLiteral("unsupported scheme '%1'; expected %2").arg(url.scheme(), shape));
        return {};
    }
    if (url.host().isEmpty())
        ctx.fail(path, QStringLiteral("'%1' has no host; expected %2").arg(text, shape));
    else if (needPort && url.port() < 0)
        ctx.fail(path, QStringLiteral("'%1' has no port; expected %2").arg(text, shape));
    else if (!url.userInfo().isEmpty())
        ctx.fail(path, QStringLiteral("credentials are not allowed in a map (it is public)"));
    else if (!url.path().isEmpty() && url.path() != u"/")
        ctx.fail(path, QStringLiteral("'%1' has a path; expected %2").arg(text, shape));
    else if (url.hasQuery() || url.hasFragment())
        ctx.fail(path, QStringLiteral("'%1' has a query or fragment; expected %2").arg(text, shape));
    return url;
}

void readRace(Context &ctx, const QJsonObject &object, RaceSettings *race)
{
    ObjectReader r(ctx, object, QStringLiteral("race"));
    QString objectName = race->object == RaceSettings::Object::TestObject ? QStringLiteral("test_object")
                                                                          : QStringLiteral("requested");
    r.text(QStringLiteral("object"), &objectName, false);
    if (objectName == u"requested")
        race->object = RaceSettings::Object::Requested;
    else if (objectName == u"test_object")
        race->object = RaceSettings::Object::TestObject;
    else
        ctx.fail(r.path(QStringLiteral("object")),
                 QStringLiteral("'%1' is not one of requested, test_object").arg(objectName));
    r.integer(QStringLiteral("threshold_bytes"), &race->thresholdBytes, 1, kMaxThresholdBytes);
    r.integer(QStringLiteral("route_ttl_s"), &race->routeTtlS, 0, kMaxDurationS);
    r.integer(QStringLiteral("first_period_s"), &race->firstPeriodS, 0, kMaxDurationS);
    r.integer(QStringLiteral("retest_after_s"), &race->retestAfterS, 0, kMaxDurationS);
    r.integer(QStringLiteral("retest_after_requests"), &race->retestAfterRequests, 0, kMaxRetestRequests);
    r.number(QStringLiteral("hysteresis_pct"), &race->hysteresisPct, 0.0, 100.0);
    r.number(QStringLiteral("degrade_pct"), &race->degradePct, 0.0, 1000.0);
    r.integer(QStringLiteral("degrade_min_requests"), &race->degradeMinRequests, 1, kMaxRetestRequests);
    r.reportUnknown();
}

Region readRegion(Context &ctx, const QJsonObject &object, const QString &path)
{
    Region region;
    ObjectReader r(ctx, object, path);
    r.text(QStringLiteral("id"), &region.id, true);
    if (!ctx.failed() && !isValidId(region.id))
        ctx.fail(r.path(QStringLiteral("id")), QStringLiteral("'%1' is not a valid id (1-64 of A-Z a-z 0-9 . _ -, "
                                                              "starting with a letter or digit)").arg(region.id));
    r.text(QStringLiteral("name"), &region.name, false);
    QString relay;
    r.text(QStringLiteral("relay"), &relay, true, kMaxUrlChars);
    if (!ctx.failed())
        region.relay = readUrl(ctx, r.path(QStringLiteral("relay")), relay, {QStringLiteral("http")}, true,
                               QStringLiteral("http://host:port (an HTTP forward proxy)"));
    r.text(QStringLiteral("relay_name"), &region.relayName, false, kMaxRelayNameChars);
    if (!ctx.failed() && !region.relayName.isEmpty() && !isValidRelayName(region.relayName))
        ctx.fail(r.path(QStringLiteral("relay_name")),
                 QStringLiteral("'%1' is not a Proxy-Status name (visible ASCII, no quotes, commas or semicolons)")
                     .arg(region.relayName));
    r.number(QStringLiteral("lat"), &region.lat, -90.0, 90.0);
    r.number(QStringLiteral("lon"), &region.lon, -180.0, 180.0);
    r.boolean(QStringLiteral("well_connected"), &region.wellConnected);
    const QJsonValue rtt = r.take(QStringLiteral("rtt_to_origin_ms"));
    if (!rtt.isUndefined() && !rtt.isNull()) { // null: not measured
        double ms = 0.0;
        r.number(QStringLiteral("rtt_to_origin_ms"), &ms, 0.0, kMaxRttMs);
        region.rttToOriginMs = ms;
    }
    qint64 samples = region.samples;
    r.integer(QStringLiteral("samples"), &samples, 0, kMaxSamples);
    region.samples = int(samples);
    r.reportUnknown();
    return region;
}

void readRegions(Context &ctx, const QJsonArray &array, RouteMap *map)
{
    if (array.size() > kMaxRegions)
        return ctx.fail(QStringLiteral("regions"), QStringLiteral("%1 regions; the limit is %2").arg(array.size()).arg(kMaxRegions));
    QSet<QString> ids;
    for (qsizetype i = 0; i < array.size() && !ctx.failed(); ++i) {
        const QString path = QStringLiteral("regions[%1]").arg(i);
        if (!array.at(i).isObject())
            return ctx.fail(path, QStringLiteral("expected an object, got %1").arg(typeName(array.at(i))));
        Region region = readRegion(ctx, array.at(i).toObject(), path);
        if (ctx.failed())
            return;
        if (ids.contains(region.id))
            return ctx.fail(path + QStringLiteral(".id"), QStringLiteral("duplicate region id '%1'").arg(region.id));
        ids.insert(region.id);
        map->regions.append(std::move(region));
    }
}

void readAlternates(Context &ctx, const QJsonObject &object, RouteMap *map)
{
    for (auto it = object.constBegin(); it != object.constEnd() && !ctx.failed(); ++it) {
        const QString path = QStringLiteral("alternates.") + it.key();
        if (!isValidId(it.key()))
            return ctx.fail(path, QStringLiteral("'%1' is not a valid edge region id").arg(it.key()));
        if (!it.value().isArray())
            return ctx.fail(path, QStringLiteral("expected an array of region ids, got %1").arg(typeName(it.value())));
        const QJsonArray list = it.value().toArray();
        QStringList ids;
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString itemPath = path + QStringLiteral("[%1]").arg(i);
            if (!list.at(i).isString())
                return ctx.fail(itemPath, QStringLiteral("expected a region id, got %1").arg(typeName(list.at(i))));
            const QString id = list.at(i).toString();
            if (!map->region(id))
                return ctx.fail(itemPath, QStringLiteral("unknown region '%1' (not in regions)").arg(id));
            if (ids.contains(id))
                return ctx.fail(itemPath, QStringLiteral("region '%1' listed twice").arg(id));
            ids.append(id);
        }
        map->alternates.insert(it.key(), ids);
    }
}

void readVersion(Context &ctx, ObjectReader &r)
{
    const QJsonValue v = r.take(QStringLiteral("version"), true);
    if (v.isUndefined())
        return;
    if (!v.isDouble() || std::trunc(v.toDouble()) != v.toDouble())
        return ctx.fail(QStringLiteral("version"), QStringLiteral("expected an integer, got %1")
                                                       .arg(v.isDouble() ? numberText(v.toDouble()) : typeName(v)));
    const double version = v.toDouble();
    if (version > RouteMap::kFormatVersion)
        ctx.fail(QStringLiteral("version"), QStringLiteral("this map is format version %1, newer than this relayrace "
                                                           "reads (%2); upgrade relayrace to use it")
                                                .arg(numberText(version)).arg(RouteMap::kFormatVersion));
    else if (version < RouteMap::kFormatVersion)
        ctx.fail(QStringLiteral("version"), QStringLiteral("%1 is not a map format version (expected %2)")
                                                .arg(numberText(version)).arg(RouteMap::kFormatVersion));
}

void readTop(Context &ctx, const QJsonObject &object, RouteMap *map)
{
    ObjectReader r(ctx, object, QString());
    // format and version first: a newer map must say "upgrade", not fail on a field it renamed.
    QString format;
    r.text(QStringLiteral("format"), &format, true);
    if (!ctx.failed() && format != kFormat)
        ctx.fail(QStringLiteral("format"), QStringLiteral("'%1' is not a route map (expected '%2')").arg(format, kFormat));
    readVersion(ctx, r);

    r.text(QStringLiteral("provider"), &map->provider, true);
    if (!ctx.failed() && !isValidId(map->provider))
        ctx.fail(QStringLiteral("provider"), QStringLiteral("'%1' is not a valid provider id (1-64 of A-Z a-z 0-9 . _ -, "
                                                            "starting with a letter or digit)").arg(map->provider));
    QString origin;
    r.text(QStringLiteral("origin"), &origin, true, kMaxUrlChars);
    if (!ctx.failed())
        map->origin = readUrl(ctx, QStringLiteral("origin"), origin, {QStringLiteral("http"), QStringLiteral("https")},
                              false, QStringLiteral("http(s)://host:port"));
    r.text(QStringLiteral("test_object"), &map->testObject, false, kMaxUrlChars);
    if (!ctx.failed() && !map->testObject.startsWith(u'/'))
        ctx.fail(QStringLiteral("test_object"), QStringLiteral("'%1' is not a path on the origin (must start with /)").arg(map->testObject));

    QString generated;
    r.text(QStringLiteral("generated_at"), &generated, true);
    if (!ctx.failed()) {
        const QDateTime at = QDateTime::fromString(generated, Qt::ISODateWithMs);
        if (!at.isValid())
            ctx.fail(QStringLiteral("generated_at"), QStringLiteral("'%1' is not an ISO 8601 date and time (e.g. 2026-11-25T18:00:00Z)").arg(generated));
        else if (at.timeSpec() == Qt::LocalTime)
            ctx.fail(QStringLiteral("generated_at"), QStringLiteral("'%1' has no time zone; write UTC with a Z (e.g. 2026-11-25T18:00:00Z)").arg(generated));
        else
            map->generatedAt = at.toUTC();
    }
    r.integer(QStringLiteral("valid_for_s"), &map->validForS, 1, kMaxValidForS);
    r.boolean(QStringLiteral("direct"), &map->direct);

    const QJsonValue race = r.take(QStringLiteral("race"));
    if (!race.isUndefined() && r.expect(QStringLiteral("race"), race, QJsonValue::Object, QStringLiteral("an object")))
        readRace(ctx, race.toObject(), &map->race);
    const QJsonValue regions = r.take(QStringLiteral("regions"));
    if (!regions.isUndefined() && r.expect(QStringLiteral("regions"), regions, QJsonValue::Array, QStringLiteral("an array")))
        readRegions(ctx, regions.toArray(), map);
    const QJsonValue alternates = r.take(QStringLiteral("alternates"));
    if (!ctx.failed() && !alternates.isUndefined()
        && r.expect(QStringLiteral("alternates"), alternates, QJsonValue::Object, QStringLiteral("an object")))
        readAlternates(ctx, alternates.toObject(), map);
    if (!ctx.failed() && !map->direct && map->alternates.isEmpty())
        ctx.fail(QStringLiteral("direct"), QStringLiteral("false and alternates is empty: the map has no route at all"));
    r.reportUnknown();
}

} // namespace

Result<RouteMap> parseRouteMap(const QByteArray &bytes, QStringList *ignored)
{
    // Before parsing: a hostile or broken file must not cost the memory of its DOM.
    if (bytes.size() > RouteMap::kMaxBytes)
        return makeError(QStringLiteral("map is %1 bytes; the limit is %2 bytes (16 MiB)").arg(bytes.size()).arg(RouteMap::kMaxBytes));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(QStringLiteral("malformed JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString()));
    if (!doc.isObject())
        return makeError(QStringLiteral("malformed map: the document is not a JSON object"));

    Context ctx;
    RouteMap map;
    readTop(ctx, doc.object(), &map);
    if (ctx.failed())
        return makeError(ctx.error);
    if (ignored)
        *ignored = ctx.ignored;
    return map;
}

QByteArray serializeRouteMap(const RouteMap &map)
{
    // QJsonObject keeps its keys sorted and Qt writes doubles in their shortest round-trip form, so
    // QJsonDocument's output is already canonical.
    const RaceSettings &race = map.race;
    QJsonObject raceObject{
        {QStringLiteral("object"), race.object == RaceSettings::Object::TestObject ? QStringLiteral("test_object")
                                                                                  : QStringLiteral("requested")},
        {QStringLiteral("threshold_bytes"), race.thresholdBytes},
        {QStringLiteral("route_ttl_s"), race.routeTtlS},
        {QStringLiteral("first_period_s"), race.firstPeriodS},
        {QStringLiteral("retest_after_s"), race.retestAfterS},
        {QStringLiteral("retest_after_requests"), race.retestAfterRequests},
        {QStringLiteral("hysteresis_pct"), race.hysteresisPct}};
    // The degradation settings came after maps were signed: written only when not the defaults, so
    // an older map's canonical bytes (and its signature) stay what they were.
    const RaceSettings defaults;
    if (race.degradePct != defaults.degradePct)
        raceObject.insert(QStringLiteral("degrade_pct"), race.degradePct);
    if (race.degradeMinRequests != defaults.degradeMinRequests)
        raceObject.insert(QStringLiteral("degrade_min_requests"), race.degradeMinRequests);
    QJsonArray regions;
    for (const Region &region : map.regions) {
        QJsonObject r{
            {QStringLiteral("id"), region.id},
            {QStringLiteral("name"), region.name},
            {QStringLiteral("relay"), region.relay.toString(QUrl::FullyEncoded)},
            {QStringLiteral("lat"), region.lat},
            {QStringLiteral("lon"), region.lon},
            {QStringLiteral("well_connected"), region.wellConnected},
            {QStringLiteral("rtt_to_origin_ms"), region.rttToOriginMs ? QJsonValue(*region.rttToOriginMs) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("samples"), region.samples}};
        if (!region.relayName.isEmpty()) // absent when unset: maps without it stay byte-identical
            r.insert(QStringLiteral("relay_name"), region.relayName);
        regions.append(r);
    }
    QJsonObject alternates;
    for (auto it = map.alternates.constBegin(); it != map.alternates.constEnd(); ++it)
        alternates.insert(it.key(), QJsonArray::fromStringList(it.value()));
    const QDateTime at = map.generatedAt.toUTC();
    const QJsonObject top{
        {QStringLiteral("format"), kFormat},
        {QStringLiteral("version"), RouteMap::kFormatVersion},
        {QStringLiteral("provider"), map.provider},
        {QStringLiteral("origin"), map.origin.toString(QUrl::FullyEncoded)},
        {QStringLiteral("test_object"), map.testObject},
        // Milliseconds only when there are some: whole seconds stay in the documented short form.
        {QStringLiteral("generated_at"), at.toString(at.time().msec() ? Qt::ISODateWithMs : Qt::ISODate)},
        {QStringLiteral("valid_for_s"), map.validForS},
        {QStringLiteral("direct"), map.direct},
        {QStringLiteral("race"), raceObject},
        {QStringLiteral("regions"), regions},
        {QStringLiteral("alternates"), alternates}};
    return QJsonDocument(top).toJson(QJsonDocument::Indented);
}

Result<RouteMap> readRouteMapFile(const QString &path, QStringList *ignored)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    // One byte over the limit is enough for parseRouteMap to refuse it without reading it all.
    Result<RouteMap> map = parseRouteMap(file.read(RouteMap::kMaxBytes + 1), ignored);
    if (!map)
        return makeError(path + QStringLiteral(": ") + map.error());
    return map;
}

} // namespace relayrace::map
