// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "map/pingdata.h"
#include "map/regionprobe.h"
#include "map/routemap.h"
#include "util/relaycredentials.h"
#include "util/result.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QUrl>

#include <QCoroTask>

#include <chrono>
#include <optional>

namespace relayrace::map {

// What `relayrace map make` works from (docs/map-maker.md).
struct MapMakerRequest
{
    QString provider;
    QUrl origin;                        // http(s)://host:port
    QList<Region> regions;              // id, name, relay, lat, lon
    int alternates = 3;                 // K: how many alternates to keep
    int samples = 5;                    // S: samples per region; the median counts
    QString edgeRegion;                 // alternates are written under this key; empty: "default"
    int concurrency = 4;                // regions measured at once
    std::chrono::milliseconds timeout{10'000}; // per probe
    // A map whose race settings, test object, validity, direct flag and other edge regions'
    // alternates are kept (when the regions came from a map file).
    std::optional<RouteMap> base;
    RelayCredentialMap relayCredentials; // relays that want proxy authentication (never in the map)
};

// One region's outcome: measured (error empty) or left out, with why.
struct RegionMeasurement
{
    QString regionId;
    QString error;
    double edgeRttMs = 0.0;             // e: edge -> relay round trip, median
    double rttToOriginMs = 0.0;         // o: relay -> origin round trip, median
    bool edgeRttKnown = false;          // ping data may leave e out
    int samples = 0;
    QList<double> originSamplesMs;      // each sample's o, in order

    bool ok() const { return error.isEmpty(); }
    double pathCostMs() const { return edgeRttMs + rttToOriginMs; } // the ranking key
};

struct MapMakerReport
{
    RouteMap map;                       // only measured regions; alternates ranked by path cost
    QString alternatesKey;              // the edge region the ranking was written under
    QList<RegionMeasurement> regions;   // every requested region, in request order

    int measuredCount() const;
    QList<RegionMeasurement> excluded() const;
};

// The regions file of `map make`: {"regions": [...]} or a whole map v1 file (then `base` is it).
struct RegionsFile
{
    QList<Region> regions;
    std::optional<RouteMap> base;
};
// Errors name the JSON path ("regions[2].relay: unsupported scheme 'socks5'; ...").
Result<RegionsFile> parseRegionsFile(const QByteArray &json);

// Makes a provider's route map from round trips measured through each region's relay (or from
// ping data collected elsewhere). One make() at a time per MapMaker; keep the MapMaker alive until
// make() has returned (cancel() makes that quick).
class MapMaker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MapMaker)
public:
    explicit MapMaker(QObject *parent = nullptr);
    ~MapMaker() override;

    // Measures every region (bounded concurrency), S samples each, and builds the map. A region that
    // fails is left out and reported in the report, not an error. Errors: an invalid request, another
    // make() running, cancel(). Never throws.
    QCoro::Task<Result<MapMakerReport>> make(MapMakerRequest request);

    // Aborts a running make(): its probes end at once and make() returns an error.
    void cancel();
    bool isRunning() const { return m_running; }

    // The same map from ping data instead of measurements: rtt_ms is o, edge_rtt_ms (if given) e.
    // Regions without a row are left out; a row naming an unknown region is an error with its line.
    static Result<MapMakerReport> fromPingData(const MapMakerRequest &request, const QList<PingRecord> &records);

    // Empty when a request can be worked on, else what is wrong with it, naming the field
    // ("origin: unsupported scheme 'ftp'; ..."). make() and fromPingData() check it first.
    static QString problemWith(const MapMakerRequest &request);

private:
    QCoro::Task<> measureRegions(const MapMakerRequest &request, QList<RegionMeasurement> &results, qsizetype &next);
    QCoro::Task<RegionMeasurement> measureRegion(const MapMakerRequest &request, const Region &region);
    QCoro::Task<ProbeOutcome> probe(RegionProbe::Kind kind, const MapMakerRequest &request, const Region &region);

    QSet<RegionProbe *> m_probes;
    bool m_running = false;
    bool m_cancelled = false;
};

} // namespace relayrace::map
