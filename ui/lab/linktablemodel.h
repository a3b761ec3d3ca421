// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "lab/impairment.h"

#include <QAbstractTableModel>
#include <QList>

namespace relayrace::lab {
struct LabEndpoints;
}

namespace relayrace::ui {

// The lab's links (one row per hop) with their current impairment; updated in place from the lab's
// change signal.
class LinkTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LinkTableModel)
public:
    enum Column { IdColumn, PortColumn, TargetColumn, ImpairmentColumn, ColumnCount };
    enum Role { LinkIdRole = Qt::UserRole, ImpairmentRole };

    explicit LinkTableModel(QObject *parent = nullptr);

    void setLinks(const lab::LabEndpoints &endpoints, const QList<lab::Impairment> &impairments);
    void updateImpairment(const QString &linkId, const lab::Impairment &impairment);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        QString id;
        quint16 port = 0;
        quint16 targetPort = 0;
        lab::Impairment impairment;
    };
    QList<Row> m_rows;
};

} // namespace relayrace::ui
