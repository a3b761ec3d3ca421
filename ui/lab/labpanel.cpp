// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "labpanel.h"

#include "lab/lab.h"
#include "linktablemodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QPushButton>
#include <QSpinBox>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace relayrace::ui {

LabPanel::LabPanel(QWidget *parent)
    : QWidget(parent)
    , m_summary(new QLabel(tr("Starting the demo lab…"), this))
    , m_view(new QTableView(this))
    , m_model(new LinkTableModel(this))
{
    setObjectName(QStringLiteral("labPanel"));
    m_summary->setObjectName(QStringLiteral("labSummary"));
    m_summary->setWordWrap(true);
    m_view->setModel(m_model);
    m_view->setObjectName(QStringLiteral("linkTable"));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->verticalHeader()->hide();
    m_latency = new QSpinBox(this);
    m_latency->setObjectName(QStringLiteral("latencySpin"));
    m_latency->setRange(0, 10'000);
    m_latency->setSuffix(tr(" ms"));
    m_latency->setToolTip(tr("Round-trip time the link adds"));
    m_bandwidth = new QSpinBox(this);
    m_bandwidth->setObjectName(QStringLiteral("bandwidthSpin"));
    m_bandwidth->setRange(0, 10'000'000);
    m_bandwidth->setSuffix(tr(" KB/s"));
    m_bandwidth->setSpecialValueText(tr("unlimited"));
    m_bandwidth->setToolTip(tr("Bandwidth each way (0: unlimited)"));
    const auto addButton = [this](const QString &name, const QString &text, const QString &tip, void (LabPanel::*slot)()) {
        auto *button = new QPushButton(text, this);
        button->setObjectName(name);
        button->setToolTip(tip);
        button->setEnabled(false);
        connect(button, &QPushButton::clicked, this, slot);
        m_buttons.append(button);
        return button;
    };
    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Selected link:"), this));
    controls->addWidget(m_latency);
    controls->addWidget(m_bandwidth);
    controls->addWidget(addButton(QStringLiteral("applyLinkButton"), tr("&Apply"),
                                  tr("Set the link's latency and bandwidth"), &LabPanel::applyToSelected));
    controls->addWidget(addButton(QStringLiteral("cutLinkButton"), tr("&Cut"),
                                  tr("Refuse new connections and reset open ones"), &LabPanel::cutSelected));
    controls->addWidget(addButton(QStringLiteral("blackholeLinkButton"), tr("&Blackhole"),
                                  tr("Accept connections and never answer"), &LabPanel::blackholeSelected));
    controls->addWidget(addButton(QStringLiteral("restoreLinkButton"), tr("&Restore"),
                                  tr("Back to the link's impairment at start"), &LabPanel::restoreSelected));
    controls->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    layout->addLayout(controls);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &LabPanel::onSelectionChanged);
}

QString LabPanel::selectedLink() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(LinkTableModel::LinkIdRole).toString();
}

bool LabPanel::selectLink(const QString &linkId)
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->index(row, 0).data(LinkTableModel::LinkIdRole).toString() == linkId) {
            m_view->selectRow(row);
            return true;
        }
    }
    return false;
}

void LabPanel::onSelectionChanged()
{
    const QString id = selectedLink();
    for (QPushButton *button : std::as_const(m_buttons))
        button->setEnabled(!id.isEmpty() && m_host);
    if (id.isEmpty() || !m_host)
        return;
    const lab::Impairment current = m_host->lab()->linkImpairment(id).value_or(lab::Impairment{});
    m_latency->setValue(current.latencyMs);
    m_bandwidth->setValue(int(current.bandwidthBytesPerSec / 1000));
}

void LabPanel::change(const QString &linkId, const lab::Impairment &impairment)
{
    if (linkId.isEmpty() || !m_host || !m_host->lab()->setLinkImpairment(linkId, impairment))
        return;
    // The table follows through the lab's change signal (queued from the lab's thread).
}

void LabPanel::applyToSelected()
{
    const QString id = selectedLink();
    if (id.isEmpty() || !m_host)
        return;
    lab::Impairment impairment = m_host->lab()->linkImpairment(id).value_or(lab::Impairment{});
    impairment.latencyMs = m_latency->value();
    impairment.bandwidthBytesPerSec = qint64(m_bandwidth->value()) * 1000;
    change(id, impairment);
}

void LabPanel::cutSelected()
{
    const QString id = selectedLink();
    if (id.isEmpty() || !m_host)
        return;
    lab::Impairment impairment = m_host->lab()->linkImpairment(id).value_or(lab::Impairment{});
    impairment.refuse = true;
    impairment.resetAfterBytes = 0;
    change(id, impairment);
}

void LabPanel::blackholeSelected()
{
    const QString id = selectedLink();
    if (id.isEmpty() || !m_host)
        return;
    lab::Impairment impairment = m_host->lab()->linkImpairment(id).value_or(lab::Impairment{});
    impairment.blackhole = true;
    change(id, impairment);
}

void LabPanel::restoreSelected()
{
    const QString id = selectedLink();
    change(id, m_initial.value(id));
}

void LabPanel::setLab(lab::LabHost *host)
{
    m_host = host;
    connect(host, &lab::LabHost::ready, this, &LabPanel::onReady);
    connect(host, &lab::LabHost::failed, this, [this](const QString &error) {
        m_summary->setText(tr("The lab did not start: %1").arg(error));
    });
    connect(host->lab(), &lab::Lab::linkImpairmentChanged, m_model, &LinkTableModel::updateImpairment);
    if (host->isReady())
        onReady(host->endpoints());
}

void LabPanel::onReady(const lab::LabEndpoints &endpoints)
{
    QList<lab::Impairment> impairments;
    for (const auto &link : endpoints.links) {
        impairments.append(m_host->lab()->linkImpairment(link.id).value_or(lab::Impairment{}));
        m_initial.insert(link.id, impairments.last());
    }
    m_model->setLinks(endpoints, impairments);
    m_view->resizeColumnsToContents();
    m_summary->setText(tr("Demo lab up on 127.0.0.1: %1 providers, %2 regions, %3 links.")
                           .arg(endpoints.providers.size()).arg(endpoints.regions.size()).arg(endpoints.links.size()));
}

} // namespace relayrace::ui
