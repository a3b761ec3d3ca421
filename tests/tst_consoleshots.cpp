// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Pictures of the console for people, taken after a few demo races: the window on the live races
// (one race's routes expanded), the topology alone, the window on the history. Saved under the build
// tree's tests/artifacts, or RELAYRACE_SHOTS_DIR. RELAYRACE_SHOTS_PALETTE=dark paints the console with
// a dark palette (as a dark desktop would); QT_SCALE_FACTOR=2 gives a device pixel ratio of 2.
// tests/tools/console-screenshots.sh runs it under a real Xvfb for the README and docs.
#include "ui/history/historypanel.h"
#include "ui/mainwindow.h"
#include "ui/race/liveracemodel.h"
#include "ui/race/liveracepanel.h"
#include "ui/topology/topologyview.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <memory>

using namespace relayrace;
using relayrace::ui::MainWindow;

namespace {
constexpr int kTimeoutMs = 60000;

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30);
    const QColor base(0x1e, 0x1f, 0x22);
    const QColor text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Highlight, QColor(0x35, 0x74, 0xb0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Mid, QColor(0x4a, 0x4d, 0x52));
    p.setColor(QPalette::Dark, QColor(0x14, 0x15, 0x17));
    p.setColor(QPalette::Light, QColor(0x50, 0x53, 0x58));
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    return p;
}

// A picture is more than its background: at least a few hundred distinct colours.
int distinctColours(const QImage &image)
{
    QSet<QRgb> seen;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3)
            seen.insert(image.pixel(x, y));
    }
    return int(seen.size());
}
} // namespace

class TestConsoleShots final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void shots();
    void cleanupTestCase();

private:
    QString path(const QString &name) const;
    void save(const QImage &image, const QString &name);

    QTemporaryDir m_dir;
    QString m_out;
    QString m_suffix;
};

void TestConsoleShots::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QCoreApplication::setOrganizationName(QStringLiteral("relayrace-tests-shots"));
    QSettings().clear();
    m_out = qEnvironmentVariable("RELAYRACE_SHOTS_DIR", QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts"));
    QVERIFY(QDir().mkpath(m_out));
    if (qEnvironmentVariable("RELAYRACE_SHOTS_PALETTE") == u"dark") {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(darkPalette());
        m_suffix += QStringLiteral("-dark");
    }
    if (qApp->devicePixelRatio() > 1.0)
        m_suffix += QStringLiteral("-dpr%1").arg(qApp->devicePixelRatio());
}

void TestConsoleShots::save(const QImage &image, const QString &name)
{
    QVERIFY2(distinctColours(image) > 200, qPrintable(name + QStringLiteral(" is nearly blank")));
    const QString file = QDir(m_out).filePath(name + m_suffix + QStringLiteral(".png"));
    QVERIFY2(image.save(file), qPrintable(file));
    qInfo("saved %s (%dx%d)", qPrintable(file), image.width(), image.height());
}

void TestConsoleShots::shots()
{
    MainWindow::Options options;
    options.historyPath = m_dir.filePath(QStringLiteral("history.sqlite"));
    options.failoverLogPath = m_dir.filePath(QStringLiteral("failover.jsonl"));
    options.raceIntervalMs = 1500;
    MainWindow window(options);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTest::mouseClick(window.findChild<QPushButton *>(QStringLiteral("startDemoButton")), Qt::LeftButton);
    window.tabs()->setCurrentWidget(window.liveRacePanel());
    QTRY_VERIFY_WITH_TIMEOUT(window.liveRacePanel()->model()->raceCount() >= 6, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!window.topologyView()->optimalRouteDrawn().isEmpty(), kTimeoutMs);
    // The newest race's routes, expanded.
    QTreeView *races = window.liveRacePanel()->view();
    races->expand(races->model()->index(0, 0));
    window.topologyView()->fitAll();
    QTest::qWait(500); // coalesced repaints land
    const QImage live = window.grab().toImage();
    QCOMPARE(live.size(), window.size() * window.devicePixelRatio());
    save(live, QStringLiteral("console-live"));
    save(window.topologyView()->grab().toImage(), QStringLiteral("console-topology"));

    window.tabs()->setCurrentWidget(window.historyPanel());
    QSignalSpy loaded(window.historyPanel(), &ui::HistoryPanel::loaded);
    window.historyPanel()->reload();
    QVERIFY(loaded.wait(kTimeoutMs));
    QTest::qWait(500);
    save(window.grab().toImage(), QStringLiteral("console-history"));
    QVERIFY(window.close());
}

void TestConsoleShots::cleanupTestCase()
{
    QSettings().clear();
}

QTEST_MAIN(TestConsoleShots)
#include "tst_consoleshots.moc"
