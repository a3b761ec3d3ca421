// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "tinyproxyprocess.h"

#include "log/logging.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

namespace relayrace::lab {
namespace {

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

TinyproxyProcess::TinyproxyProcess(QObject *parent)
    : QObject(parent)
{
}

TinyproxyProcess::~TinyproxyProcess()
{
    stop();
}

QString TinyproxyProcess::executable()
{
    QString path = QStandardPaths::findExecutable(QStringLiteral("tinyproxy"));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(QStringLiteral("tinyproxy"), {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin")});
    return path;
}

Result<quint16> TinyproxyProcess::start()
{
    const QString program = executable();
    if (program.isEmpty())
        return makeError(QStringLiteral("tinyproxy is not installed (apt-get install tinyproxy)"));
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid())
        return makeError(QStringLiteral("cannot create a directory for tinyproxy's configuration"));
    // Several tries: the free port we picked can be taken by someone else before tinyproxy binds it.
    for (int attempt = 0; attempt < 5; ++attempt) {
        m_port = freePort();
        const QString confPath = m_dir->filePath(QStringLiteral("tinyproxy.conf"));
        QFile conf(confPath);
        if (!conf.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return makeError(QStringLiteral("cannot write %1").arg(confPath));
        // No ConnectPort line: CONNECT is allowed to every port (the lab's origins use ephemeral ports).
        conf.write(QStringLiteral("Port %1\nListen 127.0.0.1\nBind 127.0.0.1\nTimeout 60\nMaxClients 256\n"
                                  "Allow 127.0.0.1\nLogLevel Warning\nLogFile \"%2\"\nDisableViaHeader Yes\n")
                       .arg(m_port)
                       .arg(m_dir->filePath(QStringLiteral("tinyproxy.log")))
                       .toUtf8());
        conf.close();
        m_process = new QProcess(this);
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(program, {QStringLiteral("-d"), QStringLiteral("-c"), confPath});
        if (!m_process->waitForStarted(5000))
            return makeError(QStringLiteral("tinyproxy did not start: %1").arg(m_process->errorString()));
        // Wait until it accepts connections. This runs once at lab or test start-up, off the GUI thread.
        const QDeadlineTimer deadline(5000);
        while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_port);
            if (probe.waitForConnected(200)) {
                log::get("lab")->info("tinyproxy pid {} listening on 127.0.0.1:{}", m_process->processId(), m_port);
                return m_port;
            }
            QThread::msleep(20);
        }
        const QByteArray output = m_process->readAll();
        log::get("lab")->warn("tinyproxy on port {} did not come up (attempt {}): {}", m_port, attempt + 1,
                              output.toStdString());
        stop();
    }
    return makeError(QStringLiteral("tinyproxy did not accept connections after 5 attempts"));
}

qint64 TinyproxyProcess::pid() const
{
    return m_process ? m_process->processId() : 0;
}

void TinyproxyProcess::kill()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

void TinyproxyProcess::stop()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(3000)) {
            m_process->kill();
            m_process->waitForFinished(3000);
        }
    }
    delete m_process;
    m_process = nullptr;
}

} // namespace relayrace::lab
