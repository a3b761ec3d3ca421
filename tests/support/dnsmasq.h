// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// A real dnsmasq for tests: answers only from its --txt-record options, on 127.0.0.x port 53 (Qt 6.4's
// QDnsLookup asks port 53 only; the tests run as root). Header-only, shared by the tests that fetch
// maps by name (the map fetch tests, tst_mapdialogs).

#include <QElapsedTimer>
#include <QHostAddress>
#include <QProcess>
#include <QStandardPaths>
#include <QUdpSocket>

#include <sys/prctl.h>

#include <csignal>
#include <memory>

namespace relayrace::testsupport {

// The first address of candidates where nothing has bound UDP port 53 (we run as root).
inline QHostAddress freeDnsAddress(int first, int last, const QList<QHostAddress> &taken)
{
    for (int i = first; i <= last; ++i) {
        const QHostAddress address(QStringLiteral("127.0.0.%1").arg(i));
        QUdpSocket probe;
        if (!taken.contains(address) && probe.bind(address, 53))
            return address;
    }
    return {};
}

// A real dnsmasq answering only from its --txt-record options; killed with the test process.
class Dnsmasq final
{
public:
    ~Dnsmasq() { stop(); }

    QString start(const QHostAddress &address, const QStringList &txtRecords)
    {
        const QString program = QStandardPaths::findExecutable(QStringLiteral("dnsmasq"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"), QStringLiteral("/usr/bin")});
        if (program.isEmpty())
            return QStringLiteral("dnsmasq is not installed");
        // --local: names under lab.test are ours, unknown ones get NXDOMAIN rather than REFUSED.
        // root/root: a changed uid would clear the parent-death signal set below.
        QStringList args{QStringLiteral("--no-daemon"), QStringLiteral("--no-resolv"), QStringLiteral("--no-hosts"),
                         QStringLiteral("--conf-file=/dev/null"), QStringLiteral("--pid-file="), QStringLiteral("--user=root"),
                         QStringLiteral("--group=root"), QStringLiteral("--bind-interfaces"),
                         QStringLiteral("--listen-address=") + address.toString(), QStringLiteral("--port=53"),
                         QStringLiteral("--local=/lab.test/")};
        for (const QString &record : txtRecords)
            args.append(QStringLiteral("--txt-record=") + record);
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
        m_process->start(program, args);
        if (!m_process->waitForStarted(30000))
            return QStringLiteral("dnsmasq did not start: ") + m_process->errorString();
        // dnsmasq binds its sockets before it logs "started"; it exits at once when it cannot.
        QByteArray output;
        QElapsedTimer timer;
        timer.start();
        while (!output.contains("started") && m_process->state() == QProcess::Running && timer.elapsed() < 30000) {
            m_process->waitForReadyRead(1000);
            output += m_process->readAll();
        }
        if (!output.contains("started")) {
            output += m_process->readAll();
            stop();
            return QStringLiteral("dnsmasq on %1 did not come up: %2").arg(address.toString(), QString::fromLocal8Bit(output));
        }
        m_address = address;
        return {};
    }

    void stop()
    {
        if (!m_process)
            return;
        if (m_process->state() != QProcess::NotRunning) {
            m_process->terminate();
            if (!m_process->waitForFinished(10000)) {
                m_process->kill();
                m_process->waitForFinished(10000);
            }
        }
        m_process.reset();
    }

    QHostAddress address() const { return m_address; }
    bool running() const { return m_process && m_process->state() == QProcess::Running; }

private:
    std::unique_ptr<QProcess> m_process;
    QHostAddress m_address;
};


} // namespace relayrace::testsupport
