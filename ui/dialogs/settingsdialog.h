// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>
#include <QString>
#include <QStringList>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace relayrace::ui {

// The console's own engine settings, kept in QSettings ("engine/..." and "maps/keyring") and applied
// to the running embedded engine without a restart (README "Status"; docs/race-policy.md for each setting).
struct ConsoleSettings
{
    QString edgeRegion = QStringLiteral("default");
    QString caFile;                                 // PEM, added to the system's (and the demo lab's)
    bool coldFairness = false;                      // races on new connections instead of kept-alive ones
    int racesPerMinute = 60;                        // per provider; 0: unlimited
    int raceTimeoutS = 30;
    int historyDays = 30;                           // history kept this long
    QString expiredMap = QStringLiteral("keep");    // keep | direct | refuse
    QString keyringFolder;                          // <provider>.pem keys for map files

    static ConsoleSettings load(int defaultRacesPerMinute, const QString &defaultKeyring);
    void save() const;
    bool operator==(const ConsoleSettings &) const = default;
};

// Settings: edge region (offered from the loaded maps' alternates lists), CA file, fairness, race
// budget and timeout, what an expired map does, the keyring folder.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)
public:
    SettingsDialog(const ConsoleSettings &current, const QStringList &edgeRegions, QWidget *parent = nullptr);

    ConsoleSettings settings() const;

private:
    QComboBox *m_edgeRegion;
    QLineEdit *m_caFile;
    QComboBox *m_fairness;
    QSpinBox *m_budget;
    QSpinBox *m_timeout;
    QSpinBox *m_historyDays;
    QComboBox *m_expiredMap;
    QLineEdit *m_keyring;
};

} // namespace relayrace::ui
