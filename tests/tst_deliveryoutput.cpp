// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// What a delivery leaves behind (tests/support/deliverylab.h): failover log lines that parse as JSON
// with every field, and `relayrace fetch`, which writes the whole body and a JSON summary, or nothing
// at all when the resume is refused.
#include "support/deliverylab.h"

#include "delivery/failoverlog.h"
#include "lab/content.h"
#include "map/mapcodec.h"

#include <QBuffer>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace relayrace;
using namespace relayrace::delivery;
using namespace relayrace::lab;
using namespace relayrace::testsupport;

class TestDeliveryOutput final : public QObject, private DeliveryLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void failoverLogLinesParseAsJsonWithEveryField();
    void fetchCliWritesTheWholeBodyAndJsonSummary();
    void fetchCliLeavesNoOutputWhenResumeIsRefused();
    void fetchCliRemovesStalePartFiles();

private:
    QString writeMap();
    static void runCli(QProcess &process, const QStringList &args);

    QTemporaryDir m_dir;
};

void TestDeliveryOutput::initTestCase()
{
    QVERIFY(m_dir.isValid());
    RELAYRACE_VERIFY_OK(startLab());
}

void TestDeliveryOutput::cleanupTestCase()
{
    stopLab();
}

void TestDeliveryOutput::cleanup()
{
    resetLab();
}

void TestDeliveryOutput::failoverLogLinesParseAsJsonWithEveryField()
{
    constexpr qint64 size = 1024 * 1024;
    const QString path = m_dir.filePath(QStringLiteral("logs/failover.jsonl"));
    auto log = FailoverLog::open(path);
    QVERIFY2(log.ok(), qPrintable(log.ok() ? QString() : log.error()));
    impair(m_direct.get(), [](Impairment &i) { i.refuse = true; });
    impair(m_edgeB.get(), [](Impairment &i) { i.resetAfterBytes = 200'000; });
    DeliveryRequest req = request(QStringLiteral("/obj/logged?size=%1").arg(size),
                                  {QStringLiteral("direct"), QStringLiteral("via:b"), QStringLiteral("via:a")});
    req.provider = QStringLiteral("plain \"quoted\"\n\tü"); // must come back intact through the escaping
    std::shared_ptr<FailoverLog> sink = log.value();
    QBuffer body;
    body.open(QIODevice::WriteOnly);
    Delivery delivery(req, &body);
    QList<model::FailoverEvent> events;
    connect(&delivery, &Delivery::failover, this, [&](const model::FailoverEvent &e) {
        events.append(e);
        sink->write(e);
    });
    QSignalSpy finished(&delivery, &Delivery::finished);
    QVERIFY(delivery.start().ok());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    QVERIFY(finished.first().first().value<DeliveryResult>().ok);
    QCOMPARE(sha256Hex(body.data()), contentSha256("/obj/logged", size));
    QCOMPARE(events.size(), 2);

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QCOMPARE(lines.size(), 3); // two lines and the empty rest after the last newline
    QVERIFY(lines.last().isEmpty());
    const QStringList fields = {QStringLiteral("at"), QStringLiteral("provider"), QStringLiteral("request"),
                                QStringLiteral("from_route"), QStringLiteral("to_route"), QStringLiteral("reason"),
                                QStringLiteral("detail"), QStringLiteral("bytes_delivered"),
                                QStringLiteral("resume_offset"), QStringLiteral("recover_ms"), QStringLiteral("outcome")};
    for (int i = 0; i < 2; ++i) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(lines.at(i), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QVERIFY(!lines.at(i).contains('\n'));
        const QJsonObject o = doc.object();
        for (const QString &f : fields)
            QVERIFY2(o.contains(f), qPrintable(f));
        QCOMPARE(o, toJson(events.at(i)));
        QCOMPARE(o.value(QStringLiteral("provider")).toString(), req.provider);
        QVERIFY(QDateTime::fromString(o.value(QStringLiteral("at")).toString(), Qt::ISODateWithMs).isValid());
    }
    const QJsonObject first = QJsonDocument::fromJson(lines.at(0)).object();
    const QJsonObject second = QJsonDocument::fromJson(lines.at(1)).object();
    QCOMPARE(first.value(QStringLiteral("reason")).toString(), QStringLiteral("refused"));
    QCOMPARE(first.value(QStringLiteral("to_route")).toString(), QStringLiteral("via:b"));
    QCOMPARE(first.value(QStringLiteral("outcome")).toString(), QStringLiteral("restarted"));
    QVERIFY(first.value(QStringLiteral("resume_offset")).isNull());
    QCOMPARE(second.value(QStringLiteral("reason")).toString(), QStringLiteral("reset"));
    QCOMPARE(second.value(QStringLiteral("from_route")).toString(), QStringLiteral("via:b"));
    QCOMPARE(second.value(QStringLiteral("to_route")).toString(), QStringLiteral("via:a"));
    QCOMPARE(second.value(QStringLiteral("outcome")).toString(), QStringLiteral("resumed"));
    QVERIFY(second.value(QStringLiteral("resume_offset")).toInteger() > 0);
    QCOMPARE(second.value(QStringLiteral("resume_offset")).toInteger(), second.value(QStringLiteral("bytes_delivered")).toInteger());
    QVERIFY(second.value(QStringLiteral("recover_ms")).toDouble() > 0);
}

QString TestDeliveryOutput::writeMap()
{
    map::RouteMap m;
    m.provider = QStringLiteral("plain");
    m.origin = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_direct->port()));
    m.generatedAt = QDateTime::currentDateTimeUtc().addSecs(-10);
    for (const auto &[id, port] : {std::pair{QStringLiteral("a"), m_edgeA->port()}, std::pair{QStringLiteral("b"), m_edgeB->port()}}) {
        map::Region r;
        r.id = id;
        r.relay = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
        m.regions.append(r);
    }
    m.alternates.insert(QStringLiteral("default"), {QStringLiteral("a"), QStringLiteral("b")});
    const QString path = m_dir.filePath(QStringLiteral("plain.map.json"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(map::serializeRouteMap(m));
    return path;
}

// Not waitForFinished(): the lab the CLI talks to runs on this thread's event loop.
void TestDeliveryOutput::runCli(QProcess &process, const QStringList &args)
{
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"), args);
    QVERIFY(finished.wait(kTimeoutMs));
}

void TestDeliveryOutput::fetchCliWritesTheWholeBodyAndJsonSummary()
{
    constexpr qint64 size = 1024 * 1024 + 3;
    const QString mapPath = writeMap();
    QVERIFY(!mapPath.isEmpty());
    impair(m_direct.get(), [](Impairment &i) { i.refuse = true; });
    const QString out = m_dir.filePath(QStringLiteral("ok/object.bin"));
    QVERIFY(QDir().mkpath(QFileInfo(out).absolutePath()));
    const QString logPath = m_dir.filePath(QStringLiteral("cli-ok.jsonl"));
    QProcess process;
    runCli(process, {QStringLiteral("fetch"), QStringLiteral("--map"), mapPath, QStringLiteral("-o"), out, QStringLiteral("--json"),
                     QStringLiteral("--failover-log"), logPath, QStringLiteral("/obj/cli?size=%1").arg(size)});
    const QByteArray stderrText = process.readAllStandardError();
    QCOMPARE(process.exitCode(), 0);
    const QJsonObject json = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
    for (const char *key : {"provider", "url", "route", "status", "bytes", "sha256", "failovers", "ok", "error"})
        QVERIFY2(json.contains(QLatin1String(key)), key);
    QCOMPARE(json.value(QStringLiteral("provider")).toString(), QStringLiteral("plain"));
    QCOMPARE(json.value(QStringLiteral("route")).toString(), QStringLiteral("via:a"));
    QCOMPARE(json.value(QStringLiteral("status")).toInt(), 200);
    QCOMPARE(json.value(QStringLiteral("bytes")).toInteger(), size);
    QCOMPARE(json.value(QStringLiteral("sha256")).toString().toLatin1(), contentSha256("/obj/cli", size));
    QVERIFY(json.value(QStringLiteral("ok")).toBool());
    QVERIFY(json.value(QStringLiteral("error")).isNull());
    const QJsonArray failovers = json.value(QStringLiteral("failovers")).toArray();
    QCOMPARE(failovers.size(), 1);
    const QJsonObject f = failovers.first().toObject();
    QCOMPARE(f.value(QStringLiteral("from")).toString(), QStringLiteral("direct"));
    QCOMPARE(f.value(QStringLiteral("to")).toString(), QStringLiteral("via:a"));
    QCOMPARE(f.value(QStringLiteral("reason")).toString(), QStringLiteral("refused"));
    QCOMPARE(f.value(QStringLiteral("offset")).toInteger(), qint64(0));
    QVERIFY(f.value(QStringLiteral("elapsed_ms")).toDouble() > 0);
    QFile file(out);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(sha256Hex(file.readAll()), contentSha256("/obj/cli", size));
    QCOMPARE(QDir(QFileInfo(out).absolutePath()).entryList(QDir::Files), QStringList{QStringLiteral("object.bin")});
    QFile logFile(logPath);
    QVERIFY(logFile.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(logFile.readLine()).object().value(QStringLiteral("reason")).toString(), QStringLiteral("refused"));
    Q_UNUSED(stderrText);
}

void TestDeliveryOutput::fetchCliLeavesNoOutputWhenResumeIsRefused()
{
    constexpr qint64 size = 2 * 1024 * 1024;
    const QString mapPath = writeMap();
    QVERIFY(!mapPath.isEmpty());
    // Stall after some bytes: the CLI has no race hints, so it waits its initial bound (2 s) before it
    // resumes on via:a, time enough to publish a new version of the object.
    impair(m_direct.get(), [](Impairment &i) { i.stallAfterBytes = 300'000; });
    const QString outDir = m_dir.filePath(QStringLiteral("refused"));
    QVERIFY(QDir().mkpath(outDir));
    const QString out = outDir + QStringLiteral("/object.bin");
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"),
                  {QStringLiteral("fetch"), QStringLiteral("--map"), mapPath, QStringLiteral("-o"), out,
                   QStringLiteral("--failover-log"), m_dir.filePath(QStringLiteral("cli-refused.jsonl")),
                   QStringLiteral("/obj/cli-changed?size=%1").arg(size)});
    const auto partSize = [&outDir] {
        const QFileInfoList parts = QDir(outDir).entryInfoList({QStringLiteral("object.bin.part-*")}, QDir::Files);
        return parts.isEmpty() ? qint64(-1) : parts.first().size();
    };
    QTRY_VERIFY_WITH_TIMEOUT(partSize() > 0 || !finished.isEmpty(), kTimeoutMs);
    QVERIFY(finished.isEmpty());
    m_origin->setGeneration(1);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    const QString errors = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitCode(), 1);
    QVERIFY2(errors.contains(QStringLiteral("cannot be resumed")) && errors.contains(QStringLiteral("the object changed")),
             qPrintable(errors));
    QVERIFY2(errors.contains(QStringLiteral("validator_changed")), qPrintable(errors));
    QVERIFY(!QFile::exists(out));
    QCOMPARE(QDir(outDir).entryList(QDir::Files), QStringList());
}

void TestDeliveryOutput::fetchCliRemovesStalePartFiles()
{
    // A fetch killed outright leaves its part file; the next fetch to the same OUT removes it, and
    // leaves alone one written to lately (a fetch still running).
    const QString mapPath = writeMap();
    QVERIFY(!mapPath.isEmpty());
    const QString outDir = m_dir.filePath(QStringLiteral("stale"));
    QVERIFY(QDir().mkpath(outDir));
    const QString out = outDir + QStringLiteral("/object.bin");
    const QString stale = out + QStringLiteral(".part-00dead");
    const QString live = out + QStringLiteral(".part-00beef");
    for (const QString &path : {stale, live}) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("partial");
    }
    {
        QFile file(stale);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime::currentDateTimeUtc().addSecs(-3600), QFileDevice::FileModificationTime));
    }
    QProcess process;
    runCli(process, {QStringLiteral("fetch"), QStringLiteral("--map"), mapPath, QStringLiteral("-o"), out,
                     QStringLiteral("/obj/cli-stale?size=5000")});
    const QString errors = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(process.exitCode() == 0, qPrintable(errors));
    QVERIFY2(errors.contains(QStringLiteral("removed object.bin.part-00dead")), qPrintable(errors));
    QVERIFY(!QFile::exists(stale));
    QVERIFY(QFile::exists(live));
    QCOMPARE(QFileInfo(out).size(), qint64(5000));
}

QTEST_GUILESS_MAIN(TestDeliveryOutput)
#include "tst_deliveryoutput.moc"
