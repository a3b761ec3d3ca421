// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// How one race decides over real routes on a lab (tests/support/racelab.h): the first route to the
// threshold wins and the losers are aborted once their overtime is over (and stop receiving at the lab), the winner's reply
// carries the whole body, a small body or a HEAD wins when complete, non-idempotent methods are never
// raced, and the race's JSON matches the contract.
#include "support/racelab.h"

#include "lab/content.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace relayrace;
using namespace relayrace::lab;
using namespace relayrace::race;
using namespace relayrace::testsupport;

class TestRaceDecision final : public QObject, private RaceLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void raceAbortsLosersAtThreshold();
    void losersStopReceivingAtTheLabWithinOneReadAfterThreshold();
    void raceWinnerDeliversFullBodyByteExact();
    void smallBodyBelowThresholdWinsWhenComplete();
    void headRaceWinsOnTheFirstCompleteHead();
    void raceRefusesNonIdempotentMethods_data();
    void raceRefusesNonIdempotentMethods();
    void raceJsonMatchesTheContract();
};

void TestRaceDecision::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    QCOMPARE(m_lab.caCertificates().size(), 1);
}

void TestRaceDecision::cleanupTestCase()
{
    m_lab.stop();
}

void TestRaceDecision::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestRaceDecision::raceAbortsLosersAtThreshold()
{
    constexpr qint64 size = 4 * 1024 * 1024;
    // Large enough that the winner's rate is measured over many reads (the margin projects from it).
    constexpr qint64 threshold = 256 * 1024;
    const Routes r = routes(QStringLiteral("plain"));
    auto race = std::make_unique<Race>(r.list());
    QSignalSpy finished(race.get(), &Race::finished);
    QSignalSpy progress(race.get(), &Race::progress);
    QVERIFY(race->start(request(QStringLiteral("plain"), QStringLiteral("/obj/abort?size=%1").arg(size), threshold)).ok());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kRaceTimeoutMs);
    const model::RaceResult result = finished.first().first().value<model::RaceResult>();

    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    QCOMPARE(result.routes.size(), 3);
    qint64 losersBytes = 0;
    for (const model::RouteOutcome &o : result.routes) {
        if (o.routeId == result.winner) {
            QCOMPARE(o.state, model::RouteOutcome::State::Won);
            QVERIFY(o.bytes >= threshold);
            QVERIFY(o.bytes < size);
            QVERIFY(o.timeToThresholdMs >= o.ttfbMs);
            QVERIFY(o.throughputBytesPerSec > 0);
            QCOMPARE(o.httpStatus, 200);
        } else {
            QCOMPARE(o.state, model::RouteOutcome::State::Lost);
            // Overtime: cut at the threshold (measured then), or at the window's end (never got there).
            QVERIFY2(o.bytes <= threshold + Race::kLoserSlackBytes, qPrintable(o.routeId));
            QVERIFY2(o.timeToThresholdMs < 0 || o.timeToThresholdMs >= result.route(result.winner)->timeToThresholdMs,
                     qPrintable(o.routeId));
            QVERIFY(o.error.isEmpty());
            losersBytes += o.bytes;
        }
    }
    QCOMPARE(result.wastedBytes, losersBytes);
    QVERIFY2(result.marginMs > 0, qPrintable(QString::number(result.marginMs)));
    QVERIFY(result.marginKind != model::RaceResult::MarginKind::None);
    QVERIFY(result.wastedBytes <= threshold * 2 + Race::kLoserSlackBytes);
    QCOMPARE(result.thresholdBytes, threshold);
    QCOMPARE(result.object, QStringLiteral("/obj/abort?size=%1").arg(size));
    QCOMPARE(result.fairness, QStringLiteral("warm"));

    // Progress: the winner's last report reached the threshold; reports are coalesced.
    qint64 lastWinnerBytes = 0;
    int winnerReports = 0;
    for (const QList<QVariant> &args : std::as_const(progress)) {
        if (args.at(0).toString() == result.winner) {
            lastWinnerBytes = args.at(1).toLongLong();
            ++winnerReports;
        }
        QCOMPARE(args.at(2).toLongLong(), threshold);
    }
    QVERIFY(lastWinnerBytes >= threshold);
    const double racedMs = result.route(result.winner)->timeToThresholdMs + result.route(result.winner)->queuedMs;
    QVERIFY2(winnerReports <= int(racedMs / Race::kProgressIntervalMs) + 2, qPrintable(QString::number(winnerReports)));

    // The winner was not aborted: it is still receiving (or done) for the requester.
    QVERIFY(race->winnerReply());
    QCOMPARE(race->winnerReply()->error(), QNetworkReply::NoError);
}

void TestRaceDecision::losersStopReceivingAtTheLabWithinOneReadAfterThreshold()
{
    // Counted where the bytes leave: the lab links towards the edge, not the engine.
    constexpr qint64 size = 4 * 1024 * 1024;
    constexpr qint64 threshold = 256 * 1024;
    constexpr qint64 oneRead = 64 * 1024; // a socket read, plus what a link had already released
    const QStringList loserLinks{Topology::directLinkId(QStringLiteral("plain")),
                                 Topology::edgeToRelayLinkId(QStringLiteral("slow"))};
    // Losers must be receiving when the winner decides: slow them by bandwidth, not by latency.
    for (const QString &link : loserLinks)
        RELAYRACE_VERIFY_OK(m_lab.impair(link, [](Impairment &i) {
            i.latencyMs = 20;
            i.bandwidthBytesPerSec = 1'000'000;
        }));
    const Routes r = routes(QStringLiteral("plain"));
    QHash<QString, qint64> before, atDecision;
    for (const QString &link : loserLinks)
        before.insert(link, m_lab.lab()->linkStats(link)->bytesDown);
    auto race = std::make_unique<Race>(r.list());
    model::RaceResult result;
    connect(race.get(), &Race::finished, this, [&](const model::RaceResult &res) {
        result = res;
        for (const QString &link : loserLinks)
            atDecision.insert(link, m_lab.lab()->linkStats(link)->bytesDown);
    });
    QVERIFY(race->start(request(QStringLiteral("plain"), QStringLiteral("/obj/cut?size=%1").arg(size), threshold)).ok());
    QTRY_VERIFY_WITH_TIMEOUT(!atDecision.isEmpty(), kRaceTimeoutMs);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    race.reset();
    QTest::qWait(1000); // what a loser still got would have arrived by now
    int receiving = 0;
    for (const QString &link : loserLinks) {
        const qint64 after = m_lab.lab()->linkStats(link)->bytesDown;
        const model::RouteOutcome *loser = result.route(link.contains(u"slow") ? QStringLiteral("via:slow") : QStringLiteral("direct"));
        QVERIFY(loser);
        qInfo("%s: engine counted %lld B, the lab sent %lld B by the decision and %lld B more after it",
              qPrintable(link), loser->bytes, atDecision.value(link) - before.value(link), after - atDecision.value(link));
        receiving += loser->bytes > 0 ? 1 : 0;
        // After the decision: at most one read more (plus the re-warm-up's head, a few hundred bytes).
        QVERIFY2(after - atDecision.value(link) <= oneRead + 4096, qPrintable(link));
        QVERIFY2(after - before.value(link) - loser->bytes <= oneRead + 4096, qPrintable(link));
    }
    QVERIFY2(receiving > 0, "a loser was receiving at the decision (else nothing was cut)");
}

void TestRaceDecision::raceWinnerDeliversFullBodyByteExact()
{
    constexpr qint64 size = 3 * 1024 * 1024 + 5;
    const Routes r = routes(QStringLiteral("plain"));
    model::RaceResult result;
    auto race = run(r, request(QStringLiteral("plain"), QStringLiteral("/obj/full?size=%1").arg(size)), &result);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    ReplyPtr reply = race->takeWinnerReply();
    QVERIFY(reply);
    QVERIFY(!race->winnerReply());
    QByteArray body;
    QNetworkReply *raw = reply.get();
    connect(raw, &QNetworkReply::readyRead, this, [&body, raw] { body += raw->readAll(); });
    body += raw->readAll();
    QTRY_VERIFY_WITH_TIMEOUT(raw->isFinished(), kRaceTimeoutMs);
    body += raw->readAll();
    QCOMPARE(raw->error(), QNetworkReply::NoError);
    QCOMPARE(body.size(), size);
    QCOMPARE(sha256Hex(body), contentSha256("/obj/full", size));
}

void TestRaceDecision::smallBodyBelowThresholdWinsWhenComplete()
{
    const Routes r = routes(QStringLiteral("plain"));
    model::RaceResult result;
    auto race = run(r, request(QStringLiteral("plain"), QStringLiteral("/obj/small?size=1000"), 65536), &result);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    const model::RouteOutcome *winner = result.route(result.winner);
    QCOMPARE(winner->bytes, qint64(1000));
    QVERIFY(winner->timeToThresholdMs > 0);
    QVERIFY(winner->ttfbMs > 0);
    ReplyPtr reply = race->takeWinnerReply();
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kRaceTimeoutMs);
    QCOMPARE(sha256Hex(reply->readAll()), contentSha256("/obj/small", 1000));
}

void TestRaceDecision::headRaceWinsOnTheFirstCompleteHead()
{
    const Routes r = routes(QStringLiteral("plain"));
    RaceRequest req = request(QStringLiteral("plain"), QStringLiteral("/obj/head?size=50000"));
    req.method = QByteArrayLiteral("HEAD");
    model::RaceResult result;
    auto race = run(r, req, &result);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.winner, QStringLiteral("via:fast"));
    const model::RouteOutcome *winner = result.route(result.winner);
    QCOMPARE(winner->bytes, qint64(0));
    QVERIFY(winner->ttfbMs > 0); // the head is the first byte
    QCOMPARE(winner->httpStatus, 200);
    QCOMPARE(result.wastedBytes, qint64(0));
}

void TestRaceDecision::raceRefusesNonIdempotentMethods_data()
{
    QTest::addColumn<QByteArray>("method");
    for (const char *method : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
        QTest::newRow(method) << QByteArray(method);
}

void TestRaceDecision::raceRefusesNonIdempotentMethods()
{
    QFETCH(QByteArray, method);
    const Routes r = routes(QStringLiteral("plain"));
    RaceRequest req = request(QStringLiteral("plain"), QStringLiteral("/echo"));
    req.method = method;
    Race race(r.list());
    QSignalSpy finished(&race, &Race::finished);
    const Result<void> started = race.start(req);
    QVERIFY(!started.ok());
    QVERIFY2(started.error().contains(QString::fromLatin1(method)), qPrintable(started.error()));
    QVERIFY(started.error().contains(QStringLiteral("not raced")));
    // Nothing went out on any route: no manager was even created.
    for (const auto &c : r.clients) {
        QCOMPARE(c->managerCount(), 0);
        QCOMPARE(c->warmUpsInFlight(), 0);
    }
    QTest::qWait(50); // a refused race must not report later either
    QCOMPARE(finished.size(), 0);
    QVERIFY(!race.isFinished());
}

void TestRaceDecision::raceJsonMatchesTheContract()
{
    const Routes r = routes(QStringLiteral("plain"));
    RaceRequest req = request(QStringLiteral("plain"), QStringLiteral("/obj/json?size=1000000"), 256 * 1024);
    req.trigger = model::Trigger::T2;
    model::RaceResult result;
    auto race = run(r, req, &result);
    QVERIFY2(result.ok(), qPrintable(result.error));
    const QJsonObject json = toJson(result);
    qInfo().noquote() << QJsonDocument(json).toJson(QJsonDocument::Compact);
    const QSet<QString> contract = {QStringLiteral("provider"), QStringLiteral("trigger"), QStringLiteral("winner"),
                                    QStringLiteral("margin_ms"), QStringLiteral("wasted_bytes"),
                                    QStringLiteral("threshold_bytes"), QStringLiteral("routes")};
    for (const QString &key : contract)
        QVERIFY2(json.contains(key), qPrintable(key));
    QCOMPARE(json.value(QStringLiteral("provider")).toString(), QStringLiteral("plain"));
    QCOMPARE(json.value(QStringLiteral("trigger")).toString(), QStringLiteral("t2"));
    QCOMPARE(json.value(QStringLiteral("winner")).toString(), QStringLiteral("via:fast"));
    QVERIFY(json.value(QStringLiteral("margin_ms")).toDouble() > 0);
    QCOMPARE(json.value(QStringLiteral("wasted_bytes")).toInteger(), result.wastedBytes);
    QCOMPARE(json.value(QStringLiteral("threshold_bytes")).toInteger(), qint64(256 * 1024));
    const QJsonArray routes = json.value(QStringLiteral("routes")).toArray();
    QCOMPARE(routes.size(), 3);
    const QSet<QString> routeKeys = {QStringLiteral("id"), QStringLiteral("relay"), QStringLiteral("state"),
                                     QStringLiteral("connect_ms"), QStringLiteral("ttfb_ms"),
                                     QStringLiteral("time_to_threshold_ms"), QStringLiteral("bytes"),
                                     QStringLiteral("error")};
    QSet<QString> states;
    for (const QJsonValue &value : routes) {
        const QJsonObject route = value.toObject();
        for (const QString &key : routeKeys)
            QVERIFY2(route.contains(key), qPrintable(key));
        states.insert(route.value(QStringLiteral("state")).toString());
        const bool direct = route.value(QStringLiteral("id")).toString() == QStringLiteral("direct");
        QCOMPARE(route.value(QStringLiteral("relay")).isNull(), direct);
        if (!direct)
            QVERIFY(route.value(QStringLiteral("relay")).toString().startsWith(QStringLiteral("http://127.0.0.1:")));
        QVERIFY(route.value(QStringLiteral("bytes")).isDouble());
        QVERIFY(route.value(QStringLiteral("error")).isNull());
        QVERIFY(route.value(QStringLiteral("fresh_connection")).isBool());
    }
    QCOMPARE(states, (QSet<QString>{QStringLiteral("won"), QStringLiteral("lost")}));
    const QJsonObject winner = routes.at(1).toObject();
    QCOMPARE(winner.value(QStringLiteral("id")).toString(), QStringLiteral("via:fast"));
    QVERIFY(winner.value(QStringLiteral("time_to_threshold_ms")).toDouble() > 0);
    QVERIFY(winner.value(QStringLiteral("ttfb_ms")).toDouble() > 0);
    QCOMPARE(winner.value(QStringLiteral("http_status")).toInt(), 200);
    QCOMPARE(QVariant::fromValue(result).value<model::RaceResult>().winner, result.winner); // a registered metatype
}

QTEST_GUILESS_MAIN(TestRaceDecision)
#include "tst_racedecision.moc"
