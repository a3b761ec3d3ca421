// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "fetchmapdialog.h"

#include "map/mapsigner.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>

namespace relayrace::ui {

FetchMapDialog::FetchMapDialog(QWidget *parent)
    : QDialog(parent), m_name(new QLineEdit(this)), m_nameserver(new QLineEdit(this)), m_keyFile(new QLineEdit(this))
{
    setObjectName(QStringLiteral("fetchMapDialog"));
    setWindowTitle(tr("Fetch a map by name"));
    m_name->setObjectName(QStringLiteral("mapName"));
    m_name->setPlaceholderText(tr("_relayrace.acme.example"));
    m_nameserver->setObjectName(QStringLiteral("mapNameserver"));
    m_nameserver->setPlaceholderText(tr("the system's resolver"));
    m_nameserver->setToolTip(tr("IPv4 address of the nameserver to ask (port 53)"));
    m_keyFile->setObjectName(QStringLiteral("mapKeyFile"));
    m_keyFile->setPlaceholderText(tr("none: take the map unsigned"));
    auto *browse = new QPushButton(tr("&Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Public key"), QString(), tr("PEM (*.pem);;All files (*)"));
        if (!file.isEmpty())
            m_keyFile->setText(file);
    });
    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_keyFile, 1);
    keyRow->addWidget(browse);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *form = new QFormLayout(this);
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("Name&server:"), m_nameserver);
    form->addRow(tr("Public &key:"), keyRow);
    form->addRow(buttons);
}

Result<map::MapSourceConfig> FetchMapDialog::config() const
{
    map::MapSourceConfig config;
    config.name = m_name->text().trimmed();
    if (config.name.isEmpty())
        return makeError(tr("the map's DNS name is empty"));
    const QString server = m_nameserver->text().trimmed();
    if (!server.isEmpty()) {
        config.nameserver = QHostAddress(server);
        if (config.nameserver.isNull() || config.nameserver.protocol() != QAbstractSocket::IPv4Protocol)
            return makeError(tr("'%1' is not an IPv4 address").arg(server));
    }
    const QString keyPath = m_keyFile->text().trimmed();
    if (!keyPath.isEmpty()) {
        const Result<QByteArray> key = map::loadPublicKeyFile(keyPath); // never empty: empty means unsigned
        if (!key)
            return makeError(key.error());
        config.publicKeyPem = *key;
    }
    return config;
}

} // namespace relayrace::ui
