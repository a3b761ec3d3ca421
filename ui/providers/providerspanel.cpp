// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "providerspanel.h"

#include "providersmodel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace relayrace::ui {

ProvidersPanel::ProvidersPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new ProvidersModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
{
    setObjectName(QStringLiteral("providersPanel"));
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ProvidersModel::SortRole);
    m_view->setObjectName(QStringLiteral("providersView"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ProvidersModel::ProviderColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->verticalHeader()->hide();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    Q_EMIT providerSelected(current.data(ProvidersModel::ProviderRole).toString());
            });
}

QString ProvidersPanel::selectedProvider() const
{
    return m_view->currentIndex().data(ProvidersModel::ProviderRole).toString();
}

void ProvidersPanel::updateProvider(const engine::ProviderSnapshot &snapshot)
{
    const bool first = m_model->rowCount() == 0;
    m_model->updateProvider(snapshot);
    if (first)
        m_view->resizeColumnsToContents();
}

void ProvidersPanel::setMapState(const QString &provider, const QString &state)
{
    m_model->setMapState(provider, state);
}

} // namespace relayrace::ui
