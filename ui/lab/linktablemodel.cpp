// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "linktablemodel.h"

#include "lab/lab.h"

namespace relayrace::ui {

LinkTableModel::LinkTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void LinkTableModel::setLinks(const lab::LabEndpoints &endpoints, const QList<lab::Impairment> &impairments)
{
    beginResetModel();
    m_rows.clear();
    for (qsizetype i = 0; i < endpoints.links.size(); ++i) {
        const auto &link = endpoints.links.at(i);
        m_rows.append({link.id, link.port, link.targetPort, impairments.value(i)});
    }
    endResetModel();
}

void LinkTableModel::updateImpairment(const QString &linkId, const lab::Impairment &impairment)
{
    for (qsizetype row = 0; row < m_rows.size(); ++row) {
        if (m_rows[row].id == linkId) {
            m_rows[row].impairment = impairment;
            Q_EMIT dataChanged(index(int(row), ImpairmentColumn), index(int(row), ImpairmentColumn));
            return;
        }
    }
}

int LinkTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LinkTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LinkTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn: return row.id;
        case PortColumn: return row.port;
        case TargetColumn: return row.targetPort;
        case ImpairmentColumn: return lab::describe(row.impairment);
        default: return {};
        }
    case Qt::ToolTipRole:
        return QStringLiteral("%1: listens on 127.0.0.1:%2, forwards to port %3; %4")
            .arg(row.id).arg(row.port).arg(row.targetPort).arg(lab::describe(row.impairment));
    case LinkIdRole: return row.id;
    case ImpairmentRole: return QVariant::fromValue(row.impairment);
    default: return {};
    }
}

QVariant LinkTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn: return tr("Link");
    case PortColumn: return tr("Port");
    case TargetColumn: return tr("Forwards to");
    case ImpairmentColumn: return tr("Impairment");
    default: return {};
    }
}

} // namespace relayrace::ui
