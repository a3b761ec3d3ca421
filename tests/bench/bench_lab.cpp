// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// bench_lab: how fast the lab moves bytes, so we know it is never the bottleneck of a race.
// Downloads a large object from a clean lab (no impairments) over the direct hop, through a lab relay
// (edge link -> relay -> relay's hop -> origin: three forwarders and a proxy), and through a real
// tinyproxy, and prints MiB/s and the process's CPU time per GiB moved.
#include "lab/lab.h"
#include "lab/proxyprocess.h"
#include "util/eventdispatcher.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSysInfo>
#include <QThread>

#include <sys/resource.h>

#include <cstdio>

using namespace relayrace::lab;

namespace {

double cpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
         + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Run
{
    double mibPerSec = 0;
    double cpuSecPerGiB = 0;
    bool ok = false;
};

Run download(const QUrl &url, const QNetworkProxy &proxy, qint64 size, int repeats)
{
    QNetworkAccessManager manager;
    manager.setProxy(proxy);
    Run run;
    QElapsedTimer clock;
    const double cpuBefore = cpuSeconds();
    clock.start();
    qint64 total = 0;
    for (int i = 0; i < repeats; ++i) {
        QNetworkReply *reply = manager.get(QNetworkRequest(url));
        // Drain as it arrives, as a race's route client does.
        QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply, &total] { total += reply->readAll().size(); });
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!done.wait(300000) || reply->error() != QNetworkReply::NoError) {
            std::fprintf(stderr, "download failed: %s\n", qUtf8Printable(reply->errorString()));
            delete reply;
            return run;
        }
        total += reply->readAll().size();
        delete reply;
    }
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    const double cpu = cpuSeconds() - cpuBefore;
    run.ok = total == size * repeats;
    run.mibPerSec = double(total) / (1024.0 * 1024.0) / seconds;
    run.cpuSecPerGiB = cpu / (double(total) / (1024.0 * 1024.0 * 1024.0));
    return run;
}

} // namespace

int main(int argc, char **argv)
{
    relayrace::preferUnixEventDispatcher(relayrace::ProcessKind::Console); // as the product does
    QCoreApplication app(argc, argv);
    const bool tinyproxy = !ProxyProcess::executable().isEmpty();
    QByteArray topologyJson = R"({"format": "relayrace-lab", "version": 1,
        "providers": [{"id": "p"}], "regions": [{"id": "lab"})";
    topologyJson += tinyproxy ? R"(, {"id": "tp", "relay": "tinyproxy"}]})" : "]}";
    auto topology = Topology::fromJson(topologyJson);
    LabHost host(std::move(topology).value());
    QSignalSpy ready(&host, &LabHost::ready);
    host.start();
    if (!ready.wait(30000)) {
        std::fprintf(stderr, "the lab did not start\n");
        return 1;
    }
    const LabEndpoints &e = host.endpoints();
    constexpr qint64 size = 512LL * 1024 * 1024;
    constexpr int repeats = 3;
    QUrl url = e.providers.first().url;
    url.setPath(QStringLiteral("/obj/bench"));
    url.setQuery(QStringLiteral("size=%1").arg(size));

    std::printf("bench_lab: %d x %lld MiB per route, unimpaired, loopback; %s, %d cores, Qt %s\n", repeats,
                size >> 20, qUtf8Printable(QSysInfo::prettyProductName()), QThread::idealThreadCount(), qVersion());
    std::printf("%-34s %10s %16s\n", "route", "MiB/s", "CPU s per GiB");
    auto report = [](const char *name, const Run &run) {
        std::printf("%-34s %10.0f %16.2f%s\n", name, run.mibPerSec, run.cpuSecPerGiB, run.ok ? "" : "  (FAILED)");
        std::fflush(stdout);
        return run.ok;
    };
    bool ok = report("direct (1 link)", download(url, QNetworkProxy::NoProxy, size, repeats));
    auto proxyFor = [&](const QString &region) {
        const QUrl relay = e.region(region)->relayUrl;
        return QNetworkProxy(QNetworkProxy::HttpProxy, relay.host(), quint16(relay.port()));
    };
    ok &= report("via lab relay (2 links + relay)", download(url, proxyFor(QStringLiteral("lab")), size, repeats));
    if (tinyproxy)
        ok &= report("via tinyproxy (1 link + tinyproxy)", download(url, proxyFor(QStringLiteral("tp")), size, repeats));
    std::printf("(CPU is this process: client, lab thread and forwarders; tinyproxy's own CPU is not counted)\n");
    return ok ? 0 : 1;
}
