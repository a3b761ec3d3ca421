// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The history panel opens on a range that fits the data it has ("Fit the data", up to 7 days back):
// a fresh demo's few minutes fill the charts instead of a sliver at the right edge of a day.
#include "history/historystore.h"
#include "ui/history/historypanel.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace relayrace;
using relayrace::ui::HistoryPanel;

namespace {

model::RaceResult race(const QDateTime &at)
{
    model::RaceResult result;
    result.provider = QStringLiteral("shop");
    result.trigger = model::Trigger::T2;
    result.object = QStringLiteral("/sureroute-test-object.html");
    result.thresholdBytes = 65536;
    result.fairness = QStringLiteral("warm");
    result.startedAt = at;
    result.winner = QStringLiteral("direct");
    result.marginMs = 12;
    for (const QString &id : {QStringLiteral("direct"), QStringLiteral("via:fra")}) {
        model::RouteOutcome route;
        route.routeId = id;
        route.state = id == u"direct" ? model::RouteOutcome::State::Won : model::RouteOutcome::State::Lost;
        route.ttfbMs = 20;
        route.timeToThresholdMs = id == u"direct" ? 60 : 72;
        route.projectedMs = route.timeToThresholdMs;
        route.bytes = 65536;
        route.httpStatus = 200;
        result.routes.append(route);
    }
    return result;
}

} // namespace

class TestHistoryRange : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void opensOnTheDataItHas_data();
    void opensOnTheDataItHas();
};

void TestHistoryRange::opensOnTheDataItHas_data()
{
    QTest::addColumn<qint64>("firstAgoSeconds");
    QTest::addColumn<qint64>("minSpanSeconds");
    QTest::addColumn<qint64>("maxSpanSeconds");
    // A few seconds of races: the 30-second floor. Three minutes: the three minutes and a twentieth
    // more. Two days: the same.
    QTest::newRow("fresh demo") << qint64(10) << qint64(30) << qint64(40);
    QTest::newRow("three minutes") << qint64(180) << qint64(180) << qint64(180 + 9 + 10);
    QTest::newRow("two days") << qint64(2 * 86400) << qint64(2 * 86400) << qint64(2 * 86400 + 2 * 86400 / 20 + 10);
}

void TestHistoryRange::opensOnTheDataItHas()
{
    QFETCH(qint64, firstAgoSeconds);
    QFETCH(qint64, minSpanSeconds);
    QFETCH(qint64, maxSpanSeconds);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("history.sqlite"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    {
        auto store = history::HistoryStore::open(path);
        QVERIFY2(store, qPrintable(store ? QString() : store.error()));
        QList<history::RaceRecord> records;
        for (qint64 i = 0; i < 20; ++i) // the first firstAgoSeconds ago, the last a moment ago
            records.append(history::RaceRecord{race(now.addMSecs(-firstAgoSeconds * 1000 * (20 - i) / 20)), QStringLiteral("default"), true});
        auto added = (*store)->addRaces(records);
        QVERIFY2(added, qPrintable(added ? QString() : added.error()));
    }

    HistoryPanel panel;
    QCOMPARE(panel.range(), HistoryPanel::Range::FitData); // the default
    panel.resize(1280, 800);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QSignalSpy loaded(&panel, &HistoryPanel::loaded);
    panel.setHistoryPath(path);
    panel.setProvider(QStringLiteral("shop"));
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() >= 1, 60000);
    QVERIFY2(panel.lastError().isEmpty(), qPrintable(panel.lastError()));
    QCOMPARE(panel.data().races, 20);
    const qint64 span = panel.data().from.secsTo(panel.data().to);
    QVERIFY2(span >= minSpanSeconds && span <= maxSpanSeconds,
             qPrintable(QStringLiteral("the charts span %1 s, expected %2..%3 s").arg(span).arg(minSpanSeconds).arg(maxSpanSeconds)));
    QVERIFY2(panel.data().from <= now.addSecs(-firstAgoSeconds), "the first race is left out");

    // A fixed range is still a fixed range: the last hour holds the last hour only.
    loaded.clear();
    panel.setRange(HistoryPanel::Range::LastHour);
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() >= 1, 60000);
    QCOMPARE(panel.data().from.secsTo(panel.data().to), 3600);
}

QTEST_MAIN(TestHistoryRange)
#include "tst_historyrange.moc"
