// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "failovermodel.h"

#include <QBrush>
#include <QColor>
#include <QLocale>
#include <QTimer>

namespace relayrace::ui {

FailoverModel::FailoverModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_flush(new QTimer(this))
{
    m_flush->setSingleShot(true);
    m_flush->setInterval(kFlushIntervalMs);
    connect(m_flush, &QTimer::timeout, this, &FailoverModel::flush);
}

FailoverModel::~FailoverModel() = default;

void FailoverModel::addEvent(const model::FailoverEvent &event)
{
    m_pending.append(event);
    if (!m_flush->isActive())
        m_flush->start();
}

void FailoverModel::setEvents(QList<model::FailoverEvent> events)
{
    m_flush->stop();
    m_pending.clear();
    beginResetModel();
    m_events = std::move(events);
    endResetModel();
}

void FailoverModel::flush()
{
    if (m_pending.isEmpty())
        return;
    const int first = int(m_events.size());
    beginInsertRows({}, first, first + int(m_pending.size()) - 1);
    m_events.append(m_pending);
    m_pending.clear();
    endInsertRows();
}

int FailoverModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int FailoverModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FailoverModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const model::FailoverEvent &event = m_events.at(index.row());
    const QLocale locale;
    switch (role) {
    case Qt::DisplayRole:
        return display(event, index.column());
    case Qt::ToolTipRole:
        switch (index.column()) {
        case TimeColumn: return tr("%1 UTC").arg(event.at.toUTC().toString(Qt::ISODateWithMs));
        case ReasonColumn:
        case OutcomeColumn: return event.detail.isEmpty() ? event.reason : event.detail;
        case BytesColumn:
            return tr("%1 body bytes had reached the consumer when %2 failed").arg(locale.toString(event.bytesDelivered), event.fromRoute);
        case ResumeOffsetColumn:
            return event.resumeOffset < 0 ? tr("Not resumed: restarted from 0 or failed")
                                          : tr("The next route resumed with Range: bytes=%1-").arg(event.resumeOffset);
        case RecoverColumn:
            return event.recoverMs < 0 ? tr("Not recovered")
                                       : tr("%1 ms from the failure to the next route's response").arg(event.recoverMs, 0, 'f', 1);
        default: return display(event, index.column());
        }
    case Qt::TextAlignmentRole:
        return index.column() >= BytesColumn && index.column() <= RecoverColumn
                   ? QVariant((Qt::AlignRight | Qt::AlignVCenter).toInt()) : QVariant();
    case Qt::ForegroundRole:
        return index.column() == OutcomeColumn && event.outcome == model::FailoverEvent::Outcome::Failed
                   ? QVariant(QBrush(QColor(0xc6, 0x28, 0x28))) : QVariant();
    case EventRole:
        return QVariant::fromValue(event);
    case SortRole:
        switch (index.column()) {
        case TimeColumn: return event.at.toMSecsSinceEpoch();
        case BytesColumn: return event.bytesDelivered;
        case ResumeOffsetColumn: return event.resumeOffset;
        case RecoverColumn: return event.recoverMs;
        default: return display(event, index.column());
        }
    default:
        return {};
    }
}

QVariant FailoverModel::display(const model::FailoverEvent &event, int column) const
{
    const QLocale locale;
    switch (column) {
    case TimeColumn: return event.at.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    case ProviderColumn: return event.provider;
    case RequestColumn: return event.request;
    case FromColumn: return event.fromRoute;
    case ToColumn: return event.toRoute.isEmpty() ? tr("(none)") : event.toRoute;
    case ReasonColumn: return event.reason;
    case BytesColumn: return locale.toString(event.bytesDelivered);
    case ResumeOffsetColumn: return event.resumeOffset < 0 ? QString() : locale.toString(event.resumeOffset);
    case RecoverColumn: return event.recoverMs < 0 ? QString() : QString::number(event.recoverMs, 'f', 1);
    case OutcomeColumn: return model::outcomeName(event.outcome);
    default: return {};
    }
}

QVariant FailoverModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return {};
    switch (section) {
    case TimeColumn: return tr("Time");
    case ProviderColumn: return tr("Provider");
    case RequestColumn: return tr("Request");
    case FromColumn: return tr("From");
    case ToColumn: return tr("To");
    case ReasonColumn: return tr("Reason");
    case BytesColumn: return tr("Bytes delivered");
    case ResumeOffsetColumn: return tr("Resume offset");
    case RecoverColumn: return tr("Recover (ms)");
    case OutcomeColumn: return tr("Outcome");
    default: return {};
    }
}

} // namespace relayrace::ui
