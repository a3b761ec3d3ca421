// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The console as an operator meets it: a window (offscreen platform) with the engine and the demo lab
// embedded. Start the demo, watch it race on its own, race by hand, cut the optimal route's link and
// watch the failover arrive in the inspector, filter it, export the route map four ways.
#include "ui/failover/failoverfilterproxy.h"
#include "ui/failover/failoverinspector.h"
#include "ui/failover/failovermodel.h"
#include "lab/lab.h"
#include "map/mapcodec.h"
#include "ui/providers/providersmodel.h"
#include "ui/providers/providerspanel.h"
#include "ui/race/liveracemodel.h"
#include "ui/race/liveracepanel.h"
#include "ui/history/historypanel.h"
#include "ui/topology/topologyview.h"
#include "ui/dialogs/racenowdialog.h"
#include "ui/lab/labpanel.h"
#include "ui/lab/linktablemodel.h"
#include "ui/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QXmlStreamReader>

#include <memory>

using namespace relayrace;
using relayrace::ui::MainWindow;

namespace {
constexpr int kTimeoutMs = 60000; // a loaded 2-core machine must not fail the tests
}

class TestMainWindow final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void firstRunShowsTheWelcomePane();
    void demoRacesOnItsOwnAndMarksTheOptimalRoute();
    void raceNowActionRunsAManualRace();
    void cuttingTheOptimalRoutesLinkShowsAFailoverInTheInspector();
    void inspectorFiltersNarrowTheEvents();
    void routeMapExportsAsJsonDotSvgAndPng();
    void historyExportsAsCsvOffTheGuiThread();
    void screenshotsAreSavedAsArtifacts();
    void closingStopsTheEngineAndTheLab();

private:
    QString artifact(const QString &name) const;

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> m_testers;
    QString m_optimal; // of provider acme, once raced
};

void TestMainWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QCoreApplication::setOrganizationName(QStringLiteral("relayrace-tests"));
}

QString TestMainWindow::artifact(const QString &name) const
{
    QDir().mkpath(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts"));
    return QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts/") + name;
}

void TestMainWindow::firstRunShowsTheWelcomePane()
{
    MainWindow::Options options;
    options.historyPath = m_dir.filePath(QStringLiteral("history.sqlite"));
    options.failoverLogPath = m_dir.filePath(QStringLiteral("failover.jsonl"));
    options.raceIntervalMs = 2000;
    m_window = std::make_unique<MainWindow>(options);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    auto *stack = m_window->findChild<QStackedWidget *>();
    QVERIFY(stack);
    QCOMPARE(stack->currentWidget()->objectName(), QStringLiteral("welcomePane"));
    for (const char *name : {"startDemoButton", "openMapButton", "fetchMapButton"})
        QVERIFY2(m_window->findChild<QPushButton *>(QString::fromLatin1(name)), name);
    QVERIFY(!m_window->engine()); // nothing runs before the operator asks
}

void TestMainWindow::demoRacesOnItsOwnAndMarksTheOptimalRoute()
{
    // Every model of the window under the tester, from before the first row arrives.
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(
        m_window->providersPanel()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(
        m_window->liveRacePanel()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(
        m_window->failoverInspector()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(
        m_window->failoverInspector()->proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest));
    m_testers.push_back(std::make_unique<QAbstractItemModelTester>(
        m_window->labPanel()->linkModel(), QAbstractItemModelTester::FailureReportingMode::QtTest));

    QElapsedTimer launch;
    launch.start();
    QTest::mouseClick(m_window->findChild<QPushButton *>(QStringLiteral("startDemoButton")), Qt::LeftButton);
    QVERIFY(m_window->labHost());
    QCOMPARE(m_window->findChild<QStackedWidget *>()->currentWidget(), m_window->findChild<QWidget *>(QStringLiteral("verticalSplitter")));
    // The lab and the engine start on threads of their own; the first race shows up without a click.
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->liveRacePanel()->lastWinner(QStringLiteral("acme")).isEmpty(), kTimeoutMs);
    qInfo("launch to first race shown: %lld ms", launch.elapsed());
    QVERIFY(m_window->engine());
    QCOMPARE(m_window->currentProvider(), QStringLiteral("acme"));
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->topologyView()->optimalRouteDrawn().isEmpty(), kTimeoutMs);
    m_optimal = m_window->topologyView()->optimalRouteDrawn();
    QVERIFY2(m_optimal.startsWith(u"via:") || m_optimal == u"direct", qPrintable(m_optimal));
    // The providers panel lists both providers with their optimal routes.
    QTRY_COMPARE_WITH_TIMEOUT(m_window->providersPanel()->model()->rowCount(), 2, kTimeoutMs);
    auto *summary = m_window->findChild<QLabel *>(QStringLiteral("raceSummary"));
    QVERIFY(summary);
    QTRY_VERIFY_WITH_TIMEOUT(summary->text().contains(QStringLiteral("won")), kTimeoutMs);
}

void TestMainWindow::raceNowActionRunsAManualRace()
{
    auto *action = m_window->findChild<QAction *>(QStringLiteral("actionRaceNow"));
    QVERIFY(action);
    QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_R));
    auto *summary = m_window->findChild<QLabel *>(QStringLiteral("raceSummary"));
    // The dialog is modal: answer it from the event loop once it is up.
    bool answered = false;
    QTimer::singleShot(0, this, [&] {
        QTRY_VERIFY_WITH_TIMEOUT(QApplication::activeModalWidget(), 10000);
        auto *dialog = qobject_cast<ui::RaceNowDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        dialog->findChild<QComboBox *>(QStringLiteral("raceProvider"))->setCurrentText(QStringLiteral("globex"));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("racePath")), QStringLiteral("/obj/manual?size=300000"));
        dialog->accept();
        answered = true;
    });
    action->trigger();
    QVERIFY(answered);
    QTRY_VERIFY_WITH_TIMEOUT(summary->text().contains(QStringLiteral("manual")) && summary->text().contains(QStringLiteral("globex")),
                             kTimeoutMs);
}

void TestMainWindow::cuttingTheOptimalRoutesLinkShowsAFailoverInTheInspector()
{
    QVERIFY(!m_optimal.isEmpty());
    const QString link = m_optimal == u"direct" ? QStringLiteral("edge>origin:acme")
                                                : QStringLiteral("edge>relay:") + m_optimal.mid(4);
    m_window->tabs()->setCurrentWidget(m_window->labPanel());
    QVERIFY2(m_window->labPanel()->selectLink(link), qPrintable(link));
    auto *cut = m_window->findChild<QPushButton *>(QStringLiteral("cutLinkButton"));
    QVERIFY(cut && cut->isEnabled());
    QTest::mouseClick(cut, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->labHost()->lab()->linkImpairment(link)->refuse, 10000);
    // The demo's users keep requesting over the cached route: the next delivery fails over.
    auto *model = m_window->failoverInspector()->model();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0, kTimeoutMs);
    bool fromCut = false;
    for (int row = 0; row < model->rowCount(); ++row) {
        const QString from = model->index(row, ui::FailoverModel::FromColumn).data().toString();
        fromCut = fromCut || from == m_optimal;
    }
    QVERIFY2(fromCut, "a failover away from the cut route");
    QTRY_VERIFY_WITH_TIMEOUT(m_window->topologyView()->isRouteMarkedFailed(m_optimal), kTimeoutMs);
    QTest::mouseClick(m_window->findChild<QPushButton *>(QStringLiteral("restoreLinkButton")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->labHost()->lab()->linkImpairment(link)->refuse, 10000);
}

void TestMainWindow::inspectorFiltersNarrowTheEvents()
{
    m_window->tabs()->setCurrentWidget(m_window->failoverInspector());
    auto *proxy = m_window->failoverInspector()->proxy();
    const int all = proxy->rowCount();
    QVERIFY(all > 0);
    auto *text = m_window->findChild<QLineEdit *>(QStringLiteral("textFilter"));
    QVERIFY(text);
    QTest::keyClicks(text, QStringLiteral("no-such-text-anywhere"));
    QTRY_COMPARE_WITH_TIMEOUT(proxy->rowCount(), 0, 5000);
    text->clear();
    QTRY_VERIFY_WITH_TIMEOUT(proxy->rowCount() >= all, 5000);
    auto *provider = m_window->findChild<QComboBox *>(QStringLiteral("providerFilter"));
    QVERIFY(provider);
    const int acme = provider->findText(QStringLiteral("acme"));
    QVERIFY(acme >= 0);
    provider->setCurrentIndex(acme);
    QTRY_VERIFY_WITH_TIMEOUT(proxy->rowCount() > 0, 5000);
    for (int row = 0; row < proxy->rowCount(); ++row)
        QCOMPARE(proxy->index(row, ui::FailoverModel::ProviderColumn).data().toString(), QStringLiteral("acme"));
    provider->setCurrentIndex(0);
    // The whole event in the detail pane.
    m_window->findChild<QAbstractItemView *>(QStringLiteral("failoverView"))->setCurrentIndex(proxy->index(0, 0));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->findChild<QWidget *>(QStringLiteral("failoverDetail"))->property("plainText").toString().contains(QStringLiteral("from_route")), 5000);
    const QString csv = m_dir.filePath(QStringLiteral("failovers.csv"));
    QVERIFY(m_window->failoverInspector()->exportCsv(csv));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().count('\n') >= all + 1);
}

void TestMainWindow::routeMapExportsAsJsonDotSvgAndPng()
{
    const QString json = m_dir.filePath(QStringLiteral("acme.map.json"));
    const QString dot = m_dir.filePath(QStringLiteral("acme.dot"));
    const QString svg = m_dir.filePath(QStringLiteral("acme.svg"));
    const QString png = m_dir.filePath(QStringLiteral("acme.png"));
    for (const QString &path : {json, dot, svg, png})
        QVERIFY2(m_window->exportRouteMap(path), qPrintable(path));
    const auto map = map::readRouteMapFile(json);
    QVERIFY2(map.ok(), qPrintable(map.ok() ? QString() : map.error()));
    QCOMPARE(map->provider, QStringLiteral("acme"));
    QFile dotFile(dot);
    QVERIFY(dotFile.open(QIODevice::ReadOnly));
    const QByteArray dotText = dotFile.readAll();
    for (const map::Region &region : map->regions)
        QVERIFY2(dotText.contains(region.id.toUtf8()), qPrintable(region.id));
    QFile svgFile(svg);
    QVERIFY(svgFile.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&svgFile);
    bool sawSvg = false;
    while (!xml.atEnd()) {
        xml.readNext();
        sawSvg = sawSvg || (xml.isStartElement() && xml.name() == u"svg");
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(sawSvg);
    const QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), m_window->topologyView()->viewport()->size());
}

void TestMainWindow::historyExportsAsCsvOffTheGuiThread()
{
    const QString path = m_dir.filePath(QStringLiteral("history.csv"));
    QSignalSpy exported(m_window.get(), &MainWindow::historyExported);
    QElapsedTimer call;
    call.start();
    m_window->exportHistoryCsv(path);
    qInfo("exportHistoryCsv returned after %lld ms", call.elapsed());
    QCOMPARE(exported.count(), 0); // the work runs on a thread of its own: nothing is done yet
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, kTimeoutMs);
    QCOMPARE(exported.first().at(0).toString(), path);
    QVERIFY2(exported.first().at(1).toString().isEmpty(), qPrintable(exported.first().at(1).toString()));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.first(), QByteArray("time,provider,route,state,connect_ms,ttfb_ms,time_to_threshold_ms,bytes,winner"));
    QVERIFY2(lines.size() >= 3, qPrintable(QString::number(lines.size()))); // the demo has raced acme
    int winners = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> fields = lines[i].split(',');
        QCOMPARE(fields.size(), 9);
        QCOMPARE(fields[1], m_window->currentProvider().toUtf8());
        winners += fields[8] == "1";
    }
    QVERIFY(winners > 0);
    qInfo("history CSV: %lld rows, %d winners", qlonglong(lines.size() - 1), winners);
}

void TestMainWindow::screenshotsAreSavedAsArtifacts()
{
    // Pictures for people (artifacts under the build tree), taken after a few races.
    m_window->tabs()->setCurrentWidget(m_window->liveRacePanel());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->liveRacePanel()->model()->raceCount() >= 3, kTimeoutMs); // a few races, one row each
    m_window->topologyView()->fitAll();
    QTest::qWait(300); // let a coalesced repaint land
    const QImage shot = m_window->grab().toImage();
    QCOMPARE(shot.size(), m_window->size() * m_window->devicePixelRatio());
    QVERIFY(shot.save(artifact(QStringLiteral("mainwindow-demo.png"))));
    m_window->tabs()->setCurrentWidget(m_window->historyPanel());
    QSignalSpy loaded(m_window->historyPanel(), &ui::HistoryPanel::loaded);
    m_window->historyPanel()->reload();
    QVERIFY(loaded.wait(kTimeoutMs));
    QTest::qWait(300); // let the last chart's repaint land
    QVERIFY(m_window->grab().toImage().save(artifact(QStringLiteral("mainwindow-history.png"))));
}

void TestMainWindow::closingStopsTheEngineAndTheLab()
{
    m_testers.clear();
    QVERIFY(m_window->close());
    m_window.reset(); // joins the engine's and the lab's threads
    QVERIFY(!m_window);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
