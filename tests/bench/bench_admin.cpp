// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The admin listener at fleet scale, on a real engine over a lab (in this process, on its own thread):
//   1. /metrics with 100 providers x 10 routes (direct + 9 relay regions), every provider raced:
//      scrape time (curl's time_total, 20 scrapes) and size, and promtool's verdict on one;
//   2. the edge's throughput (wrk, 1 KiB objects through one provider) while every provider races
//      every 2 s, with no subscriber to /api/v1/events and with 10 (curl -N: the encoding and writing
//      is the edge's cost; a console's parsing is its own machine's), alternating, three rounds each.
//   bench_admin [SECONDS_PER_THROUGHPUT_RUN]   (default 10)
#include "../support/labfixture.h"

#include "edge/adminserver.h"
#include "edge/eventhub.h"
#include "edge/edgeserver.h"
#include "engine/localengine.h"
#include "util/eventdispatcher.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSysInfo>
#include <QThread>

#include <algorithm>
#include <cstdio>

using namespace relayrace;

namespace {

constexpr int kProviders = 100;
constexpr int kRegions = 9;
const QByteArray kToken = "token-for-the-admin-benchmark";

QByteArray topology()
{
    QJsonArray providers, regions;
    for (int i = 0; i < kProviders; ++i)
        providers.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("p%1").arg(i, 3, 10, QLatin1Char('0'))},
                                     {QStringLiteral("scheme"), QStringLiteral("http")}});
    for (int i = 1; i <= kRegions; ++i)
        regions.append(QJsonObject{{QStringLiteral("id"), QStringLiteral("r%1").arg(i)}});
    return QJsonDocument(QJsonObject{{QStringLiteral("format"), QStringLiteral("relayrace-lab")}, {QStringLiteral("version"), 1},
                                     {QStringLiteral("providers"), providers}, {QStringLiteral("regions"), regions}}).toJson();
}

// Runs a program to its end (the event loop turning meanwhile: the edge lives on this thread).
QByteArray run(const QString &program, const QStringList &arguments, int timeoutMs = 120'000)
{
    QProcess process;
    process.start(program, arguments);
    (void)QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, timeoutMs);
    return process.readAllStandardOutput() + process.readAllStandardError();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    preferUnixEventDispatcher(ProcessKind::Console); // as the product does
    QCoreApplication app(argc, argv);
    const int seconds = argc > 1 ? std::max(2, std::atoi(argv[1])) : 10;
    std::printf("bench_admin on %s, %d cores, Qt %s\n", qUtf8Printable(QSysInfo::prettyProductName()), QThread::idealThreadCount(), qVersion());

    testsupport::LabFixture lab;
    if (const Result<void> started = lab.start(topology()); !started) {
        std::fprintf(stderr, "%s\n", qUtf8Printable(started.error()));
        return 1;
    }
    engine::LocalEngine engine{engine::EngineSettings{}};
    edge::EdgeSettings edgeSettings;
    QStringList regions;
    for (int i = 1; i <= kRegions; ++i)
        regions.append(QStringLiteral("r%1").arg(i));
    for (int i = 0; i < kProviders; ++i) {
        const QString id = QStringLiteral("p%1").arg(i, 3, 10, QLatin1Char('0'));
        map::RouteMap m = lab.host()->routeMap(id);
        m.alternates.clear();
        m.alternates.insert(QStringLiteral("default"), regions);
        m.race.thresholdBytes = 16384;
        engine.setMap(m, QStringLiteral("lab (unsigned)"));
        edgeSettings.hosts.insert(id + QStringLiteral(".example"), id);
    }
    edge::EdgeServer edge(&engine, edgeSettings);
    edge::AdminServer admin(&edge, &engine);
    admin.setToken(kToken);
    const Result<quint16> port = edge.listen(QHostAddress::LocalHost, 0);
    const Result<quint16> adminPort = admin.listen(QHostAddress::LocalHost, 0);
    if (!port || !adminPort) {
        std::fprintf(stderr, "cannot listen\n");
        return 1;
    }
    (void)QTest::qWaitFor([&] { return engine.providers().size() == kProviders; }, 60'000);

    // 1. Every provider raced once, then scraped.
    int finished = 0;
    QObject::connect(&engine, &engine::EngineFront::raceFinished, &app, [&] { ++finished; });
    for (const QString &id : engine.providers())
        engine.raceNow(engine::RaceOrder{id, QString(), 0, model::Trigger::Manual, 0});
    if (!QTest::qWaitFor([&] { return finished >= kProviders; }, 300'000)) {
        std::fprintf(stderr, "only %d of %d races finished\n", finished, kProviders);
        return 1;
    }
    const QString metricsUrl = QStringLiteral("http://127.0.0.1:%1/metrics").arg(*adminPort);
    std::vector<double> times;
    qint64 size = 0;
    for (int i = 0; i < 20; ++i) {
        const QList<QByteArray> got = run(QStringLiteral("curl"), {QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
                                                                    QStringLiteral("-w"), QStringLiteral("%{time_total} %{size_download}"), metricsUrl})
                                          .split(' ');
        times.push_back(got.value(0).toDouble() * 1e3);
        size = got.value(1).toLongLong();
    }
    const QByteArray text = admin.metricsText();
    const qsizetype series = text.count('\n') - text.count("\n#");
    QProcess promtool;
    promtool.start(QStringLiteral("promtool"), {QStringLiteral("check"), QStringLiteral("metrics")});
    promtool.write(text);
    promtool.closeWriteChannel();
    (void)QTest::qWaitFor([&] { return promtool.state() == QProcess::NotRunning; }, 60'000);
    const QByteArray verdict = QByteArray(promtool.readAllStandardOutput() + promtool.readAllStandardError()).trimmed();
    std::printf("| /metrics, %d providers x %d routes, %d races | %.1f ms median, %.1f ms max over %zu scrapes | %lld bytes, %lld samples | promtool check metrics: %s |\n",
                kProviders, kRegions + 1, finished, median(times), *std::max_element(times.begin(), times.end()), times.size(),
                qlonglong(size), qlonglong(series), promtool.exitCode() == 0 ? "ok" : verdict.constData());

    // 2. Throughput with and without event subscribers, every provider racing every 2 s meanwhile.
    engine.setRaceInterval(QString(), 2000);
    const QString target = QStringLiteral("http://127.0.0.1:%1/obj/bench?size=1024").arg(*port);
    static const QRegularExpression rate(QStringLiteral(R"(Requests/sec:\s+([0-9.]+))"));
    QList<double> none, ten;
    qint64 eventBytes = 0;
    for (int round = 0; round < 6; ++round) {
        const int subscribers = round % 2 ? 10 : 0;
        std::vector<std::unique_ptr<QProcess>> consoles;
        for (int i = 0; i < subscribers; ++i) {
            auto c = std::make_unique<QProcess>();
            c->start(QStringLiteral("sh"), {QStringLiteral("-c"), QStringLiteral("curl -sN -H 'Authorization: Bearer %1' http://127.0.0.1:%2/api/v1/events | wc -c")
                                                                      .arg(QString::fromLatin1(kToken)).arg(*adminPort)});
            consoles.push_back(std::move(c));
        }
        (void)QTest::qWaitFor([&] { return admin.events()->subscribers() == subscribers; }, 30'000);
        const QByteArray out = run(QStringLiteral("wrk"), {QStringLiteral("-t1"), QStringLiteral("-c32"), QStringLiteral("-d%1s").arg(seconds),
                                                           QStringLiteral("-H"), QStringLiteral("Host: p000.example"), target},
                                   (seconds + 60) * 1000);
        const double rps = rate.match(QString::fromUtf8(out)).captured(1).toDouble();
        (subscribers ? ten : none).append(rps);
        const int events = admin.events()->subscribers();
        run(QStringLiteral("pkill"), {QStringLiteral("-f"), QStringLiteral("api/v1/events")});
        for (auto &c : consoles) {
            (void)QTest::qWaitFor([&] { return c->state() == QProcess::NotRunning; }, 10'000);
            eventBytes += c->readAllStandardOutput().trimmed().toLongLong();
        }
        std::printf("round %d: %d subscribers (%d connected at the end), %.0f requests/s\n", round + 1, subscribers, events, rps);
    }
    const double a = median(std::vector<double>(none.begin(), none.end())), b = median(std::vector<double>(ten.begin(), ten.end()));
    std::printf("| edge throughput, 1 KiB, wrk -c32, %d s runs, all providers racing every 2 s | no subscriber: %.0f req/s (median of %lld) | 10 subscribers: %.0f req/s (median of %lld) | %.1f%% lower; %lld event bytes sent per subscriber run |\n",
                seconds, a, qlonglong(none.size()), b, qlonglong(ten.size()), 100.0 * (a - b) / a, qlonglong(eventBytes / std::max<qsizetype>(1, ten.size() * 10)));
    engine.setRaceInterval(QString(), 0);
    return 0;
}
