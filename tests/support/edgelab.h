// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// What the edge test cases (tst_edge*.cpp) share: the engine lab (enginelab.h) behind a LocalEngine
// and an EdgeServer on this thread, curl as the client (run as a process and waited for on the event
// loop, where the edge runs), and the access log read back. A test case inherits EdgeLabTest next to
// QObject.

#include "enginelab.h"

#include "edge/edgeserver.h"
#include "engine/localengine.h"
#include "lab/content.h"
#include "lab/topology.h"
#include "log/jsonlineslog.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace relayrace::testsupport {

struct Curl
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// curl -sS with these arguments (and a 60 s bound), waited for on the event loop.
inline Curl curl(const QStringList &arguments)
{
    Curl c;
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(QStringLiteral("curl"),
                  QStringList{QStringLiteral("-sS"), QStringLiteral("--max-time"), QStringLiteral("60")} + arguments);
    if (!process.waitForStarted(10'000))
        return c;
    finished.wait(90'000);
    c.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    c.out = process.readAllStandardOutput();
    c.err = process.readAllStandardError();
    return c;
}

class EdgeLabTest : protected EngineLabTest
{
protected:
    static inline const QString kHost = QStringLiteral("plain.example");

    // For initTestCase, after startLab(): an engine with the lab's "plain" map (a race on the first
    // request, then the cached route) and an edge for it on a free port.
    Result<void> startEdge(const std::function<void(map::RaceSettings &)> &race = {}, edge::EdgeLimits limits = {})
    {
        if (QStandardPaths::findExecutable(QStringLiteral("curl")).isEmpty())
            return makeError(QStringLiteral("curl is not installed (packaging/install-deps.sh installs it)"));
        engine::EngineSettings settings;
        settings.caCertificates = m_lab.caCertificates();
        settings.failoverLogPath = m_dir.filePath(QStringLiteral("failover.jsonl"));
        if (m_keepHistory)
            settings.historyPath = m_dir.filePath(QStringLiteral("history.sqlite"));
        m_engine = std::make_unique<engine::LocalEngine>(settings);
        m_engine->setMap(routeMap(QStringLiteral("plain"), race), QStringLiteral("test"));
        edge::EdgeSettings edgeSettings;
        edgeSettings.hosts.insert(kHost, QStringLiteral("plain"));
        edgeSettings.limits = limits;
        m_edge = std::make_unique<edge::EdgeServer>(m_engine.get(), edgeSettings);
        auto access = log::JsonLinesLog::open(m_dir.filePath(QStringLiteral("access.jsonl")), QStringLiteral("access"));
        if (!access)
            return makeError(access.error());
        m_edge->setAccessLog(std::move(access).value());
        const Result<quint16> port = m_edge->listen(QHostAddress::LocalHost, 0);
        if (!port)
            return makeError(port.error());
        m_port = *port;
        if (!QTest::qWaitFor([this] { return m_engine->providers().contains(QStringLiteral("plain")); }, kTimeoutMs))
            return makeError(QStringLiteral("the engine did not take the map"));
        return {};
    }

    void stopEdge()
    {
        m_edge.reset();
        m_engine.reset();
    }

    QString url(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path); }

    bool m_keepHistory = false; // set before startEdge(): the engine keeps its history in m_dir

    // curl with "Host: plain.example" and these arguments.
    static Curl curlEdge(QStringList arguments)
    {
        arguments.prepend(QStringLiteral("Host: ") + kHost);
        arguments.prepend(QStringLiteral("-H"));
        return curl(arguments);
    }

    QList<QJsonObject> accessLines() const { return jsonLines(QStringLiteral("access.jsonl")); }
    QList<QJsonObject> failoverLines() const { return jsonLines(QStringLiteral("failover.jsonl")); }

    QList<QJsonObject> jsonLines(const QString &name) const
    {
        QFile file(m_dir.filePath(name));
        QList<QJsonObject> lines;
        if (!file.open(QIODevice::ReadOnly))
            return lines;
        for (const QByteArray &line : file.readAll().split('\n')) {
            if (!line.isEmpty())
                lines.append(QJsonDocument::fromJson(line).object());
        }
        return lines;
    }

    // The access log line of the request for path (the last one), waited for: the edge writes it when
    // the engine reports the end, which may come after the client already has the whole body.
    QJsonObject accessLineFor(const QString &path) const
    {
        QJsonObject found;
        (void)QTest::qWaitFor([&] {
            for (const QJsonObject &line : accessLines()) {
                if (line.value(QStringLiteral("path")).toString() == path)
                    found = line;
            }
            return !found.isEmpty();
        }, kTimeoutMs);
        return found;
    }

    QByteArray fileSha256(const QString &name) const
    {
        QFile file(m_dir.filePath(name));
        return file.open(QIODevice::ReadOnly) ? lab::sha256Hex(file.readAll()) : QByteArray();
    }

    QTemporaryDir m_dir;
    std::unique_ptr<engine::LocalEngine> m_engine;
    std::unique_ptr<edge::EdgeServer> m_edge;
    quint16 m_port = 0;
};

} // namespace relayrace::testsupport
