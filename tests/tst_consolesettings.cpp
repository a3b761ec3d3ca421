// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The console's settings: the dialog reads and gives them, they are kept across a restart, and the
// running embedded engine takes them without one (a new edge region changes every provider's
// routes at once); a CA file that does not load is refused and changes nothing.
#include "engine/enginefront.h"
#include "map/mapcodec.h"
#include "history/historystore.h"
#include "support/historyrecords.h"
#include "support/routemaps.h"
#include "ui/dialogs/settingsdialog.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QComboBox>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using namespace relayrace;
using relayrace::ui::ConsoleSettings;
using relayrace::ui::MainWindow;

class TestConsoleSettings final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { QSettings().remove(QStringLiteral("engine")); }
    void dialogGivesWhatItWasGivenAndWhatIsChanged();
    void runningEngineTakesANewEdgeRegionWithoutRestart();
    void historyRetentionAppliesAtOnce();

private:
    QTemporaryDir m_dir;
};

void TestConsoleSettings::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("relayrace-tests-settings"));
    QSettings().remove(QStringLiteral("engine"));
}

void TestConsoleSettings::dialogGivesWhatItWasGivenAndWhatIsChanged()
{
    ConsoleSettings current;
    current.edgeRegion = QStringLiteral("edge-sin");
    current.racesPerMinute = 12;
    current.expiredMap = QStringLiteral("direct");
    ui::SettingsDialog dialog(current, {QStringLiteral("default"), QStringLiteral("edge-sin")});
    QCOMPARE(dialog.settings(), current);
    dialog.findChild<QComboBox *>(QStringLiteral("settingsEdgeRegion"))->setCurrentText(QStringLiteral("default"));
    dialog.findChild<QSpinBox *>(QStringLiteral("settingsBudget"))->setValue(0);
    auto *fairness = dialog.findChild<QComboBox *>(QStringLiteral("settingsFairness"));
    fairness->setCurrentIndex(fairness->findData(QStringLiteral("cold")));
    const ConsoleSettings changed = dialog.settings();
    QCOMPARE(changed.edgeRegion, QStringLiteral("default"));
    QCOMPARE(changed.racesPerMinute, 0);
    QVERIFY(changed.coldFairness);
    QCOMPARE(changed.expiredMap, QStringLiteral("direct"));
    changed.save();
    QCOMPARE(ConsoleSettings::load(60, QString()), changed);
}

void TestConsoleSettings::runningEngineTakesANewEdgeRegionWithoutRestart()
{
    QSettings().remove(QStringLiteral("engine"));
    // Two edge regions with different alternates: "default" relays via fra, "edge-sin" via sgp.
    map::RouteMap m = testsupport::testRouteMap(QStringLiteral("acme"), QDateTime::currentDateTimeUtc());
    map::Region sgp = m.regions.first();
    sgp.id = QStringLiteral("sgp");
    sgp.name = QStringLiteral("Singapore");
    m.regions.append(sgp);
    m.alternates.insert(QStringLiteral("edge-sin"), {QStringLiteral("sgp")});
    QFile file(m_dir.filePath(QStringLiteral("acme.map.json")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(map::serializeRouteMap(m));
    file.close();

    MainWindow::Options options;
    options.historyPath = m_dir.filePath(QStringLiteral("history.sqlite"));
    options.failoverLogPath = m_dir.filePath(QStringLiteral("failover.jsonl"));
    options.raceIntervalMs = 0;
    MainWindow window(options);
    QVERIFY(window.openMap(file.fileName()));
    const auto routes = [&] { return window.engine()->snapshot(QStringLiteral("acme")).routes; };
    QTRY_COMPARE_WITH_TIMEOUT(routes(), (QStringList{QStringLiteral("direct"), QStringLiteral("via:fra")}), 10000);

    ConsoleSettings settings = window.consoleSettings();
    settings.edgeRegion = QStringLiteral("edge-sin");
    settings.racesPerMinute = 7;
    QVERIFY(window.applyConsoleSettings(settings).ok());
    QTRY_COMPARE_WITH_TIMEOUT(routes(), (QStringList{QStringLiteral("direct"), QStringLiteral("via:sgp")}), 10000);
    QCOMPARE(window.engine()->snapshot(QStringLiteral("acme")).edgeRegion, QStringLiteral("edge-sin"));
    QCOMPARE(ConsoleSettings::load(60, QString()).edgeRegion, QStringLiteral("edge-sin")); // kept for the next start

    // A CA file that holds no certificate: refused, named, nothing saved or applied.
    ConsoleSettings bad = settings;
    bad.edgeRegion = QStringLiteral("default");
    bad.caFile = m_dir.filePath(QStringLiteral("acme.map.json"));
    QVERIFY(!window.applyConsoleSettings(bad).ok());
    QVERIFY2(window.statusBar()->currentMessage().contains(QStringLiteral("no PEM certificate")), qPrintable(window.statusBar()->currentMessage()));
    QCOMPARE(ConsoleSettings::load(60, QString()).edgeRegion, QStringLiteral("edge-sin"));
    QTest::qWait(200);
    QCOMPARE(routes(), (QStringList{QStringLiteral("direct"), QStringLiteral("via:sgp")}));
}

void TestConsoleSettings::historyRetentionAppliesAtOnce()
{
    QSettings().remove(QStringLiteral("engine"));
    const QString historyPath = m_dir.filePath(QStringLiteral("retention.sqlite"));
    const auto races = [&] {
        auto store = history::HistoryStore::open(historyPath);
        return store ? (*store)->raceCount(QStringLiteral("acme"), {}, {}).value() : qint64(-1);
    };
    {
        auto store = history::HistoryStore::open(historyPath);
        QVERIFY(store.ok());
        QVERIFY((*store)->addRace(testsupport::historylab::makeRace(QDateTime::currentDateTimeUtc().addDays(-5)), QStringLiteral("default"), false).ok());
    }
    MainWindow::Options options;
    options.historyPath = historyPath;
    options.failoverLogPath = m_dir.filePath(QStringLiteral("failover2.jsonl"));
    options.raceIntervalMs = 0;
    MainWindow window(options);
    QVERIFY(window.openMap(m_dir.filePath(QStringLiteral("acme.map.json"))));
    QTRY_VERIFY_WITH_TIMEOUT(window.engine()->providers().contains(QStringLiteral("acme")), 10000);
    QCOMPARE(races(), 1); // 5 days old, kept 30
    ConsoleSettings settings = window.consoleSettings();
    settings.historyDays = 2;
    QVERIFY(window.applyConsoleSettings(settings).ok());
    QTRY_COMPARE_WITH_TIMEOUT(races(), 0, 10000); // deleted at once, not at the next hourly pass
}

QTEST_MAIN(TestConsoleSettings)
#include "tst_consolesettings.moc"
