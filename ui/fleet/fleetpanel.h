// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QListWidget;
class QListWidgetItem;

namespace relayrace::engine {
class EngineFront;
}

namespace relayrace::ui {

// The fleet: every engine the console drives (the embedded one, the edges it is attached to), each
// with its state (connected, reconnecting, unauthorized, incompatible version), and the one the
// panels show now. Selecting another switches the panels to it.
class FleetPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FleetPanel)
public:
    explicit FleetPanel(QWidget *parent = nullptr);

    // An attached edge (a remote::RemoteEngine) follows its state; another front shows "embedded".
    void addFront(engine::EngineFront *front, const QString &name);
    void removeFront(engine::EngineFront *front);
    void setCurrent(engine::EngineFront *front);
    int count() const;
    // The state shown for this front ("connected", "reconnecting", ...), for tests and tooltips.
    QString stateOf(engine::EngineFront *front) const;
    QListWidget *list() const { return m_list; }

Q_SIGNALS:
    void frontSelected(relayrace::engine::EngineFront *front);

private:
    QListWidgetItem *itemOf(engine::EngineFront *front) const;
    void show(QListWidgetItem *item, const QString &name, const QString &state, const QString &detail);

    QListWidget *m_list;
};

} // namespace relayrace::ui
