// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Relays and origins on IPv6 literals, on ::1: a map naming them round-trips, a race runs over the
// direct route and the relay, a request is served byte-exact, the map maker measures the region, and
// relay credentials find a bracketed host.
#include "engine/raceengine.h"
#include "engine/enginerequest.h"
#include "lab/origin.h"
#include "lab/relay.h"
#include "map/mapcodec.h"
#include "map/mapmaker.h"
#include "support/makemapnow.h"
#include "support/routemaps.h"

#include <QBuffer>
#include <QCoroTask>
#include <QSignalSpy>
#include <QTest>

using namespace relayrace;
using namespace Qt::StringLiterals;

namespace {
constexpr int kTimeoutMs = 60000;
}

class TestIpv6 final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void mapNamesIpv6Literals();
    void raceAndServeOverIpv6();
    void mapMakerMeasuresAnIpv6Region();

private:
    map::RouteMap routeMap() const;
    std::unique_ptr<lab::Origin> m_origin;
    std::unique_ptr<lab::Relay> m_relay;
    quint16 m_originPort = 0;
};

void TestIpv6::initTestCase()
{
    m_origin = std::make_unique<lab::Origin>(u"v6"_s);
    m_originPort = m_origin->listen(0, QHostAddress(QHostAddress::LocalHostIPv6));
    QVERIFY2(m_originPort > 0, "cannot listen on [::1] (no IPv6 loopback?)");
    m_relay = std::make_unique<lab::Relay>(u"six"_s);
    QVERIFY(m_relay->listen(0, QHostAddress(QHostAddress::LocalHostIPv6)));
}

map::RouteMap TestIpv6::routeMap() const
{
    map::RouteMap m = testsupport::testRouteMap(u"v6"_s, QDateTime::currentDateTimeUtc().addSecs(-1), 3600,
                                                QUrl(u"http://[::1]:%1"_s.arg(m_originPort)));
    m.regions.first().id = u"six"_s;
    m.regions.first().relay = QUrl(u"http://[::1]:%1"_s.arg(m_relay->port()));
    m.alternates.insert(u"default"_s, {u"six"_s});
    m.race.thresholdBytes = 16 * 1024;
    return m;
}

void TestIpv6::mapNamesIpv6Literals()
{
    const map::RouteMap m = routeMap();
    const QByteArray bytes = map::serializeRouteMap(m);
    QVERIFY2(bytes.contains(u"http://[::1]:%1"_s.arg(m_originPort).toUtf8()), bytes.constData());
    const auto parsed = map::parseRouteMap(bytes);
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error()));
    QCOMPARE(*parsed, m);
    QCOMPARE(relayCredentialsKey(m.regions.first().relay), u"[::1]:%1"_s.arg(m_relay->port()));
    const auto credentials = parseRelayCredentials(u"[::1]:%1 u:p\n"_s.arg(m_relay->port()).toUtf8());
    QVERIFY(credentials.ok());
    QCOMPARE(credentials->value(relayCredentialsKey(m.regions.first().relay)).user, u"u"_s);
}

void TestIpv6::raceAndServeOverIpv6()
{
    auto e = std::make_unique<engine::RaceEngine>(engine::EngineSettings{});
    e->initialize();
    // First the relay alone (no direct route), so it must carry the race; then both.
    map::RouteMap relayOnly = routeMap();
    relayOnly.direct = false;
    e->setMap(relayOnly);
    QSignalSpy finished(e.get(), &engine::RaceEngine::raceFinished);
    e->raceNow(engine::RaceOrder{u"v6"_s, u"/obj/six?size=100000"_s, 0, model::Trigger::Manual, 0});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    const auto viaRelay = finished.first().at(1).value<model::RaceResult>();
    QVERIFY2(viaRelay.ok(), qPrintable(viaRelay.error));
    QCOMPARE(viaRelay.winner, u"via:six"_s);
    QCOMPARE(viaRelay.route(u"via:six"_s)->httpStatus, 200);

    e->setMap(routeMap());
    e->raceNow(engine::RaceOrder{u"v6"_s, u"/obj/both?size=100000"_s, 0, model::Trigger::Manual, 0});
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, kTimeoutMs);
    const auto result = finished.at(1).at(1).value<model::RaceResult>();
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.routes.size(), 2);
    for (const model::RouteOutcome &route : result.routes)
        QVERIFY2(route.error.isEmpty(), qPrintable(route.routeId + u": "_s + route.error));

    QByteArray body;
    QBuffer sink(&body);
    sink.open(QIODevice::WriteOnly);
    engine::ServeRequest request;
    request.provider = u"v6"_s;
    request.path = u"/obj/served?size=300000"_s;
    engine::EngineRequest *served = e->serve(request, &sink);
    QSignalSpy done(served, &engine::EngineRequest::finished);
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kTimeoutMs);
    const auto outcome = done.first().first().value<engine::ServeResult>();
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(body.size(), 300000);
    QVERIFY(outcome.lengthVerified);
}

void TestIpv6::mapMakerMeasuresAnIpv6Region()
{
    map::MapMakerRequest request;
    request.provider = u"v6"_s;
    request.origin = QUrl(u"http://[::1]:%1"_s.arg(m_originPort));
    map::Region six;
    six.id = u"six"_s;
    six.relay = QUrl(u"http://[::1]:%1"_s.arg(m_relay->port()));
    request.regions = {six};
    request.samples = 2;
    request.timeout = std::chrono::seconds(5);
    map::MapMaker maker;
    const Result<map::MapMakerReport> report = testsupport::makeNow(maker, request);
    QVERIFY2(report.ok(), qPrintable(report.ok() ? QString() : report.error()));
    QCOMPARE(report->measuredCount(), 1);
    QVERIFY(report->map.region(u"six"_s));
    QCOMPARE(report->map.region(u"six"_s)->relay, six.relay);
}

QTEST_GUILESS_MAIN(TestIpv6)
#include "tst_ipv6.moc"
