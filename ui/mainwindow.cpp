#include "mainwindow.h"

#include "lab/labpanel.h"
#include "lab/lab.h"
#include "welcomepane.h"

#include <QAction>
#include <QApplication>
#include <QMenuBar>
#include <QStackedWidget>
#include <QStatusBar>

namespace relayrace::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_stack(new QStackedWidget(this))
    , m_welcome(new WelcomePane(this))
    , m_labPanel(new LabPanel(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("relayrace console"));
    setWindowIcon(QIcon(QStringLiteral(":/relayrace/icons/relayrace.svg")));
    resize(1100, 700);
    m_stack->addWidget(m_welcome);
    m_stack->addWidget(m_labPanel);
    setCentralWidget(m_stack);

    auto *fileMenu = menuBar()->addMenu(tr("&File"));
    auto *demoAction = fileMenu->addAction(tr("Start the &demo"), this, &MainWindow::startDemo);
    demoAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    fileMenu->addSeparator();
    fileMenu->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);

    connect(m_welcome, &WelcomePane::startDemoRequested, this, &MainWindow::startDemo);
    statusBar()->showMessage(tr("No maps loaded"));
}

MainWindow::~MainWindow() = default;

void MainWindow::startDemo()
{
    if (m_labHost)
        return;
    auto topology = lab::demoTopology();
    if (!topology) {
        statusBar()->showMessage(topology.error());
        return;
    }
    m_labHost = new lab::LabHost(std::move(topology).value(), this);
    m_labPanel->setLab(m_labHost);
    connect(m_labHost, &lab::LabHost::ready, this, [this] { statusBar()->showMessage(tr("Demo lab running")); });
    connect(m_labHost, &lab::LabHost::failed, this, [this](const QString &error) {
        statusBar()->showMessage(tr("Demo lab failed: %1").arg(error));
    });
    m_stack->setCurrentWidget(m_labPanel);
    statusBar()->showMessage(tr("Starting the demo lab…"));
    m_labHost->start();
}

} // namespace relayrace::ui
