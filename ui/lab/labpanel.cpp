#include "labpanel.h"

#include "lab/lab.h"
#include "linktablemodel.h"

#include <QHeaderView>
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
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
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
    for (const auto &link : endpoints.links)
        impairments.append(m_host->lab()->linkImpairment(link.id).value_or(lab::Impairment{}));
    m_model->setLinks(endpoints, impairments);
    m_view->resizeColumnsToContents();
    m_summary->setText(tr("Demo lab up on 127.0.0.1: %1 providers, %2 regions, %3 links.")
                           .arg(endpoints.providers.size()).arg(endpoints.regions.size()).arg(endpoints.links.size()));
}

} // namespace relayrace::ui
