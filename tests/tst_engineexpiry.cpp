// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// An expired map and the expired_map policy, over the lab: keep (the default) races and serves on it
// and says so; direct serves over the direct route and refuses races, naming the policy; refuse
// serves nothing, naming it; a map that expires while the engine runs is flagged within a tick.
#include "support/enginelab.h"

#include "engine/mapexpiry.h"

using namespace relayrace;
using namespace relayrace::engine;
using namespace Qt::StringLiterals;

class TestEngineExpiry final : public QObject, public testsupport::EngineLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { RELAYRACE_VERIFY_OK(startLab()); }
    void cleanupTestCase() { m_lab.stop(); }
    void policyNamesRoundTrip();
    void keepRacesAndServesOnAnExpiredMap();
    void directServesDirectAndRefusesRaces();
    void refuseServesNothingAndSaysWhy();
    void aMapThatExpiresWhileRunningIsFlagged();

private:
    std::unique_ptr<RaceEngine> engineWith(ExpiredMapPolicy policy, qint64 expiresInS);
};

std::unique_ptr<RaceEngine> TestEngineExpiry::engineWith(ExpiredMapPolicy policy, qint64 expiresInS)
{
    EngineSettings settings;
    settings.expiredMap = policy;
    auto e = engine(settings);
    map::RouteMap m = routeMap(u"plain"_s);
    m.validForS = 3600;
    m.generatedAt = QDateTime::currentDateTimeUtc().addSecs(expiresInS - m.validForS);
    e->setMap(m);
    return e;
}

void TestEngineExpiry::policyNamesRoundTrip()
{
    for (const auto policy : {ExpiredMapPolicy::Keep, ExpiredMapPolicy::DirectOnly, ExpiredMapPolicy::Refuse})
        QCOMPARE(expiredMapPolicyFromName(expiredMapPolicyName(policy)), std::optional(policy));
    QVERIFY(!expiredMapPolicyFromName(u"ignore"_s));
    const QStringList routes{u"direct"_s, u"via:fast"_s};
    QCOMPARE(usableRoutes(routes, false, ExpiredMapPolicy::Refuse), routes);
    QCOMPARE(usableRoutes(routes, true, ExpiredMapPolicy::Keep), routes);
    QCOMPARE(usableRoutes(routes, true, ExpiredMapPolicy::DirectOnly), QStringList{u"direct"_s});
    QCOMPARE(usableRoutes({u"via:fast"_s}, true, ExpiredMapPolicy::DirectOnly), QStringList());
    QCOMPARE(usableRoutes(routes, true, ExpiredMapPolicy::Refuse), QStringList());
}

void TestEngineExpiry::keepRacesAndServesOnAnExpiredMap()
{
    auto e = engineWith(ExpiredMapPolicy::Keep, -60);
    const ProviderSnapshot s = e->snapshot(u"plain"_s);
    QVERIFY(s.mapExpired);
    QCOMPARE(s.expiredMapPolicy, u"keep"_s);
    QSignalSpy finished(e.get(), &RaceEngine::raceFinished);
    QVERIFY(raceNow(*e, u"plain"_s) > 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, testsupport::kTimeoutMs);
    const auto result = finished.first().at(1).value<model::RaceResult>();
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.routes.size(), 3); // direct and both regions
    const testsupport::Served served = serve(*e, get(u"plain"_s, u"/obj/keep?size=1000"_s));
    QVERIFY2(served.result.ok, qPrintable(served.result.error));
}

void TestEngineExpiry::directServesDirectAndRefusesRaces()
{
    auto e = engineWith(ExpiredMapPolicy::DirectOnly, -60);
    QSignalSpy refused(e.get(), &RaceEngine::raceRefused);
    QCOMPARE(raceNow(*e, u"plain"_s), quint64(0));
    QCOMPARE(refused.size(), 1);
    const QString reason = refused.first().first().value<RaceRefusal>().reason;
    QVERIFY2(reason.startsWith(u"the map of plain expired at "_s) && reason.contains(u"(expired_map=direct: direct route only"_s), qPrintable(reason));
    const testsupport::Served served = serve(*e, get(u"plain"_s, u"/obj/direct?size=1000"_s));
    QVERIFY2(served.result.ok, qPrintable(served.result.error));
    QCOMPARE(served.result.route, u"direct"_s);
    QVERIFY(!served.result.raced);
    QCOMPARE(served.body.size(), 1000);
}

void TestEngineExpiry::refuseServesNothingAndSaysWhy()
{
    auto e = engineWith(ExpiredMapPolicy::Refuse, -60);
    const testsupport::Served served = serve(*e, get(u"plain"_s, u"/obj/refuse?size=1000"_s));
    QVERIFY(!served.result.ok);
    QVERIFY2(served.result.error.contains(u"(expired_map=refuse: nothing served until a valid one arrives)"_s), qPrintable(served.result.error));
    QVERIFY(served.body.isEmpty());
    // A valid map lifts it at once.
    map::RouteMap m = routeMap(u"plain"_s);
    m.generatedAt = QDateTime::currentDateTimeUtc();
    e->setMap(m);
    QVERIFY(!e->snapshot(u"plain"_s).mapExpired);
    const testsupport::Served again = serve(*e, get(u"plain"_s, u"/obj/refuse?size=1000"_s));
    QVERIFY2(again.result.ok, qPrintable(again.result.error));
}

void TestEngineExpiry::aMapThatExpiresWhileRunningIsFlagged()
{
    auto e = engineWith(ExpiredMapPolicy::Keep, 2);
    QVERIFY(!e->snapshot(u"plain"_s).mapExpired);
    QSignalSpy changed(e.get(), &RaceEngine::providerChanged);
    const auto flagged = [&] {
        for (const QList<QVariant> &args : std::as_const(changed))
            if (args.first().value<ProviderSnapshot>().mapExpired)
                return true;
        return false;
    };
    QVERIFY2(QTest::qWaitFor(flagged, 10000), "no snapshot with mapExpired within 10 s of the expiry");
}

QTEST_GUILESS_MAIN(TestEngineExpiry)
#include "tst_engineexpiry.moc"
