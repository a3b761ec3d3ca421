// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The admin server's JSON API, live events and actions (docs/api.md) read by a real client, curl,
// while the edge serves traffic over the lab: what it answers is checked against what the engine
// itself says (its history, its front's mirror), and the event stream is read with the parser a
// console attached to the edge uses.
#include "support/edgelab.h"

#include "edge/adminserver.h"
#include "edge/eventhub.h"
#include "wire/sse.h"

#include <QJsonArray>
#include <QProcess>

using namespace relayrace;
using namespace relayrace::testsupport;

class TestEdgeApi final : public QObject, private EdgeLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void historyAnswersWhatTheEngineKept();
    void failoversWithTheFiltersOfRelayraceLog();
    void badQuestionsAreNamed();
    void eventsFollowARaceAskedByPost();
    void actionsAndTheirRefusals();

private:
    QString adminUrl(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_adminPort).arg(path); }
    // curl with the token: the body, then the status code after a newline.
    Curl api(const QString &path, QStringList extra = {}) const
    {
        return curl(QStringList{QStringLiteral("-H"), QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(kToken),
                                QStringLiteral("-w"), QStringLiteral("\n%{http_code}")} + extra + QStringList{adminUrl(path)});
    }
    static QByteArray codeOf(const Curl &c) { return c.out.mid(c.out.lastIndexOf('\n') + 1); }
    static QJsonObject bodyOf(const Curl &c) { return QJsonDocument::fromJson(c.out.left(c.out.lastIndexOf('\n'))).object(); }
    engine::HistoryAnswer engineAnswer(const engine::HistoryQuery &query);

    static constexpr QByteArrayView kToken = "token-for-the-api-tests-0123456789";
    std::unique_ptr<edge::AdminServer> m_admin;
    quint16 m_adminPort = 0;
};

void TestEdgeApi::initTestCase()
{
    m_keepHistory = true;
    RELAYRACE_VERIFY_OK(startLab());
    RELAYRACE_VERIFY_OK(startEdge());
    m_admin = std::make_unique<edge::AdminServer>(m_edge.get(), m_engine.get());
    m_admin->setToken(kToken.toByteArray());
    const Result<quint16> port = m_admin->listen(QHostAddress::LocalHost, 0);
    if (!port)
        QFAIL(qPrintable(port.error()));
    m_adminPort = *port;
    // Traffic: the first request races, the rest take the cached route.
    for (int i = 0; i < 3; ++i) {
        const Curl c = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                                 url(QStringLiteral("/obj/api-%1?size=100000").arg(i))});
        QCOMPARE(c.out, QByteArray("200"));
    }
    QVERIFY(QTest::qWaitFor([this] { return m_engine->snapshot(QStringLiteral("plain")).races >= 1; }, kTimeoutMs));
}

void TestEdgeApi::cleanupTestCase()
{
    m_admin.reset();
    stopEdge();
    m_lab.stop();
}

engine::HistoryAnswer TestEdgeApi::engineAnswer(const engine::HistoryQuery &query)
{
    engine::HistoryAnswer got;
    const quint64 ticket = m_engine->queryHistory(query);
    QMetaObject::Connection c = connect(m_engine.get(), &engine::EngineFront::historyAnswered, this,
                                        [&got, ticket](const engine::HistoryAnswer &a) { if (a.ticket == ticket) got = a; });
    if (!QTest::qWaitFor([&got, ticket] { return got.ticket == ticket; }, kTimeoutMs))
        got.error = QStringLiteral("no answer within the timeout");
    disconnect(c);
    return got;
}

void TestEdgeApi::historyAnswersWhatTheEngineKept()
{
    const Curl races = api(QStringLiteral("/api/v1/providers/plain/races?limit=50"));
    QCOMPARE(codeOf(races), QByteArray("200"));
    const QJsonArray rows = bodyOf(races).value(QStringLiteral("races")).toArray();
    engine::HistoryQuery query;
    query.provider = QStringLiteral("plain");
    query.limit = 50;
    const engine::HistoryAnswer kept = engineAnswer(query);
    QVERIFY2(kept.error.isEmpty(), qPrintable(kept.error));
    QVERIFY(!kept.races.isEmpty());
    QCOMPARE(rows.size(), kept.races.size());
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const QJsonObject row = rows.at(i).toObject();
        QCOMPARE(row.value(QStringLiteral("winner")).toString(), kept.races.at(i).winner);
        QCOMPARE(row.value(QStringLiteral("routes")).toArray().size(), kept.races.at(i).routes.size());
    }
    const Curl one = api(QStringLiteral("/api/v1/providers/plain/races?limit=1"));
    QCOMPARE(bodyOf(one).value(QStringLiteral("races")).toArray().size(), 1);

    const Curl changes = api(QStringLiteral("/api/v1/providers/plain/route-changes"));
    QCOMPARE(codeOf(changes), QByteArray("200"));
    const QJsonArray changeRows = bodyOf(changes).value(QStringLiteral("route_changes")).toArray();
    QVERIFY(!changeRows.isEmpty()); // the first race chose a route
    QCOMPARE(changeRows.last().toObject().value(QStringLiteral("to_route")).toString(),
             m_engine->snapshot(QStringLiteral("plain")).optimalRoute);
    const Curl future = api(QStringLiteral("/api/v1/providers/plain/route-changes?since=2100-01-01T00:00:00Z"));
    QCOMPARE(bodyOf(future).value(QStringLiteral("route_changes")).toArray().size(), 0);
}

void TestEdgeApi::failoversWithTheFiltersOfRelayraceLog()
{
    // Every route resets its connection after 400,000 bytes: a 1,000,000-byte body fails over twice.
    RELAYRACE_VERIFY_OK(resetPlainRoutesAfter(400'000));
    const Curl c = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                             url(QStringLiteral("/obj/api-failover?size=1000000"))});
    RELAYRACE_VERIFY_OK(resetPlainRoutesAfter(-1));
    QCOMPARE(c.out, QByteArray("200"));

    engine::HistoryQuery query;
    query.kind = engine::HistoryQuery::Kind::Failovers;
    query.failovers.provider = QStringLiteral("plain");
    engine::HistoryAnswer kept;
    QVERIFY(QTest::qWaitFor([&] { kept = engineAnswer(query); return kept.failovers.size() >= 2; }, kTimeoutMs));
    const Curl all = api(QStringLiteral("/api/v1/failovers?provider=plain"));
    QCOMPARE(codeOf(all), QByteArray("200"));
    const QJsonArray rows = bodyOf(all).value(QStringLiteral("failovers")).toArray();
    QCOMPARE(rows.size(), kept.failovers.size());
    const QString reason = kept.failovers.first().reason;
    const QString route = kept.failovers.first().fromRoute;
    const Curl byReason = api(QStringLiteral("/api/v1/failovers?provider=plain&reason=%1&route=%2&limit=1").arg(reason, route));
    const QJsonArray one = bodyOf(byReason).value(QStringLiteral("failovers")).toArray();
    QCOMPARE(one.size(), 1);
    QCOMPARE(one.first().toObject().value(QStringLiteral("reason")).toString(), reason);
    const Curl none = api(QStringLiteral("/api/v1/failovers?provider=plain&reason=no-such-reason"));
    QCOMPARE(bodyOf(none).value(QStringLiteral("failovers")).toArray().size(), 0);
    const Curl later = api(QStringLiteral("/api/v1/failovers?since=2100-01-01T00:00:00Z"));
    QCOMPARE(bodyOf(later).value(QStringLiteral("failovers")).toArray().size(), 0);
}

void TestEdgeApi::badQuestionsAreNamed()
{
    struct Case { QString path; QByteArray code; QString named; };
    const QList<Case> cases{
        {QStringLiteral("/api/v1/providers/plain/races?limit=-1"), "400", QStringLiteral("limit")},
        {QStringLiteral("/api/v1/providers/plain/races?limit=many"), "400", QStringLiteral("limit")},
        {QStringLiteral("/api/v1/providers/plain/route-changes?since=yesterday"), "400", QStringLiteral("since")},
        {QStringLiteral("/api/v1/failovers?until=2026-13-45"), "400", QStringLiteral("until")},
        {QStringLiteral("/api/v1/providers/nobody/races"), "404", QStringLiteral("nobody")},
        {QStringLiteral("/api/v1/providers/nobody/route-changes"), "404", QStringLiteral("nobody")},
    };
    for (const Case &c : cases) {
        const Curl got = api(c.path);
        QVERIFY2(codeOf(got) == c.code, qPrintable(c.path + QStringLiteral(": ") + QString::fromUtf8(got.out)));
        QVERIFY2(bodyOf(got).value(QStringLiteral("error")).toString().contains(c.named), got.out.constData());
    }
    // Without the token, nothing but 401.
    const Curl bare = curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                            adminUrl(QStringLiteral("/api/v1/providers/plain/races"))});
    QCOMPARE(bare.out, QByteArray("401"));
}

void TestEdgeApi::eventsFollowARaceAskedByPost()
{
    QProcess stream;
    stream.start(QStringLiteral("curl"), {QStringLiteral("-sSN"), QStringLiteral("--max-time"), QStringLiteral("60"),
                                          QStringLiteral("-H"), QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(kToken),
                                          adminUrl(QStringLiteral("/api/v1/events"))});
    QVERIFY(stream.waitForStarted(10'000));
    wire::SseParser parser;
    QList<wire::SseEvent> events;
    connect(&stream, &QProcess::readyReadStandardOutput, this, [&] { events += parser.feed(stream.readAllStandardOutput()); });
    QVERIFY2(QTest::qWaitFor([&] { return !events.isEmpty(); }, kTimeoutMs), "no hello within the timeout");
    QCOMPARE(events.first().name, QByteArray("hello"));
    const QJsonObject hello = QJsonDocument::fromJson(events.first().data).object();
    QCOMPARE(hello.value(QStringLiteral("version")).toInt(), 1);
    const QJsonArray providers = hello.value(QStringLiteral("providers")).toArray();
    QCOMPARE(providers.size(), 1);
    QCOMPARE(providers.first().toObject().value(QStringLiteral("map")).toObject().value(QStringLiteral("provider")).toString(),
             QStringLiteral("plain"));
    QTRY_COMPARE_WITH_TIMEOUT(m_admin->events()->subscribers(), 1, kTimeoutMs);

    const Curl asked = api(QStringLiteral("/api/v1/providers/plain/race"), {QStringLiteral("-X"), QStringLiteral("POST"),
                                                                            QStringLiteral("--data"), QStringLiteral(R"({"threshold_bytes": 32768})")});
    QCOMPARE(codeOf(asked), QByteArray("202"));
    const qint64 orderId = bodyOf(asked).value(QStringLiteral("order_id")).toInteger();
    QVERIFY(orderId > 0);
    qint64 raceId = -1;
    const auto find = [&](const QByteArray &name, const auto &match) -> QJsonObject {
        for (const wire::SseEvent &e : std::as_const(events)) {
            const QJsonObject o = QJsonDocument::fromJson(e.data).object();
            if (e.name == name && match(o))
                return o;
        }
        return {};
    };
    QVERIFY2(QTest::qWaitFor([&] {
        const QJsonObject started = find("race_started", [&](const QJsonObject &o) { return o.value(QStringLiteral("order_id")).toInteger() == orderId; });
        raceId = started.isEmpty() ? -1 : started.value(QStringLiteral("race_id")).toInteger();
        return raceId > 0;
    }, kTimeoutMs), "no race_started with the order's id");
    const auto ofRace = [&](const QJsonObject &o) { return o.value(QStringLiteral("race_id")).toInteger() == raceId; };
    QVERIFY2(QTest::qWaitFor([&] { return !find("race_finished", ofRace).isEmpty(); }, kTimeoutMs), "no race_finished");
    const QJsonObject result = find("race_finished", ofRace).value(QStringLiteral("result")).toObject();
    QCOMPARE(result.value(QStringLiteral("threshold_bytes")).toInteger(), 32768);
    QCOMPARE(result.value(QStringLiteral("trigger")).toString(), QStringLiteral("manual"));
    QVERIFY(!find("route_progress", ofRace).isEmpty());
    QVERIFY2(QTest::qWaitFor([&] { return !find("provider_changed", [](const QJsonObject &) { return true; }).isEmpty(); }, kTimeoutMs),
             "no provider_changed");
    // Every frame parsed; the stream stays open until its client leaves.
    QVERIFY2(!parser.failed(), qPrintable(parser.error()));
    QCOMPARE(stream.state(), QProcess::Running);
    stream.kill();
    stream.waitForFinished(10'000);
    QTRY_COMPARE_WITH_TIMEOUT(m_admin->events()->subscribers(), 0, kTimeoutMs);
}

void TestEdgeApi::actionsAndTheirRefusals()
{
    const QStringList post{QStringLiteral("-X"), QStringLiteral("POST"), QStringLiteral("--data")};
    const Curl every = api(QStringLiteral("/api/v1/race-interval"), post + QStringList{QStringLiteral(R"({"provider": "plain", "interval_ms": 0})")});
    QCOMPARE(codeOf(every), QByteArray("200"));
    QCOMPARE(bodyOf(every).value(QStringLiteral("interval_ms")).toInt(), 0);
    struct Case { QString path; QString body; QByteArray code; QString named; };
    const QList<Case> cases{
        {QStringLiteral("/api/v1/race-interval"), QStringLiteral("{}"), "400", QStringLiteral("interval_ms")},
        {QStringLiteral("/api/v1/race-interval"), QStringLiteral(R"({"interval_ms": -5})"), "400", QStringLiteral("interval_ms")},
        {QStringLiteral("/api/v1/race-interval"), QStringLiteral(R"({"provider": "nobody", "interval_ms": 10})"), "404", QStringLiteral("nobody")},
        {QStringLiteral("/api/v1/race-interval"), QStringLiteral("[1, 2]"), "400", QStringLiteral("JSON object")},
        {QStringLiteral("/api/v1/providers/nobody/race"), QString(), "404", QStringLiteral("nobody")},
        {QStringLiteral("/api/v1/providers/plain/race"), QStringLiteral(R"({"path": "obj"})"), "400", QStringLiteral("path")},
        {QStringLiteral("/api/v1/providers/plain/race"), QStringLiteral(R"({"threshold_bytes": "big"})"), "400", QStringLiteral("threshold_bytes")},
        {QStringLiteral("/api/v1/reload"), QString(), "501", QStringLiteral("reload")},
    };
    for (const Case &c : cases) {
        const Curl got = api(c.path, post + QStringList{c.body});
        QVERIFY2(codeOf(got) == c.code, qPrintable(c.path + u' ' + c.body + QStringLiteral(": ") + QString::fromUtf8(got.out)));
        QVERIFY2(bodyOf(got).value(QStringLiteral("error")).toString().contains(c.named), got.out.constData());
    }
    // The event stream asks for the token too.
    const Curl bare = curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                            adminUrl(QStringLiteral("/api/v1/events"))});
    QCOMPARE(bare.out, QByteArray("401"));
}

QTEST_GUILESS_MAIN(TestEdgeApi)
#include "tst_edgeapi.moc"
