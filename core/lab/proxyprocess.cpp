// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/proxyprocess.h"

#include "log/logging.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

namespace relayrace::lab {
namespace {

constexpr const char *kStockSquidConf = "/etc/squid/squid.conf";

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

QString findProgram(const QString &name)
{
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(name, {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin")});
    return path;
}

Result<void> writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        return makeError(QStringLiteral("cannot write %1").arg(path));
    return {};
}

// An htpasswd line squid's basic_ncsa_auth reads: the password hashed by `openssl passwd -apr1`.
Result<QByteArray> htpasswdLine(const QString &user, const QString &password)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"), {QStringLiteral("passwd"), QStringLiteral("-apr1"), QStringLiteral("-stdin")});
    if (!openssl.waitForStarted(5000))
        return makeError(QStringLiteral("cannot run openssl to hash the relay's password"));
    openssl.write(password.toUtf8() + '\n');
    openssl.closeWriteChannel();
    if (!openssl.waitForFinished(10000) || openssl.exitCode() != 0)
        return makeError(QStringLiteral("openssl passwd failed"));
    return QByteArray(user.toUtf8() + ':' + openssl.readAllStandardOutput().trimmed() + '\n');
}

} // namespace

ProxyProcess::ProxyProcess(Kind kind, QObject *parent)
    : QObject(parent), m_kind(kind)
{
}

ProxyProcess::~ProxyProcess()
{
    stop();
}

QString ProxyProcess::executable(Kind kind)
{
    return findProgram(kind == Kind::Squid ? QStringLiteral("squid") : QStringLiteral("tinyproxy"));
}

QString ProxyProcess::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Tinyproxy: return QStringLiteral("tinyproxy");
    case Kind::TinyproxyConnect443: return QStringLiteral("tinyproxy-connect443");
    case Kind::Squid: return QStringLiteral("squid");
    }
    return {};
}

void ProxyProcess::setCredentials(const QString &user, const QString &password)
{
    m_user = user;
    m_password = password;
}

Result<QString> ProxyProcess::writeConfig(quint16 port) const
{
    if (m_kind == Kind::Squid)
        return squidConfig(port);
    const QString path = m_dir->filePath(QStringLiteral("tinyproxy.conf"));
    QString conf = QStringLiteral("Port %1\nListen 127.0.0.1\nBind 127.0.0.1\nTimeout 60\nMaxClients 256\n"
                                  "Allow 127.0.0.1\nLogLevel Warning\nLogFile \"%2\"\nDisableViaHeader Yes\n")
                       .arg(port)
                       .arg(m_dir->filePath(QStringLiteral("tinyproxy.log")));
    // Without a ConnectPort line tinyproxy allows CONNECT to every port.
    if (m_kind == Kind::TinyproxyConnect443)
        conf += QStringLiteral("ConnectPort 443\n");
    if (!m_user.isEmpty())
        conf += QStringLiteral("BasicAuth %1 %2\n").arg(m_user, m_password);
    if (auto written = writeFile(path, conf.toUtf8()); !written)
        return makeError(written.error());
    return path;
}

Result<QString> ProxyProcess::squidConfig(quint16 port) const
{
    QFile stock(QString::fromLatin1(kStockSquidConf));
    if (!stock.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("cannot read %1 (apt-get install squid)").arg(stock.fileName()));
    QString conf = QString::fromUtf8(stock.readAll());
    // Where it listens: the stock file's one http_port line, on a free loopback port instead.
    static const QRegularExpression httpPort(QStringLiteral("^http_port .*$"), QRegularExpression::MultilineOption);
    if (conf.count(httpPort) != 1)
        return makeError(QStringLiteral("%1 has not exactly one http_port line").arg(stock.fileName()));
    conf.replace(httpPort, QStringLiteral("http_port 127.0.0.1:%1").arg(port));
    if (!m_user.isEmpty()) {
        // Credentials: asked of everyone the stock file lets in (its `http_access allow localhost`).
        static const QRegularExpression allowLocal(QStringLiteral("^http_access allow localhost$"), QRegularExpression::MultilineOption);
        if (conf.count(allowLocal) != 1)
            return makeError(QStringLiteral("%1 has not exactly one 'http_access allow localhost' line").arg(stock.fileName()));
        auto line = htpasswdLine(m_user, m_password);
        if (!line)
            return makeError(line.error());
        const QString passwords = m_dir->filePath(QStringLiteral("passwords"));
        if (auto written = writeFile(passwords, *line); !written)
            return makeError(written.error());
        QFile::setPermissions(passwords, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
        conf.replace(allowLocal, QStringLiteral("http_access allow localhost relay_users"));
        conf.prepend(QStringLiteral("auth_param basic program /usr/lib/squid/basic_ncsa_auth %1\n"
                                    "auth_param basic realm relayrace lab\n"
                                    "acl relay_users proxy_auth REQUIRED\n").arg(passwords));
    }
    // Its files in our directory, nothing in /var; it stops at once when told to.
    conf += QStringLiteral("\npid_filename %1\ncache_log %2\naccess_log none\ncoredump_dir %3\n"
                           "shutdown_lifetime 0 seconds\n")
                .arg(m_dir->filePath(QStringLiteral("squid.pid")), m_dir->filePath(QStringLiteral("cache.log")), m_dir->path());
    const QString path = m_dir->filePath(QStringLiteral("squid.conf"));
    if (auto written = writeFile(path, conf.toUtf8()); !written)
        return makeError(written.error());
    return path;
}

QStringList ProxyProcess::arguments(const QString &configPath) const
{
    if (m_kind == Kind::Squid)
        // Its own service name: two squids on one machine keep their shared memory apart.
        return {QStringLiteral("-N"), QStringLiteral("-n"), QStringLiteral("relayrace%1").arg(m_port), QStringLiteral("-f"), configPath};
    return {QStringLiteral("-d"), QStringLiteral("-c"), configPath};
}

Result<quint16> ProxyProcess::start()
{
    const QString program = executable(m_kind);
    const QString name = kindName(m_kind);
    if (program.isEmpty())
        return makeError(QStringLiteral("%1 is not installed (bash packaging/install-deps.sh)").arg(m_kind == Kind::Squid ? QStringLiteral("squid") : QStringLiteral("tinyproxy")));
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid())
        return makeError(QStringLiteral("cannot create a directory for %1's configuration").arg(name));
    // squid drops root for its own user ("proxy"), which writes its log here.
    QFile::setPermissions(m_dir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::WriteGroup |
                                             QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther | QFile::ExeOther);
    // Several tries: the free port we picked can be taken by someone else before the relay binds it.
    for (int attempt = 0; attempt < 5; ++attempt) {
        m_port = freePort();
        const Result<QString> config = writeConfig(m_port);
        if (!config)
            return makeError(config.error());
        m_process = new QProcess(this);
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(program, arguments(*config));
        if (!m_process->waitForStarted(5000))
            return makeError(QStringLiteral("%1 did not start: %2").arg(name, m_process->errorString()));
        // Wait until it accepts connections. This runs once at lab or test start-up, off the GUI thread.
        const QDeadlineTimer deadline(15000);
        while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_port);
            if (probe.waitForConnected(200)) {
                log::get("lab")->info("{} pid {} listening on 127.0.0.1:{}", name.toStdString(), m_process->processId(), m_port);
                return m_port;
            }
            QThread::msleep(20);
        }
        const QByteArray output = m_process->readAll();
        log::get("lab")->warn("{} on port {} did not come up (attempt {}): {}", name.toStdString(), m_port, attempt + 1,
                              output.toStdString());
        stop();
    }
    return makeError(QStringLiteral("%1 did not accept connections after 5 attempts").arg(name));
}

qint64 ProxyProcess::pid() const
{
    return m_process ? m_process->processId() : 0;
}

void ProxyProcess::kill()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
}

void ProxyProcess::stop()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(3000);
        }
    }
    delete m_process;
    m_process = nullptr;
}

} // namespace relayrace::lab
