// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/topology.h"

#include <QJsonDocument>
#include <QTest>

using relayrace::lab::Topology;

class TestTopology final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void demoTopologyParsesAndIsComplete();
    void missingHopsAreCreatedClean();
    void roundTripsThroughJson();
    void rejectsBadInputNamingTheJsonPath_data();
    void rejectsBadInputNamingTheJsonPath();
};

namespace {
const QByteArray kMinimal = R"({"format": "relayrace-lab", "version": 1,
  "providers": [{"id": "acme"}, {"id": "globex", "scheme": "https"}],
  "regions": [{"id": "fra", "lat": 50.1, "lon": 8.7, "relay_idle_timeout_ms": 400}, {"id": "sfo", "relay": "tinyproxy"}],
  "links": [{"from": "edge", "to": "relay:fra", "latency_ms": 40}]})";
}

void TestTopology::demoTopologyParsesAndIsComplete()
{
    const auto demo = relayrace::lab::demoTopology();
    QVERIFY2(demo.ok(), qPrintable(demo.ok() ? QString() : demo.error()));
    QVERIFY(demo->providers.size() >= 2 && demo->providers.size() <= 3);
    QVERIFY(demo->regions.size() >= 4 && demo->regions.size() <= 6);
    const auto expectedLinks = demo->providers.size() * (1 + demo->regions.size()) + demo->regions.size(); // all lab relays
    QCOMPARE(demo->links.size(), expectedLinks);
    // Routes of clearly different quality: the best relay path of the first provider beats direct.
    const QString p = demo->providers.first().place.id;
    int best = INT_MAX;
    for (const auto &r : demo->regions)
        best = std::min(best, demo->link(Topology::edgeToRelayLinkId(r.place.id))->impairment.latencyMs
                                  + demo->link(Topology::relayToOriginLinkId(r.place.id, p))->impairment.latencyMs);
    QVERIFY(best < demo->link(Topology::directLinkId(p))->impairment.latencyMs);
}

void TestTopology::missingHopsAreCreatedClean()
{
    const auto t = Topology::fromJson(kMinimal);
    QVERIFY2(t.ok(), qPrintable(t.ok() ? QString() : t.error()));
    QCOMPARE(t->links.size(), 2 + 2 + 2); // the tinyproxy region has no hops of its own
    QCOMPARE(t->link(QStringLiteral("edge>relay:fra"))->impairment.latencyMs, 40);
    QVERIFY(t->link(QStringLiteral("relay:fra>origin:globex"))->impairment.isClean());
    QCOMPARE(t->link(QStringLiteral("relay:sfo>origin:globex")), nullptr);
    QCOMPARE(t->edge.id, QStringLiteral("edge"));
    QCOMPARE(t->providers.at(1).scheme, QStringLiteral("https"));
    QCOMPARE(t->regions.at(1).relay, relayrace::lab::RegionSpec::RelayKind::Tinyproxy);
    QCOMPARE(t->regions.at(0).relayIdleTimeoutMs, 400);
    QCOMPARE(t->regions.at(1).relayIdleTimeoutMs, 0); // the relay's default
}

void TestTopology::roundTripsThroughJson()
{
    const auto t = Topology::fromJson(kMinimal);
    QVERIFY(t.ok());
    const auto again = Topology::fromJson(QJsonDocument(t->toJson()).toJson());
    QVERIFY2(again.ok(), qPrintable(again.ok() ? QString() : again.error()));
    QCOMPARE(QJsonDocument(again->toJson()).toJson(), QJsonDocument(t->toJson()).toJson());
}

void TestTopology::rejectsBadInputNamingTheJsonPath_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    const QByteArray head = R"({"format": "relayrace-lab", "version": 1, )";
    QTest::addRow("not json") << QByteArray("{\"format\": ") << QStringLiteral("$: not valid JSON at offset");
    QTest::addRow("array") << QByteArray("[]") << QStringLiteral("$: expected a JSON object");
    QTest::addRow("wrong format") << QByteArray(R"({"format": "relayrace-map", "version": 1})") << QStringLiteral("format: expected \"relayrace-lab\"");
    QTest::addRow("version 2") << QByteArray(R"({"format": "relayrace-lab", "version": 2})") << QStringLiteral("version: only version 1");
    QTest::addRow("no providers") << head + R"("regions": []})" << QStringLiteral("providers: expected an array");
    QTest::addRow("empty providers") << head + R"("providers": [], "regions": []})" << QStringLiteral("providers: at least one");
    QTest::addRow("provider id missing") << head + R"("providers": [{"name": "x"}], "regions": []})" << QStringLiteral("providers[0].id: expected a string");
    QTest::addRow("bad scheme") << head + R"("providers": [{"id": "a", "scheme": "ftp"}], "regions": []})" << QStringLiteral("providers[0].scheme: expected");
    QTest::addRow("duplicate region") << head + R"("providers": [{"id": "a"}], "regions": [{"id": "r"}, {"id": "r"}]})" << QStringLiteral("regions[1].id: duplicate id 'r'");
    QTest::addRow("bad id") << head + R"("providers": [{"id": "a b"}], "regions": []})" << QStringLiteral("providers[0].id: 'a b' is not a valid id");
    QTest::addRow("latitude") << head + R"("providers": [{"id": "a", "lat": 91}], "regions": []})" << QStringLiteral("providers[0].lat: 91 is outside");
    QTest::addRow("relay kind") << head + R"("providers": [{"id": "a"}], "regions": [{"id": "r", "relay": "nginx"}]})" << QStringLiteral("regions[0].relay: expected");
    QTest::addRow("relay idle timeout") << head + R"("providers": [{"id": "a"}], "regions": [{"id": "r", "relay_idle_timeout_ms": 0}]})" << QStringLiteral("regions[0].relay_idle_timeout_ms: expected an integer from 1 to 3600000");
    QTest::addRow("relay idle timeout text") << head + R"("providers": [{"id": "a"}], "regions": [{"id": "r", "relay_idle_timeout_ms": "1s"}]})" << QStringLiteral("regions[0].relay_idle_timeout_ms: expected an integer");
    QTest::addRow("unknown from") << head + R"("providers": [{"id": "a"}], "regions": [], "links": [{"from": "relay:x", "to": "origin:a"}]})" << QStringLiteral("links[0].from: 'relay:x'");
    QTest::addRow("relay to relay") << head + R"("providers": [{"id": "a"}], "regions": [{"id": "r"}, {"id": "s"}], "links": [{"from": "relay:r", "to": "relay:s"}]})" << QStringLiteral("links[0].to: 'relay:s' is not a hop");
    QTest::addRow("tinyproxy hop") << head + R"("providers": [{"id": "a"}], "regions": [{"id": "t", "relay": "tinyproxy"}], "links": [{"from": "relay:t", "to": "origin:a"}]})" << QStringLiteral("links[0].from: region 't' relays with tinyproxy");
    QTest::addRow("squid hop") << head + R"("providers": [{"id": "a"}], "regions": [{"id": "s", "relay": "squid"}], "links": [{"from": "relay:s", "to": "origin:a"}]})" << QStringLiteral("links[0].from: region 's' relays with squid");
    QTest::addRow("duplicate link") << head + R"("providers": [{"id": "a"}], "regions": [], "links": [{"from": "edge", "to": "origin:a"}, {"from": "edge", "to": "origin:a"}]})" << QStringLiteral("links[1]: duplicate link edge>origin:a");
    QTest::addRow("bad impairment") << head + R"("providers": [{"id": "a"}], "regions": [], "links": [{"from": "edge", "to": "origin:a", "latency_ms": "slow"}]})" << QStringLiteral("links[0].latency_ms: expected a number");
    QTest::addRow("oversized") << QByteArray(5 * 1024 * 1024, ' ') << QStringLiteral("$: the file is 5242880 bytes, over");
}

void TestTopology::rejectsBadInputNamingTheJsonPath()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const auto t = Topology::fromJson(json);
    QVERIFY(!t.ok());
    QVERIFY2(t.error().startsWith(error), qPrintable(t.error()));
}

QTEST_GUILESS_MAIN(TestTopology)
#include "tst_topology.moc"
