// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// bench_failover: time from a route's fault to the first byte on the next route, for each kind of
// fault, over next routes of several round-trip times. What nginx and HAProxy do with the same faults
// is measured, not assumed: tests/peer/peers.py runs them side by side (docs/peers.md).
//
// A lab on its own thread: direct (20 ms RTT, 4 MB/s) is the first route and takes the fault; via:rN
// (a lab relay, N ms RTT to the origin in all) is the next. Every delivery uses new route clients, so
// the next route opens a new connection (the lab charges one RTT for its handshake): a warm pooled
// connection would save that RTT. The direct route's stall bound comes from its TTFB measured on a
// clean delivery first (the hint a race would give): max(4 x TTFB, 250 ms).
#include "delivery/delivery.h"
#include "lab/lab.h"
#include "util/eventdispatcher.h"

#include <QBuffer>
#include <QNetworkReply>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <string_view>
#include <memory>
#include <vector>

using namespace relayrace;
using namespace relayrace::delivery;
using namespace relayrace::lab;

namespace {

constexpr int kRepeats = 7;
constexpr qint64 kSize = 1024 * 1024;
constexpr qint64 kFaultAfterBytes = 200'000;
const int kRtts[] = {20, 50, 100};

struct Sample
{
    double faultToNextByteMs = -1; // the figure
    double detectMs = -1;          // fault -> route given up
    double boundMs = -1;
    bool ok = false;
};

double median(std::vector<double> v)
{
    if (v.empty())
        return -1;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

class Bench
{
public:
    bool start()
    {
        QByteArray topology = R"({"format": "relayrace-lab", "version": 1,
          "providers": [{"id": "plain", "scheme": "http"}],
          "regions": [{"id": "r20"}, {"id": "r50"}, {"id": "r100"}],
          "links": [
            {"from": "edge", "to": "origin:plain", "latency_ms": 20, "bandwidth_bps": 4000000})";
        for (int rtt : kRtts)
            topology += QStringLiteral(R"(, {"from": "edge", "to": "relay:r%1", "latency_ms": %1},
                {"from": "relay:r%1", "to": "origin:plain", "latency_ms": 0})")
                            .arg(rtt)
                            .toUtf8();
        topology += "]}";
        auto parsed = Topology::fromJson(topology);
        if (!parsed.ok()) {
            std::fprintf(stderr, "topology: %s\n", qUtf8Printable(parsed.error()));
            return false;
        }
        m_host = std::make_unique<LabHost>(std::move(parsed).value());
        QSignalSpy ready(m_host.get(), &LabHost::ready);
        QSignalSpy failed(m_host.get(), &LabHost::failed);
        m_host->start();
        QElapsedTimer t;
        t.start();
        while (ready.isEmpty() && failed.isEmpty() && t.elapsed() < 30000)
            QTest::qWait(10);
        return !ready.isEmpty();
    }

    void impairDirect(const std::function<void(Impairment &)> &change)
    {
        const QString id = Topology::directLinkId(QStringLiteral("plain"));
        Impairment i = m_clean.value_or(*m_host->lab()->linkImpairment(id));
        if (!m_clean)
            m_clean = i;
        change(i);
        m_host->lab()->setLinkImpairment(id, i);
        QElapsedTimer t;
        t.start();
        while (!(m_host->lab()->linkImpairment(id) == i) && t.elapsed() < 5000)
            QTest::qWait(1);
    }

    // One delivery; fault: "none", "refused", "reset", "blackhole", "stall".
    Sample run(const QString &fault, const QStringList &routeIds, double directTtfbHint, bool warmNext,
               double *ttfbOut = nullptr)
    {
        impairDirect([&fault](Impairment &i) {
            i.refuse = fault == u"refused";
            i.resetAfterBytes = fault == u"reset" ? kFaultAfterBytes : -1;
            i.blackhole = fault == u"blackhole";
            i.stallAfterBytes = fault == u"stall" ? kFaultAfterBytes : -1;
        });
        std::vector<std::unique_ptr<race::RouteClient>> clients;
        DeliveryRequest request;
        request.provider = QStringLiteral("plain");
        request.url = m_host->endpoints().provider(QStringLiteral("plain"))->url.resolved(
            QUrl(QStringLiteral("/obj/bench-%1?size=%2").arg(++m_counter).arg(kSize)));
        for (const QString &id : routeIds) {
            const auto *region = id == u"direct" ? nullptr : m_host->endpoints().region(id.mid(4));
            clients.push_back(std::make_unique<race::RouteClient>(id, region ? region->relayUrl : QUrl()));
            request.routes.append(clients.back().get());
        }
        if (warmNext) {
            // As the engine keeps its routes: a kept-alive connection left by an earlier exchange.
            QNetworkReply *warmUp = clients.back()->warmUp(request.url);
            QSignalSpy done(warmUp, &QNetworkReply::finished);
            if (!done.wait(10000))
                return {};
        }
        if (directTtfbHint > 0)
            request.stall.smoothedTtfbMs.insert(QStringLiteral("direct"), directTtfbHint);
        QByteArray body;
        QBuffer sink(&body);
        sink.open(QIODevice::WriteOnly);
        Delivery delivery(request, &sink);
        QElapsedTimer clock;
        double startedAt = -1, firstByte = -1, lastFirstRouteByte = -1, failoverAt = -1;
        model::FailoverEvent event;
        bool failedOver = false;
        QObject::connect(&delivery, &Delivery::progress, &delivery, [&](qint64, qint64) {
            const double t = double(clock.nsecsElapsed()) / 1e6;
            if (firstByte < 0)
                firstByte = t;
            if (!failedOver)
                lastFirstRouteByte = t;
        });
        QObject::connect(&delivery, &Delivery::failover, &delivery, [&](const model::FailoverEvent &e) {
            failoverAt = double(clock.nsecsElapsed()) / 1e6;
            failedOver = true;
            event = e;
        });
        QSignalSpy finished(&delivery, &Delivery::finished);
        clock.start();
        startedAt = 0;
        if (!delivery.start().ok())
            return {};
        finished.wait(60000);
        Sample s;
        if (finished.isEmpty())
            return s;
        const DeliveryResult result = finished.first().first().value<DeliveryResult>();
        s.ok = result.ok && result.bytes == kSize;
        s.boundMs = delivery.stallBoundMs(QStringLiteral("direct"));
        if (ttfbOut)
            *ttfbOut = result.smoothedTtfbMs.value(QStringLiteral("direct"), -1);
        if (fault == u"none") {
            s.faultToNextByteMs = firstByte - startedAt; // a clean fresh route: start -> first byte
            return s;
        }
        // At connect the fault is there from the start; mid-body it begins after the last byte.
        const double faultAt = (fault == u"refused" || fault == u"blackhole") ? startedAt : lastFirstRouteByte;
        s.faultToNextByteMs = failoverAt - faultAt;
        s.detectMs = failoverAt - event.recoverMs - faultAt;
        return s;
    }

private:
    std::unique_ptr<LabHost> m_host;
    std::optional<Impairment> m_clean;
    int m_counter = 0;
};

} // namespace

int main(int argc, char **argv)
{
    relayrace::preferUnixEventDispatcher(relayrace::ProcessKind::Console); // as the product does
    QCoreApplication app(argc, argv);
    qRegisterMetaType<DeliveryResult>();
    qRegisterMetaType<model::FailoverEvent>();
    Bench bench;
    if (!bench.start()) {
        std::fprintf(stderr, "the lab did not start\n");
        return 1;
    }
    // The direct route's TTFB, as a race would hint it.
    std::vector<double> hints;
    for (int i = 0; i < kRepeats; ++i) {
        double ttfb = -1;
        bench.run(QStringLiteral("none"), {QStringLiteral("direct")}, -1, false, &ttfb);
        hints.push_back(ttfb);
    }
    const double directTtfb = median(hints);
    const double bound = std::max(4 * directTtfb, 250.0);
    std::printf("direct route: 20 ms RTT, TTFB (request written -> head) median %.1f ms -> stall bound %.1f ms\n",
                directTtfb, bound);
    std::printf("%d runs per cell, %lld-byte object, mid-body faults after %lld bytes; medians [min-max] in ms\n\n",
                kRepeats, static_cast<long long>(kSize), static_cast<long long>(kFaultAfterBytes));
    // nginx and HAProxy on the same kind of faults are measured side by side in tests/peer/peers.py
    // (docs/peers.md), not written here.
    std::printf("%-10s %-6s %-24s %-10s %-24s %s\n", "fault", "RTT", "warm next: fault->byte", "goal",
                "fresh next: fault->byte", "detect");
    int failures = 0;
    const auto cell = [](std::vector<double> v) {
        if (v.empty())
            return QStringLiteral("failed");
        const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        return QStringLiteral("%1 [%2-%3]").arg(median(v), 0, 'f', 1).arg(*lo, 0, 'f', 1).arg(*hi, 0, 'f', 1);
    };
    for (const char *fault : {"refused", "reset", "blackhole", "stall"}) {
        for (int rtt : kRtts) {
            const QString next = QStringLiteral("via:r%1").arg(rtt);
            std::vector<double> warm, fresh, detects;
            for (int i = 0; i < kRepeats; ++i) {
                for (bool warmNext : {true, false}) {
                    const Sample s = bench.run(QString::fromLatin1(fault), {QStringLiteral("direct"), next}, directTtfb, warmNext);
                    if (!s.ok) {
                        ++failures;
                        continue;
                    }
                    (warmNext ? warm : fresh).push_back(s.faultToNextByteMs);
                    detects.push_back(s.detectMs);
                }
            }
            const std::string_view f(fault);
            const bool quick = f == "refused" || f == "reset";
            const double goal = quick ? rtt + 5 : bound + rtt + 5;
            std::printf("%-10s %-6s %-24s %-10s %-24s %s\n", fault, qPrintable(QStringLiteral("%1").arg(rtt)),
                        qPrintable(cell(warm)), qPrintable(QStringLiteral("<= %1").arg(goal, 0, 'f', 0)),
                        qPrintable(cell(fresh)), qPrintable(QString::number(median(detects), 'f', 1)));
        }
    }
    if (failures)
        std::printf("\n%d deliveries failed\n", failures);
    return failures ? 1 : 0;
}
