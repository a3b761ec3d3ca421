// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The console read at a glance, at 1280x800 and 1920x1080 with the demo racing: the topology is the
// largest view, no header of the providers table is clipped, the table needs no horizontal scrolling,
// every cell whose text does not fit says it whole in its tooltip, and engine notices are counted in
// the notification area rather than written over the status bar.
#include "ui/mainwindow.h"
#include "ui/notify/noticemodel.h"
#include "ui/providers/providersmodel.h"
#include "ui/providers/providerspanel.h"
#include "ui/race/liveracepanel.h"
#include "ui/topology/topologyview.h"

#include <QDockWidget>
#include <QHeaderView>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QStyleOptionHeader>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>

#include <memory>

using namespace relayrace;
using relayrace::ui::MainWindow;

namespace {
constexpr int kTimeoutMs = 60000;

// Which sections of a header show less than their own title (and sort indicator) needs.
QStringList clippedSections(const QHeaderView *header)
{
    QStringList clipped;
    for (int section = 0; section < header->count(); ++section) {
        if (header->isSectionHidden(section))
            continue;
        // What QHeaderView::sectionSizeFromContents() asks the style for (it is protected).
        QStyleOptionHeader option;
        option.initFrom(header);
        option.section = section;
        option.orientation = header->orientation();
        option.text = header->model()->headerData(section, header->orientation()).toString();
        QFont bold = header->font();
        bold.setBold(true); // the style may draw the sorted section bold
        option.fontMetrics = QFontMetrics(bold);
        if (header->isSortIndicatorShown() && header->sortIndicatorSection() == section)
            option.sortIndicator = QStyleOptionHeader::SortDown;
        const int needs = header->style()->sizeFromContents(QStyle::CT_HeaderSection, &option, QSize(), header).width();
        if (header->sectionSize(section) < needs) {
            clipped.append(QStringLiteral("\"%1\" %2 px of %3")
                               .arg(header->model()->headerData(section, header->orientation()).toString())
                               .arg(header->sectionSize(section))
                               .arg(needs));
        }
    }
    return clipped;
}
} // namespace

class TestConsoleLayout final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void readsAtAGlance_data();
    void readsAtAGlance();

private:
    QTemporaryDir m_dir;
};

void TestConsoleLayout::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QCoreApplication::setOrganizationName(QStringLiteral("relayrace-tests-layout"));
}

void TestConsoleLayout::init()
{
    QSettings().clear(); // the default layout, not the one the last window saved
}

void TestConsoleLayout::cleanupTestCase()
{
    QSettings().clear();
}

void TestConsoleLayout::readsAtAGlance_data()
{
    QTest::addColumn<QSize>("size");
    QTest::newRow("1280x800") << QSize(1280, 800);
    QTest::newRow("1920x1080") << QSize(1920, 1080);
}

void TestConsoleLayout::readsAtAGlance()
{
    QFETCH(QSize, size);
    MainWindow::Options options;
    const QString tag = QString::fromLatin1(QTest::currentDataTag());
    options.historyPath = m_dir.filePath(tag + QStringLiteral("-history.sqlite"));
    options.failoverLogPath = m_dir.filePath(tag + QStringLiteral("-failover.jsonl"));
    options.raceIntervalMs = 1000;
    auto window = std::make_unique<MainWindow>(options);
    window->resize(size);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QTest::mouseClick(window->findChild<QPushButton *>(QStringLiteral("startDemoButton")), Qt::LeftButton);
    auto *providers = window->providersPanel();
    QTRY_COMPARE_WITH_TIMEOUT(providers->model()->rowCount(), 2, kTimeoutMs);
    // Figures in every glance column: a gain (or "direct") and a margin for both providers.
    const auto filled = [providers] {
        for (int row = 0; row < providers->model()->rowCount(); ++row) {
            for (int column : {int(ui::ProvidersModel::GainColumn), int(ui::ProvidersModel::MarginColumn)}) {
                if (providers->model()->index(row, column).data().toString() == QStringLiteral("—"))
                    return false;
            }
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(filled(), kTimeoutMs);
    QTest::qWait(200); // the views lay out the new figures

    // The topology is the largest view.
    const QSize topology = window->topologyView()->size();
    for (QWidget *other : {static_cast<QWidget *>(providers), static_cast<QWidget *>(window->liveRacePanel())}) {
        QVERIFY2(topology.width() * topology.height() > other->width() * other->height(),
                 qPrintable(QStringLiteral("topology %1x%2, %3 %4x%5").arg(topology.width()).arg(topology.height())
                                .arg(other->objectName()).arg(other->width()).arg(other->height())));
    }

    // No header clipped, no horizontal scrolling.
    QTableView *table = providers->view();
    const QStringList clipped = clippedSections(table->horizontalHeader());
    QVERIFY2(clipped.isEmpty(), qPrintable(clipped.join(QStringLiteral("; "))));
    // Nor the live races' headers (race, provider, trigger, winner, margin, lanes).
    window->tabs()->setCurrentWidget(window->liveRacePanel());
    QTest::qWait(100);
    const QStringList racesClipped = clippedSections(window->liveRacePanel()->view()->header());
    QVERIFY2(racesClipped.isEmpty(), qPrintable(QStringLiteral("live races: ") + racesClipped.join(QStringLiteral("; "))));
    QStringList widths;
    for (int column = 0; column < ui::ProvidersModel::kDefaultColumns; ++column)
        widths.append(QString::number(table->columnWidth(column)));
    QVERIFY2(table->horizontalHeader()->length() <= table->viewport()->width(),
             qPrintable(QStringLiteral("the columns take %1 px (%3) of %2").arg(table->horizontalHeader()->length()).arg(table->viewport()->width()).arg(widths.join(u' '))));

    // A cell whose text does not fit has its tooltip.
    const QFontMetrics metrics(table->font());
    for (int row = 0; row < table->model()->rowCount(); ++row) {
        for (int column = 0; column < table->model()->columnCount(); ++column) {
            if (table->isColumnHidden(column))
                continue;
            const QModelIndex index = table->model()->index(row, column);
            const QString text = index.data().toString();
            const int margin = 2 * (table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table) + 1);
            if (metrics.horizontalAdvance(text) + margin > table->columnWidth(column)) {
                QVERIFY2(!index.data(Qt::ToolTipRole).toString().isEmpty(),
                         qPrintable(QStringLiteral("\"%1\" is elided and has no tooltip").arg(text)));
            }
        }
    }

    // Engine notices are counted in the notification area; the status bar keeps the steady state.
    window->notices()->notify(ui::NoticeModel::Level::Warning, QStringLiteral("acme: race not run: budget"));
    window->notices()->notify(ui::NoticeModel::Level::Warning, QStringLiteral("acme: race not run: budget"));
    auto *button = window->findChild<QToolButton *>(QStringLiteral("noticeButton"));
    QVERIFY(button);
    QVERIFY2(button->text().contains(QStringLiteral("2 warnings")), qPrintable(button->text()));
    QVERIFY(!window->statusBar()->currentMessage().contains(QStringLiteral("race not run")));
    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(window->noticeDock()->isVisible(), kTimeoutMs);
    QVERIFY2(!button->text().contains(QStringLiteral("warning")), qPrintable(button->text())); // seen
    QVERIFY(window->notices()->index(0).data().toString().contains(QStringLiteral("\u00d72")));
    QVERIFY(window->close());
}

QTEST_MAIN(TestConsoleLayout)
#include "tst_consolelayout.moc"
