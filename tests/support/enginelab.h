// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// What the race engine test cases (tst_engine*.cpp) share: one lab whose latencies make the winner
// known, and the engine, map and request helpers over it. A test case inherits EngineLabTest next to
// QObject, so its test functions read as they did when they were one file.
//
// Latencies: direct 200 ms, via:fast 60 + 40 ms, via:slow 150 + 150 ms (round trips), tinyproxy at
// 20 ms from the edge but reaching the origin over the direct link.

#include "labfixture.h"

#include "engine/enginerequest.h"
#include "engine/raceengine.h"
#include "lab/lab.h"

#include <QBuffer>
#include <QSignalSpy>
#include <QTest>

#include <functional>
#include <memory>

namespace relayrace::testsupport {

inline const QByteArray kEngineLabTopology = R"({"format": "relayrace-lab", "version": 1,
  "providers": [{"id": "plain", "scheme": "http"}, {"id": "secure", "scheme": "https"}],
  "regions": [{"id": "fast"}, {"id": "slow"}, {"id": "tp", "relay": "tinyproxy"}],
  "links": [
    {"from": "edge", "to": "origin:plain", "latency_ms": 200, "bandwidth_bps": 4000000},
    {"from": "edge", "to": "origin:secure", "latency_ms": 200, "bandwidth_bps": 4000000},
    {"from": "edge", "to": "relay:fast", "latency_ms": 60, "bandwidth_bps": 4000000},
    {"from": "relay:fast", "to": "origin:plain", "latency_ms": 40, "bandwidth_bps": 4000000},
    {"from": "relay:fast", "to": "origin:secure", "latency_ms": 40, "bandwidth_bps": 4000000},
    {"from": "edge", "to": "relay:slow", "latency_ms": 150, "bandwidth_bps": 4000000},
    {"from": "relay:slow", "to": "origin:plain", "latency_ms": 150, "bandwidth_bps": 4000000},
    {"from": "relay:slow", "to": "origin:secure", "latency_ms": 150, "bandwidth_bps": 4000000},
    {"from": "edge", "to": "relay:tp", "latency_ms": 20, "bandwidth_bps": 4000000}]})";

// What a request served by the engine gave: its result and the body written to the sink.
struct Served
{
    engine::ServeResult result;
    QByteArray body;
};

class EngineLabTest
{
protected:
    // For initTestCase: RELAYRACE_VERIFY_OK(startLab()).
    Result<void> startLab()
    {
        qRegisterMetaType<lab::RelayLogEntry>(); // Lab::relayed crosses from the lab's thread
        return m_lab.start(kEngineLabTopology);
    }

    // Every route of the "plain" provider (its direct link and the links to the relays "fast" and
    // "slow") resets a connection after bytes (-1: never again): a body longer than a route carries
    // fails over.
    Result<void> resetPlainRoutesAfter(qint64 bytes)
    {
        for (const QString &link : {lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                                    lab::Topology::edgeToRelayLinkId(QStringLiteral("slow")),
                                    lab::Topology::directLinkId(QStringLiteral("plain"))}) {
            if (Result<void> r = m_lab.impair(link, [bytes](lab::Impairment &i) { i.resetAfterBytes = bytes; }); !r)
                return r;
        }
        return {};
    }

    // The lab's map of provider with only regions as alternates and, unless settings says otherwise,
    // a race on the first request and nothing else for an hour.
    map::RouteMap routeMap(const QString &provider, const std::function<void(map::RaceSettings &)> &settings = {},
                           QStringList regions = {QStringLiteral("fast"), QStringLiteral("slow")}) const
    {
        map::RouteMap m = m_lab.host()->routeMap(provider);
        m.alternates.clear();
        m.alternates.insert(QStringLiteral("default"), regions);
        m.race.firstPeriodS = 0;
        m.race.retestAfterS = 3600;
        m.race.retestAfterRequests = 1000000;
        m.race.routeTtlS = 3600;
        m.race.thresholdBytes = 64 * 1024;
        if (settings)
            settings(m.race);
        return m;
    }

    // An initialized engine that trusts the lab's CA.
    std::unique_ptr<engine::RaceEngine> engine(engine::EngineSettings settings = {}) const
    {
        settings.caCertificates = m_lab.caCertificates();
        auto e = std::make_unique<engine::RaceEngine>(settings);
        e->initialize();
        return e;
    }

    // Serves request to its end. A request that does not finish fails the calling test (the QTRY
    // records it) and comes back with a default, not-ok result.
    static Served serve(engine::RaceEngine &engine, const engine::ServeRequest &request)
    {
        Served served;
        QBuffer sink(&served.body);
        sink.open(QIODevice::WriteOnly);
        engine::EngineRequest *r = engine.serve(request, &sink);
        QSignalSpy finished(r, &engine::EngineRequest::finished);
        [&] { QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs); }();
        if (!finished.isEmpty())
            served.result = finished.first().first().value<engine::ServeResult>();
        return served;
    }

    // An order through the engine: the id of the race it started, 0 when it was queued or refused.
    static quint64 raceNow(engine::RaceEngine &engine, const QString &provider, const QString &path = QString(),
                           qint64 threshold = 0, model::Trigger trigger = model::Trigger::Manual)
    {
        QSignalSpy started(&engine, &engine::RaceEngine::raceStarted); // emitted before raceNow returns when it starts
        engine.raceNow(engine::RaceOrder{provider, path, threshold, trigger, 0});
        return started.isEmpty() ? 0 : started.first().first().value<engine::RaceStart>().raceId;
    }

    static engine::ServeRequest get(const QString &provider, const QString &path)
    {
        engine::ServeRequest request;
        request.provider = provider;
        request.path = path;
        return request;
    }

    LabFixture m_lab;
};

} // namespace relayrace::testsupport
