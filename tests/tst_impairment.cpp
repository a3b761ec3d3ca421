// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/impairment.h"

#include <QJsonDocument>
#include <QTest>

using relayrace::lab::Impairment;

class TestImpairment final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTripsThroughJson();
    void rejectsBadFieldsNamingThePath_data();
    void rejectsBadFieldsNamingThePath();
    void describesForHumans();
};

void TestImpairment::roundTripsThroughJson()
{
    Impairment i;
    i.latencyMs = 120;
    i.jitterMs = 10;
    i.bandwidthBytesPerSec = 1 << 20;
    i.stallAfterBytes = 65536;
    i.blackhole = true;
    i.failPct = 25;
    const auto back = relayrace::lab::impairmentFromJson(relayrace::lab::toJson(i), QStringLiteral("links[0]"));
    QVERIFY2(back.ok(), qPrintable(back.ok() ? QString() : back.error()));
    QCOMPARE(back.value(), i);
    QVERIFY(!back.value().isClean());
    QVERIFY(Impairment{}.isClean());
}

void TestImpairment::rejectsBadFieldsNamingThePath_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");
    QTest::addRow("string latency") << QByteArray(R"({"latency_ms": "fast"})") << QStringLiteral("links[3].latency_ms: expected a number");
    QTest::addRow("negative bandwidth") << QByteArray(R"({"bandwidth_bps": -5})") << QStringLiteral("links[3].bandwidth_bps: -5 is outside");
    QTest::addRow("fractional stall") << QByteArray(R"({"stall_after_bytes": 1.5})") << QStringLiteral("links[3].stall_after_bytes: expected a whole number");
    QTest::addRow("fail above 100") << QByteArray(R"({"fail_pct": 101})") << QStringLiteral("links[3].fail_pct: 101 is outside 0..100");
    // Found by fuzz_topology: past qint64's range, the conversion itself was undefined behaviour.
    QTest::addRow("beyond 64 bits") << QByteArray(R"({"latency_ms": 2.6e70})") << QStringLiteral("links[3].latency_ms: 2.6e+70 is outside");
    QTest::addRow("beyond 64 bits, negative") << QByteArray(R"({"stall_after_bytes": -1e300})") << QStringLiteral("links[3].stall_after_bytes: -1e+300 is outside");
    QTest::addRow("refuse not bool") << QByteArray(R"({"refuse": 1})") << QStringLiteral("links[3].refuse: expected true or false");
    QTest::addRow("jitter above latency") << QByteArray(R"({"latency_ms": 10, "jitter_ms": 20})") << QStringLiteral("links[3].jitter_ms: 20 is larger");
}

void TestImpairment::rejectsBadFieldsNamingThePath()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    const auto result = relayrace::lab::impairmentFromJson(QJsonDocument::fromJson(json).object(), QStringLiteral("links[3]"));
    QVERIFY(!result.ok());
    QVERIFY2(result.error().startsWith(expected), qPrintable(result.error()));
}

void TestImpairment::describesForHumans()
{
    Impairment i;
    QCOMPARE(relayrace::lab::describe(i), QStringLiteral("clean"));
    i.latencyMs = 100;
    i.bandwidthBytesPerSec = 1024 * 1024;
    i.resetAfterBytes = 4096;
    QCOMPARE(relayrace::lab::describe(i), QStringLiteral("100 ms, 1.00 MiB/s, reset after 4096 B"));
}

QTEST_GUILESS_MAIN(TestImpairment)
#include "tst_impairment.moc"
