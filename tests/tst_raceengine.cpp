// The race engine over a real lab: the route cache, the three re-test triggers, the race object
// (requested or test object), non-idempotent requests, the budget, the history, the engine thread.
// Latencies make the winner known: direct 200 ms, via:fast 60 + 40 ms, via:slow 150 + 150 ms (round
// trips), tinyproxy at 20 ms from the edge but reaching the origin over the direct link.
#include "history/historystore.h"
#include "lab/content.h"
#include "lab/lab.h"
#include "lab/tinyproxyprocess.h"
#include "model/routechange.h"
#include "engine/enginehost.h"
#include "engine/localengine.h"
#include "engine/enginerequest.h"
#include "engine/raceengine.h"

#include <QBuffer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <functional>
#include <memory>

using namespace relayrace;
using namespace relayrace::lab;
using namespace relayrace::race;
using namespace relayrace::engine;

namespace {

const QByteArray kTopology = R"({"format": "relayrace-lab", "version": 1,
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

constexpr int kTimeoutMs = 60000; // for QTRY: a loaded 2-core machine must not fail the tests

struct Served
{
    ServeResult result;
    QByteArray body;
};

// A requested-object race whose winner is cut mid-body, as the engine and the lab saw it.
struct Interrupted
{
    Served served;
    QList<model::FailoverEvent> signalled; // RaceEngine::failover
    QList<QByteArray> logLines;               // the failover log file
    // relay:slow's answers for the object; they cross from the lab's thread while listener lives.
    std::shared_ptr<QList<RelayLogEntry>> slowRelayed = std::make_shared<QList<RelayLogEntry>>();
    std::unique_ptr<QObject> listener = std::make_unique<QObject>();
    qint64 elapsedMs = 0;

    int slowAnswers(int status) const
    {
        return int(std::count_if(slowRelayed->cbegin(), slowRelayed->cend(),
                                 [status](const RelayLogEntry &e) { return e.status == status; }));
    }
};

} // namespace

class TestRaceEngine final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void cachedRouteIsUsedWithoutRacingInsideItsTtl();
    void firstPeriodTriggerRacesOnlyOnceT1HasPassed();
    void secondPeriodTriggerRacesAgainOnceT2HasPassed();
    void requestCountTriggerRacesAfterNRequests();
    void expiredRouteIsRacedAgain();
    void requestedObjectRaceStreamsTheWinnersWholeBody();
    void testObjectRaceSendsTheRequestOverTheWinner();
    void headRequestIsRacedAsAHead();
    void racedRequestCarriesTheRequestersHeaders();
    void postIsNeverRacedAndSentExactlyOnce();
    void swappingImpairmentsSwapsTheWinnerAndRecordsTheChange();
    void raceBudgetSkipsRacesAndCountsThem();
    void manualRaceWhileOneRunsIsQueuedAndRunsAfter();
    void historyKeepsRacesAndRouteChanges();
    void raceRunsThroughTinyproxyAndHttps();
    void cachedRouteFailsOverAndTheEventIsLoggedAndStored();
    void racedWinnerResetMidBodyIsResumedOnTheNextRoute();
    void racedWinnerStalledMidBodyIsResumedAfterTheStallBound();
    void racedWinnerWithoutStrongValidatorFailsClearlyMidBody();
    void engineHostRunsTheEngineOnItsOwnThread();

private:
    map::RouteMap routeMap(const QString &provider, const std::function<void(map::RaceSettings &)> &settings = {},
                           QStringList regions = {QStringLiteral("fast"), QStringLiteral("slow")}) const;
    std::unique_ptr<RaceEngine> engine(EngineSettings settings = {}) const;
    Served serve(RaceEngine &engine, const ServeRequest &request) const;
    // An order through the engine: the id of the race it started, 0 when it was queued or refused.
    static quint64 raceNow(RaceEngine &engine, const QString &provider, const QString &path = QString(),
                           qint64 threshold = 0, model::Trigger trigger = model::Trigger::Manual);
    static ServeRequest get(const QString &provider, const QString &path);
    void impair(const QString &linkId, const std::function<void(Impairment &)> &change);
    // Races path on the requested object over via:fast (the winner) and via:slow, the winner's edge
    // link impaired by change from the start (its fault comes after the 64 KiB decision).
    Interrupted interruptedRace(const QString &path, const std::function<void(Impairment &)> &change);

    LabHost *m_host = nullptr;
    QList<QSslCertificate> m_ca;
    QHash<QString, Impairment> m_changed;
};

void TestRaceEngine::initTestCase()
{
    QVERIFY2(!TinyproxyProcess::executable().isEmpty(), "tinyproxy is not installed: bash packaging/install-deps.sh");
    auto topology = Topology::fromJson(kTopology);
    QVERIFY2(topology.ok(), qPrintable(topology.ok() ? QString() : topology.error()));
    m_host = new LabHost(std::move(topology).value(), this);
    QSignalSpy ready(m_host, &LabHost::ready);
    QSignalSpy failed(m_host, &LabHost::failed);
    m_host->start();
    QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 30000);
    QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString() : failed.first().first().toString()));
    m_ca = QSslCertificate::fromPath(m_host->endpoints().caFile);
    QCOMPARE(m_ca.size(), 1);
    qRegisterMetaType<RelayLogEntry>();
}

void TestRaceEngine::cleanupTestCase()
{
    delete m_host;
    m_host = nullptr;
}

void TestRaceEngine::cleanup()
{
    for (auto it = m_changed.cbegin(); it != m_changed.cend(); ++it) {
        QVERIFY(m_host->lab()->setLinkImpairment(it.key(), it.value()));
        QTRY_VERIFY_WITH_TIMEOUT(m_host->lab()->linkImpairment(it.key()) == it.value(), 5000);
    }
    m_changed.clear();
}

void TestRaceEngine::impair(const QString &linkId, const std::function<void(Impairment &)> &change)
{
    const std::optional<Impairment> before = m_host->lab()->linkImpairment(linkId);
    QVERIFY2(before.has_value(), qPrintable(linkId));
    if (!m_changed.contains(linkId))
        m_changed.insert(linkId, *before);
    Impairment after = *before;
    change(after);
    QVERIFY(m_host->lab()->setLinkImpairment(linkId, after));
    QTRY_VERIFY_WITH_TIMEOUT(m_host->lab()->linkImpairment(linkId) == after, 5000);
}

map::RouteMap TestRaceEngine::routeMap(const QString &provider, const std::function<void(map::RaceSettings &)> &settings,
                                       QStringList regions) const
{
    map::RouteMap m = m_host->routeMap(provider);
    m.alternates.clear();
    m.alternates.insert(QStringLiteral("default"), regions);
    // Tests set what they need; by default a race on the first request, nothing else for an hour.
    m.race.firstPeriodS = 0;
    m.race.retestAfterS = 3600;
    m.race.retestAfterRequests = 1000000;
    m.race.routeTtlS = 3600;
    m.race.thresholdBytes = 64 * 1024;
    if (settings)
        settings(m.race);
    return m;
}

std::unique_ptr<RaceEngine> TestRaceEngine::engine(EngineSettings settings) const
{
    settings.caCertificates = m_ca;
    auto e = std::make_unique<RaceEngine>(settings);
    e->initialize();
    return e;
}

quint64 TestRaceEngine::raceNow(RaceEngine &engine, const QString &provider, const QString &path, qint64 threshold,
                                model::Trigger trigger)
{
    QSignalSpy started(&engine, &RaceEngine::raceStarted); // emitted before raceNow returns when it starts
    engine.raceNow(RaceOrder{provider, path, threshold, trigger, 0});
    return started.isEmpty() ? 0 : started.first().first().value<RaceStart>().raceId;
}

ServeRequest TestRaceEngine::get(const QString &provider, const QString &path)
{
    ServeRequest request;
    request.provider = provider;
    request.path = path;
    return request;
}

Served TestRaceEngine::serve(RaceEngine &engine, const ServeRequest &request) const
{
    Served served;
    QBuffer sink(&served.body);
    sink.open(QIODevice::WriteOnly);
    EngineRequest *r = engine.serve(request, &sink);
    QSignalSpy finished(r, &EngineRequest::finished);
    [&] { QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs); }();
    if (!finished.isEmpty())
        served.result = finished.first().first().value<ServeResult>();
    return served;
}

void TestRaceEngine::cachedRouteIsUsedWithoutRacingInsideItsTtl()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    QSignalSpy started(e.get(), &RaceEngine::raceStarted);
    const Served first = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/ttl?size=100000")));
    QVERIFY2(first.result.ok, qPrintable(first.result.error));
    QVERIFY(first.result.raced);
    QCOMPARE(first.result.trigger, model::Trigger::T1); // T1 = 0: the first request races
    QCOMPARE(first.result.route, QStringLiteral("via:fast"));
    for (int i = 0; i < 5; ++i) {
        const Served next = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/ttl?size=100000")));
        QVERIFY2(next.result.ok, qPrintable(next.result.error));
        QVERIFY(!next.result.raced);
        QCOMPARE(next.result.route, QStringLiteral("via:fast"));
        QCOMPARE(next.body.size(), 100000);
    }
    QCOMPARE(started.size(), 1);
    const ProviderSnapshot snapshot = e->snapshot(QStringLiteral("plain"));
    QCOMPARE(snapshot.optimalRoute, QStringLiteral("via:fast"));
    QCOMPARE(snapshot.requests, 6);
    QCOMPARE(snapshot.races, 1);
}

void TestRaceEngine::firstPeriodTriggerRacesOnlyOnceT1HasPassed()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.firstPeriodS = 1; }));
    QElapsedTimer clock;
    clock.start();
    const Served before = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t1?size=1000")));
    QVERIFY2(before.result.ok, qPrintable(before.result.error));
    if (clock.elapsed() < 900) {
        QVERIFY(!before.result.raced);
        QCOMPARE(before.result.route, QStringLiteral("direct")); // no race yet: map order
    }
    // The first period is measured from the first request; waiting for it is the behaviour under test.
    QTest::qWait(1100);
    const Served after = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t1?size=1000")));
    QVERIFY2(after.result.ok, qPrintable(after.result.error));
    QVERIFY(after.result.raced);
    QCOMPARE(after.result.trigger, model::Trigger::T1);
    QCOMPARE(after.result.route, QStringLiteral("via:fast"));
}

void TestRaceEngine::secondPeriodTriggerRacesAgainOnceT2HasPassed()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.retestAfterS = 1; }));
    QVERIFY(serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t2?size=1000"))).result.raced);
    QElapsedTimer clock;
    clock.start();
    const Served soon = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t2?size=1000")));
    if (clock.elapsed() < 900)
        QVERIFY(!soon.result.raced);
    QTest::qWait(1100);
    const Served later = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/t2?size=1000")));
    QVERIFY(later.result.raced);
    QCOMPARE(later.result.trigger, model::Trigger::T2);
}

void TestRaceEngine::requestCountTriggerRacesAfterNRequests()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.retestAfterRequests = 3; }));
    QStringList triggers;
    for (int i = 0; i < 9; ++i) {
        const Served s = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/n?size=1000")));
        QVERIFY2(s.result.ok, qPrintable(s.result.error));
        triggers.append(s.result.raced ? model::triggerName(s.result.trigger) : QStringLiteral("-"));
    }
    // The first request races (T1 = 0); then the 3rd request received since the last race races.
    QCOMPARE(triggers.join(u' '), QStringLiteral("t1 - - n - - n - -"));
}

void TestRaceEngine::expiredRouteIsRacedAgain()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.routeTtlS = 1; }));
    QVERIFY(serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/ttl2?size=1000"))).result.raced);
    QTest::qWait(1100);
    QCOMPARE(e->snapshot(QStringLiteral("plain")).optimalRoute, QString()); // claim 2: used at most the TTL
    const Served again = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/ttl2?size=1000")));
    QVERIFY(again.result.raced);
    QCOMPARE(again.result.trigger, model::Trigger::Ttl);
}

void TestRaceEngine::requestedObjectRaceStreamsTheWinnersWholeBody()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    constexpr qint64 size = 3 * 1024 * 1024 + 17;
    const QString path = QStringLiteral("/obj/whole?size=%1").arg(size);
    const Served s = serve(*e, get(QStringLiteral("plain"), path));
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(s.result.raced);
    QCOMPARE(s.result.bytes, size);
    QCOMPARE(s.body.size(), size);
    QCOMPARE(QCryptographicHash::hash(s.body, QCryptographicHash::Sha256).toHex(),
             contentSha256("/obj/whole", size, 0));
}

void TestRaceEngine::headRequestIsRacedAsAHead()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    ServeRequest head = get(QStringLiteral("plain"), QStringLiteral("/obj/head?size=500000"));
    head.method = QByteArrayLiteral("HEAD");
    const Served s = serve(*e, head);
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(s.result.raced);
    QCOMPARE(s.result.httpStatus, 200);
    QCOMPARE(s.result.bytes, 0); // raced as a GET, the winner's 500,000 bytes would be here
    QVERIFY(s.body.isEmpty());
}

void TestRaceEngine::racedRequestCarriesTheRequestersHeaders()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    // A conditional GET: the origin answers 304 only if the race sends the requester's header.
    ServeRequest conditional = get(QStringLiteral("plain"), QStringLiteral("/obj/cond?size=300000"));
    conditional.headers = {{QByteArrayLiteral("If-None-Match"), QByteArrayLiteral("*")},
                           {QByteArrayLiteral("Range"), QByteArrayLiteral("bytes=0-9")}}; // the race's own: not sent
    const Served s = serve(*e, conditional);
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(s.result.raced);
    QCOMPARE(s.result.httpStatus, 304);
    QCOMPARE(s.result.bytes, 0);
}

void TestRaceEngine::testObjectRaceSendsTheRequestOverTheWinner()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) {
        s.object = map::RaceSettings::Object::TestObject;
    }));
    QSignalSpy started(e.get(), &RaceEngine::raceStarted);
    const Served s = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/after-test?size=5000")));
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(s.result.raced);
    QCOMPARE(s.result.route, QStringLiteral("via:fast"));
    QCOMPARE(started.size(), 1);
    const RaceStart info = started.first().first().value<RaceStart>();
    QVERIFY(info.testObject);
    QCOMPARE(info.object, m_host->endpoints().provider(QStringLiteral("plain"))->testObject);
    QCOMPARE(QCryptographicHash::hash(s.body, QCryptographicHash::Sha256).toHex(),
             contentSha256("/obj/after-test", 5000, 0));
    QTRY_VERIFY_WITH_TIMEOUT(e->snapshot(QStringLiteral("plain")).raceBytesTestObject > 0, kTimeoutMs);
    QCOMPARE(e->snapshot(QStringLiteral("plain")).raceBytesRequested, 0);
}

void TestRaceEngine::postIsNeverRacedAndSentExactlyOnce()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    // T1 = 0 would race this request if it were a GET.
    QSignalSpy started(e.get(), &RaceEngine::raceStarted);
    // Earlier tests' last requests (a loser's re-warm-up) may still be landing at the origin: count
    // from a moment it has been quiet for a second.
    OriginStats before = *m_host->lab()->originStats(QStringLiteral("plain"));
    QElapsedTimer quiet;
    quiet.start();
    QElapsedTimer settling;
    settling.start();
    while (quiet.elapsed() < 1000 && settling.elapsed() < kTimeoutMs) {
        QTest::qWait(50);
        const OriginStats now = *m_host->lab()->originStats(QStringLiteral("plain"));
        if (now.requests != before.requests) {
            before = now;
            quiet.restart();
        }
    }
    ServeRequest post = get(QStringLiteral("plain"), QStringLiteral("/echo"));
    post.method = "POST";
    post.body = QByteArray(10000, 'p');
    post.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/octet-stream")});
    const Served s = serve(*e, post);
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(!s.result.raced);
    QCOMPARE(started.size(), 0);
    QCOMPARE(s.result.route, QStringLiteral("direct")); // no optimal route yet: map order
    QTRY_COMPARE_WITH_TIMEOUT(m_host->lab()->originStats(QStringLiteral("plain"))->requests, before.requests + 1, 5000);
    QTest::qWait(300); // a duplicate would have arrived by now
    QCOMPARE(m_host->lab()->originStats(QStringLiteral("plain"))->requests, before.requests + 1);
}

void TestRaceEngine::swappingImpairmentsSwapsTheWinnerAndRecordsTheChange()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
    QSignalSpy changed(e.get(), &RaceEngine::routeChanged);
    QVERIFY(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/swap?size=200000")) > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    QCOMPARE(finished.at(0).at(1).value<model::RaceResult>().winner, QStringLiteral("via:fast"));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).first().value<model::RouteChange>().toRoute, QStringLiteral("via:fast"));

    // Swap: the fast region becomes the slowest, the slow one the fastest.
    impair(QStringLiteral("edge>relay:fast"), [](Impairment &i) { i.latencyMs = 400; });
    impair(QStringLiteral("edge>relay:slow"), [](Impairment &i) { i.latencyMs = 10; });
    impair(QStringLiteral("relay:slow>origin:plain"), [](Impairment &i) { i.latencyMs = 10; });
    // The new best wins at once; the route follows after one race when the incumbent's margin was
    // measured (> 10%), or after two in a row when the incumbent had no byte yet at the decision.
    for (int race = 2; race <= 3 && changed.size() < 2; ++race) {
        QVERIFY(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/swap?size=200000")) > 0);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), race, kTimeoutMs);
        QCOMPARE(finished.at(race - 1).at(1).value<model::RaceResult>().winner, QStringLiteral("via:slow"));
    }
    QCOMPARE(changed.size(), 2);
    const auto change = changed.at(1).first().value<model::RouteChange>();
    QCOMPARE(change.fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(change.toRoute, QStringLiteral("via:slow"));
    QVERIFY2(change.marginPct > 10 || change.reason.contains(QStringLiteral("not measurable")), qPrintable(change.reason));
    QCOMPARE(e->snapshot(QStringLiteral("plain")).optimalRoute, QStringLiteral("via:slow"));
}

void TestRaceEngine::manualRaceWhileOneRunsIsQueuedAndRunsAfter()
{
    auto e = engine();
    e->setMap(routeMap(QStringLiteral("plain")));
    QSignalSpy started(e.get(), &RaceEngine::raceStarted);
    QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
    QSignalSpy queued(e.get(), &RaceEngine::raceQueued);
    QSignalSpy refused(e.get(), &RaceEngine::raceRefused);
    QVERIFY(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/first?size=100000")) > 0);
    for (int i = 1; i <= RaceEngine::kMaxQueuedManualRaces; ++i)
        QCOMPARE(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/queued%1?size=100000").arg(i)), quint64(0));
    QCOMPARE(queued.size(), RaceEngine::kMaxQueuedManualRaces);
    QCOMPARE(queued.last().at(2).toInt(), RaceEngine::kMaxQueuedManualRaces);
    // One more than the queue holds is refused, saying why.
    QCOMPARE(raceNow(*e, QStringLiteral("plain"), QStringLiteral("/obj/one-too-many")), quint64(0));
    QCOMPARE(refused.size(), 1);
    QVERIFY2(refused.first().first().value<RaceRefusal>().reason.contains(QStringLiteral("already waiting")), qPrintable(refused.first().first().value<RaceRefusal>().reason));
    // A scheduled race is not queued: it is skipped while one runs.
    QCOMPARE(raceNow(*e, QStringLiteral("plain"), QString(), 0, model::Trigger::Schedule), quint64(0));
    QCOMPARE(refused.size(), 2);
    // The queue runs in order, one race after the other.
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1 + RaceEngine::kMaxQueuedManualRaces, kTimeoutMs);
    QCOMPARE(started.size(), 1 + RaceEngine::kMaxQueuedManualRaces);
    for (int i = 1; i <= RaceEngine::kMaxQueuedManualRaces; ++i) {
        const RaceStart info = started.at(i).first().value<RaceStart>();
        QCOMPARE(info.object, QStringLiteral("/obj/queued%1").arg(i));
        QCOMPARE(info.trigger, model::Trigger::Manual);
    }
}

void TestRaceEngine::raceBudgetSkipsRacesAndCountsThem()
{
    EngineSettings settings;
    settings.maxRacesPerMinute = 2;
    auto e = engine(settings);
    e->setMap(routeMap(QStringLiteral("plain")));
    QSignalSpy refused(e.get(), &RaceEngine::raceRefused);
    QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
    QVERIFY(raceNow(*e, QStringLiteral("plain")) > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    QVERIFY(raceNow(*e, QStringLiteral("plain")) > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, kTimeoutMs);
    QCOMPARE(raceNow(*e, QStringLiteral("plain")), quint64(0));
    QCOMPARE(refused.size(), 1);
    QVERIFY2(refused.first().first().value<RaceRefusal>().reason.contains(QStringLiteral("budget")), qPrintable(refused.first().first().value<RaceRefusal>().reason));
    QCOMPARE(e->snapshot(QStringLiteral("plain")).racesSkippedByBudget, 1);
    // A request that would race is served over the cached route instead.
    e->setMap(routeMap(QStringLiteral("plain"), [](map::RaceSettings &s) { s.retestAfterRequests = 1; }));
    const Served s = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/budget?size=1000")));
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(!s.result.raced);
    QCOMPARE(s.result.route, QStringLiteral("via:fast"));
    QCOMPARE(e->snapshot(QStringLiteral("plain")).racesSkippedByBudget, 2);
}

void TestRaceEngine::historyKeepsRacesAndRouteChanges()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EngineSettings settings;
    settings.historyPath = dir.filePath(QStringLiteral("history.sqlite"));
    {
        auto e = engine(settings);
        QVERIFY2(e->historyError().isEmpty(), qPrintable(e->historyError()));
        e->setMap(routeMap(QStringLiteral("plain")));
        QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
        for (int i = 1; i <= 3; ++i) {
            QVERIFY(raceNow(*e, QStringLiteral("plain")) > 0);
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), i, kTimeoutMs);
        }
    }
    // A new store on the same file: what the console reads after a restart.
    auto store = history::HistoryStore::open(settings.historyPath);
    QVERIFY2(store.ok(), qPrintable(store.ok() ? QString() : store.error()));
    const QDateTime from = QDateTime::currentDateTimeUtc().addSecs(-3600);
    const QDateTime to = QDateTime::currentDateTimeUtc().addSecs(60);
    const auto stored = (*store)->recentRaces(QStringLiteral("plain"), 10);
    QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error()));
    const QList<model::RaceResult> races = *stored;
    QCOMPARE(races.size(), 3);
    for (const model::RaceResult &r : races) {
        QCOMPARE(r.winner, QStringLiteral("via:fast"));
        QCOMPARE(r.routes.size(), 3);
        QCOMPARE(r.trigger, model::Trigger::Manual);
    }
    const auto storedChanges = (*store)->routeChanges(QStringLiteral("plain"), from, to);
    QVERIFY(storedChanges.ok());
    const QList<model::RouteChange> changes = *storedChanges;
    QCOMPARE(changes.size(), 1);
    QCOMPARE(changes.first().toRoute, QStringLiteral("via:fast"));
}

void TestRaceEngine::raceRunsThroughTinyproxyAndHttps()
{
    auto e = engine();
    // tinyproxy reaches the origin over the direct link: make that link quick so it can win.
    impair(QStringLiteral("edge>origin:secure"), [](Impairment &i) { i.latencyMs = 5; });
    map::RouteMap m = routeMap(QStringLiteral("secure"), {}, {QStringLiteral("tp"), QStringLiteral("slow")});
    m.direct = false; // tinyproxy's path starts 20 ms further than the direct one: it races the slow region
    e->setMap(m);
    QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
    QVERIFY(raceNow(*e, QStringLiteral("secure"), QStringLiteral("/obj/tp?size=300000")) > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    const model::RaceResult result = finished.first().at(1).value<model::RaceResult>();
    QVERIFY2(result.ok(), qPrintable(result.error));
    const model::RouteOutcome *tp = result.route(QStringLiteral("via:tp"));
    QVERIFY(tp);
    QVERIFY2(tp->error.isEmpty(), qPrintable(tp->error));
    QVERIFY2(tp->bytes > 0, "the real tinyproxy relayed the https race (CONNECT) with verification on");
    QCOMPARE(tp->httpStatus, 200);
    QCOMPARE(result.winner, QStringLiteral("via:tp"));
}

void TestRaceEngine::cachedRouteFailsOverAndTheEventIsLoggedAndStored()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EngineSettings settings;
    settings.historyPath = dir.filePath(QStringLiteral("history.sqlite"));
    settings.failoverLogPath = dir.filePath(QStringLiteral("failover.jsonl"));
    auto e = engine(settings);
    e->setMap(routeMap(QStringLiteral("plain")));
    QVERIFY(serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/fo?size=1000"))).result.raced);
    QCOMPARE(e->snapshot(QStringLiteral("plain")).optimalRoute, QStringLiteral("via:fast"));
    QSignalSpy failovers(e.get(), &RaceEngine::failover);
    // Cut: no new connections, and the kept-alive ones reset at their next byte.
    impair(QStringLiteral("edge>relay:fast"), [](Impairment &i) {
        i.refuse = true;
        i.resetAfterBytes = 0;
    });
    constexpr qint64 size = 500000;
    const Served s = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/fo?size=%1").arg(size)));
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(!s.result.raced);
    QVERIFY(s.result.route != u"via:fast");
    QCOMPARE(QCryptographicHash::hash(s.body, QCryptographicHash::Sha256).toHex(), contentSha256("/obj/fo", size, 0));
    QVERIFY(!s.result.failovers.isEmpty());
    QCOMPARE(s.result.failovers.first().fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(failovers.size(), s.result.failovers.size());
    // The same event in the JSON-lines log and in the history.
    QFile log(settings.failoverLogPath);
    QVERIFY(log.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = log.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), s.result.failovers.size());
    QJsonParseError error{};
    const QJsonObject line = QJsonDocument::fromJson(lines.first(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(line.value(QStringLiteral("from_route")).toString(), QStringLiteral("via:fast"));
    history::FailoverQuery query;
    query.provider = QStringLiteral("plain");
    const auto stored = e->history()->failovers(query);
    QVERIFY(stored.ok());
    QCOMPARE(stored->size(), s.result.failovers.size());
    QCOMPARE(stored->first().fromRoute, QStringLiteral("via:fast"));
}

Interrupted TestRaceEngine::interruptedRace(const QString &path, const std::function<void(Impairment &)> &change)
{
    Interrupted out;
    QTemporaryDir dir;
    EngineSettings settings;
    settings.failoverLogPath = dir.filePath(QStringLiteral("failover.jsonl"));
    auto e = engine(settings);
    map::RouteMap m = routeMap(QStringLiteral("plain"));
    m.direct = false; // via:fast wins (100 ms vs 300 ms); via:slow is the only other route
    e->setMap(m);
    impair(QStringLiteral("edge>relay:fast"), change);
    const QString object = path.left(path.indexOf(u'?'));
    connect(m_host->lab(), &Lab::relayed, out.listener.get(),
            [list = out.slowRelayed, object](const QString &region, const RelayLogEntry &entry) {
                if (region == u"slow" && entry.target.contains(object))
                    list->append(entry);
            });
    QSignalSpy failovers(e.get(), &RaceEngine::failover);
    QElapsedTimer clock;
    clock.start();
    out.served = serve(*e, get(QStringLiteral("plain"), path));
    out.elapsedMs = clock.elapsed();
    for (const QList<QVariant> &args : std::as_const(failovers))
        out.signalled.append(args.first().value<model::FailoverEvent>());
    QFile log(settings.failoverLogPath);
    if (log.open(QIODevice::ReadOnly))
        out.logLines = log.readAll().trimmed().split('\n');
    return out;
}

void TestRaceEngine::racedWinnerResetMidBodyIsResumedOnTheNextRoute()
{
    constexpr qint64 size = 2 * 1024 * 1024 + 5;
    const Interrupted run = interruptedRace(QStringLiteral("/obj/won-reset?size=%1").arg(size),
                                            [](Impairment &i) { i.resetAfterBytes = 400'000; });
    const ServeResult &r = run.served.result;
    QVERIFY2(r.ok, qPrintable(r.error));
    QVERIFY(r.raced);
    QCOMPARE(r.route, QStringLiteral("via:slow"));
    QCOMPARE(r.bytes, size);
    QCOMPARE(r.httpStatus, 200);
    QCOMPARE(QCryptographicHash::hash(run.served.body, QCryptographicHash::Sha256).toHex(),
             contentSha256("/obj/won-reset", size, 0));
    QCOMPARE(r.failovers.size(), 1);
    const model::FailoverEvent &e = r.failovers.first();
    QCOMPARE(e.fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(e.toRoute, QStringLiteral("via:slow"));
    QCOMPARE(e.reason, QStringLiteral("reset"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Resumed);
    QVERIFY2(e.bytesDelivered >= 64 * 1024 && e.bytesDelivered < 400'000,
             qPrintable(QString::number(e.bytesDelivered)));
    QCOMPARE(e.resumeOffset, e.bytesDelivered);
    QVERIFY(e.recoverMs > 0);
    // The engine's signal and its failover log carry the same event.
    QCOMPARE(run.signalled.size(), 1);
    QCOMPARE(run.signalled.first().resumeOffset, e.resumeOffset);
    QCOMPARE(run.logLines.size(), 1);
    const QJsonObject line = QJsonDocument::fromJson(run.logLines.first()).object();
    QCOMPARE(line.value(QStringLiteral("from_route")).toString(), QStringLiteral("via:fast"));
    QCOMPARE(line.value(QStringLiteral("to_route")).toString(), QStringLiteral("via:slow"));
    QCOMPARE(line.value(QStringLiteral("outcome")).toString(), QStringLiteral("resumed"));
    QCOMPARE(line.value(QStringLiteral("resume_offset")).toInteger(), e.resumeOffset);
    // At the lab: relay:slow carried one 206 with the remainder only (its bytes: the head and size - K).
    QTRY_COMPARE_WITH_TIMEOUT(run.slowAnswers(206), 1, 5000);
    const RelayLogEntry partial = *std::find_if(run.slowRelayed->cbegin(), run.slowRelayed->cend(),
                                                [](const RelayLogEntry &entry) { return entry.status == 206; });
    QVERIFY2(partial.bytesDown > size - e.resumeOffset && partial.bytesDown < size - e.resumeOffset + 1024,
             qPrintable(QString::number(partial.bytesDown)));
    qInfo("reset: %lld B streamed by the winner, resumed at %lld on via:slow (relay sent %lld B), head after "
          "%.1f ms, whole request %lld ms",
          e.bytesDelivered, e.resumeOffset, partial.bytesDown, e.recoverMs, run.elapsedMs);
}

void TestRaceEngine::racedWinnerStalledMidBodyIsResumedAfterTheStallBound()
{
    constexpr qint64 size = 2 * 1024 * 1024;
    const Interrupted run = interruptedRace(QStringLiteral("/obj/won-stall?size=%1").arg(size),
                                            [](Impairment &i) { i.stallAfterBytes = 400'000; });
    const ServeResult &r = run.served.result;
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.route, QStringLiteral("via:slow"));
    QCOMPARE(r.bytes, size);
    QCOMPARE(QCryptographicHash::hash(run.served.body, QCryptographicHash::Sha256).toHex(),
             contentSha256("/obj/won-stall", size, 0));
    QCOMPARE(r.failovers.size(), 1);
    const model::FailoverEvent &e = r.failovers.first();
    QCOMPARE(e.fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(e.reason, QStringLiteral("stall"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Resumed);
    QVERIFY(e.resumeOffset >= 64 * 1024 && e.resumeOffset < 400'000);
    QCOMPARE(run.signalled.size(), 1);
    QCOMPARE(run.logLines.size(), 1);
    // The bound is the adaptive one (4 x the winner's race TTFB, at least 250 ms), not the race timeout.
    static const QRegularExpression bound(QStringLiteral("no body bytes for (\\d+) ms \\(the stall bound"));
    const QRegularExpressionMatch match = bound.match(e.detail);
    QVERIFY2(match.hasMatch(), qPrintable(e.detail));
    const int boundMs = match.captured(1).toInt();
    QVERIFY2(boundMs >= 250 && boundMs < 5000, qPrintable(e.detail));
    QVERIFY2(run.elapsedMs >= boundMs, qPrintable(QString::number(run.elapsedMs)));
    QVERIFY2(run.elapsedMs < 20000, qPrintable(QString::number(run.elapsedMs))); // the race timeout is 30 s
    qInfo("stall: bound %d ms, resumed at %lld on via:slow, head after %.1f ms, whole request %lld ms", boundMs,
          e.resumeOffset, e.recoverMs, run.elapsedMs);
}

void TestRaceEngine::racedWinnerWithoutStrongValidatorFailsClearlyMidBody()
{
    constexpr qint64 size = 2'000'000;
    // /dynamic: a new body on every request, no ETag, no Last-Modified, no Accept-Ranges.
    const Interrupted run = interruptedRace(QStringLiteral("/dynamic?size=%1").arg(size),
                                            [](Impairment &i) { i.resetAfterBytes = 400'000; });
    const ServeResult &r = run.served.result;
    QVERIFY(!r.ok);
    QVERIFY(r.raced);
    QVERIFY2(r.error.contains(QStringLiteral("via:fast")) && r.error.contains(QStringLiteral("strong validator")),
             qPrintable(r.error));
    QCOMPARE(r.bytes, qint64(run.served.body.size())); // what the requester really has
    QVERIFY2(r.bytes >= 64 * 1024 && r.bytes < 400'000, qPrintable(QString::number(r.bytes)));
    QCOMPARE(r.failovers.size(), 1);
    const model::FailoverEvent &e = r.failovers.first();
    QCOMPARE(e.fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(e.toRoute, QString());
    QCOMPARE(e.reason, QStringLiteral("not_resumable"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Failed);
    QCOMPARE(e.bytesDelivered, r.bytes);
    QCOMPARE(run.logLines.size(), 1);
    QCOMPARE(run.slowAnswers(206), 0); // no other route was asked for the rest
    qInfo("no validator: %lld B delivered, then: %s", r.bytes, qPrintable(r.error));
}

void TestRaceEngine::engineHostRunsTheEngineOnItsOwnThread()
{
    EngineSettings settings;
    settings.caCertificates = m_ca;
    {
        EngineHost host(settings);
        QVERIFY(host.engine()->thread() != QThread::currentThread());
    }
    // The front drivers use: calls hop to the engine's thread, values come back, the mirror follows.
    LocalEngine front(settings);
    QSignalSpy started(&front, &EngineFront::raceStarted);
    QSignalSpy finished(&front, &EngineFront::raceFinished);
    QSignalSpy snapshots(&front, &EngineFront::providerChanged);
    front.setMap(routeMap(QStringLiteral("plain")), QStringLiteral("lab (unsigned)"));
    const quint64 order = front.raceNow(RaceOrder{QStringLiteral("plain"), QString(), 0, model::Trigger::Manual, 0});
    QVERIFY(order > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    QCOMPARE(started.size(), 1);
    const RaceStart start = started.first().first().value<RaceStart>();
    QCOMPARE(start.orderId, order);
    QCOMPARE(finished.first().at(0).toULongLong(), start.raceId);
    QCOMPARE(finished.first().at(1).value<model::RaceResult>().winner, QStringLiteral("via:fast"));
    QTRY_VERIFY_WITH_TIMEOUT(!snapshots.isEmpty() &&
                                 snapshots.last().first().value<ProviderSnapshot>().optimalRoute == u"via:fast",
                             kTimeoutMs);
    QCOMPARE(front.snapshot(QStringLiteral("plain")).optimalRoute, QStringLiteral("via:fast"));
    QCOMPARE(front.snapshot(QStringLiteral("plain")).mapTrust, QStringLiteral("lab (unsigned)"));
    QCOMPARE(front.providers(), QStringList{QStringLiteral("plain")});
    QVERIFY(front.routeMap(QStringLiteral("plain")).has_value());
}

QTEST_GUILESS_MAIN(TestRaceEngine)
#include "tst_raceengine.moc"
