// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The failover log inspector as an operator uses it: live events, filters, the detail pane, CSV
// export, and failover log files from another edge (damaged lines included).
#include "model/failoverevent.h"
#include "ui/failover/failoverfilterproxy.h"
#include "ui/failover/failoverinspector.h"
#include "ui/failover/failovermodel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using relayrace::model::FailoverEvent;
using relayrace::ui::FailoverInspector;
using relayrace::ui::FailoverModel;

using namespace relayrace;

namespace {

const QDateTime kStart = QDateTime(QDate(2024, 5, 1), QTime(12, 0, 0), Qt::UTC);

model::FailoverEvent makeEvent(int minute, const QString &provider, const QString &from, const QString &to,
                    const QString &reason, model::FailoverEvent::Outcome outcome = model::FailoverEvent::Outcome::Resumed)
{
    model::FailoverEvent e;
    e.at = kStart.addSecs(minute * 60).addMSecs(minute * 7);
    e.provider = provider;
    e.request = QStringLiteral("GET /big-%1.bin").arg(minute);
    e.fromRoute = from;
    e.toRoute = to;
    e.reason = reason;
    e.detail = QStringLiteral("%1 on %2").arg(reason, from);
    e.bytesDelivered = 1048576 + minute;
    e.resumeOffset = outcome == model::FailoverEvent::Outcome::Resumed ? e.bytesDelivered : -1;
    e.recoverMs = outcome == model::FailoverEvent::Outcome::Failed ? -1 : 12.5 + minute;
    e.outcome = outcome;
    if (outcome == model::FailoverEvent::Outcome::Failed)
        e.toRoute.clear();
    return e;
}

QList<model::FailoverEvent> sample()
{
    return {
        makeEvent(0, QStringLiteral("acme"), QStringLiteral("direct"), QStringLiteral("via:fra"), QStringLiteral("reset")),
        makeEvent(1, QStringLiteral("acme"), QStringLiteral("via:fra"), QStringLiteral("via:ams"), QStringLiteral("stall")),
        makeEvent(2, QStringLiteral("beta"), QStringLiteral("direct"), QStringLiteral("via:ams"), QStringLiteral("timeout"),
              model::FailoverEvent::Outcome::Restarted),
        makeEvent(3, QStringLiteral("beta"), QStringLiteral("via:ams"), QString(), QStringLiteral("refused"),
              model::FailoverEvent::Outcome::Failed),
        makeEvent(4, QStringLiteral("acme"), QStringLiteral("via:lon"), QStringLiteral("direct"), QStringLiteral("tls")),
    };
}

void compareEvents(const model::FailoverEvent &actual, const model::FailoverEvent &expected)
{
    QCOMPARE(actual.at, expected.at);
    QCOMPARE(actual.provider, expected.provider);
    QCOMPARE(actual.request, expected.request);
    QCOMPARE(actual.fromRoute, expected.fromRoute);
    QCOMPARE(actual.toRoute, expected.toRoute);
    QCOMPARE(actual.reason, expected.reason);
    QCOMPARE(actual.detail, expected.detail);
    QCOMPARE(actual.bytesDelivered, expected.bytesDelivered);
    QCOMPARE(actual.resumeOffset, expected.resumeOffset);
    QCOMPARE(actual.recoverMs, expected.recoverMs);
    QCOMPARE(actual.outcome, expected.outcome);
}

// RFC 4180 records, written here independently of the exporter.
QList<QStringList> parseCsv(const QString &text)
{
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            record.append(field);
            field.clear();
        } else if (c == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n') {
            record.append(field);
            records.append(record);
            record.clear();
            field.clear();
            ++i;
        } else {
            field += c;
        }
    }
    if (!field.isEmpty() || !record.isEmpty())
        records.append(record << field);
    return records;
}

int visibleRows(FailoverInspector &inspector)
{
    return inspector.findChild<QTableView *>(QStringLiteral("failoverView"))->model()->rowCount();
}

void choose(FailoverInspector &inspector, const char *comboName, const QString &value)
{
    auto *combo = inspector.findChild<QComboBox *>(QLatin1String(comboName));
    QVERIFY(combo);
    const int at = value.isEmpty() ? 0 : combo->findData(value);
    QVERIFY2(at >= 0, qPrintable(value));
    combo->setCurrentIndex(at);
}

} // namespace

class TestFailoverInspector final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void eventJsonRoundTrips();
    void malformedEventJsonNamesTheField_data();
    void malformedEventJsonNamesTheField();
    void liveEventsAppearTogetherInOneInsertion();
    void filtersNarrowTheRows();
    void selectingARowShowsTheWholeEventAsJson();
    void csvExportOfTheShownRowsRoundTrips();
    void logFileWithAMalformedLineOpensWithTheRest();
    void unreadableOrWhollyMalformedLogIsAnErrorAndKeepsTheView();

private:
    QTemporaryDir m_dir;
};

void TestFailoverInspector::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestFailoverInspector::eventJsonRoundTrips()
{
    for (const model::FailoverEvent &original : sample()) {
        const auto parsed = relayrace::model::fromJson(relayrace::model::toJson(original));
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error()));
        compareEvents(parsed.value(), original);
    }
}

void TestFailoverInspector::malformedEventJsonNamesTheField_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("expected");
    QTest::addRow("no provider") << QStringLiteral("provider") << QJsonValue(QJsonValue::Undefined) << QStringLiteral("missing provider");
    QTest::addRow("provider not text") << QStringLiteral("provider") << QJsonValue(3) << QStringLiteral("provider: expected a string");
    QTest::addRow("unknown outcome") << QStringLiteral("outcome") << QJsonValue(QStringLiteral("exploded")) << QStringLiteral("outcome: unknown");
    QTest::addRow("negative bytes") << QStringLiteral("bytes_delivered") << QJsonValue(-5) << QStringLiteral("bytes_delivered: expected a non-negative integer");
    QTest::addRow("fractional offset") << QStringLiteral("resume_offset") << QJsonValue(1.5) << QStringLiteral("resume_offset");
    QTest::addRow("bad time") << QStringLiteral("at") << QJsonValue(QStringLiteral("yesterday")) << QStringLiteral("at: not an ISO 8601 time");
    QTest::addRow("recover as text") << QStringLiteral("recover_ms") << QJsonValue(QStringLiteral("fast")) << QStringLiteral("recover_ms");
}

void TestFailoverInspector::malformedEventJsonNamesTheField()
{
    QFETCH(QString, field);
    QFETCH(QJsonValue, value);
    QFETCH(QString, expected);
    QJsonObject object = relayrace::model::toJson(sample().first());
    if (value.isUndefined())
        object.remove(field);
    else
        object.insert(field, value);
    const auto parsed = relayrace::model::fromJson(object);
    QVERIFY(!parsed.ok());
    QVERIFY2(parsed.error().startsWith(expected), qPrintable(parsed.error()));
}

void TestFailoverInspector::liveEventsAppearTogetherInOneInsertion()
{
    FailoverInspector inspector;
    QAbstractItemModelTester tester(inspector.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(inspector.proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(inspector.model(), &QAbstractItemModel::rowsInserted);
    QElapsedTimer feeding;
    feeding.start();
    for (int i = 0; i < 30; ++i)
        inspector.addEvent(makeEvent(i, QStringLiteral("acme"), QStringLiteral("direct"), QStringLiteral("via:fra"), QStringLiteral("reset")));
    QVERIFY(feeding.elapsed() < FailoverModel::kFlushIntervalMs);
    QCOMPARE(visibleRows(inspector), 0); // queued, not yet shown
    QTRY_COMPARE_WITH_TIMEOUT(visibleRows(inspector), 30, 5000);
    QCOMPARE(inserted.count(), 1);
    // Newest first in the view; the provider filter learnt the new provider.
    auto *view = inspector.findChild<QTableView *>(QStringLiteral("failoverView"));
    QCOMPARE(view->model()->index(0, FailoverModel::RequestColumn).data().toString(), QStringLiteral("GET /big-29.bin"));
    QVERIFY(inspector.findChild<QComboBox *>(QStringLiteral("providerFilter"))->findData(QStringLiteral("acme")) > 0);
}

void TestFailoverInspector::filtersNarrowTheRows()
{
    FailoverInspector inspector;
    QAbstractItemModelTester proxyTester(inspector.proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    inspector.setEvents(sample());
    QCOMPARE(visibleRows(inspector), 5);

    choose(inspector, "providerFilter", QStringLiteral("beta"));
    QCOMPARE(visibleRows(inspector), 2);
    choose(inspector, "providerFilter", QString());
    choose(inspector, "routeFilter", QStringLiteral("via:ams")); // from or to
    QCOMPARE(visibleRows(inspector), 3);
    choose(inspector, "reasonFilter", QStringLiteral("stall"));
    QCOMPARE(visibleRows(inspector), 1);
    choose(inspector, "routeFilter", QString());
    choose(inspector, "reasonFilter", QString());

    auto *text = inspector.findChild<QLineEdit *>(QStringLiteral("textFilter"));
    QTest::keyClicks(text, QStringLiteral("BIG-4"));
    QCOMPARE(visibleRows(inspector), 1);
    text->clear();
    QTest::keyClicks(text, QStringLiteral("restarted")); // the outcome counts as text too
    QCOMPARE(visibleRows(inspector), 1);
    text->clear();
    QCOMPARE(visibleRows(inspector), 5);

    // Custom time range: minutes 1 to 3 (local time in the editors; both ends included).
    auto *range = inspector.findChild<QComboBox *>(QStringLiteral("timeRangeFilter"));
    range->setCurrentIndex(range->findData(-1));
    auto *from = inspector.findChild<QDateTimeEdit *>(QStringLiteral("fromTimeFilter"));
    auto *to = inspector.findChild<QDateTimeEdit *>(QStringLiteral("toTimeFilter"));
    QVERIFY(from->isEnabled());
    QCOMPARE(visibleRows(inspector), 5); // starts at the span of the events
    from->setDateTime(kStart.addSecs(60).toLocalTime());
    to->setDateTime(kStart.addSecs(180).toLocalTime());
    QCOMPARE(visibleRows(inspector), 3);
    range->setCurrentIndex(range->findData(3600)); // last hour: the sample is from 2024
    QCOMPARE(visibleRows(inspector), 0);
    range->setCurrentIndex(0);
    QCOMPARE(visibleRows(inspector), 5);

    // A filter that no longer has a value after new events falls back to "All".
    choose(inspector, "providerFilter", QStringLiteral("beta"));
    inspector.setEvents({sample().first()});
    QCOMPARE(inspector.findChild<QComboBox *>(QStringLiteral("providerFilter"))->currentIndex(), 0);
    QCOMPARE(visibleRows(inspector), 1);
}

void TestFailoverInspector::selectingARowShowsTheWholeEventAsJson()
{
    FailoverInspector inspector;
    inspector.resize(1200, 600);
    inspector.show();
    QVERIFY(QTest::qWaitForWindowExposed(&inspector));
    inspector.setEvents(sample());
    auto *view = inspector.findChild<QTableView *>(QStringLiteral("failoverView"));
    auto *detail = inspector.findChild<QPlainTextEdit *>(QStringLiteral("failoverDetail"));
    QVERIFY(detail->toPlainText().isEmpty());
    // Row 1 newest first: minute 3, the failed one.
    const QRect rect = view->visualRect(view->model()->index(1, FailoverModel::ProviderColumn));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    const QJsonDocument shown = QJsonDocument::fromJson(detail->toPlainText().toUtf8());
    QVERIFY(shown.isObject());
    QCOMPARE(shown.object(), relayrace::model::toJson(sample().at(3)));
    QVERIFY(detail->toPlainText().contains(u'\n')); // pretty, not one line
    QCOMPARE(view->model()->index(1, FailoverModel::ToColumn).data().toString(), QStringLiteral("(none)"));
    inspector.setEvents({sample().first()}); // the shown event is gone: so is its detail
    QVERIFY(detail->toPlainText().isEmpty());
}

void TestFailoverInspector::csvExportOfTheShownRowsRoundTrips()
{
    FailoverInspector inspector;
    QList<model::FailoverEvent> events = sample();
    events[0].detail = QStringLiteral("reset, after \"Connection: close\"\r\nsecond line");
    events[1].request = QStringLiteral(" GET /a,b.bin ");
    events[2].recoverMs = 0.1 + 0.2; // not a short decimal: must survive as a double
    inspector.setEvents(events);
    choose(inspector, "providerFilter", QStringLiteral("acme"));
    QCOMPARE(visibleRows(inspector), 3);

    const QString path = m_dir.filePath(QStringLiteral("acme.csv"));
    QVERIFY(inspector.exportCsv(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QStringList> records = parseCsv(QString::fromUtf8(file.readAll()));
    QCOMPARE(records.size(), 4);
    QCOMPARE(records.first().join(u','), QStringLiteral("at,provider,request,from_route,to_route,reason,detail,"
                                                        "bytes_delivered,resume_offset,recover_ms,outcome"));
    // Table order (newest first) and only the rows shown: minutes 4, 1, 0.
    const QList<int> expected{4, 1, 0};
    for (int i = 0; i < expected.size(); ++i) {
        const QStringList &r = records.at(i + 1);
        QCOMPARE(r.size(), 11);
        model::FailoverEvent e;
        e.at = QDateTime::fromString(r.at(0), Qt::ISODateWithMs);
        e.provider = r.at(1);
        e.request = r.at(2);
        e.fromRoute = r.at(3);
        e.toRoute = r.at(4);
        e.reason = r.at(5);
        e.detail = r.at(6);
        e.bytesDelivered = r.at(7).toLongLong();
        e.resumeOffset = r.at(8).isEmpty() ? -1 : r.at(8).toLongLong();
        e.recoverMs = r.at(9).isEmpty() ? -1 : r.at(9).toDouble();
        e.outcome = relayrace::model::outcomeFromName(r.at(10)).value_or(model::FailoverEvent::Outcome::Failed);
        compareEvents(e, events.at(expected.at(i)));
    }
    choose(inspector, "providerFilter", QStringLiteral("beta"));
    QVERIFY(inspector.exportCsv(path));
    file.close(); // the export replaced the file: read the new one
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QStringList> beta = parseCsv(QString::fromUtf8(file.readAll()));
    QCOMPARE(beta.size(), 3);
    QCOMPARE(beta.at(2).at(9).toDouble(), 0.1 + 0.2); // minute 2, below minute 3
    QVERIFY(!inspector.exportCsv(m_dir.filePath(QStringLiteral("no/such/dir/x.csv"))));
    QVERIFY(inspector.findChild<QLabel *>(QStringLiteral("failoverStatus"))->text().contains(QStringLiteral("Could not write")));
}

void TestFailoverInspector::logFileWithAMalformedLineOpensWithTheRest()
{
    FailoverInspector inspector;
    QAbstractItemModelTester tester(inspector.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    inspector.setEvents({sample().first()}); // the live events
    const QList<model::FailoverEvent> events = sample();
    QJsonObject noOutcome = relayrace::model::toJson(events.at(1));
    noOutcome.remove(QStringLiteral("outcome"));
    QByteArray log;
    log += QJsonDocument(relayrace::model::toJson(events.at(2))).toJson(QJsonDocument::Compact) + '\n';
    log += "{\"at\": \"2024-05-01T12:00:00Z\", \"provider\": \n";                        // line 2: cut off
    log += QJsonDocument(noOutcome).toJson(QJsonDocument::Compact) + '\n';                // line 3: no outcome
    log += "\n";                                                                           // blank: not an error
    log += "[1, 2, 3]\n";                                                                  // line 5: not an object
    log += QByteArray("\x00\xff\xfe garbage", 11) + '\n';                                 // line 6: binary
    log += QJsonDocument(relayrace::model::toJson(events.at(3))).toJson(QJsonDocument::Compact) + '\n';
    log += QJsonDocument(relayrace::model::toJson(events.at(4))).toJson(QJsonDocument::Compact); // no final \n
    const QString path = m_dir.filePath(QStringLiteral("other-edge.jsonl"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(log);
    file.close();

    const auto opened = inspector.openLogFile(path);
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error()));
    QCOMPARE(opened.value(), 3);
    QVERIFY(inspector.showingFile());
    QCOMPARE(visibleRows(inspector), 3);
    const QString status = inspector.findChild<QLabel *>(QStringLiteral("failoverStatus"))->text();
    QVERIFY2(status.contains(QStringLiteral("4 malformed lines skipped")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("line 2: not JSON")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("line 3: missing outcome")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("line 5: not a JSON object")), qPrintable(status));
    compareEvents(inspector.model()->event(0), events.at(2));
    compareEvents(inspector.model()->event(2), events.at(4));

    // Live events keep arriving but the file stays on screen until the operator goes back.
    inspector.addEvent(events.at(1));
    QTest::qWait(2 * FailoverModel::kFlushIntervalMs);
    QCOMPARE(visibleRows(inspector), 3);
    inspector.showLiveEvents();
    QVERIFY(!inspector.showingFile());
    QCOMPARE(visibleRows(inspector), 2);
}

void TestFailoverInspector::unreadableOrWhollyMalformedLogIsAnErrorAndKeepsTheView()
{
    FailoverInspector inspector;
    inspector.setEvents(sample());
    const QString missing = m_dir.filePath(QStringLiteral("missing.jsonl"));
    const auto none = inspector.openLogFile(missing);
    QVERIFY(!none.ok());
    QVERIFY2(none.error().contains(missing), qPrintable(none.error()));

    const QString path = m_dir.filePath(QStringLiteral("garbage.jsonl"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not json\n{\"provider\": 1}\n");
    file.close();
    const auto garbage = inspector.openLogFile(path);
    QVERIFY(!garbage.ok());
    QVERIFY2(garbage.error().contains(QStringLiteral("2 malformed lines")), qPrintable(garbage.error()));
    QVERIFY(!inspector.showingFile());
    QCOMPARE(visibleRows(inspector), 5);
    QVERIFY(inspector.findChild<QLabel *>(QStringLiteral("failoverStatus"))->text().contains(QStringLiteral("Could not open")));

    // An empty log is a log with no failovers, not an error.
    const QString empty = m_dir.filePath(QStringLiteral("empty.jsonl"));
    QVERIFY(QFile(empty).open(QIODevice::WriteOnly));
    const auto nothing = inspector.openLogFile(empty);
    QVERIFY(nothing.ok());
    QCOMPARE(nothing.value(), 0);
    QCOMPARE(visibleRows(inspector), 0);
}

QTEST_MAIN(TestFailoverInspector)
#include "tst_failoverinspector.moc"
