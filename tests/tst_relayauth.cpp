// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Relays that want credentials: Debian's squid (stock squid.conf plus basic_ncsa_auth) and tinyproxy
// (BasicAuth), the credentials from a secrets file the map never carries. With them, races and the
// map maker go through (plain http with a preemptive Proxy-Authorization, https tunnels through Qt's
// proxy); without them, or with wrong ones, the relay's 407 is that route's failure, naming it.
#include "support/enginelab.h"
#include "support/makemapnow.h"

#include "map/mapcodec.h"
#include "map/mapmaker.h"

#include <QCoroTask>
#include <QTemporaryDir>

using namespace relayrace;
using namespace Qt::StringLiterals;

namespace {

const QByteArray kTopology = R"({"format": "relayrace-lab", "version": 1,
  "providers": [{"id": "plain", "scheme": "http"}, {"id": "secure", "scheme": "https"}],
  "regions": [{"id": "sq", "relay": "squid", "relay_auth": {"user": "edge-sin", "password": "s3cret.pw"}},
              {"id": "tpa", "relay": "tinyproxy", "relay_auth": {"user": "edge-sin", "password": "tiny-pw"}}],
  "links": [{"from": "edge", "to": "origin:plain", "latency_ms": 10}, {"from": "edge", "to": "origin:secure", "latency_ms": 10},
            {"from": "edge", "to": "relay:sq", "latency_ms": 5}, {"from": "edge", "to": "relay:tpa", "latency_ms": 5}]})";

} // namespace

class TestRelayAuth final : public QObject, public testsupport::EngineLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { m_lab.stop(); }
    void racesGoThroughRelaysThatWantCredentials_data();
    void racesGoThroughRelaysThatWantCredentials();
    void mapMakerSendsTheCredentials();

private:
    RelayCredentialMap credentials(const QString &squidPassword, const QString &tinyproxyPassword) const;
    model::RaceResult race(const RelayCredentialMap &credentials, const QString &provider, const QString &region);
};

void TestRelayAuth::initTestCase()
{
    RELAYRACE_VERIFY_OK(m_lab.start(kTopology));
}

RelayCredentialMap TestRelayAuth::credentials(const QString &squidPassword, const QString &tinyproxyPassword) const
{
    RelayCredentialMap out;
    if (!squidPassword.isEmpty())
        out.insert(relayCredentialsKey(m_lab.endpoints().region(u"sq"_s)->relayUrl), {u"edge-sin"_s, squidPassword});
    if (!tinyproxyPassword.isEmpty())
        out.insert(relayCredentialsKey(m_lab.endpoints().region(u"tpa"_s)->relayUrl), {u"edge-sin"_s, tinyproxyPassword});
    return out;
}

model::RaceResult TestRelayAuth::race(const RelayCredentialMap &credentials, const QString &provider, const QString &region)
{
    engine::EngineSettings settings;
    settings.relayCredentials = credentials;
    auto e = engine(settings);
    map::RouteMap m = routeMap(provider, {}, {region});
    m.direct = false;
    e->setMap(m);
    QSignalSpy finished(e.get(), &engine::RaceEngine::raceFinished);
    if (raceNow(*e, provider, u"/obj/auth?size=200000"_s) == 0)
        return {};
    if (!QTest::qWaitFor([&] { return !finished.isEmpty(); }, testsupport::kTimeoutMs))
        return {};
    return finished.first().at(1).value<model::RaceResult>();
}

void TestRelayAuth::racesGoThroughRelaysThatWantCredentials_data()
{
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("region");
    QTest::addColumn<QString>("wrongSays"); // what the route's error says with wrong credentials
    const QString wants = u"the relay wants credentials it was not given or refused them (407 Proxy Authentication Required)"_s;
    // Stock squid tunnels to port 443 only, so https goes through tinyproxy (CONNECT with Qt's proxy).
    // tinyproxy 1.11 answers wrong credentials with 401, not 407: its own answer, named as such.
    QTest::newRow("squid, http") << u"plain"_s << u"sq"_s << wants;
    QTest::newRow("tinyproxy, http") << u"plain"_s << u"tpa"_s << u"the relay answered 401 Unauthorized itself (Server: tinyproxy"_s;
    QTest::newRow("tinyproxy, https") << u"secure"_s << u"tpa"_s << u"Error communicating with HTTP proxy"_s;
}

void TestRelayAuth::racesGoThroughRelaysThatWantCredentials()
{
    QFETCH(QString, provider);
    QFETCH(QString, region);
    QFETCH(QString, wrongSays);
    const QString route = u"via:"_s + region;
    const QString wants = u"the relay wants credentials it was not given or refused them (407 Proxy Authentication Required)"_s;

    const model::RaceResult good = race(credentials(u"s3cret.pw"_s, u"tiny-pw"_s), provider, region);
    QVERIFY2(good.ok(), qPrintable(good.error));
    QCOMPARE(good.winner, route);
    QCOMPARE(good.route(route)->httpStatus, 200);

    for (const auto &[name, given, says] : {std::tuple{"none", credentials({}, {}), wants},
                                            std::tuple{"wrong", credentials(u"nope"_s, u"nope"_s), wrongSays}}) {
        const model::RaceResult refused = race(given, provider, region);
        QVERIFY2(!refused.ok(), name);
        const model::RouteOutcome *outcome = refused.route(route);
        QVERIFY2(outcome, name);
        // The route's failure, in the relay's words; the race's error names the route (the region).
        QVERIFY2(outcome->error.startsWith(says), qPrintable(QString::fromLatin1(name) + u": "_s + outcome->error));
        QVERIFY2(refused.error.contains(route + u": "_s + outcome->error), qPrintable(refused.error));
    }
}

void TestRelayAuth::mapMakerSendsTheCredentials()
{
    map::MapMakerRequest request;
    request.provider = u"plain"_s;
    request.origin = m_lab.endpoints().provider(u"plain"_s)->url;
    for (const QString &id : {u"sq"_s, u"tpa"_s}) {
        map::Region r;
        r.id = id;
        r.relay = m_lab.endpoints().region(id)->relayUrl;
        request.regions.append(r);
    }
    request.samples = 2;
    request.timeout = std::chrono::seconds(5);
    map::MapMaker maker;
    auto refused = testsupport::makeNow(maker, request);
    QVERIFY2(refused.ok() == false || refused->measuredCount() == 0, "no region can be measured without credentials");
    if (refused.ok()) {
        for (const map::RegionMeasurement &m : refused->regions)
            QVERIFY2(m.error.contains(u"407"_s), qPrintable(m.regionId + u": "_s + m.error));
    }
    request.relayCredentials = credentials(u"s3cret.pw"_s, u"tiny-pw"_s);
    const auto measured = testsupport::makeNow(maker, request);
    QVERIFY2(measured.ok(), qPrintable(measured.ok() ? QString() : measured.error()));
    QCOMPARE(measured->measuredCount(), 2);
    QVERIFY(!map::serializeRouteMap(measured->map).contains("s3cret"));
}

QTEST_GUILESS_MAIN(TestRelayAuth)
#include "tst_relayauth.moc"
