// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTime>
#include <QSortFilterProxyModel>

namespace relayrace::ui {

// Narrows a FailoverModel: every filter that is set must match (empty / invalid: any). The route
// filter matches either end of the failover; the text filter searches every text field, any case.
class FailoverFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FailoverFilterProxy)
public:
    explicit FailoverFilterProxy(QObject *parent = nullptr);

    void setProvider(const QString &provider);
    void setRoute(const QString &route);
    void setReason(const QString &reason);
    // Inclusive; an invalid end leaves that side open.
    void setTimeRange(const QDateTime &from, const QDateTime &to);
    void setText(const QString &text);

    QString provider() const { return m_provider; }
    QString route() const { return m_route; }
    QString reason() const { return m_reason; }
    QString text() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_provider;
    QString m_route;
    QString m_reason;
    QDateTime m_from;
    QDateTime m_to;
    QString m_text;
};

} // namespace relayrace::ui
