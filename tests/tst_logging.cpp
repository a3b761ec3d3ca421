// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "log/jsonline.h"
#include "log/logging.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <spdlog/spdlog.h>

class TestLogging final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parsesEveryLevelName_data();
    void parsesEveryLevelName();
    void namedLoggersWriteToTheRotatingFile();
    void qtMessagesAreForwarded();
    void jsonLineIsWhatQJsonDocumentWrites_data();
    void jsonLineIsWhatQJsonDocumentWrites();
    void jsonLineTimeIsIsoDateWithMs();

private:
    QTemporaryDir m_state; // lives for the whole test: the log file stays open
};

void TestLogging::parsesEveryLevelName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("level");
    QTest::addColumn<bool>("valid");
    QTest::addRow("trace") << QStringLiteral("trace") << int(spdlog::level::trace) << true;
    QTest::addRow("debug") << QStringLiteral("debug") << int(spdlog::level::debug) << true;
    QTest::addRow("info") << QStringLiteral("info") << int(spdlog::level::info) << true;
    QTest::addRow("warn") << QStringLiteral("warn") << int(spdlog::level::warn) << true;
    QTest::addRow("error") << QStringLiteral("error") << int(spdlog::level::err) << true;
    QTest::addRow("off") << QStringLiteral("off") << int(spdlog::level::off) << true;
    QTest::addRow("bogus") << QStringLiteral("loud") << 0 << false;
}

void TestLogging::parsesEveryLevelName()
{
    QFETCH(QString, name);
    QFETCH(int, level);
    QFETCH(bool, valid);
    const auto parsed = relayrace::log::parseLevel(name.toStdString());
    QCOMPARE(parsed.has_value(), valid);
    if (valid)
        QCOMPARE(int(*parsed), level);
}

void TestLogging::namedLoggersWriteToTheRotatingFile()
{
    QVERIFY(m_state.isValid());
    qputenv("XDG_STATE_HOME", m_state.path().toUtf8());
    relayrace::log::init({spdlog::level::off, true, "relayrace-test"});
    const QString path = QString::fromStdString(relayrace::log::logFilePath("relayrace-test"));
    QVERIFY(path.startsWith(m_state.path()));
    relayrace::log::get("race")->info("race {} won by {}", 7, "via:fra");
    relayrace::log::get("race")->flush();
    QFile file(path);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
    const QByteArray text = file.readAll();
    QVERIFY2(text.contains("[race]"), text.constData());
    QVERIFY(text.contains("race 7 won by via:fra"));
}

void TestLogging::qtMessagesAreForwarded()
{
    const QString path = QString::fromStdString(relayrace::log::logFilePath("relayrace-test"));
    qWarning("forwarded from Qt %d", 42);
    relayrace::log::get("qt")->flush();
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY2(text.contains("[qt]") && text.contains("forwarded from Qt 42"), text.constData());
}

void TestLogging::jsonLineIsWhatQJsonDocumentWrites_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("wire"); // the same field as bytes off the wire (Latin-1)
    QTest::addColumn<double>("number");
    QTest::addRow("plain") << QStringLiteral("GET") << QByteArray("/obj/bench?size=1024") << 8.125;
    QTest::addRow("quotes and backslashes") << QStringLiteral("a \"b\" \\c\\") << QByteArray("/\"x\"\\") << 0.1;
    QTest::addRow("control characters") << QStringLiteral("t\tn\nr\rb\bf\f\x01\x1f\x7f") << QByteArray("\x02\x1b[31m") << 1e21;
    QTest::addRow("non-ASCII") << QStringLiteral("K\u00f6ln \u6771\u4eac \U0001F600") << QByteArray("/caf\xe9\xff") << -0.0;
    QTest::addRow("empty, integral") << QString() << QByteArray() << 3.0;
}

void TestLogging::jsonLineIsWhatQJsonDocumentWrites()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, wire);
    QFETCH(double, number);
    const QByteArray line = relayrace::log::JsonLine()
                                .add("text", text)
                                .addLatin1("path", wire)
                                .add("status", 200)
                                .add("bytes", qint64(1) << 40)
                                .add("duration_ms", number)
                                .add("ok", true)
                                .add("cached", false)
                                .finish();
    const QJsonObject expected{{QStringLiteral("text"), text},
                               {QStringLiteral("path"), QString::fromLatin1(wire)},
                               {QStringLiteral("status"), 200},
                               {QStringLiteral("bytes"), qint64(1) << 40},
                               {QStringLiteral("duration_ms"), number},
                               {QStringLiteral("ok"), true},
                               {QStringLiteral("cached"), false}};
    QJsonParseError error;
    const QJsonDocument parsed = QJsonDocument::fromJson(line, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + u' ' + QString::fromUtf8(line)));
    QCOMPARE(parsed.object(), expected);
    // Byte for byte what QJsonDocument writes, given its key order (QJsonObject sorts the keys).
    const QByteArray sorted = relayrace::log::JsonLine()
                                  .add("bytes", qint64(1) << 40)
                                  .add("cached", false)
                                  .add("duration_ms", number)
                                  .add("ok", true)
                                  .addLatin1("path", wire)
                                  .add("status", 200)
                                  .add("text", text)
                                  .finish();
    QCOMPARE(sorted, QJsonDocument(expected).toJson(QJsonDocument::Compact));
}

void TestLogging::jsonLineTimeIsIsoDateWithMs()
{
    const qint64 base = QDateTime(QDate(2026, 12, 4), QTime(22, 27, 19), Qt::UTC).toMSecsSinceEpoch();
    for (const qint64 offset : {0, 1, 42, 999, 1000, 1297, 86'399'999, -1, -1000}) {
        const qint64 ms = base + offset;
        const QByteArray line = relayrace::log::JsonLine().addUtcTime("time", ms).finish();
        const QString want = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
        QCOMPARE(QJsonDocument::fromJson(line).object().value(QStringLiteral("time")).toString(), want);
    }
    const QByteArray epoch = relayrace::log::JsonLine().addUtcTime("time", -1).finish();
    QCOMPARE(epoch, QByteArray(R"({"time":"1969-12-31T23:59:59.999Z"})"));
}

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"
