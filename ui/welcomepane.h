// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

namespace relayrace::ui {

// What a first-time operator sees with no maps and no demo running.
class WelcomePane final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WelcomePane)
public:
    explicit WelcomePane(QWidget *parent = nullptr);

Q_SIGNALS:
    void startDemoRequested();
    void openMapRequested();
    void fetchMapRequested();
};

} // namespace relayrace::ui
