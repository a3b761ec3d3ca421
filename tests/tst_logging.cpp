// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "log/logging.h"

#include <QFile>
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

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"
