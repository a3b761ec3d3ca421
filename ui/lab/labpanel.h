#pragma once

#include <QWidget>

class QLabel;
class QTableView;

namespace relayrace::lab {
class LabHost;
struct LabEndpoints;
} // namespace relayrace::lab

namespace relayrace::ui {

class LinkTableModel;

// The running lab: its endpoints and each link's impairment, live.
class LabPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LabPanel)
public:
    explicit LabPanel(QWidget *parent = nullptr);

    void setLab(lab::LabHost *host);
    LinkTableModel *linkModel() const { return m_model; }

private:
    void onReady(const lab::LabEndpoints &endpoints);

    lab::LabHost *m_host = nullptr;
    QLabel *m_summary = nullptr;
    QTableView *m_view = nullptr;
    LinkTableModel *m_model = nullptr;
};

} // namespace relayrace::ui
