// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// MainWindow: its layout (the topology as the main view, the operator's own layout kept) and its
// notices (the notification area; the status bar's answers to what the operator did).
#include "mainwindow.h"

#include "notify/noticearea.h"
#include "notify/noticemodel.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>

#include <algorithm>

namespace relayrace::ui {

namespace {
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kVertical = QStringLiteral("window/vertical");
const QString kHorizontal = QStringLiteral("window/horizontal");

} // namespace

void MainWindow::buildNotices()
{
    m_notices = new NoticeModel(this);
    m_noticeDock = new QDockWidget(tr("Notices"), this);
    m_noticeDock->setObjectName(QStringLiteral("noticeDock"));
    m_noticeDock->setWidget(new NoticePanel(m_notices, m_noticeDock));
    addDockWidget(Qt::RightDockWidgetArea, m_noticeDock);
    m_noticeDock->hide();
    auto *button = new NoticeButton(m_notices, this);
    statusBar()->addPermanentWidget(button);
    connect(button, &QToolButton::toggled, m_noticeDock, &QDockWidget::setVisible);
    connect(m_noticeDock, &QDockWidget::visibilityChanged, this, [this, button](bool visible) {
        button->setChecked(visible);
        if (visible)
            m_notices->markSeen();
    });
    connect(m_notices, &NoticeModel::countsChanged, this, [this] {
        if (m_noticeDock->isVisible() && m_notices->unseen(NoticeModel::Level::Info) + m_notices->unseen(NoticeModel::Level::Warning) + m_notices->unseen(NoticeModel::Level::Error) > 0)
            m_notices->markSeen();
    });
}

void MainWindow::notice(int level, const QString &text)
{
    m_notices->notify(NoticeModel::Level(std::clamp(level, 0, 2)), text);
}

void MainWindow::reply(const QString &text, int level, int timeoutMs)
{
    statusBar()->showMessage(text, timeoutMs);
    notice(level, text);
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    restoreGeometry(settings.value(kGeometry).toByteArray());
    restoreState(settings.value(kState).toByteArray());
    // The topology is the main view (see resizeEvent) until the operator moves a splitter; a layout
    // they made is kept from then on.
    const bool vertical = m_vertical->restoreState(settings.value(kVertical).toByteArray());
    const bool horizontal = m_horizontal->restoreState(settings.value(kHorizontal).toByteArray());
    m_ownLayout = vertical && horizontal;
    for (QSplitter *splitter : {m_vertical, m_horizontal})
        connect(splitter, &QSplitter::splitterMoved, this, [this] { m_ownLayout = true; });
}

void MainWindow::saveLayout() const
{
    QSettings settings;
    settings.setValue(kGeometry, saveGeometry());
    settings.setValue(kState, saveState());
    settings.setValue(kVertical, m_vertical->saveState());
    settings.setValue(kHorizontal, m_horizontal->saveState());
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    QTimer::singleShot(0, this, &MainWindow::applyDefaultLayout); // once the layouts have the new size
}

void MainWindow::applyDefaultLayout()
{
    if (m_ownLayout || m_stack->currentWidget() != m_vertical)
        return;
    // The top row takes 62% of the height and the topology 65% of that row, at any window size.
    const int height = m_vertical->height();
    const int width = m_horizontal->width();
    m_vertical->setSizes({height * 62 / 100, height - height * 62 / 100});
    m_horizontal->setSizes({width * 35 / 100, width - width * 35 / 100});
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    QMainWindow::closeEvent(event);
}

} // namespace relayrace::ui
