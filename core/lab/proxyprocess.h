// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QObject>
#include <QTemporaryDir>

#include <memory>

class QProcess;

namespace relayrace::lab {

// A real forward proxy from Debian run as a relay on 127.0.0.1, so tests and labs prove the engine
// and the map maker work with off-the-shelf relays, not only with our own:
// - Tinyproxy: tinyproxy allowing CONNECT to any port (the lab's origins use ephemeral ports);
// - TinyproxyConnect443: tinyproxy with `ConnectPort 443`, as its stock file's comment advises;
// - Squid: Debian's stock /etc/squid/squid.conf (CONNECT to 443 only; localhost let in), changed
//   only in where it listens and keeps its files.
// With credentials set, the relay asks for them (Basic: tinyproxy's BasicAuth, squid's
// basic_ncsa_auth over an htpasswd file) and answers 407 without them.
class ProxyProcess final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyProcess)
public:
    enum class Kind { Tinyproxy, TinyproxyConnect443, Squid };

    explicit ProxyProcess(Kind kind = Kind::Tinyproxy, QObject *parent = nullptr);
    ~ProxyProcess() override;

    static QString executable(Kind kind = Kind::Tinyproxy); // empty when not installed
    static QString kindName(Kind kind);                    // "tinyproxy", "tinyproxy-connect443", "squid"

    // Before start(): the relay then wants these (Basic).
    void setCredentials(const QString &user, const QString &password);

    // Starts the relay on a free port and waits (bounded, several seconds) until it accepts connections.
    Result<quint16> start();
    Kind kind() const { return m_kind; }
    quint16 port() const { return m_port; }
    qint64 pid() const;
    // SIGKILL, as a crashed relay would die; the port then refuses connections.
    void kill();
    void stop();

private:
    Result<QString> writeConfig(quint16 port) const;
    Result<QString> squidConfig(quint16 port) const;
    QStringList arguments(const QString &configPath) const;

    const Kind m_kind;
    QString m_user;
    QString m_password;
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcess *m_process = nullptr;
    quint16 m_port = 0;
};

} // namespace relayrace::lab
