// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/failoverevent.h"

#include <QAbstractTableModel>
#include <QList>

class QTimer;

namespace relayrace::ui {

// Failover events, one row each, in arrival order (the inspector's proxy sorts). Live events are
// queued and inserted together by a single-shot timer, so a burst costs one rowsInserted.
class FailoverModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FailoverModel)
public:
    enum Column {
        TimeColumn,
        ProviderColumn,
        RequestColumn,
        FromColumn,
        ToColumn,
        ReasonColumn,
        BytesColumn,
        ResumeOffsetColumn,
        RecoverColumn,
        OutcomeColumn,
        ColumnCount
    };
    enum Role { EventRole = Qt::UserRole, SortRole };
    static constexpr int kFlushIntervalMs = 150;

    explicit FailoverModel(QObject *parent = nullptr);
    ~FailoverModel() override;

    const QList<model::FailoverEvent> &events() const { return m_events; }
    const model::FailoverEvent &event(int row) const { return m_events.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

public Q_SLOTS:
    void addEvent(const relayrace::model::FailoverEvent &event);
    // Replaces every row (and drops events still queued).
    void setEvents(QList<relayrace::model::FailoverEvent> events);

private:
    void flush();
    QVariant display(const model::FailoverEvent &event, int column) const;

    QList<model::FailoverEvent> m_events;
    QList<model::FailoverEvent> m_pending;
    QTimer *m_flush = nullptr;
};

} // namespace relayrace::ui
