// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace relayrace::ui {

// "Race now": which provider, what to race (a path, or the test object when empty), the threshold.
class RaceNowDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RaceNowDialog)
public:
    explicit RaceNowDialog(const QStringList &providers, const QString &current, QWidget *parent = nullptr);

    QString provider() const;
    QString path() const;              // empty: the provider's test object
    qint64 thresholdBytes() const;     // 0: the map's

private:
    QComboBox *m_provider;
    QLineEdit *m_path;
    QSpinBox *m_threshold;
};

} // namespace relayrace::ui
