// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "racenowdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

namespace relayrace::ui {

RaceNowDialog::RaceNowDialog(const QStringList &providers, const QString &current, QWidget *parent)
    : QDialog(parent), m_provider(new QComboBox(this)), m_path(new QLineEdit(this)), m_threshold(new QSpinBox(this))
{
    setObjectName(QStringLiteral("raceNowDialog"));
    setWindowTitle(tr("Race now"));
    m_provider->setObjectName(QStringLiteral("raceProvider"));
    m_provider->addItems(providers);
    if (!current.isEmpty())
        m_provider->setCurrentText(current);
    m_path->setObjectName(QStringLiteral("racePath"));
    m_path->setPlaceholderText(tr("the provider's test object"));
    m_path->setToolTip(tr("Path (and query) on the origin, e.g. /obj/x?size=1000000; empty: the test object"));
    m_threshold->setObjectName(QStringLiteral("raceThreshold"));
    m_threshold->setRange(0, 64 * 1024 * 1024);
    m_threshold->setSingleStep(16 * 1024);
    m_threshold->setSuffix(tr(" B"));
    m_threshold->setSpecialValueText(tr("the map's"));
    m_threshold->setToolTip(tr("The first route to receive this many body bytes wins"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *form = new QFormLayout(this);
    form->addRow(tr("&Provider:"), m_provider);
    form->addRow(tr("&Object:"), m_path);
    form->addRow(tr("&Threshold:"), m_threshold);
    form->addRow(buttons);
}

QString RaceNowDialog::provider() const
{
    return m_provider->currentText();
}

QString RaceNowDialog::path() const
{
    return m_path->text().trimmed();
}

qint64 RaceNowDialog::thresholdBytes() const
{
    return m_threshold->value();
}

} // namespace relayrace::ui
