// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "providerspanel.h"

#include "providersmodel.h"

#include <QHeaderView>
#include <QMenu>
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
    m_view->setTextElideMode(Qt::ElideMiddle); // an elided cell has its whole text in its tooltip
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    // The glance columns by default, sized to what they hold; the map's state takes the rest of the
    // width (elided, whole in its tooltip). The header's menu shows any of the others.
    QHeaderView *header = m_view->horizontalHeader();
    for (int column = 0; column < ProvidersModel::MapColumn; ++column)
        header->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(ProvidersModel::MapColumn, QHeaderView::Stretch);
    for (int column = ProvidersModel::kDefaultColumns; column < ProvidersModel::ColumnCount; ++column)
        m_view->setColumnHidden(column, true);
    m_view->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view->horizontalHeader(), &QWidget::customContextMenuRequested, this, &ProvidersPanel::columnsMenu);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    Q_EMIT providerSelected(current.data(ProvidersModel::ProviderRole).toString());
            });
}

void ProvidersPanel::columnsMenu(const QPoint &at)
{
    QMenu menu(this);
    menu.setObjectName(QStringLiteral("providersColumnsMenu"));
    for (int column = 0; column < ProvidersModel::ColumnCount; ++column) {
        QAction *action = menu.addAction(m_model->headerData(column, Qt::Horizontal).toString());
        action->setCheckable(true);
        action->setChecked(!m_view->isColumnHidden(column));
        action->setEnabled(column != ProvidersModel::ProviderColumn);
        connect(action, &QAction::toggled, this, [this, column](bool shown) {
            m_view->setColumnHidden(column, !shown);
            if (shown)
                m_view->resizeColumnToContents(column);
        });
    }
    menu.exec(m_view->horizontalHeader()->viewport()->mapToGlobal(at));
}

void ProvidersPanel::addRace(const model::RaceResult &result)
{
    m_model->addRace(result);
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
