// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/mapmaker.h"

#include "log/logging.h"
#include "map/mapcodec.h"

#include <QCoroSignal>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

namespace relayrace::map {
namespace {

constexpr int kMaxSamples = 1000;
constexpr int kMaxAlternates = 1000;
constexpr int kMaxConcurrency = 64;

struct DeleteLater
{
    void operator()(QObject *object) const { object->deleteLater(); }
};

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    const qsizetype n = values.size();
    return n % 2 ? values.at(n / 2) : (values.at(n / 2 - 1) + values.at(n / 2)) / 2.0;
}

double roundTenth(double ms)
{
    return std::round(ms * 10.0) / 10.0;
}

QString keyFor(const MapMakerRequest &request)
{
    return request.edgeRegion.isEmpty() ? QStringLiteral("default") : request.edgeRegion;
}

Result<MapMakerReport> buildReport(const MapMakerRequest &request, QList<RegionMeasurement> results)
{
    MapMakerReport report;
    report.alternatesKey = keyFor(request);
    RouteMap &map = report.map;
    map = request.base.value_or(RouteMap{});
    map.provider = request.provider;
    map.origin = request.origin;
    map.generatedAt = QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), Qt::UTC);
    map.regions.clear();
    QList<const RegionMeasurement *> ranked;
    for (qsizetype i = 0; i < request.regions.size(); ++i) {
        const RegionMeasurement &m = results.at(i);
        if (!m.ok())
            continue;
        Region region = request.regions.at(i);
        region.rttToOriginMs = roundTenth(m.rttToOriginMs);
        region.samples = m.samples;
        map.regions.append(region);
        if (region.wellConnected) // only a region that can relay is a route
            ranked.append(&m);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const RegionMeasurement *a, const RegionMeasurement *b) {
        return a->pathCostMs() < b->pathCostMs();
    });
    QStringList best;
    for (const RegionMeasurement *m : ranked.first(std::min<qsizetype>(ranked.size(), request.alternates)))
        best.append(m->regionId);
    // Other edge regions' lists stay, minus regions that are no longer in the map.
    for (auto it = map.alternates.begin(); it != map.alternates.end(); ++it)
        it->removeIf([&](const QString &id) { return !map.region(id); });
    map.alternates.insert(report.alternatesKey, best);
    report.regions = std::move(results);
    if (const auto checked = parseRouteMap(serializeRouteMap(map)); !checked)
        return makeError(QStringLiteral("the map made does not pass the map codec: ") + checked.error());
    return report;
}

} // namespace

int MapMakerReport::measuredCount() const
{
    return int(std::count_if(regions.begin(), regions.end(), [](const RegionMeasurement &m) { return m.ok(); }));
}

QList<RegionMeasurement> MapMakerReport::excluded() const
{
    QList<RegionMeasurement> out;
    std::copy_if(regions.begin(), regions.end(), std::back_inserter(out), [](const RegionMeasurement &m) { return !m.ok(); });
    return out;
}

Result<RegionsFile> parseRegionsFile(const QByteArray &json)
{
    if (json.size() > RouteMap::kMaxBytes)
        return makeError(QStringLiteral("%1 bytes; the limit is %2 bytes (16 MiB)").arg(json.size()).arg(RouteMap::kMaxBytes));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(QStringLiteral("malformed JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString()));
    if (!doc.isObject())
        return makeError(QStringLiteral("expected a JSON object: {\"regions\": [...]} or a map v1 file"));
    const QJsonObject top = doc.object();
    if (top.contains(QStringLiteral("format"))) {
        auto map = parseRouteMap(json);
        if (!map)
            return makeError(map.error());
        return RegionsFile{map->regions, std::move(map).value()};
    }
    if (!top.contains(QStringLiteral("regions")))
        return makeError(QStringLiteral("regions: missing (expected {\"regions\": [...]} or a map v1 file)"));
    // Checked as the regions of a map, so a regions file accepts exactly what a map does, and
    // errors carry the same paths ("regions[1].relay: ...").
    const QJsonObject wrapper{{QStringLiteral("format"), QStringLiteral("relayrace-map")},
                              {QStringLiteral("version"), RouteMap::kFormatVersion},
                              {QStringLiteral("provider"), QStringLiteral("regions-file")},
                              {QStringLiteral("origin"), QStringLiteral("http://origin.invalid:80")},
                              {QStringLiteral("generated_at"), QStringLiteral("2000-01-01T00:00:00Z")},
                              {QStringLiteral("regions"), top.value(QStringLiteral("regions"))}};
    const auto map = parseRouteMap(QJsonDocument(wrapper).toJson(QJsonDocument::Compact));
    if (!map)
        return makeError(map.error());
    return RegionsFile{map->regions, std::nullopt};
}

// The codec is the one judge of what a map may hold: what it refuses is never measured or written.
QString MapMaker::problemWith(const MapMakerRequest &request)
{
    if (request.samples < 1 || request.samples > kMaxSamples)
        return QStringLiteral("samples: %1 is out of range (1..%2)").arg(request.samples).arg(kMaxSamples);
    if (request.alternates < 0 || request.alternates > kMaxAlternates)
        return QStringLiteral("alternates: %1 is out of range (0..%2)").arg(request.alternates).arg(kMaxAlternates);
    if (request.concurrency < 1 || request.concurrency > kMaxConcurrency)
        return QStringLiteral("concurrency: %1 is out of range (1..%2)").arg(request.concurrency).arg(kMaxConcurrency);
    if (request.timeout.count() <= 0)
        return QStringLiteral("timeout: must be positive");
    RouteMap skeleton = request.base.value_or(RouteMap{});
    skeleton.provider = request.provider;
    skeleton.origin = request.origin;
    skeleton.generatedAt = QDateTime::currentDateTimeUtc();
    skeleton.regions = request.regions;
    skeleton.alternates = {{keyFor(request), {}}};
    const auto checked = parseRouteMap(serializeRouteMap(skeleton));
    return checked ? QString() : checked.error();
}

MapMaker::MapMaker(QObject *parent) : QObject(parent) {}

MapMaker::~MapMaker() = default;

QCoro::Task<Result<MapMakerReport>> MapMaker::make(MapMakerRequest request)
{
    if (m_running)
        co_return makeError(QStringLiteral("a map is already being made"));
    if (const QString problem = problemWith(request); !problem.isEmpty())
        co_return makeError(problem);
    m_running = true;
    m_cancelled = false;
    QList<RegionMeasurement> results(request.regions.size());
    qsizetype next = 0;
    std::vector<QCoro::Task<>> workers;
    const qsizetype count = std::min<qsizetype>(request.concurrency, request.regions.size());
    for (qsizetype i = 0; i < count; ++i)
        workers.push_back(measureRegions(request, results, next));
    for (const auto &worker : workers)
        co_await worker; // QCoro tasks start at once: this waits for all of them
    m_running = false;
    if (m_cancelled)
        co_return makeError(QStringLiteral("cancelled"));
    co_return buildReport(request, std::move(results));
}

void MapMaker::cancel()
{
    if (!m_running)
        return;
    m_cancelled = true;
    const QSet<RegionProbe *> probes = m_probes;
    for (RegionProbe *probe : probes)
        probe->abort(QStringLiteral("cancelled"));
}

QCoro::Task<> MapMaker::measureRegions(const MapMakerRequest &request, QList<RegionMeasurement> &results, qsizetype &next)
{
    while (!m_cancelled && next < request.regions.size()) {
        const qsizetype i = next++;
        results[i] = co_await measureRegion(request, request.regions.at(i));
    }
}

QCoro::Task<RegionMeasurement> MapMaker::measureRegion(const MapMakerRequest &request, const Region &region)
{
    RegionMeasurement m;
    m.regionId = region.id;
    QList<double> edge;
    QList<double> origin;
    // https origins through a CONNECT tunnel; http origins by a forwarded request, as a stock squid
    // allows CONNECT to port 443 only (docs/map-maker.md).
    const bool tunnel = request.origin.scheme() == u"https";
    const RegionProbe::Kind originKind = tunnel ? RegionProbe::Kind::TunnelAnswer : RegionProbe::Kind::ForwardAnswer;
    for (int s = 0; s < request.samples; ++s) {
        // T_a = 2e; T_b = 2e + 2o on fresh connections, or a warm second answer T_w = e + o.
        const ProbeOutcome a = co_await probe(RegionProbe::Kind::RelayAnswer, request, region);
        if (!a.ok) {
            m.error = a.error;
            break;
        }
        const ProbeOutcome b = co_await probe(originKind, request, region);
        if (!b.ok) {
            m.error = b.error;
            break;
        }
        edge.append(a.elapsedMs / 2.0);
        origin.append(b.warmMs >= 0 ? b.warmMs - a.elapsedMs / 2.0 : (b.elapsedMs - a.elapsedMs) / 2.0);
    }
    if (!m.ok()) {
        log::get("map")->info("region {} left out: {}", region.id.toStdString(), m.error.toStdString());
        co_return m;
    }
    m.edgeRttMs = median(edge);
    const double o = median(origin);
    // Timer noise can make a near-zero o slightly negative; more than that means the relay answered
    // the tunnel before it could have reached the origin (a cache or a lie), which no route can use.
    const double slack = std::max(2.0, 0.2 * m.edgeRttMs);
    if (o < -slack) {
        m.error = QStringLiteral("implausible numbers: the origin answered through the tunnel %1 ms sooner than "
                                 "the relay answered itself")
                      .arg(-2.0 * o, 0, 'f', 1);
        log::get("map")->info("region {} left out: {}", region.id.toStdString(), m.error.toStdString());
        co_return m;
    }
    m.rttToOriginMs = std::max(0.0, o);
    m.edgeRttKnown = true;
    m.samples = request.samples;
    m.originSamplesMs = origin;
    log::get("map")->info("region {}: edge rtt {:.1f} ms, rtt to origin {:.1f} ms ({} samples)", region.id.toStdString(),
                          m.edgeRttMs, m.rttToOriginMs, m.samples);
    co_return m;
}

QCoro::Task<ProbeOutcome> MapMaker::probe(RegionProbe::Kind kind, const MapMakerRequest &request, const Region &region)
{
    if (m_cancelled)
        co_return ProbeOutcome{false, 0.0, QStringLiteral("cancelled"), -1.0};
    const std::unique_ptr<RegionProbe, DeleteLater> probe(
        new RegionProbe(kind, region.relay, request.origin, request.timeout, this));
    if (request.base && !request.base->testObject.isEmpty())
        probe->setPath(request.base->testObject);
    if (const RelayCredentials credentials = request.relayCredentials.value(relayCredentialsKey(region.relay)); !credentials.isEmpty())
        probe->setProxyAuthorization(credentials.basicAuthorization());
    m_probes.insert(probe.get());
    const auto done = qCoro(probe.get(), &RegionProbe::finished); // listens before the probe starts
    probe->start();
    ProbeOutcome outcome = co_await done;
    m_probes.remove(probe.get());
    co_return outcome;
}

Result<MapMakerReport> MapMaker::fromPingData(const MapMakerRequest &request, const QList<PingRecord> &records)
{
    if (const QString problem = problemWith(request); !problem.isEmpty())
        return makeError(problem);
    QHash<QString, const PingRecord *> byRegion;
    for (const PingRecord &record : records) {
        const bool known = std::any_of(request.regions.begin(), request.regions.end(),
                                       [&](const Region &r) { return r.id == record.regionId; });
        if (!known)
            return makeError(QStringLiteral("line %1: unknown region '%2' (not in the regions)").arg(record.line).arg(record.regionId));
        byRegion.insert(record.regionId, &record);
    }
    QList<RegionMeasurement> results;
    for (const Region &region : request.regions) {
        RegionMeasurement m;
        m.regionId = region.id;
        if (const PingRecord *record = byRegion.value(region.id)) {
            m.rttToOriginMs = record->rttMs;
            m.edgeRttKnown = record->edgeRttMs.has_value();
            m.edgeRttMs = record->edgeRttMs.value_or(0.0);
            m.samples = 1; // one figure, however it was collected
            m.originSamplesMs = {record->rttMs};
        } else {
            m.error = QStringLiteral("no ping data for this region");
        }
        results.append(m);
    }
    return buildReport(request, std::move(results));
}

} // namespace relayrace::map
