// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "failoverfilterproxy.h"

#include "failovermodel.h"

namespace relayrace::ui {

FailoverFilterProxy::FailoverFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(FailoverModel::SortRole);
}

void FailoverFilterProxy::setProvider(const QString &provider)
{
    if (provider == m_provider)
        return;
    m_provider = provider;
    invalidateRowsFilter();
}

void FailoverFilterProxy::setRoute(const QString &route)
{
    if (route == m_route)
        return;
    m_route = route;
    invalidateRowsFilter();
}

void FailoverFilterProxy::setReason(const QString &reason)
{
    if (reason == m_reason)
        return;
    m_reason = reason;
    invalidateRowsFilter();
}

void FailoverFilterProxy::setTimeRange(const QDateTime &from, const QDateTime &to)
{
    if (from == m_from && to == m_to && from.isValid() == m_from.isValid() && to.isValid() == m_to.isValid())
        return;
    m_from = from;
    m_to = to;
    invalidateRowsFilter();
}

void FailoverFilterProxy::setText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

bool FailoverFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const auto *model = qobject_cast<const FailoverModel *>(sourceModel());
    if (!model || sourceParent.isValid())
        return true;
    const model::FailoverEvent &event = model->event(sourceRow);
    if (!m_provider.isEmpty() && event.provider != m_provider)
        return false;
    if (!m_route.isEmpty() && event.fromRoute != m_route && event.toRoute != m_route)
        return false;
    if (!m_reason.isEmpty() && event.reason != m_reason)
        return false;
    if (m_from.isValid() && (!event.at.isValid() || event.at < m_from))
        return false;
    if (m_to.isValid() && (!event.at.isValid() || event.at > m_to))
        return false;
    if (m_text.isEmpty())
        return true;
    for (const QString *field : {&event.provider, &event.request, &event.fromRoute, &event.toRoute, &event.reason,
                                 &event.detail}) {
        if (field->contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return model::outcomeName(event.outcome).contains(m_text, Qt::CaseInsensitive);
}

} // namespace relayrace::ui
