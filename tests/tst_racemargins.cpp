// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Margins that mean something (overtime, docs/race-engine.md "Margins"), over real routes on the lab
// of tests/support/racelab.h: the runner-up's own time to the threshold is measured after the
// decision, the margin matches the configured latency difference, the losers never receive more
// than threshold x (routes - 1) + 64 KiB, the winner's reply is the requester's at the decision and
// byte-exact, and a loser far slower than the window is stopped when it ends (lower bound or
// projection).
#include "support/racelab.h"

#include "lab/content.h"
#include "lab/topology.h"

#include <QElapsedTimer>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace relayrace;
using namespace relayrace::lab;
using namespace relayrace::race;
using namespace relayrace::testsupport;

namespace {

qint64 loserBytes(const model::RaceResult &result)
{
    qint64 bytes = 0;
    for (const model::RouteOutcome &o : result.routes)
        bytes += o.routeId == result.winner ? 0 : o.bytes;
    return bytes;
}

qint64 bound(const model::RaceResult &result)
{
    return result.thresholdBytes * (result.routes.size() - 1) + Race::kLoserSlackBytes;
}

} // namespace

class TestRaceMargins final : public QObject, private RaceLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void runnerUpIsMeasuredAndTheWinnerStreamsFromTheDecision();
    void threeRoutesStayWithinTheBound();
    void aLoserWithoutAByteIsALowerBoundStoppedAtTheWindowsEnd();
    void aSlowReceivingLoserIsProjectedAtTheWindowsEnd();
    void withoutOvertimeLosersStopAtTheDecision();
    void overHttpsTheLoserIsMeasuredAndCutToo();

private:
    struct Run
    {
        std::unique_ptr<Race> race;
        model::RaceResult decided;
        model::RaceResult finished;
        QByteArray body;          // the winner's whole body, read from the decision on
        bool bodyDone = false;
        double decidedToFinishedMs = -1;
    };
    // Runs a race; at decided() the winner's reply is taken (as a requester does) and read to its end.
    void race(const Routes &r, const RaceRequest &request, Run &run);
};

void TestRaceMargins::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
}

void TestRaceMargins::cleanupTestCase()
{
    m_lab.stop();
}

void TestRaceMargins::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestRaceMargins::race(const Routes &r, const RaceRequest &request, Run &run)
{
    run.race = std::make_unique<Race>(r.list());
    Race *race = run.race.get();
    auto reply = std::make_shared<ReplyPtr>();
    QElapsedTimer sinceDecision;
    bool gotDecided = false;
    bool gotFinished = false;
    connect(race, &Race::decided, this, [&, race, reply](const model::RaceResult &result) {
        gotDecided = true;
        run.decided = result;
        sinceDecision.start();
        QVERIFY(race->isDecided());
        QVERIFY(!race->isFinished());
        *reply = race->takeWinnerReply();
        if (!*reply)
            return;
        QNetworkReply *raw = reply->get();
        const auto read = [&run, raw] {
            run.body += raw->readAll();
            run.bodyDone = raw->isFinished();
        };
        connect(raw, &QNetworkReply::readyRead, this, read);
        connect(raw, &QNetworkReply::finished, this, read);
        read();
    });
    connect(race, &Race::finished, this, [&](const model::RaceResult &result) {
        QVERIFY(gotDecided);
        gotFinished = true;
        run.finished = result;
        run.decidedToFinishedMs = double(sinceDecision.nsecsElapsed()) / 1e6;
    });
    QVERIFY(race->start(request).ok());
    QTRY_VERIFY_WITH_TIMEOUT(gotFinished, kRaceTimeoutMs);
    if (*reply)
        QTRY_VERIFY_WITH_TIMEOUT(run.bodyDone, kRaceTimeoutMs);
    QVERIFY2(run.finished.ok(), qPrintable(run.finished.error));
    QCOMPARE(run.decided.winner, run.finished.winner);
    qInfo("%s: winner %s, won by %s, losers %lld B (bound %lld B), overtime %.1f ms", qPrintable(request.url.path()),
          qPrintable(run.finished.winner), qPrintable(model::marginText(run.finished)),
          loserBytes(run.finished), bound(run.finished), run.decidedToFinishedMs);
    for (const model::RouteOutcome &o : std::as_const(run.finished.routes))
        qInfo("  %-9s %-6s ttfb %6.1f  to N %6.1f  projected %6.1f  %7lld B", qPrintable(o.routeId),
              qPrintable(model::stateName(o.state)), o.ttfbMs, o.timeToThresholdMs, o.projectedMs, o.bytes);
}

void TestRaceMargins::runnerUpIsMeasuredAndTheWinnerStreamsFromTheDecision()
{
    // direct: 200 ms round trip; via:fast: 60 + 40 ms. Same 4 MB/s everywhere: the margin is the
    // 100 ms round-trip difference.
    constexpr qint64 size = 2 * 1024 * 1024 + 17;
    constexpr qint64 threshold = 64 * 1024;
    const Routes r = routes(QStringLiteral("plain"), {QStringLiteral("fast")});
    Run run;
    race(r, request(QStringLiteral("plain"), QStringLiteral("/obj/m1?size=%1").arg(size), threshold), run);
    const model::RaceResult &result = run.finished;
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    QCOMPARE(result.marginKind, model::RaceResult::MarginKind::Measured);
    QVERIFY2(std::abs(result.marginMs - 100.0) <= 30.0, qPrintable(QString::number(result.marginMs)));
    const model::RouteOutcome *direct = result.route(QStringLiteral("direct"));
    QCOMPARE(direct->state, model::RouteOutcome::State::Lost);
    QVERIFY(direct->timeToThresholdMs > result.route(result.winner)->timeToThresholdMs);
    QCOMPARE(direct->projectedMs, direct->timeToThresholdMs);
    QVERIFY2(direct->bytes >= threshold && direct->bytes <= threshold + Race::kLoserSlackBytes, qPrintable(QString::number(direct->bytes)));
    QCOMPARE(result.wastedBytes, loserBytes(result));
    QVERIFY(result.wastedBytes <= bound(result));
    // At the decision the margin was only a projection; the winner's reply was the requester's then.
    QCOMPARE(run.decided.route(QStringLiteral("direct"))->timeToThresholdMs, -1.0);
    QCOMPARE(run.body.size(), size);
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/m1", size));
}

void TestRaceMargins::threeRoutesStayWithinTheBound()
{
    // via:slow (300 ms round trip) has no byte by the window's end (2 x ~120 ms, at least 250 ms):
    // a lower bound, but direct got there: the runner-up is measured.
    constexpr qint64 size = 1024 * 1024;
    constexpr qint64 threshold = 128 * 1024;
    const Routes r = routes(QStringLiteral("plain"));
    Run run;
    race(r, request(QStringLiteral("plain"), QStringLiteral("/obj/m3?size=%1").arg(size), threshold), run);
    const model::RaceResult &result = run.finished;
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    QCOMPARE(result.marginKind, model::RaceResult::MarginKind::Measured);
    QVERIFY2(std::abs(result.marginMs - 100.0) <= 30.0, qPrintable(QString::number(result.marginMs)));
    QVERIFY(result.route(QStringLiteral("direct"))->timeToThresholdMs > 0);
    QCOMPARE(result.route(QStringLiteral("via:slow"))->state, model::RouteOutcome::State::Lost);
    QVERIFY2(loserBytes(result) <= bound(result), qPrintable(QString::number(loserBytes(result))));
    QCOMPARE(run.body.size(), size);
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/m3", size));
}

void TestRaceMargins::aLoserWithoutAByteIsALowerBoundStoppedAtTheWindowsEnd()
{
    // direct 3 s away: nothing arrives before the window ends (about 250 ms): stopped then, a lower
    // bound, in bounded time (not the race's timeout, not direct's 3 s).
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::directLinkId(QStringLiteral("plain")),
                                     [](Impairment &i) { i.latencyMs = 3000; }));
    constexpr qint64 size = 512 * 1024;
    const Routes r = routes(QStringLiteral("plain"), {QStringLiteral("fast")});
    Run run;
    RaceRequest req = request(QStringLiteral("plain"), QStringLiteral("/obj/lb?size=%1").arg(size), 64 * 1024);
    req.fairness = RaceRequest::Fairness::Cold; // a warm-up over 3 s would hold the race up
    race(r, req, run);
    const model::RaceResult &result = run.finished;
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    QCOMPARE(result.marginKind, model::RaceResult::MarginKind::LowerBound);
    const model::RouteOutcome *direct = result.route(QStringLiteral("direct"));
    QCOMPARE(direct->state, model::RouteOutcome::State::Lost);
    QCOMPARE(direct->bytes, qint64(0));
    QCOMPARE(direct->timeToThresholdMs, -1.0);
    const double winnerMs = result.route(result.winner)->timeToThresholdMs;
    // At least what it waited: the window's end, past the winner's time.
    QVERIFY2(result.marginMs >= Race::kOvertimeFloorMs - winnerMs - 20, qPrintable(QString::number(result.marginMs)));
    QVERIFY2(run.decidedToFinishedMs < Race::kOvertimeFloorMs + 500, qPrintable(QString::number(run.decidedToFinishedMs)));
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/lb", size));
}

void TestRaceMargins::aSlowReceivingLoserIsProjectedAtTheWindowsEnd()
{
    // direct at 100 kB/s: receiving when the window ends, far from the threshold: projected from its rate.
    RELAYRACE_VERIFY_OK(m_lab.impair(Topology::directLinkId(QStringLiteral("plain")), [](Impairment &i) {
        i.latencyMs = 20;
        i.bandwidthBytesPerSec = 100'000;
    }));
    constexpr qint64 size = 1024 * 1024;
    constexpr qint64 threshold = 256 * 1024;
    const Routes r = routes(QStringLiteral("plain"), {QStringLiteral("fast")});
    Run run;
    race(r, request(QStringLiteral("plain"), QStringLiteral("/obj/pj?size=%1").arg(size), threshold), run);
    const model::RaceResult &result = run.finished;
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    QCOMPARE(result.marginKind, model::RaceResult::MarginKind::Projected);
    const model::RouteOutcome *direct = result.route(QStringLiteral("direct"));
    QVERIFY(direct->bytes > 0 && direct->bytes < threshold);
    QCOMPARE(direct->timeToThresholdMs, -1.0);
    // 256 KiB at 100 kB/s: about 2.6 s.
    QVERIFY2(direct->projectedMs > 1500, qPrintable(QString::number(direct->projectedMs)));
    const double window = std::max(Race::kOvertimeFactor * result.route(result.winner)->timeToThresholdMs,
                                   Race::kOvertimeFloorMs);
    QVERIFY2(run.decidedToFinishedMs < window + 500, qPrintable(QString::number(run.decidedToFinishedMs)));
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/pj", size));
}

void TestRaceMargins::withoutOvertimeLosersStopAtTheDecision()
{
    const Routes r = routes(QStringLiteral("plain"), {QStringLiteral("fast")});
    RaceRequest req = request(QStringLiteral("plain"), QStringLiteral("/obj/off?size=1000000"));
    req.overtime = false;
    Run run;
    race(r, req, run);
    const model::RaceResult &result = run.finished;
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    QVERIFY(result.marginKind != model::RaceResult::MarginKind::Measured);
    QCOMPARE(result.route(QStringLiteral("direct"))->timeToThresholdMs, -1.0);
    QVERIFY2(run.decidedToFinishedMs < 50, qPrintable(QString::number(run.decidedToFinishedMs)));
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/off", 1000000));
}

void TestRaceMargins::overHttpsTheLoserIsMeasuredAndCutToo()
{
    // Qt's own HTTPS reply (not our plain-http one): the read buffer set at the decision bounds it too.
    constexpr qint64 size = 2 * 1024 * 1024;
    constexpr qint64 threshold = 128 * 1024;
    const Routes r = routes(QStringLiteral("secure"), {QStringLiteral("fast")});
    Run run;
    race(r, request(QStringLiteral("secure"), QStringLiteral("/obj/tls?size=%1").arg(size), threshold), run);
    const model::RaceResult &result = run.finished;
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    QCOMPARE(result.marginKind, model::RaceResult::MarginKind::Measured);
    QVERIFY2(std::abs(result.marginMs - 100.0) <= 30.0, qPrintable(QString::number(result.marginMs)));
    QVERIFY2(loserBytes(result) <= bound(result), qPrintable(QString::number(loserBytes(result))));
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/tls", size));
}

QTEST_GUILESS_MAIN(TestRaceMargins)
#include "tst_racemargins.moc"
