// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QObject>
#include <QTemporaryDir>

#include <memory>

class QProcess;

namespace relayrace::lab {

// A real tinyproxy (Debian's) run as a relay on 127.0.0.1 with a generated configuration, so tests and
// labs prove the engine works with an off-the-shelf forward proxy, not only with our own.
class TinyproxyProcess final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TinyproxyProcess)
public:
    explicit TinyproxyProcess(QObject *parent = nullptr);
    ~TinyproxyProcess() override;

    static QString executable(); // empty when tinyproxy is not installed

    // Starts tinyproxy on a free port and waits (bounded, a few seconds) until it accepts connections.
    Result<quint16> start();
    quint16 port() const { return m_port; }
    qint64 pid() const;
    // SIGKILL, as a crashed relay would die; the port then refuses connections.
    void kill();
    void stop();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcess *m_process = nullptr;
    quint16 m_port = 0;
};

} // namespace relayrace::lab
