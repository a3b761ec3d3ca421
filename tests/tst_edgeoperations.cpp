// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The edge as an operator runs it: a TLS listener (curl trusting the lab's CA), a route through a
// real tinyproxy, a 64 MiB download whose serving route is cut mid-body (byte-exact, and the failover
// log names the client's request), and a body that cannot be resumed, which the client must see cut.
#include "support/edgelab.h"

#include "lab/labca.h"

#include <QElapsedTimer>

using namespace relayrace;
using namespace relayrace::testsupport;

class TestEdgeOperations final : public QObject, private EdgeLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();
    void tlsListenerServesCurlTrustingTheCa();
    void servedThroughTinyproxy();
    void cutMidBodyOf64MiBIsByteExactAndLogged();
    void unresumableBodyIsCutForTheClient();
    void largeBodyStreamsToTheOriginWhileItUploads();
};

void TestEdgeOperations::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    RELAYRACE_VERIFY_OK(startEdge());
}

void TestEdgeOperations::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestEdgeOperations::cleanupTestCase()
{
    stopEdge();
    m_lab.stop();
}

void TestEdgeOperations::tlsListenerServesCurlTrustingTheCa()
{
    const Result<lab::LabCa> ca = lab::LabCa::generate(QStringLiteral("relayrace edge test"));
    QVERIFY2(ca.ok(), ca.ok() ? "" : qPrintable(ca.error()));
    const QString caPem = m_dir.filePath(QStringLiteral("edge-ca.pem"));
    const QString certPem = m_dir.filePath(QStringLiteral("edge-cert.pem"));
    const QString keyPem = m_dir.filePath(QStringLiteral("edge-key.pem"));
    RELAYRACE_VERIFY_OK(ca->writeCaPem(caPem));
    QFile cert(certPem), key(keyPem);
    QVERIFY(cert.open(QIODevice::WriteOnly) && cert.write(ca->serverCertificate().toPem()) > 0);
    QVERIFY(key.open(QIODevice::WriteOnly) && key.write(ca->serverKey().toPem()) > 0);
    cert.close();
    key.close();

    const Result<QSslConfiguration> missing = edge::serverTlsConfiguration(certPem, m_dir.filePath(QStringLiteral("none.pem")));
    QVERIFY(!missing);
    QVERIFY2(missing.error().contains(QStringLiteral("none.pem")), qPrintable(missing.error()));
    const Result<QSslConfiguration> tls = edge::serverTlsConfiguration(certPem, keyPem);
    QVERIFY2(tls.ok(), tls.ok() ? "" : qPrintable(tls.error()));
    const Result<quint16> port = m_edge->listen(QHostAddress::LocalHost, 0, *tls);
    QVERIFY2(port.ok(), port.ok() ? "" : qPrintable(port.error()));

    constexpr qint64 size = 1024 * 1024 + 3;
    const QString out = m_dir.filePath(QStringLiteral("tls.bin"));
    const QString path = QStringLiteral("/obj/edge-tls?size=%1").arg(size);
    const QString url = QStringLiteral("https://localhost:%1%2").arg(*port).arg(path);
    const Curl c = curlEdge({QStringLiteral("--cacert"), caPem, QStringLiteral("-o"), out, url});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QCOMPARE(fileSha256(QStringLiteral("tls.bin")), lab::contentSha256("/obj/edge-tls", size));
    QCOMPARE(accessLineFor(path).value(QStringLiteral("outcome")).toString(), QStringLiteral("ok"));

    // Without the CA, curl refuses the edge's certificate (exit 60): verification is real.
    const Curl untrusted = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), url});
    QCOMPARE(untrusted.exitCode, 60);
    // Plain HTTP to the TLS port fails that connection only; the edge goes on serving TLS clients.
    const Curl plain = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("--max-time"),
                                 QStringLiteral("5"), QStringLiteral("http://127.0.0.1:%1/x").arg(*port)});
    QVERIFY(plain.exitCode != 0);
    const Curl again = curlEdge({QStringLiteral("--cacert"), caPem, QStringLiteral("-o"), QStringLiteral("/dev/null"),
                                 QStringLiteral("-w"), QStringLiteral("%{http_code}"), url});
    QCOMPARE(again.out, QByteArray("200"));
}

void TestEdgeOperations::servedThroughTinyproxy()
{
    // A map whose only route is through the lab's tinyproxy (Debian's, its own process): no direct route.
    engine::EngineSettings settings;
    settings.caCertificates = m_lab.caCertificates();
    engine::LocalEngine engine(settings);
    map::RouteMap m = routeMap(QStringLiteral("plain"), {}, {QStringLiteral("tp")});
    m.direct = false;
    engine.setMap(m, QStringLiteral("test"));
    edge::EdgeSettings edgeSettings;
    edgeSettings.hosts.insert(kHost, QStringLiteral("plain"));
    edge::EdgeServer server(&engine, edgeSettings);
    auto access = log::JsonLinesLog::open(m_dir.filePath(QStringLiteral("tp-access.jsonl")), QStringLiteral("tp-access"));
    QVERIFY2(access.ok(), access.ok() ? "" : qPrintable(access.error()));
    server.setAccessLog(std::move(access).value());
    const Result<quint16> port = server.listen(QHostAddress::LocalHost, 0);
    QVERIFY2(port.ok(), port.ok() ? "" : qPrintable(port.error()));
    QVERIFY(QTest::qWaitFor([&] { return engine.providers().contains(QStringLiteral("plain")); }, kTimeoutMs));

    constexpr qint64 size = 2 * 1024 * 1024 + 11;
    const QString path = QStringLiteral("/obj/edge-tp?size=%1").arg(size);
    const Curl c = curlEdge({QStringLiteral("-o"), m_dir.filePath(QStringLiteral("tp.bin")), QStringLiteral("-D"),
                             QStringLiteral("-"), QStringLiteral("http://127.0.0.1:%1%2").arg(*port).arg(path)});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QVERIFY2(c.out.startsWith("HTTP/1.1 200"), c.out.constData());
    QCOMPARE(fileSha256(QStringLiteral("tp.bin")), lab::contentSha256("/obj/edge-tp", size));
    QJsonObject line;
    QVERIFY(QTest::qWaitFor([&] {
        const QList<QJsonObject> lines = jsonLines(QStringLiteral("tp-access.jsonl"));
        line = lines.isEmpty() ? QJsonObject() : lines.last();
        return !line.isEmpty();
    }, kTimeoutMs));
    QCOMPARE(line.value(QStringLiteral("route")).toString(), QStringLiteral("via:tp"));
    QCOMPARE(line.value(QStringLiteral("outcome")).toString(), QStringLiteral("ok"));
}

void TestEdgeOperations::cutMidBodyOf64MiBIsByteExactAndLogged()
{
    // Each link to the origin resets a connection after 30,000,000 bytes, so the serving route (the
    // race's winner) is cut mid-body and the next route resumes from the byte the client has. Each
    // route is tried once, in order: three carry up to 90,000,000 bytes, more than the 67,108,864.
    constexpr qint64 size = 64 * 1024 * 1024;
    for (const QString &link : {lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                                lab::Topology::edgeToRelayLinkId(QStringLiteral("slow")),
                                lab::Topology::directLinkId(QStringLiteral("plain"))})
        RELAYRACE_VERIFY_OK(m_lab.impair(link, [](lab::Impairment &i) { i.resetAfterBytes = 30'000'000; }));
    const QString path = QStringLiteral("/obj/edge-64m?size=%1").arg(size);
    const Curl c = curlEdge({QStringLiteral("-o"), m_dir.filePath(QStringLiteral("64m.bin")), url(path)});
    QVERIFY2(c.exitCode == 0, c.err.constData());
    QCOMPARE(fileSha256(QStringLiteral("64m.bin")), lab::contentSha256("/obj/edge-64m", size));
    const QJsonObject access = accessLineFor(path);
    if (access.isEmpty()) { // what the edge did log, for the next reader of a failed run
        for (const QJsonObject &line : accessLines())
            qWarning("access line: %s", QJsonDocument(line).toJson(QJsonDocument::Compact).constData());
    }
    QVERIFY2(!access.isEmpty(), "no access-log line for the 64 MiB request within the timeout");
    QCOMPARE(access.value(QStringLiteral("outcome")).toString(), QStringLiteral("ok"));
    QCOMPARE(access.value(QStringLiteral("bytes")).toInteger(), size);
    QVERIFY2(access.value(QStringLiteral("failovers")).toInt() >= 1, QJsonDocument(access).toJson().constData());
    const QString requestId = access.value(QStringLiteral("request_id")).toString();
    QVERIFY(!requestId.isEmpty());
    QList<QJsonObject> events;
    for (const QJsonObject &e : failoverLines()) {
        if (e.value(QStringLiteral("request_id")).toString() == requestId)
            events.append(e);
    }
    QCOMPARE(events.size(), access.value(QStringLiteral("failovers")).toInt());
    const QJsonObject first = events.first();
    QCOMPARE(first.value(QStringLiteral("client")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(first.value(QStringLiteral("request")).toString(), QStringLiteral("GET ") + path);
    QCOMPARE(first.value(QStringLiteral("outcome")).toString(), QStringLiteral("resumed"));
    QVERIFY(first.value(QStringLiteral("resume_offset")).toInteger() >= 20'000'000);
}

void TestEdgeOperations::unresumableBodyIsCutForTheClient()
{
    // /dynamic has no validator (a new body each time): after its head went out, a cut cannot be
    // resumed, so the edge must end the connection short of Content-Length, never end it cleanly.
    constexpr qint64 size = 4'000'000;
    for (const QString &link : {lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                                lab::Topology::edgeToRelayLinkId(QStringLiteral("slow")),
                                lab::Topology::directLinkId(QStringLiteral("plain"))})
        RELAYRACE_VERIFY_OK(m_lab.impair(link, [](lab::Impairment &i) { i.resetAfterBytes = 1'000'000; }));
    const QString path = QStringLiteral("/dynamic?size=%1").arg(size);
    const QString out = m_dir.filePath(QStringLiteral("dynamic.bin"));
    const Curl c = curlEdge({QStringLiteral("-o"), out, url(path)});
    QCOMPARE(c.exitCode, 18); // CURLE_PARTIAL_FILE: the client can tell
    QVERIFY(QFileInfo(out).size() < size);
    const QJsonObject access = accessLineFor(path);
    QCOMPARE(access.value(QStringLiteral("outcome")).toString(), QStringLiteral("aborted"));
    QCOMPARE(access.value(QStringLiteral("status")).toInt(), 200);
    QVERIFY(access.value(QStringLiteral("bytes")).toInteger() < size);
    bool logged = false;
    for (const QJsonObject &e : failoverLines()) {
        logged = logged || (e.value(QStringLiteral("request_id")) == access.value(QStringLiteral("request_id")) &&
                            e.value(QStringLiteral("outcome")).toString() == u"failed");
    }
    QVERIFY2(logged, "the failed failover of the client's request is in the failover log");
}

void TestEdgeOperations::largeBodyStreamsToTheOriginWhileItUploads()
{
    // 6 MB at 1 MB/s from curl (6 s): 2 MB are on their way to the origin (counted on the lab's links
    // toward it) long before the client has sent it all (a buffered body would leave after 6 s), and the
    // origin gets the body whole, once.
    QByteArray body(6'000'000, Qt::Uninitialized);
    for (qsizetype i = 0; i < body.size(); ++i)
        body[i] = char((i * 131) >> 3);
    QFile file(m_dir.filePath(QStringLiteral("upload.bin")));
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write(body) == body.size());
    file.close();
    const QStringList links{lab::Topology::edgeToRelayLinkId(QStringLiteral("fast")),
                            lab::Topology::edgeToRelayLinkId(QStringLiteral("slow")),
                            lab::Topology::directLinkId(QStringLiteral("plain"))};
    const auto upstream = [&] {
        qint64 sum = 0;
        for (const QString &link : links)
            sum += m_lab.lab()->linkStats(link)->bytesUp;
        return sum;
    };
    const qint64 upBefore = upstream();
    // A race the previous test's failover called (docs/race-policy.md) may still have a loser's request
    // on its way to the origin over the slow relay: count from a quiet origin.
    qint64 requestsBefore = -1;
    for (int i = 0; i < 10; ++i) {
        const qint64 now = m_lab.lab()->originStats(QStringLiteral("plain"))->requests;
        if (now == requestsBefore)
            break;
        requestsBefore = now;
        QTest::qWait(700);
    }
    QProcess curlProcess;
    curlProcess.start(QStringLiteral("curl"), {QStringLiteral("-sS"), QStringLiteral("--limit-rate"), QStringLiteral("1M"),
                                               QStringLiteral("-H"), QStringLiteral("Host: ") + kHost,
                                               QStringLiteral("--data-binary"), QStringLiteral("@") + file.fileName(),
                                               url(QStringLiteral("/echo"))});
    QVERIFY(curlProcess.waitForStarted(10'000));
    QElapsedTimer clock;
    clock.start();
    QVERIFY2(QTest::qWaitFor([&] { return upstream() - upBefore > 2'000'000; }, kTimeoutMs), "the body streams");
    const qint64 streamedAfterMs = clock.elapsed();
    QVERIFY2(streamedAfterMs < 4'500, qPrintable(QStringLiteral("2 MB reached the origin's links after %1 ms").arg(streamedAfterMs)));
    QSignalSpy done(&curlProcess, &QProcess::finished);
    QVERIFY(done.wait(kTimeoutMs));
    QCOMPARE(curlProcess.exitCode(), 0);
    const QJsonObject echo = QJsonDocument::fromJson(curlProcess.readAllStandardOutput()).object();
    QCOMPARE(echo.value(QStringLiteral("length")).toInteger(), body.size());
    QCOMPARE(echo.value(QStringLiteral("sha256")).toString().toLatin1(), lab::sha256Hex(body));
    QCOMPARE(m_lab.lab()->originStats(QStringLiteral("plain"))->requests - requestsBefore, qint64(1));
}

QTEST_GUILESS_MAIN(TestEdgeOperations)
#include "tst_edgeoperations.moc"
