// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "settingsdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>

namespace relayrace::ui {

ConsoleSettings ConsoleSettings::load(int defaultRacesPerMinute, const QString &defaultKeyring)
{
    const QSettings s;
    ConsoleSettings c;
    c.edgeRegion = s.value(QStringLiteral("engine/edge_region"), c.edgeRegion).toString();
    c.caFile = s.value(QStringLiteral("engine/ca_file")).toString();
    c.coldFairness = s.value(QStringLiteral("engine/fairness")).toString() == u"cold";
    c.racesPerMinute = s.value(QStringLiteral("engine/races_per_minute"), defaultRacesPerMinute).toInt();
    c.raceTimeoutS = s.value(QStringLiteral("engine/race_timeout_s"), c.raceTimeoutS).toInt();
    c.historyDays = s.value(QStringLiteral("engine/history_days"), c.historyDays).toInt();
    c.expiredMap = s.value(QStringLiteral("engine/expired_map"), c.expiredMap).toString();
    c.keyringFolder = s.value(QStringLiteral("maps/keyring"), defaultKeyring).toString();
    return c;
}

void ConsoleSettings::save() const
{
    QSettings s;
    s.setValue(QStringLiteral("engine/edge_region"), edgeRegion);
    s.setValue(QStringLiteral("engine/ca_file"), caFile);
    s.setValue(QStringLiteral("engine/fairness"), coldFairness ? QStringLiteral("cold") : QStringLiteral("warm"));
    s.setValue(QStringLiteral("engine/races_per_minute"), racesPerMinute);
    s.setValue(QStringLiteral("engine/race_timeout_s"), raceTimeoutS);
    s.setValue(QStringLiteral("engine/history_days"), historyDays);
    s.setValue(QStringLiteral("engine/expired_map"), expiredMap);
    s.setValue(QStringLiteral("maps/keyring"), keyringFolder);
}

SettingsDialog::SettingsDialog(const ConsoleSettings &current, const QStringList &edgeRegions, QWidget *parent)
    : QDialog(parent), m_edgeRegion(new QComboBox(this)), m_caFile(new QLineEdit(current.caFile, this)),
      m_fairness(new QComboBox(this)), m_budget(new QSpinBox(this)), m_timeout(new QSpinBox(this)), m_historyDays(new QSpinBox(this)),
      m_expiredMap(new QComboBox(this)), m_keyring(new QLineEdit(current.keyringFolder, this))
{
    setWindowTitle(tr("Settings"));
    m_edgeRegion->setObjectName(QStringLiteral("settingsEdgeRegion"));
    m_edgeRegion->setEditable(true); // a region no loaded map names yet is allowed
    QStringList regions = edgeRegions;
    if (!regions.contains(current.edgeRegion))
        regions.prepend(current.edgeRegion);
    m_edgeRegion->addItems(regions);
    m_edgeRegion->setCurrentText(current.edgeRegion);
    m_caFile->setObjectName(QStringLiteral("settingsCaFile"));
    m_caFile->setPlaceholderText(tr("none: the system's CAs only"));
    m_fairness->setObjectName(QStringLiteral("settingsFairness"));
    m_fairness->addItem(tr("warm: kept-alive connections"), QStringLiteral("warm"));
    m_fairness->addItem(tr("cold: a new connection per route"), QStringLiteral("cold"));
    m_fairness->setCurrentIndex(current.coldFairness ? 1 : 0);
    m_budget->setObjectName(QStringLiteral("settingsBudget"));
    m_budget->setRange(0, 100000);
    m_budget->setSpecialValueText(tr("unlimited"));
    m_budget->setSuffix(tr(" races per minute"));
    m_budget->setValue(current.racesPerMinute);
    m_timeout->setObjectName(QStringLiteral("settingsTimeout"));
    m_timeout->setRange(1, 3600);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setValue(current.raceTimeoutS);
    m_historyDays->setObjectName(QStringLiteral("settingsHistoryDays"));
    m_historyDays->setRange(1, 3650);
    m_historyDays->setSuffix(tr(" days"));
    m_historyDays->setValue(current.historyDays);
    m_expiredMap->setObjectName(QStringLiteral("settingsExpiredMap"));
    m_expiredMap->addItem(tr("keep racing on it (say so)"), QStringLiteral("keep"));
    m_expiredMap->addItem(tr("direct route only"), QStringLiteral("direct"));
    m_expiredMap->addItem(tr("serve nothing"), QStringLiteral("refuse"));
    m_expiredMap->setCurrentIndex(std::max(0, m_expiredMap->findData(current.expiredMap)));
    m_keyring->setObjectName(QStringLiteral("settingsKeyring"));

    auto *form = new QFormLayout;
    form->addRow(tr("&Edge region:"), m_edgeRegion);
    form->addRow(tr("&CA file (PEM):"), m_caFile);
    form->addRow(tr("&Fairness:"), m_fairness);
    form->addRow(tr("Race &budget:"), m_budget);
    form->addRow(tr("Race &timeout:"), m_timeout);
    form->addRow(tr("&History kept:"), m_historyDays);
    form->addRow(tr("E&xpired map:"), m_expiredMap);
    form->addRow(tr("&Keyring folder:"), m_keyring);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

ConsoleSettings SettingsDialog::settings() const
{
    ConsoleSettings c;
    c.edgeRegion = m_edgeRegion->currentText().trimmed().isEmpty() ? QStringLiteral("default") : m_edgeRegion->currentText().trimmed();
    c.caFile = m_caFile->text().trimmed();
    c.coldFairness = m_fairness->currentData().toString() == u"cold";
    c.racesPerMinute = m_budget->value();
    c.raceTimeoutS = m_timeout->value();
    c.historyDays = m_historyDays->value();
    c.expiredMap = m_expiredMap->currentData().toString();
    c.keyringFolder = m_keyring->text().trimmed();
    return c;
}

} // namespace relayrace::ui
