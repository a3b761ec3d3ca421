// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "fleetpanel.h"

#include "remote/remoteengine.h"

#include <QListWidget>
#include <QVBoxLayout>

namespace relayrace::ui {

namespace {

constexpr int kFrontRole = Qt::UserRole + 1;
constexpr int kNameRole = Qt::UserRole + 2;
constexpr int kStateRole = Qt::UserRole + 3;

QColor colorOf(remote::RemoteEngine::State state)
{
    switch (state) {
    case remote::RemoteEngine::State::Connected: return QColor(0x1b, 0x7f, 0x3b);
    case remote::RemoteEngine::State::Connecting:
    case remote::RemoteEngine::State::Reconnecting: return QColor(0xb3, 0x6b, 0x00);
    case remote::RemoteEngine::State::Unauthorized:
    case remote::RemoteEngine::State::Incompatible: return QColor(0xb0, 0x00, 0x20);
    }
    return {};
}

} // namespace

FleetPanel::FleetPanel(QWidget *parent) : QWidget(parent), m_list(new QListWidget(this))
{
    setObjectName(QStringLiteral("fleetPanel"));
    m_list->setObjectName(QStringLiteral("fleetList"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_list);
    connect(m_list, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        if (item)
            Q_EMIT frontSelected(item->data(kFrontRole).value<engine::EngineFront *>());
    });
}

void FleetPanel::addFront(engine::EngineFront *front, const QString &name)
{
    auto *item = new QListWidgetItem(m_list);
    item->setData(kFrontRole, QVariant::fromValue(front));
    item->setData(kNameRole, name);
    if (auto *remote = qobject_cast<remote::RemoteEngine *>(front)) {
        const auto update = [this, front, name](remote::RemoteEngine::State state, const QString &detail) {
            if (QListWidgetItem *it = itemOf(front)) {
                show(it, name, remote::RemoteEngine::stateName(state), detail);
                it->setForeground(colorOf(state));
            }
        };
        connect(remote, &remote::RemoteEngine::stateChanged, this, update);
        update(remote->state(), remote->stateDetail());
    } else {
        show(item, name, tr("embedded"), tr("The engine inside this console"));
    }
    connect(front, &QObject::destroyed, this, [this, front] { removeFront(front); });
}

void FleetPanel::removeFront(engine::EngineFront *front)
{
    delete itemOf(front);
}

void FleetPanel::setCurrent(engine::EngineFront *front)
{
    if (QListWidgetItem *item = itemOf(front); item && m_list->currentItem() != item) {
        const QSignalBlocker quiet(m_list); // the window switched already; do not ask it again
        m_list->setCurrentItem(item);
    }
}

int FleetPanel::count() const
{
    return m_list->count();
}

QString FleetPanel::stateOf(engine::EngineFront *front) const
{
    const QListWidgetItem *item = itemOf(front);
    return item ? item->data(kStateRole).toString() : QString();
}

QListWidgetItem *FleetPanel::itemOf(engine::EngineFront *front) const
{
    for (int i = 0; i < m_list->count(); ++i) {
        if (m_list->item(i)->data(kFrontRole).value<engine::EngineFront *>() == front)
            return m_list->item(i);
    }
    return nullptr;
}

void FleetPanel::show(QListWidgetItem *item, const QString &name, const QString &state, const QString &detail)
{
    item->setData(kStateRole, state);
    item->setText(QStringLiteral("%1 — %2").arg(name, state));
    item->setToolTip(detail);
}

} // namespace relayrace::ui
