#include "headlessdemo.h"

#include "lab/lab.h"
#include "log/logging.h"
#include "policy/routechange.h"
#include "race/raceengine.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSslCertificate>
#include <QTimer>

namespace relayrace::lab {
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
    auto topology = demoTopology();
    if (!topology) {
        std::fprintf(stderr, "relayrace demo: %s\n", qUtf8Printable(topology.error()));
        finish(1);
        return;
    }
    m_host = new LabHost(std::move(topology).value(), this);
    connect(m_host, &LabHost::ready, this, &HeadlessDemo::onLabReady);
    connect(m_host, &LabHost::failed, this, [this](const QString &error) {
        std::fprintf(stderr, "relayrace demo: the demo lab did not start: %s\n", qUtf8Printable(error));
        finish(1);
    });
    m_host->start();
}

void HeadlessDemo::onLabReady(const LabEndpoints &endpoints)
{
    race::EngineSettings settings;
    if (!endpoints.caFile.isEmpty())
        settings.caCertificates = QSslCertificate::fromPath(endpoints.caFile);
    settings.raceTimeout = std::chrono::seconds(15);
    settings.maxRacesPerMinute = 0;
    m_engine = std::make_unique<race::RaceEngine>(settings);
    m_engine->initialize();
    connect(m_engine.get(), &race::RaceEngine::raceFinished, this,
            [this](quint64 id, const race::RaceResult &result) {
                m_pending.remove(id);
                onRaceFinished(result);
            });
    connect(m_engine.get(), &race::RaceEngine::routeChanged, this, &HeadlessDemo::onRouteChanged);
    for (const LabEndpoints::Provider &provider : endpoints.providers) {
        m_engine->setMap(m_host->routeMap(provider.place.id));
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
    for (const QString &provider : std::as_const(m_providers)) {
        const quint64 id = m_engine->raceNow(provider, QString(), 0, QStringLiteral("demo"));
        if (id)
            m_pending.insert(id);
    }
    if (m_pending.isEmpty())
        finish(1);
}

void HeadlessDemo::onRaceFinished(const race::RaceResult &result)
{
    QJsonObject json = race::toJson(result);
    json.insert(QStringLiteral("round"), m_round);
    m_races.append(json);
    if (!m_options.json) {
        std::fprintf(m_options.out, "  %s %s: ", qUtf8Printable(result.provider), qUtf8Printable(result.object));
        if (result.ok())
            std::fprintf(m_options.out, "%s won in %.1f ms (margin >= %.1f ms, wasted %lld B)\n",
                         qUtf8Printable(result.winner), result.route(result.winner)->timeToThresholdMs,
                         result.marginMs, static_cast<long long>(result.wastedBytes));
        else
            std::fprintf(m_options.out, "no winner: %s\n", qUtf8Printable(result.error));
        const auto ms = [](double v) { return v < 0 ? QStringLiteral("-") : QString::number(v, 'f', 1); };
        for (const race::RouteOutcome &route : result.routes)
            std::fprintf(m_options.out, "    %-12s %-6s ttfb %7s ms  to N %7s ms  %8lld B %s\n",
                         qUtf8Printable(route.routeId), qUtf8Printable(race::stateName(route.state)),
                         qUtf8Printable(ms(route.ttfbMs)), qUtf8Printable(ms(route.timeToThresholdMs)),
                         static_cast<long long>(route.bytes), qUtf8Printable(route.error));
    }
    std::fflush(m_options.out);
    // Not from inside the engine's signal: its route change for this race comes right after.
    if (m_pending.isEmpty())
        QTimer::singleShot(kPauseMs, this, &HeadlessDemo::runRound);
}

void HeadlessDemo::onRouteChanged(const policy::RouteChange &change)
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

void HeadlessDemo::finish(int exitCode)
{
    if (m_done)
        return;
    m_done = true;
    if (m_options.json)
        std::fprintf(m_options.out, "%s\n",
                     QJsonDocument(QJsonObject{{QStringLiteral("races"), m_races},
                                               {QStringLiteral("route_changes"), m_changes}})
                         .toJson(QJsonDocument::Compact)
                         .constData());
    std::fflush(m_options.out);
    Q_EMIT finished(exitCode);
}

} // namespace relayrace::lab
