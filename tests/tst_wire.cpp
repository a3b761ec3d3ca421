// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The engine front's values as JSON and the Server-Sent Events framing (wire/): what an edge sends
// reads back as what it was, and the event-stream parser takes a stream in any pieces, refuses what
// is broken and names why.
#include "model/failoverevent.h"
#include "model/raceresult.h"
#include "wire/frontjson.h"
#include "wire/sse.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace relayrace;

class TestWire final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void valuesReadBackAsTheyWere();
    void readersNameTheBadField();
    void historyQueriesTravelAsQueryStrings();
    void chartRowsTravelUnrounded();
    void sseInAnyPieces_data();
    void sseInAnyPieces();
    void sseRefusesBrokenStreams();
};

void TestWire::valuesReadBackAsTheyWere()
{
    const QDateTime at = QDateTime::fromString(QStringLiteral("2026-12-05T10:00:00.123Z"), Qt::ISODateWithMs);
    engine::ProviderSnapshot s;
    s.provider = QStringLiteral("acme");
    s.origin = QUrl(QStringLiteral("https://origin.acme.example"));
    s.edgeRegion = QStringLiteral("edge-fra");
    s.mapTrust = QStringLiteral("valid");
    s.optimalRoute = QStringLiteral("via:fra");
    s.chosenAt = at;
    s.mapExpiresAt = at.addSecs(3600);
    s.lastTrigger = model::Trigger::T2;
    s.routes = {QStringLiteral("direct"), QStringLiteral("via:fra")};
    s.races = 7;
    s.racesSkippedByBudget = 2;
    s.requests = 1234;
    s.requestBytes = 5'000'000'000;
    s.serving = {{QStringLiteral("direct"), -1, 31.5, 2.5e6, 10, 1}, {QStringLiteral("via:fra"), 20.25, -1, -1, 0, 0}};
    s.degraded = true;
    const auto back = wire::providerFromJson(wire::toJson(s));
    if (!back)
        QFAIL(qPrintable(back.error()));
    QCOMPARE(back->provider, s.provider);
    QCOMPARE(back->origin, s.origin);
    QCOMPARE(back->chosenAt, at);
    QVERIFY(!back->nextRetestAt.isValid());
    QCOMPARE(back->lastTrigger, model::Trigger::T2);
    QCOMPARE(back->routes, s.routes);
    QCOMPARE(back->requestBytes, s.requestBytes);
    QCOMPARE(back->racesSkippedByBudget, 2);
    QCOMPARE(back->serving, s.serving); // -1 (none) travels as null and comes back as -1
    QVERIFY(back->degraded);
    QJsonObject older = wire::toJson(s);
    older.remove(QStringLiteral("serving"));
    older.remove(QStringLiteral("degraded"));
    const auto fromOlderEdge = wire::providerFromJson(older);
    if (!fromOlderEdge)
        QFAIL(qPrintable(fromOlderEdge.error()));
    QVERIFY(fromOlderEdge->serving.isEmpty());

    engine::RaceStart start{42, 7, QStringLiteral("acme"), model::Trigger::Manual, QStringLiteral("/obj"), 65536, false,
                            {QStringLiteral("direct"), QStringLiteral("via:fra")}, at};
    const auto startBack = wire::raceStartFromJson(wire::toJson(start));
    if (!startBack)
        QFAIL(qPrintable(startBack.error()));
    QCOMPARE(startBack->raceId, 42u);
    QCOMPARE(startBack->orderId, 7u);
    QCOMPARE(startBack->routes, start.routes);
    QCOMPARE(startBack->at, at);

    model::RaceResult race;
    race.provider = QStringLiteral("acme");
    race.trigger = model::Trigger::Requests;
    race.winner = QStringLiteral("via:fra");
    race.marginMs = 12.3;
    race.startedAt = at;
    race.routes.append(model::RouteOutcome{QStringLiteral("via:fra"), QStringLiteral("http://10.0.0.1:3128"), model::RouteOutcome::State::Won,
                                           true, 3.2, 10.5, 20.25, 20.25, 0, 65536, 1e6, 200, {}});
    race.routes.append(model::RouteOutcome{QStringLiteral("direct"), {}, model::RouteOutcome::State::Failed,
                                           false, -1, -1, -1, -1, 0, 0, 0, 0, QStringLiteral("connection refused")});
    const auto raceBack = model::raceResultFromJson(model::toJson(race));
    if (!raceBack)
        QFAIL(qPrintable(raceBack.error()));
    QCOMPARE(raceBack->winner, race.winner);
    QCOMPARE(raceBack->trigger, model::Trigger::Requests);
    QCOMPARE(raceBack->routes.size(), 2);
    QCOMPARE(raceBack->routes.at(0).state, model::RouteOutcome::State::Won);
    QCOMPARE(raceBack->routes.at(0).timeToThresholdMs, 20.3); // rounded to 0.1 ms on the wire
    QCOMPARE(raceBack->routes.at(1).ttfbMs, -1.0);
    QCOMPARE(raceBack->routes.at(1).error, QStringLiteral("connection refused"));

    model::RouteChange change{QStringLiteral("acme"), QStringLiteral("edge-fra"), {}, QStringLiteral("via:fra"), at,
                              QStringLiteral("first race"), -1, 17};
    const auto changeBack = wire::routeChangeFromJson(wire::toJson(change));
    if (!changeBack)
        QFAIL(qPrintable(changeBack.error()));
    QVERIFY(changeBack->fromRoute.isEmpty());
    QCOMPARE(changeBack->marginPct, -1.0);
    QCOMPARE(changeBack->raceId, 17);

    engine::EngineStatus status{true, 3, 12, 4, at, {}};
    const auto statusBack = wire::statusFromJson(wire::toJson(status));
    if (!statusBack)
        QFAIL(qPrintable(statusBack.error()));
    QCOMPARE(*statusBack, status);

    engine::HistoryAnswer answer;
    answer.kind = engine::HistoryQuery::Kind::RecentRaces;
    answer.races = {race, race};
    const auto answerBack = wire::historyAnswerFromJson(answer.kind, wire::toJson(answer));
    if (!answerBack)
        QFAIL(qPrintable(answerBack.error()));
    QCOMPARE(answerBack->races.size(), 2);
}

void TestWire::readersNameTheBadField()
{
    const auto error = [](const QByteArray &json) {
        const auto r = wire::providerFromJson(QJsonDocument::fromJson(json).object());
        return r ? QString() : r.error();
    };
    QCOMPARE(error(R"({})"), QStringLiteral("missing provider"));
    QCOMPARE(error(R"({"provider": "a", "races": -1})"), QStringLiteral("races: expected a non-negative integer"));
    QCOMPARE(error(R"({"provider": "a", "chosen_at": "noon"})"), QStringLiteral("chosen_at: not an ISO 8601 time: \"noon\""));
    QCOMPARE(error(R"({"provider": "a", "routes": [1]})"), QStringLiteral("routes: expected an array of strings"));
    QCOMPARE(error(R"({"provider": "a", "last_trigger": "whim"})"), QStringLiteral("trigger: unknown \"whim\""));
    const auto rows = wire::historyAnswerFromJson(engine::HistoryQuery::Kind::RecentRaces,
                                                  QJsonDocument::fromJson(R"({"races": [{"provider": "a", "trigger": "t1", "routes": [{"id": "direct", "state": "sideways"}]}]})").object());
    QVERIFY(!rows);
    QCOMPARE(rows.error(), QStringLiteral("races[0]: routes[0]: state: unknown \"sideways\""));
    const auto missing = wire::historyAnswerFromJson(engine::HistoryQuery::Kind::Failovers, QJsonObject{});
    QVERIFY(!missing);
    QCOMPARE(missing.error(), QStringLiteral("failovers: expected an array"));
}

void TestWire::historyQueriesTravelAsQueryStrings()
{
    engine::HistoryQuery query;
    query.kind = engine::HistoryQuery::Kind::Failovers;
    query.failovers.provider = QStringLiteral("a&b");
    query.failovers.reason = QStringLiteral("stall");
    query.failovers.from = QDateTime::fromString(QStringLiteral("2026-12-01T00:00:00.000Z"), Qt::ISODateWithMs);
    query.failovers.limit = 5;
    QCOMPARE(wire::historyPath(query), QStringLiteral("/api/v1/failovers"));
    const auto back = wire::historyQueryFrom(query.kind, QString(), QUrlQuery(wire::historyUrlQuery(query).toString(QUrl::FullyEncoded)));
    if (!back)
        QFAIL(qPrintable(back.error()));
    QCOMPARE(back->failovers.provider, QStringLiteral("a&b"));
    QCOMPARE(back->failovers.reason, QStringLiteral("stall"));
    QCOMPARE(back->failovers.from, query.failovers.from);
    QVERIFY(!back->failovers.to.isValid());
    QCOMPARE(back->failovers.limit, 5);

    // A search text with a literal '%' and what looks like an escape in it arrives as typed.
    query.failovers.text = QStringLiteral("a+b%6c 50%");
    QUrl sent(QStringLiteral("http://127.0.0.1:1/api/v1/failovers"));
    sent.setQuery(wire::historyUrlQuery(query));
    const auto typed = wire::historyQueryFrom(query.kind, QString(), QUrlQuery(QUrl::fromEncoded(sent.toEncoded())));
    if (!typed)
        QFAIL(qPrintable(typed.error()));
    QCOMPARE(typed->failovers.text, QStringLiteral("a+b%6c 50%"));

    engine::HistoryQuery races;
    races.provider = QStringLiteral("acme corp");
    races.limit = 20;
    QCOMPARE(wire::historyPath(races), QStringLiteral("/api/v1/providers/acme%20corp/races"));
    const auto bad = wire::historyQueryFrom(engine::HistoryQuery::Kind::RecentRaces, QStringLiteral("acme"), QUrlQuery(QStringLiteral("limit=-3")));
    QVERIFY(!bad);
    QVERIFY2(bad.error().startsWith(QStringLiteral("limit:")), qPrintable(bad.error()));
}

void TestWire::chartRowsTravelUnrounded()
{
    const QDateTime at = QDateTime::fromString(QStringLiteral("2026-12-05T10:00:00.123Z"), Qt::ISODateWithMs);
    engine::HistoryAnswer samples;
    samples.kind = engine::HistoryQuery::Kind::RouteSamples;
    samples.routeSamples = {history::RouteSample{at, 7, QStringLiteral("via:fra"), model::RouteOutcome::State::Won, 3.25, 10.125, 20.0625, 20.0625, 65536, true},
                            history::RouteSample{at, 7, QStringLiteral("direct"), model::RouteOutcome::State::Lost, -1, -1, -1, 88.5, 0, false}};
    const auto back = wire::historyAnswerFromJson(samples.kind, wire::toJson(samples));
    if (!back)
        QFAIL(qPrintable(back.error()));
    QCOMPARE(back->routeSamples.size(), 2);
    QCOMPARE(back->routeSamples.at(0).timeToThresholdMs, 20.0625);
    QCOMPARE(back->routeSamples.at(0).at, at);
    QVERIFY(back->routeSamples.at(0).winner);
    QCOMPARE(back->routeSamples.at(1).state, model::RouteOutcome::State::Lost);
    QCOMPARE(back->routeSamples.at(1).ttfbMs, -1.0);

    engine::HistoryAnswer count;
    count.kind = engine::HistoryQuery::Kind::RaceCount;
    count.count = 42;
    QCOMPARE(wire::historyAnswerFromJson(count.kind, wire::toJson(count))->count, 42);
    QVERIFY(!wire::historyAnswerFromJson(count.kind, QJsonObject{}));

    engine::HistoryQuery query;
    query.kind = engine::HistoryQuery::Kind::Winners;
    query.provider = QStringLiteral("acme");
    query.afterRaceId = 12;
    QCOMPARE(wire::historyPath(query), QStringLiteral("/api/v1/providers/acme/winners"));
    const auto parsed = wire::historyQueryFrom(query.kind, query.provider, wire::historyUrlQuery(query));
    QCOMPARE(parsed->afterRaceId, 12);
    const auto bad = wire::historyQueryFrom(engine::HistoryQuery::Kind::RaceCount, QStringLiteral("acme"), QUrlQuery(QStringLiteral("up_to_race=x")));
    QVERIFY(!bad);
    QVERIFY2(bad.error().startsWith(QStringLiteral("up_to_race:")), qPrintable(bad.error()));
}

void TestWire::sseInAnyPieces_data()
{
    QTest::addColumn<QByteArray>("stream");
    const QByteArray lf = wire::sseFrame("race_started", QJsonObject{{QStringLiteral("race_id"), 1}}) + wire::sseComment("heartbeat") +
                          "data: first line\ndata: second\n\n" + "event: x\ndata\nid: 9\nretry: 10\n\n";
    QTest::newRow("LF") << lf;
    QByteArray crlf = lf;
    QTest::newRow("CRLF") << crlf.replace("\n", "\r\n");
    QByteArray cr = lf;
    QTest::newRow("CR") << cr.replace("\n", "\r");
}

void TestWire::sseInAnyPieces()
{
    QFETCH(QByteArray, stream);
    for (const qsizetype piece : {qsizetype(1), qsizetype(2), qsizetype(7), stream.size()}) {
        wire::SseParser parser;
        QList<wire::SseEvent> events;
        for (qsizetype at = 0; at < stream.size(); at += piece)
            events += parser.feed(QByteArrayView(stream).sliced(at, qMin(piece, stream.size() - at)));
        QVERIFY2(!parser.failed(), qPrintable(parser.error()));
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.at(0).name, QByteArray("race_started"));
        QCOMPARE(QJsonDocument::fromJson(events.at(0).data).object().value(QStringLiteral("race_id")).toInt(), 1);
        QCOMPARE(events.at(1).name, QByteArray("message"));
        QCOMPARE(events.at(1).data, QByteArray("first line\nsecond"));
        QCOMPARE(events.at(2).name, QByteArray("x"));
        QCOMPARE(events.at(2).data, QByteArray(""));
    }
}

void TestWire::sseRefusesBrokenStreams()
{
    wire::SseParser small(64);
    const QByteArray longFrame = "data: short\n\n" + QByteArray("data: ") + QByteArray(100, 'x');
    const QList<wire::SseEvent> some = small.feed(longFrame);
    QCOMPARE(some.size(), 1);
    QVERIFY(small.failed());
    QVERIFY2(small.error().contains(QStringLiteral("longer than 64")), qPrintable(small.error()));
    QVERIFY(small.feed("\n\ndata: more\n\n").isEmpty()); // nothing more is read
    wire::SseParser manyLines(64);
    QByteArray lines;
    for (int i = 0; i < 20; ++i)
        lines += "data: 12345\n";
    lines += '\n';
    QVERIFY(manyLines.feed(lines).isEmpty());
    QVERIFY(manyLines.failed());
    wire::SseParser nul;
    QVERIFY(nul.feed(QByteArray("data: a\0b\n\n", 11)).isEmpty());
    QCOMPARE(nul.error(), QStringLiteral("event stream: a NUL byte"));
}

QTEST_GUILESS_MAIN(TestWire)
#include "tst_wire.moc"
