// The console as a user meets it: a window (offscreen platform) that starts the demo lab on a click
// and shows the lab's links live.
#include "lab/lab.h"
#include "ui/lab/labpanel.h"
#include "ui/lab/linktablemodel.h"
#include "ui/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDir>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTableView>
#include <QTest>

using relayrace::ui::MainWindow;

class TestMainWindow final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void firstRunShowsTheWelcomePane();
    void startDemoButtonStartsTheLabAndListsItsLinks();
    void linkTableFollowsImpairmentChanges();

private:
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::firstRunShowsTheWelcomePane()
{
    m_window = std::make_unique<MainWindow>();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    auto *stack = m_window->findChild<QStackedWidget *>();
    QVERIFY(stack);
    QCOMPARE(stack->currentWidget()->objectName(), QStringLiteral("welcomePane"));
    QVERIFY(m_window->findChild<QPushButton *>(QStringLiteral("startDemoButton")));
}

void TestMainWindow::startDemoButtonStartsTheLabAndListsItsLinks()
{
    auto *button = m_window->findChild<QPushButton *>(QStringLiteral("startDemoButton"));
    QVERIFY(button);
    auto *model = m_window->labPanel()->linkModel();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(m_window->labHost());
    auto *stack = m_window->findChild<QStackedWidget *>();
    QCOMPARE(stack->currentWidget()->objectName(), QStringLiteral("labPanel"));
    // The lab starts on its own thread; the window keeps running meanwhile.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->labHost()->isReady(), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), int(m_window->labHost()->endpoints().links.size()), 10000);
    QVERIFY(model->rowCount() >= 10);
    auto *summary = m_window->findChild<QLabel *>(QStringLiteral("labSummary"));
    QVERIFY(summary->text().contains(QStringLiteral("Demo lab up")));
    const QString first = model->index(0, relayrace::ui::LinkTableModel::IdColumn).data().toString();
    QVERIFY(first.contains(u'>'));
    // A screenshot for people (an artifact under the build tree, not an assertion on pixels).
    const QImage shot = m_window->grab().toImage();
    QCOMPARE(shot.size(), m_window->size() * m_window->devicePixelRatio());
    QDir().mkpath(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts"));
    QVERIFY(shot.save(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts/mainwindow-demo.png")));
}

void TestMainWindow::linkTableFollowsImpairmentChanges()
{
    auto *model = m_window->labPanel()->linkModel();
    const QString id = model->index(0, relayrace::ui::LinkTableModel::IdColumn).data().toString();
    QSignalSpy changed(model, &QAbstractItemModel::dataChanged);
    relayrace::lab::Impairment cut;
    cut.refuse = true;
    QVERIFY(m_window->labHost()->lab()->setLinkImpairment(id, cut));
    QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(model->index(0, relayrace::ui::LinkTableModel::ImpairmentColumn).data().toString().contains(QStringLiteral("refuses")), 10000);
    m_window.reset(); // closes the window and stops the lab cleanly
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
