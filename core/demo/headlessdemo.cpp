// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "demo/headlessdemo.h"

#include "engine/localengine.h"
#include "lab/lab.h"
#include "log/logging.h"
#include "model/routechange.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslCertificate>
#include <QTimer>

#include <algorithm>

namespace relayrace::demo {
namespace {
constexpr int kPauseMs = 200; // between rounds: the losers' connections are re-warmed meanwhile
}

HeadlessDemo::HeadlessDemo(Options options, QObject *parent) : QObject(parent), m_options(options) {}

HeadlessDemo::~HeadlessDemo()
{
    m_done = true;
    m_engine.reset(); // before the lab it races over
}

void HeadlessDemo::start()
{
    auto topology = lab::demoTopology();
    if (!topology) {
        std::fprintf(stderr, "relayrace demo: %s\n", qUtf8Printable(topology.error()));
        finish(1);
        return;
    }
    m_host = new lab::LabHost(std::move(topology).value(), this);
    connect(m_host, &lab::LabHost::ready, this, &HeadlessDemo::onLabReady);
    connect(m_host, &lab::LabHost::failed, this, [this](const QString &error) {
        std::fprintf(stderr, "relayrace demo: the demo lab did not start: %s\n", qUtf8Printable(error));
        finish(1);
    });
    m_host->start();
}

void HeadlessDemo::onLabReady(const lab::LabEndpoints &endpoints)
{
    engine::EngineSettings settings;
    if (!endpoints.caFile.isEmpty())
        settings.caCertificates = QSslCertificate::fromPath(endpoints.caFile);
    settings.raceTimeout = std::chrono::seconds(15);
    settings.maxRacesPerMinute = 0;
    m_engine = std::make_unique<engine::LocalEngine>(settings);
    connect(m_engine.get(), &engine::EngineFront::raceStarted, this, &HeadlessDemo::onRaceStarted);
    connect(m_engine.get(), &engine::EngineFront::raceRefused, this, &HeadlessDemo::onRaceRefused);
    connect(m_engine.get(), &engine::EngineFront::raceFinished, this, &HeadlessDemo::onRaceFinished);
    connect(m_engine.get(), &engine::EngineFront::routeChanged, this, &HeadlessDemo::onRouteChanged);
    for (const lab::LabEndpoints::Provider &provider : endpoints.providers) {
        m_engine->setMap(m_host->routeMap(provider.place.id), QStringLiteral("lab (unsigned)"));
        m_providers.append(provider.place.id);
    }
    if (!m_options.json)
        std::fprintf(m_options.out, "demo lab up on 127.0.0.1: %lld providers, %lld regions, %lld links\n",
                     qlonglong(endpoints.providers.size()), qlonglong(endpoints.regions.size()),
                     qlonglong(endpoints.links.size()));
    runRound();
}

void HeadlessDemo::runRound()
{
    if (m_done)
        return;
    if (m_round >= m_options.rounds) {
        finish(0);
        return;
    }
    ++m_round;
    if (!m_options.json)
        std::fprintf(m_options.out, "\nround %d\n", m_round);
    // Every provider races at once, as an edge under traffic would.
    m_startedThisRound = 0;
    for (const QString &provider : std::as_const(m_providers))
        m_pendingOrders.insert(m_engine->raceNow(engine::RaceOrder{provider, QString(), 0, model::Trigger::Demo, 0}));
    if (m_pendingOrders.isEmpty())
        finish(1);
}

void HeadlessDemo::onRaceStarted(const engine::RaceStart &start)
{
    if (m_pendingOrders.remove(start.orderId)) {
        m_pendingRaces.insert(start.raceId);
        ++m_startedThisRound;
    }
}

void HeadlessDemo::onRaceRefused(const engine::RaceRefusal &refusal)
{
    if (!m_pendingOrders.remove(refusal.orderId))
        return;
    std::fprintf(stderr, "relayrace demo: %s: race not run: %s\n", qUtf8Printable(refusal.provider),
                 qUtf8Printable(refusal.reason));
    roundDoneIfSettled();
}

void HeadlessDemo::roundDoneIfSettled()
{
    if (!m_pendingOrders.isEmpty() || !m_pendingRaces.isEmpty() || m_done)
        return;
    if (m_startedThisRound == 0) {
        finish(1); // nothing raced this round: every order was refused
        return;
    }
    // Not from inside the engine's signal: its route change for this race comes right after.
    QTimer::singleShot(kPauseMs, this, &HeadlessDemo::runRound);
}

void HeadlessDemo::onRaceFinished(quint64 raceId, const model::RaceResult &result)
{
    if (!m_pendingRaces.remove(raceId))
        return;
    QJsonObject json = model::toJson(result);
    json.insert(QStringLiteral("round"), m_round);
    m_races.append(json);
    if (!m_options.json) {
        std::fprintf(m_options.out, "  %s %s: ", qUtf8Printable(result.provider), qUtf8Printable(result.object));
        if (result.ok())
            std::fprintf(m_options.out, "%s won in %.1f ms, by %s; wasted %lld B\n",
                         qUtf8Printable(result.winner), result.route(result.winner)->timeToThresholdMs,
                         qUtf8Printable(model::marginText(result)), static_cast<long long>(result.wastedBytes));
        else
            std::fprintf(m_options.out, "no winner: %s\n", qUtf8Printable(result.error));
        const auto ms = [](double v) { return v < 0 ? QStringLiteral("-") : QString::number(v, 'f', 1); };
        for (const model::RouteOutcome &route : result.routes)
            std::fprintf(m_options.out, "    %-12s %-6s ttfb %7s ms  to N %7s ms  %8lld B %s\n",
                         qUtf8Printable(route.routeId), qUtf8Printable(model::stateName(route.state)),
                         qUtf8Printable(ms(route.ttfbMs)), qUtf8Printable(ms(route.timeToThresholdMs)),
                         static_cast<long long>(route.bytes), qUtf8Printable(route.error));
    }
    std::fflush(m_options.out);
    roundDoneIfSettled();
}

void HeadlessDemo::onRouteChanged(const model::RouteChange &change)
{
    m_changes.append(QJsonObject{{QStringLiteral("provider"), change.provider},
                                 {QStringLiteral("from"), change.fromRoute.isEmpty() ? QJsonValue() : change.fromRoute},
                                 {QStringLiteral("to"), change.toRoute},
                                 {QStringLiteral("reason"), change.reason},
                                 {QStringLiteral("at"), change.at.toString(Qt::ISODateWithMs)}});
    if (!m_options.json)
        std::fprintf(m_options.out, "  optimal route of %s: %s -> %s (%s)\n", qUtf8Printable(change.provider),
                     change.fromRoute.isEmpty() ? "none" : qUtf8Printable(change.fromRoute),
                     qUtf8Printable(change.toRoute), qUtf8Printable(change.reason));
}

void HeadlessDemo::interrupt()
{
    if (!m_options.json)
        std::fprintf(m_options.out, "\ninterrupted: stopping the demo\n");
    finish(0);
}

QJsonObject HeadlessDemo::marginSummary() const
{
    // How the margins were obtained, and the losers' bytes against the bound overtime keeps
    // (docs/race-engine.md, "Margins"): threshold x (routes - 1) + 64 KiB per race.
    QJsonObject kinds;
    qint64 wasted = 0;
    qint64 bound = 0;
    int decided = 0;
    for (const QJsonValue &value : m_races) {
        const QJsonObject race = value.toObject();
        if (!race.value(QStringLiteral("ok")).toBool())
            continue;
        ++decided;
        const QString kind = race.value(QStringLiteral("margin_kind")).toString(QStringLiteral("none"));
        kinds.insert(kind, kinds.value(kind).toInt() + 1);
        wasted += race.value(QStringLiteral("wasted_bytes")).toInteger();
        const qint64 routes = race.value(QStringLiteral("routes")).toArray().size();
        bound += race.value(QStringLiteral("threshold_bytes")).toInteger() * std::max<qint64>(routes - 1, 0) + 64 * 1024;
    }
    return QJsonObject{{QStringLiteral("races"), decided},
                       {QStringLiteral("kinds"), kinds},
                       {QStringLiteral("measured_share"),
                        decided > 0 ? kinds.value(QStringLiteral("measured")).toInt() / double(decided) : 0.0},
                       {QStringLiteral("wasted_bytes"), wasted},
                       {QStringLiteral("wasted_bound_bytes"), bound}};
}

void HeadlessDemo::finish(int exitCode)
{
    if (m_done)
        return;
    m_done = true;
    const QJsonObject margins = marginSummary();
    if (m_options.json)
        std::fprintf(m_options.out, "%s\n",
                     QJsonDocument(QJsonObject{{QStringLiteral("races"), m_races},
                                               {QStringLiteral("route_changes"), m_changes},
                                               {QStringLiteral("margins"), margins}})
                         .toJson(QJsonDocument::Compact)
                         .constData());
    else if (margins.value(QStringLiteral("races")).toInt() > 0)
        std::fprintf(m_options.out, "\nmargins: %.0f%% measured of %d races; losers received %lld B (bound %lld B)\n",
                     margins.value(QStringLiteral("measured_share")).toDouble() * 100.0,
                     margins.value(QStringLiteral("races")).toInt(),
                     static_cast<long long>(margins.value(QStringLiteral("wasted_bytes")).toInteger()),
                     static_cast<long long>(margins.value(QStringLiteral("wasted_bound_bytes")).toInteger()));
    std::fflush(m_options.out);
    Q_EMIT finished(exitCode);
}

} // namespace relayrace::demo
