// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace edge` as a process of its own, for the tests that need a real one (Prometheus scraping
// it, a console attaching to it, killing it): started with a map file, an admin listener and a token,
// its ports read from what it prints.
#pragma once

#include <QHostAddress>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <QTcpServer>
#include <QTest>

#include <memory>

namespace relayrace::testsupport {

inline const QString kRelayraceCli = QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace");

inline quint16 freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : quint16(0);
}

struct EdgeProcess
{
    std::shared_ptr<QProcess> process;
    quint16 port = 0;   // the client listener
    quint16 admin = 0;  // the admin listener
    QByteArray output;  // what it printed while starting (for a failed start's message)
};

struct EdgeProcessOptions
{
    QString mapFile;
    QString host;             // the Host the map's provider is served for
    QString caFile;
    QString tokenFile;
    QString stateDir;         // XDG_STATE_HOME: its history and logs
    quint16 adminPort = 0;    // 0: any free one
    QStringList extra;        // more arguments
};

// Starts `relayrace edge <arguments>` and waits (up to timeoutMs) until both listeners are up; port
// and admin stay 0 when it did not start (output says why).
inline EdgeProcess startEdgeProcess(const QStringList &arguments, const QString &stateDir, int timeoutMs)
{
    EdgeProcess edge;
    edge.process = std::make_shared<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_STATE_HOME"), stateDir);
    edge.process->setProcessEnvironment(env);
    edge.process->setProcessChannelMode(QProcess::MergedChannels);
    edge.process->start(kRelayraceCli, QStringList{QStringLiteral("edge")} + arguments);
    static const QRegularExpression client(QStringLiteral("edge: listening on 127.0.0.1:(\\d+) for "));
    static const QRegularExpression admin(QStringLiteral("edge: admin listening on 127.0.0.1:(\\d+)"));
    QRegularExpressionMatch clientMatch, adminMatch;
    (void)QTest::qWaitFor([&] {
        edge.output += edge.process->readAll();
        clientMatch = client.match(QString::fromUtf8(edge.output));
        adminMatch = admin.match(QString::fromUtf8(edge.output));
        return (clientMatch.hasMatch() && adminMatch.hasMatch()) || edge.process->state() == QProcess::NotRunning;
    }, timeoutMs);
    if (clientMatch.hasMatch() && adminMatch.hasMatch()) {
        edge.port = quint16(clientMatch.captured(1).toUInt());
        edge.admin = quint16(adminMatch.captured(1).toUInt());
    }
    return edge;
}

// An edge for one map file (the short form), its admin listener on o.adminPort.
inline EdgeProcess startEdgeProcess(const EdgeProcessOptions &o, int timeoutMs)
{
    return startEdgeProcess(QStringList{QStringLiteral("--map"), o.mapFile, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                        QStringLiteral("--host"), o.host, QStringLiteral("--ca-file"), o.caFile,
                                        QStringLiteral("--admin"), QStringLiteral("127.0.0.1:%1").arg(o.adminPort),
                                        QStringLiteral("--admin-token-file"), o.tokenFile} + o.extra,
                            o.stateDir, timeoutMs);
}

} // namespace relayrace::testsupport
