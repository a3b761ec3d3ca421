// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

class QSocketNotifier;

namespace relayrace {

// Turns SIGINT and SIGTERM into a Qt signal delivered on the event loop (self-pipe), so commands that
// stay up until interrupted shut down cleanly and exit 0.
class SignalWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignalWatcher)
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    // Also catches SIGHUP (a daemon's "reload"), reported by hangup() instead of ending the process.
    void watchHangup();

Q_SIGNALS:
    void interrupted(int signalNumber);
    void hangup();

private:
    QSocketNotifier *m_notifier = nullptr;
    bool m_hangup = false;
};

} // namespace relayrace
