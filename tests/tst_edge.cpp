// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The edge with a real client (curl) in front and the lab behind (tests/support/enginelab.h): byte-
// exact bodies, keep-alive, HEAD, the edge's own answers (421, 431, 502), and a serving route cut
// mid-body that the client never notices.
#include "support/enginelab.h"

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

using namespace relayrace;
using namespace relayrace::testsupport;

namespace {

struct Curl
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// curl with these arguments, waited for on the event loop (the edge runs on this thread).
Curl curl(const QStringList &arguments)
{
    Curl c;
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(QStringLiteral("curl"), QStringList{QStringLiteral("-sS"), QStringLiteral("--max-time"),
                                                      QStringLiteral("60")} + arguments);
    if (!process.waitForStarted(10'000))
        return c;
    finished.wait(90'000);
    c.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    c.out = process.readAllStandardOutput();
    c.err = process.readAllStandardError();
    return c;
}

} // namespace

class TestEdge final : public QObject, private EngineLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();
    void getIsByteExactAndLogged();
    void keepAliveServesManyRequestsOnOneConnection();
    void headAndTheEdgesOwnAnswers();
    void routeCutMidBodyIsInvisibleToTheClient();
    void everyRouteFailedIsA502NamingThem();

private:
    QString url(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path); }
    QList<QJsonObject> accessLines() const;

    QTemporaryDir m_dir;
    std::unique_ptr<engine::LocalEngine> m_engine;
    std::unique_ptr<edge::EdgeServer> m_edge;
    quint16 m_port = 0;
};

void TestEdge::initTestCase()
{
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("curl")).isEmpty(), "curl is not installed");
    RELAYRACE_VERIFY_OK(startLab());
    engine::EngineSettings settings;
    settings.caCertificates = m_lab.caCertificates();
    m_engine = std::make_unique<engine::LocalEngine>(settings);
    // A race on the first request, then the cached route: the fast relay (enginelab.h's latencies).
    m_engine->setMap(routeMap(QStringLiteral("plain")), QStringLiteral("test"));
    edge::EdgeSettings edgeSettings;
    edgeSettings.hosts.insert(QStringLiteral("plain.example"), QStringLiteral("plain"));
    edgeSettings.limits.maxHeaderBytes = 8 * 1024;
    m_edge = std::make_unique<edge::EdgeServer>(m_engine.get(), edgeSettings);
    auto access = log::JsonLinesLog::open(m_dir.filePath(QStringLiteral("access.jsonl")), QStringLiteral("access"));
    QVERIFY2(access.ok(), access.ok() ? "" : qPrintable(access.error()));
    m_edge->setAccessLog(std::move(access).value());
    const Result<quint16> port = m_edge->listen(QHostAddress::LocalHost, 0);
    QVERIFY2(port.ok(), port.ok() ? "" : qPrintable(port.error()));
    m_port = *port;
    QTRY_VERIFY_WITH_TIMEOUT(m_engine->providers().contains(QStringLiteral("plain")), kTimeoutMs);
}

void TestEdge::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestEdge::cleanupTestCase()
{
    m_edge.reset();
    m_engine.reset();
    m_lab.stop();
}

QList<QJsonObject> TestEdge::accessLines() const
{
    QFile file(m_dir.filePath(QStringLiteral("access.jsonl")));
    QList<QJsonObject> lines;
    if (!file.open(QIODevice::ReadOnly))
        return lines;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (!line.isEmpty())
            lines.append(QJsonDocument::fromJson(line).object());
    }
    return lines;
}

void TestEdge::getIsByteExactAndLogged()
{
    constexpr qint64 size = 3 * 1024 * 1024 + 7;
    const QString out = m_dir.filePath(QStringLiteral("get.bin"));
    const Curl c = curl({QStringLiteral("-o"), out, QStringLiteral("-H"), QStringLiteral("Host: plain.example"),
                         url(QStringLiteral("/obj/edge-get?size=%1").arg(size))});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QFile file(out);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(lab::sha256Hex(file.readAll()), lab::contentSha256("/obj/edge-get", size));
    const QList<QJsonObject> lines = accessLines();
    QVERIFY(!lines.isEmpty());
    const QJsonObject last = lines.last();
    QCOMPARE(last.value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(last.value(QStringLiteral("bytes")).toInteger(), size);
    QCOMPARE(last.value(QStringLiteral("outcome")).toString(), QStringLiteral("ok"));
    QCOMPARE(last.value(QStringLiteral("provider")).toString(), QStringLiteral("plain"));
    QVERIFY(last.value(QStringLiteral("length_verified")).toBool());
    QVERIFY(!last.value(QStringLiteral("route")).toString().isEmpty());
}

void TestEdge::keepAliveServesManyRequestsOnOneConnection()
{
    QStringList arguments{QStringLiteral("-H"), QStringLiteral("Host: plain.example"), QStringLiteral("-w"),
                          QStringLiteral("%{http_code} %{num_connects}\\n"), QStringLiteral("-o"), QStringLiteral("/dev/null")};
    constexpr int requests = 20;
    for (int i = 0; i < requests; ++i) {
        arguments << url(QStringLiteral("/obj/keep-%1?size=2000").arg(i));
        if (i + 1 < requests)
            arguments << QStringLiteral("-o") << QStringLiteral("/dev/null");
    }
    const Curl c = curl(arguments);
    QVERIFY2(c.exitCode == 0, c.err.constData());
    const QList<QByteArray> lines = c.out.trimmed().split('\n');
    QCOMPARE(lines.size(), requests);
    int connects = 0;
    for (const QByteArray &line : lines) {
        QVERIFY2(line.startsWith("200 "), line.constData());
        connects += line.split(' ').value(1).toInt();
    }
    QCOMPARE(connects, 1);
}

void TestEdge::headAndTheEdgesOwnAnswers()
{
    const Curl head = curl({QStringLiteral("-I"), QStringLiteral("-H"), QStringLiteral("Host: plain.example"),
                            url(QStringLiteral("/obj/head?size=12345"))});
    QVERIFY2(head.exitCode == 0, head.err.constData());
    QVERIFY2(head.out.startsWith("HTTP/1.1 200"), head.out.constData());
    QVERIFY2(head.out.contains("Content-Length: 12345"), head.out.constData());
    QVERIFY2(head.out.contains("Via: 1.1 relayrace"), head.out.constData());

    const Curl unknown = curl({QStringLiteral("-i"), QStringLiteral("-H"), QStringLiteral("Host: nobody.example"),
                               url(QStringLiteral("/x"))});
    QVERIFY2(unknown.out.startsWith("HTTP/1.1 421"), unknown.out.constData());
    QVERIFY2(unknown.out.contains("nobody.example"), unknown.out.constData());

    const Curl big = curl({QStringLiteral("-i"), QStringLiteral("-H"), QStringLiteral("Host: plain.example"),
                           QStringLiteral("-H"), QStringLiteral("X-Big: ") + QString(10'000, u'x'), url(QStringLiteral("/x"))});
    QVERIFY2(big.out.startsWith("HTTP/1.1 431"), big.out.constData());
}

void TestEdge::routeCutMidBodyIsInvisibleToTheClient()
{
    // Every link to the origin resets its connections after 1,500,000 bytes (each once: a link counts
    // per connection), so whichever route serves is cut mid-body and the next resumes.
    constexpr qint64 size = 4 * 1024 * 1024;
    for (const QString &link : {lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                                lab::Topology::directLinkId(QStringLiteral("plain"))})
        RELAYRACE_VERIFY_OK(m_lab.impair(link, [](lab::Impairment &i) { i.resetAfterBytes = 1'500'000; }));
    const QString out = m_dir.filePath(QStringLiteral("cut.bin"));
    const Curl c = curl({QStringLiteral("-o"), out, QStringLiteral("-H"), QStringLiteral("Host: plain.example"),
                         url(QStringLiteral("/obj/edge-cut?size=%1").arg(size))});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QFile file(out);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(lab::sha256Hex(file.readAll()), lab::contentSha256("/obj/edge-cut", size));
    const QJsonObject last = accessLines().last();
    QVERIFY2(last.value(QStringLiteral("failovers")).toInt() >= 1, QJsonDocument(last).toJson().constData());
    QCOMPARE(last.value(QStringLiteral("outcome")).toString(), QStringLiteral("ok"));
}

void TestEdge::everyRouteFailedIsA502NamingThem()
{
    for (const QString &link : {lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                                lab::Topology::edgeToRelayLinkId(QStringLiteral("slow")),
                                lab::Topology::directLinkId(QStringLiteral("plain"))})
        RELAYRACE_VERIFY_OK(m_lab.impair(link, [](lab::Impairment &i) {
            i.refuse = true;        // no new connection
            i.resetAfterBytes = 0;  // and the kept-alive ones reset at their next byte
        }));
    const Curl c = curl({QStringLiteral("-i"), QStringLiteral("-H"), QStringLiteral("Host: plain.example"),
                         url(QStringLiteral("/obj/none?size=1000"))});
    QVERIFY2(c.out.startsWith("HTTP/1.1 502"), c.out.constData());
    QVERIFY2(c.out.contains("via:fast") && c.out.contains("direct"), c.out.constData());
}

QTEST_GUILESS_MAIN(TestEdge)
#include "tst_edge.moc"
