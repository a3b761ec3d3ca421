// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/providersnapshot.h"
#include "model/raceresult.h"

#include <QWidget>

class QSortFilterProxyModel;
class QTableView;

namespace relayrace::ui {

class ProvidersModel;

// Every provider the engine serves: its optimal route and how old it is, when it is re-tested, the
// map's freshness and signature, and the race counters. Selecting a row names the provider to the
// other panels.
class ProvidersPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProvidersPanel)
public:
    explicit ProvidersPanel(QWidget *parent = nullptr);

    ProvidersModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString selectedProvider() const;

public Q_SLOTS:
    void updateProvider(const relayrace::engine::ProviderSnapshot &snapshot);
    void setMapState(const QString &provider, const QString &state);
    void addRace(const relayrace::model::RaceResult &result);

Q_SIGNALS:
    void providerSelected(const QString &provider);

private:
    void columnsMenu(const QPoint &at);

    ProvidersModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_view = nullptr;
};

} // namespace relayrace::ui
