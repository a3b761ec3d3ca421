// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "lab/impairment.h"

#include <QHash>
#include <QWidget>

class QLabel;
class QPushButton;
class QSpinBox;
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
    // Selects a link's row (what a click on it does), for the controls below the table.
    bool selectLink(const QString &linkId);
    QString selectedLink() const;

    // The lab controls, on the selected link (thread-safe calls into the lab).
    void applyToSelected();   // latency and bandwidth from the spin boxes
    void cutSelected();       // refuses new connections and resets open ones at their next byte
    void blackholeSelected(); // accepts and never answers; open connections go silent
    void restoreSelected();   // the impairment the link had when the lab started

private:
    void onReady(const lab::LabEndpoints &endpoints);
    void onSelectionChanged();
    void change(const QString &linkId, const lab::Impairment &impairment);

    lab::LabHost *m_host = nullptr;
    QLabel *m_summary = nullptr;
    QTableView *m_view = nullptr;
    LinkTableModel *m_model = nullptr;
    QSpinBox *m_latency = nullptr;
    QSpinBox *m_bandwidth = nullptr;
    QList<QPushButton *> m_buttons;
    QHash<QString, lab::Impairment> m_initial; // link id -> its impairment at start
};

} // namespace relayrace::ui
