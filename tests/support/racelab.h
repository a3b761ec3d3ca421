// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// What the single-race test cases (tst_race*.cpp) share: one lab with real routes (direct, lab relays,
// a real tinyproxy; http and https with verification on), route clients over it and a race runner. A
// test case inherits RaceLabTest next to QObject, so its test functions read as they did when they
// were one file.
//
// Latencies make the winner known: direct 200 ms, via:fast 60 + 40 ms, via:slow 150 + 150 ms (round
// trips), via:idle 100 + 10 ms behind a relay that closes connections idle for 400 ms; every hop
// 4 MB/s so transfer rates are measurable.

#include "labfixture.h"

#include "lab/lab.h"
#include "model/raceresult.h"
#include "race/race.h"
#include "race/routeclient.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <vector>

namespace relayrace::testsupport {

inline const QByteArray kRaceLabTopology = R"({"format": "relayrace-lab", "version": 1,
  "providers": [{"id": "plain", "scheme": "http"}, {"id": "secure", "scheme": "https"}],
  "regions": [{"id": "fast"}, {"id": "slow"}, {"id": "tp", "relay": "tinyproxy"},
              {"id": "idle", "relay_idle_timeout_ms": 400}],
  "links": [
    {"from": "edge", "to": "origin:plain", "latency_ms": 200, "bandwidth_bps": 4000000},
    {"from": "edge", "to": "origin:secure", "latency_ms": 200, "bandwidth_bps": 4000000},
    {"from": "edge", "to": "relay:fast", "latency_ms": 60, "bandwidth_bps": 4000000},
    {"from": "relay:fast", "to": "origin:plain", "latency_ms": 40, "bandwidth_bps": 4000000},
    {"from": "relay:fast", "to": "origin:secure", "latency_ms": 40, "bandwidth_bps": 4000000},
    {"from": "edge", "to": "relay:slow", "latency_ms": 150, "bandwidth_bps": 4000000},
    {"from": "relay:slow", "to": "origin:plain", "latency_ms": 150, "bandwidth_bps": 4000000},
    {"from": "relay:slow", "to": "origin:secure", "latency_ms": 150, "bandwidth_bps": 4000000},
    {"from": "edge", "to": "relay:tp", "latency_ms": 20, "bandwidth_bps": 4000000},
    {"from": "edge", "to": "relay:idle", "latency_ms": 100, "bandwidth_bps": 4000000},
    {"from": "relay:idle", "to": "origin:secure", "latency_ms": 10, "bandwidth_bps": 4000000}]})";

inline constexpr int kRaceTimeoutMs = kTimeoutMs;

// The route clients of one test; destroyed after the races and replies that use them.
struct Routes
{
    std::vector<std::unique_ptr<race::RouteClient>> clients;
    QList<race::RouteClient *> list() const
    {
        QList<race::RouteClient *> out;
        for (const auto &c : clients)
            out.append(c.get());
        return out;
    }
    race::RouteClient *get(const QString &id) const
    {
        for (const auto &c : clients)
            if (c->routeId() == id)
                return c.get();
        return nullptr;
    }
};

class RaceLabTest
{
protected:
    // For initTestCase: RELAYRACE_VERIFY_OK(startLab()).
    Result<void> startLab()
    {
        qRegisterMetaType<model::RaceResult>();
        return m_lab.start(kRaceLabTopology);
    }

    // direct and via:<region> for each of regions; withCa = false leaves the lab's CA untrusted.
    Routes routes(const QString &, QStringList regions = {QStringLiteral("fast"), QStringLiteral("slow")},
                  bool withCa = true) const
    {
        Routes r;
        r.clients.push_back(std::make_unique<race::RouteClient>(QStringLiteral("direct")));
        for (const QString &region : regions)
            r.clients.push_back(std::make_unique<race::RouteClient>(QStringLiteral("via:") + region,
                                                                    m_lab.endpoints().region(region)->relayUrl));
        if (withCa) {
            for (const auto &c : r.clients)
                c->setCaCertificates(m_lab.caCertificates());
        }
        return r;
    }

    race::RaceRequest request(const QString &provider, const QString &path, qint64 threshold = 65536) const
    {
        const lab::LabEndpoints::Provider *p = m_lab.endpoints().provider(provider);
        race::RaceRequest request;
        request.provider = provider;
        request.url = p->url.resolved(QUrl(path));
        request.warmUpUrl = p->url.resolved(QUrl(p->testObject));
        request.thresholdBytes = threshold;
        request.trigger = model::Trigger::Manual;
        return request;
    }

    // Runs one race to its result; the race stays alive (for its winner's reply) until the caller
    // drops it. A race that does not finish fails the calling test (the QTRY records it).
    static std::unique_ptr<race::Race> run(const Routes &r, const race::RaceRequest &request, model::RaceResult *result)
    {
        auto race = std::make_unique<race::Race>(r.list());
        QSignalSpy finished(race.get(), &race::Race::finished);
        const Result<void> started = race->start(request);
        if (!started.ok()) {
            result->error = started.error();
            return race;
        }
        [&] { QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kRaceTimeoutMs); }();
        if (!finished.isEmpty())
            *result = finished.first().first().value<model::RaceResult>();
        return race;
    }

    LabFixture m_lab;
};

} // namespace relayrace::testsupport
