#pragma once

#include <QMainWindow>

class QStackedWidget;

namespace relayrace::lab {
class LabHost;
}

namespace relayrace::ui {

class LabPanel;
class WelcomePane;

// Layout and wiring only: each panel owns its model and its logic.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Starts the embedded demo lab (asynchronously: the window stays responsive).
    void startDemo();
    lab::LabHost *labHost() const { return m_labHost; }
    LabPanel *labPanel() const { return m_labPanel; }

private:
    QStackedWidget *m_stack = nullptr;
    WelcomePane *m_welcome = nullptr;
    LabPanel *m_labPanel = nullptr;
    lab::LabHost *m_labHost = nullptr;
};

} // namespace relayrace::ui
