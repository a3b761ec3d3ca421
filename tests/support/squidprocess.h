// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// Debian's squid run as a relay on 127.0.0.1 (a free port, no cache, no access log), for the tests
// that check how a stock forward proxy's own answers are told from an origin's. Header-only, like
// the rest of tests/support. Run as root, squid drops to the "proxy" user: its directory is
// world-writable.

#include "util/result.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <memory>

namespace relayrace::testsupport {

class SquidProcess final
{
public:
    SquidProcess() = default;
    SquidProcess(const SquidProcess &) = delete;
    SquidProcess &operator=(const SquidProcess &) = delete;
    ~SquidProcess() { stop(); }

    static QString executable()
    {
        const QString onPath = QStandardPaths::findExecutable(QStringLiteral("squid"));
        return onPath.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("squid"), {QStringLiteral("/usr/sbin")})
                                : onPath;
    }

    Result<quint16> start()
    {
        const QString program = executable();
        if (program.isEmpty())
            return makeError(QStringLiteral("squid is not installed (packaging/install-deps.sh installs it)"));
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid())
            return makeError(QStringLiteral("cannot create a directory for squid"));
        QFile::setPermissions(m_dir->path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                                 QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther |
                                                 QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup);
        {
            QTcpServer probe;
            probe.listen(QHostAddress::LocalHost, 0);
            m_port = probe.serverPort();
        }
        const QString confPath = m_dir->filePath(QStringLiteral("squid.conf"));
        QFile conf(confPath);
        if (!conf.open(QIODevice::WriteOnly))
            return makeError(QStringLiteral("cannot write %1").arg(confPath));
        // Debian's defaults but for the port, the files and no cache; CONNECT stays limited to 443 as
        // in the stock squid.conf (plain http is what these tests send).
        conf.write(QStringLiteral("http_port 127.0.0.1:%1\npid_filename %2/squid.pid\ncache_log %2/cache.log\n"
                                  "access_log none\ncache deny all\ncache_mem 8 MB\ncache_effective_user proxy\n"
                                  "coredump_dir %2\nacl SSL_ports port 443\nacl CONNECT method CONNECT\n"
                                  "http_access deny CONNECT !SSL_ports\nhttp_access allow localhost\n"
                                  "http_access deny all\nshutdown_lifetime 1 seconds\n")
                       .arg(m_port)
                       .arg(m_dir->path())
                       .toUtf8());
        conf.close();
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(program, {QStringLiteral("-N"), QStringLiteral("-f"), confPath});
        if (!m_process->waitForStarted(5000))
            return makeError(QStringLiteral("squid did not start: %1").arg(m_process->errorString()));
        const QDeadlineTimer deadline(30'000); // a loaded machine, or ASan around the test
        while (!deadline.hasExpired()) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_port);
            if (probe.waitForConnected(200))
                return m_port;
            if (m_process->state() == QProcess::NotRunning)
                return makeError(QStringLiteral("squid exited: %1").arg(QString::fromLocal8Bit(m_process->readAll())));
            QThread::msleep(100);
        }
        return makeError(QStringLiteral("squid did not accept connections within 30 s"));
    }

    quint16 port() const { return m_port; }

    void stop()
    {
        if (!m_process)
            return;
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(2000);
        }
        m_process.reset();
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
};

} // namespace relayrace::testsupport
