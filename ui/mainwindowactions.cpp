// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// MainWindow's menus, toolbar and their actions.
#include "mainwindow.h"

#include "failover/failoverinspector.h"
#include "history/historypanel.h"
#include "topology/topologyview.h"

#include <QAction>
#include <QFileDialog>
#include <QMenuBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

namespace relayrace::ui {

void MainWindow::buildActions()
{
    auto *file = menuBar()->addMenu(tr("&File"));
    auto *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    const auto add = [&](QMenu *menu, const QString &name, const QString &text, const QKeySequence &key,
                         auto slot) {
        QAction *action = menu->addAction(text, this, slot);
        action->setObjectName(name);
        action->setShortcut(key);
        action->setToolTip(text.split(u'\t').first().remove(u'&') +
                           (key.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(key.toString())));
        return action;
    };
    toolbar->addAction(add(file, QStringLiteral("actionDemo"), tr("Start the &demo"), QKeySequence(Qt::CTRL | Qt::Key_D),
                           &MainWindow::startDemo));
    toolbar->addAction(add(file, QStringLiteral("actionOpenMap"), tr("&Open map…"), QKeySequence::Open,
                           &MainWindow::openMapDialog));
    add(file, QStringLiteral("actionFetchMap"), tr("&Fetch map by name…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
        &MainWindow::fetchMapDialog);
    toolbar->addAction(add(file, QStringLiteral("actionAttachEdge"), tr("&Attach to edge…"), QKeySequence(Qt::CTRL | Qt::Key_T),
                           &MainWindow::attachEdgeDialog));
    file->addSeparator();
    toolbar->addAction(add(file, QStringLiteral("actionExportMap"), tr("&Export route map…"),
                           QKeySequence(Qt::CTRL | Qt::Key_E), &MainWindow::exportDialog));
    add(file, QStringLiteral("actionExportHistory"), tr("Export &history CSV…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
        &MainWindow::exportHistoryDialog);
    add(file, QStringLiteral("actionOpenFailoverLog"), tr("Open a failover &log file…"), QKeySequence(), [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Failover log"), QString(),
                                                          tr("JSON lines (*.jsonl *.json);;All files (*)"));
        if (path.isEmpty())
            return;
        const auto opened = m_failovers->openLogFile(path);
        if (opened)
            reply(tr("%1: %2 events").arg(path).arg(*opened));
        else
            reply(opened.error(), 2, 0);
        m_tabs->setCurrentWidget(m_failovers);
    });
    file->addSeparator();
    add(file, QStringLiteral("actionSettings"), tr("Se&ttings…"), QKeySequence(Qt::CTRL | Qt::Key_Comma), &MainWindow::settingsDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    auto *race = menuBar()->addMenu(tr("&Race"));
    toolbar->addAction(add(race, QStringLiteral("actionRaceNow"), tr("Race &now…"), QKeySequence(Qt::CTRL | Qt::Key_R),
                           &MainWindow::raceNowDialog));
    add(race, QStringLiteral("actionRaceEvery"), tr("Race &every…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
        &MainWindow::raceEveryDialog);
    add(race, QStringLiteral("actionRefreshHistory"), tr("Refresh &history"), QKeySequence::Refresh,
        [this] { m_history->reload(); });

    auto *view = menuBar()->addMenu(tr("&View"));
    add(view, QStringLiteral("actionFit"), tr("&Fit topology"), QKeySequence(Qt::CTRL | Qt::Key_0),
        [this] { m_topology->fitAll(); });
}

} // namespace relayrace::ui
