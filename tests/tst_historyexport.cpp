// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// What leaves the history store: route samples exported as CSV (RFC 4180 quoting, failures leave
// nothing behind), and `relayrace log --json` showing the stored failover events.
#include "history/historycsv.h"
#include "history/historystore.h"
#include "model/failoverevent.h"
#include "support/historyrecords.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace relayrace;
using namespace Qt::StringLiterals;
using namespace relayrace::history;
using namespace relayrace::testsupport::historylab;
using model::FailoverEvent;
using model::RaceResult;
using model::RouteOutcome;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runLog(const QStringList &arguments)
{
    QProcess process;
    process.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"), QStringList{QStringLiteral("log")} + arguments);
    Run run;
    if (!process.waitForStarted(30000) || !process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit)
        return run;
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

} // namespace

class TestHistoryExport final : public HistoryTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void routeSamplesExportAsCsv()
    {
        const QString storePath = newPath();
        {
            auto store = openStore(storePath);
            QVERIFY(store);
            QVERIFY(store->addRace(makeRace(kT0, QStringLiteral("direct"), 40), QStringLiteral("e"), false).ok());
            QVERIFY(store->addRace(makeRace(kT0.addSecs(20), QStringLiteral("via:fra"), 30), QStringLiteral("e"), false).ok());
            QVERIFY(store->addRace(makeRace(kT0.addSecs(30)), QStringLiteral("e"), false).ok()); // outside [from, to)
            QVERIFY(store->addRace(makeRace(kT0, QStringLiteral("direct"), 40, QStringLiteral("ac,me \"x\"")), QStringLiteral("e"), false).ok());
        }
        QTemporaryDir out;
        const QString csv = out.filePath(QStringLiteral("acme.csv"));
        QCOMPARE(valueOr(exportRouteSamplesCsv(storePath, QStringLiteral("acme"), kT0, kT0.addSecs(30), csv), qint64(-1)), 4);
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        QCOMPARE(lines.size(), 6); // header, 4 rows, the empty rest after the last newline
        QCOMPARE(lines[0], QByteArray("time,provider,route,state,connect_ms,ttfb_ms,time_to_threshold_ms,bytes,winner"));
        QCOMPARE(lines[1], QByteArray("2026-11-25T18:00:00.000Z,acme,direct,won,11.3,20.0,40.0,65536,1"));
        QCOMPARE(lines[2], QByteArray("2026-11-25T18:00:00.000Z,acme,via:fra,lost,11.3,20.0,,1234,0"));
        QVERIFY(lines[4].endsWith(",via:fra,won,11.3,20.0,30.0,65536,1"));
        QVERIFY(lines[5].isEmpty());

        // A provider name that needs quoting is quoted (RFC 4180).
        const QString quoted = out.filePath(QStringLiteral("quoted.csv"));
        QCOMPARE(valueOr(exportRouteSamplesCsv(storePath, QStringLiteral("ac,me \"x\""), kT0, kT0.addSecs(30), quoted), qint64(-1)), 2);
        QFile quotedFile(quoted);
        QVERIFY(quotedFile.open(QIODevice::ReadOnly));
        QVERIFY(quotedFile.readAll().split('\n').at(1).contains(",\"ac,me \"\"x\"\"\",direct,"));

        // Failures name the problem and leave nothing behind.
        const QString nowhere = out.filePath(QStringLiteral("missing-dir/acme.csv"));
        const Result<qint64> unwritable = exportRouteSamplesCsv(storePath, QStringLiteral("acme"), kT0, kT0.addSecs(30), nowhere);
        QVERIFY(!unwritable);
        QVERIFY2(unwritable.error().startsWith(nowhere), qPrintable(unwritable.error()));
        QVERIFY(!QFile::exists(nowhere));
        const QString garbage = out.filePath(QStringLiteral("garbage.sqlite"));
        {
            QFile g(garbage);
            QVERIFY(g.open(QIODevice::WriteOnly));
            g.write(QByteArray(8192, 'x'));
        }
        const QString none = out.filePath(QStringLiteral("none.csv"));
        const Result<qint64> notAStore = exportRouteSamplesCsv(garbage, QStringLiteral("acme"), kT0, kT0.addSecs(30), none);
        QVERIFY(!notAStore);
        QVERIFY(!QFile::exists(none));
    }

    void logCommandPrintsStoredEventsAsJson()
    {
        const QString path = newPath();
        const QList<model::FailoverEvent> events = {
            failover(kT0, u"acme"_s, u"GET /a"_s, u"direct"_s, u"via:fra"_s, u"reset"_s, u"Connection reset by peer"_s),
            failover(kT0.addSecs(60), u"zeta"_s, u"GET /b"_s, u"via:fra"_s, {}, u"refused"_s, u"refused"_s,
                     model::FailoverEvent::Outcome::Failed),
            failover(kT0.addSecs(120), u"acme"_s, u"GET /c"_s, u"via:fra"_s, u"direct"_s, u"stall"_s, {},
                     model::FailoverEvent::Outcome::Restarted),
        };
        {
            auto store = openStore(path);
            QVERIFY(store);
            for (const model::FailoverEvent &e : events)
                QVERIFY(store->addFailover(e).ok());
        }
        Run run = runLog({u"--db"_s, path, u"--json"_s});
        QCOMPARE(run.exitCode, 0);
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(run.out, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        const QJsonArray array = doc.object().value(u"events"_s).toArray();
        QCOMPARE(array.size(), 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(array[i].toObject(), model::toJson(events[2 - i]));
        const QJsonObject newest = array[0].toObject();
        QCOMPARE(newest.value(u"request"_s).toString(), u"GET /c"_s);
        QCOMPARE(newest.value(u"from_route"_s).toString(), u"via:fra"_s);
        QCOMPARE(newest.value(u"outcome"_s).toString(), u"restarted"_s);
        QCOMPARE(newest.value(u"at"_s).toString(), u"2026-11-25T18:02:00.000Z"_s);
        QCOMPARE(newest.value(u"bytes_delivered"_s).toInteger(), 524288);

        run = runLog({u"--db"_s, path, u"--json"_s, u"--provider"_s, u"acme"_s, u"--since"_s, u"2026-11-25T18:00:30Z"_s});
        QCOMPARE(run.exitCode, 0);
        const QJsonArray filtered = QJsonDocument::fromJson(run.out).object().value(u"events"_s).toArray();
        QCOMPARE(filtered.size(), 1);
        QCOMPARE(filtered[0].toObject(), model::toJson(events[2]));

        run = runLog({u"--db"_s, path, u"--route"_s, u"direct"_s, u"--reason"_s, u"reset"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("GET /a") && run.out.contains("direct -> via:fra") && run.out.contains("OUTCOME")
                     && !run.out.contains("GET /c"), run.out.constData());

        run = runLog({u"--db"_s, path, u"--provider"_s, u"nobody"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.contains("no failover events"), run.err.constData());

        run = runLog({u"--db"_s, path, u"--since"_s, u"yesterday-ish"_s});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("yesterday-ish"), run.err.constData());

        const QString garbage = newPath();
        {
            QFile file(garbage);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray(4096, 'x'));
        }
        run = runLog({u"--db"_s, garbage});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(garbage.toUtf8()), run.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestHistoryExport)
#include "tst_historyexport.moc"
