// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Failover in the race engine over a real lab (tests/support/enginelab.h): a cached route that
// fails over is logged and stored, and a raced winner cut mid-body (reset or stalled) is resumed on
// the next route, or fails clearly when the object has no strong validator.
#include "support/enginelab.h"

#include "history/historystore.h"
#include "lab/content.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <functional>
#include <memory>

using namespace relayrace;
using namespace relayrace::lab;
using namespace relayrace::engine;
using namespace relayrace::testsupport;

namespace {

// A requested-object race whose winner is cut mid-body, as the engine and the lab saw it.
struct Interrupted
{
    Served served;
    QList<model::FailoverEvent> signalled; // RaceEngine::failover
    QList<QByteArray> logLines;               // the failover log file
    // relay:slow's answers for the object; they cross from the lab's thread while listener lives.
    std::shared_ptr<QList<RelayLogEntry>> slowRelayed = std::make_shared<QList<RelayLogEntry>>();
    std::unique_ptr<QObject> listener = std::make_unique<QObject>();
    qint64 elapsedMs = 0;

    int slowAnswers(int status) const
    {
        return int(std::count_if(slowRelayed->cbegin(), slowRelayed->cend(),
                                 [status](const RelayLogEntry &e) { return e.status == status; }));
    }
};

} // namespace

class TestEngineFailover final : public QObject, private EngineLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void cachedRouteFailsOverAndTheEventIsLoggedAndStored();
    void racedWinnerResetMidBodyIsResumedOnTheNextRoute();
    void racedWinnerStalledMidBodyIsResumedAfterTheStallBound();
    void racedWinnerWithoutStrongValidatorFailsClearlyMidBody();

private:
    // Races path on the requested object over via:fast (the winner) and via:slow, the winner's edge
    // link impaired by change from the start (its fault comes after the 64 KiB decision).
    Interrupted interruptedRace(const QString &path, const std::function<void(Impairment &)> &change);
};

void TestEngineFailover::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
    QCOMPARE(m_lab.caCertificates().size(), 1);
}

void TestEngineFailover::cleanupTestCase()
{
    m_lab.stop();
}

void TestEngineFailover::cleanup()
{
    RELAYRACE_VERIFY_OK(m_lab.restore());
}

void TestEngineFailover::cachedRouteFailsOverAndTheEventIsLoggedAndStored()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EngineSettings settings;
    settings.historyPath = dir.filePath(QStringLiteral("history.sqlite"));
    settings.failoverLogPath = dir.filePath(QStringLiteral("failover.jsonl"));
    auto e = engine(settings);
    e->setMap(routeMap(QStringLiteral("plain")));
    QVERIFY(serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/fo?size=1000"))).result.raced);
    QCOMPARE(e->snapshot(QStringLiteral("plain")).optimalRoute, QStringLiteral("via:fast"));
    QSignalSpy failovers(e.get(), &RaceEngine::failover);
    // Cut: no new connections, and the kept-alive ones reset at their next byte.
    RELAYRACE_VERIFY_OK(m_lab.impair(QStringLiteral("edge>relay:fast"), [](Impairment &i) {
        i.refuse = true;
        i.resetAfterBytes = 0;
    }));
    constexpr qint64 size = 500000;
    const Served s = serve(*e, get(QStringLiteral("plain"), QStringLiteral("/obj/fo?size=%1").arg(size)));
    QVERIFY2(s.result.ok, qPrintable(s.result.error));
    QVERIFY(!s.result.raced);
    QVERIFY(s.result.route != u"via:fast");
    QCOMPARE(QCryptographicHash::hash(s.body, QCryptographicHash::Sha256).toHex(), contentSha256("/obj/fo", size, 0));
    QVERIFY(!s.result.failovers.isEmpty());
    QCOMPARE(s.result.failovers.first().fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(failovers.size(), s.result.failovers.size());
    // The same event in the JSON-lines log and in the history.
    QFile log(settings.failoverLogPath);
    QVERIFY(log.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = log.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), s.result.failovers.size());
    QJsonParseError error{};
    const QJsonObject line = QJsonDocument::fromJson(lines.first(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(line.value(QStringLiteral("from_route")).toString(), QStringLiteral("via:fast"));
    history::FailoverQuery query;
    query.provider = QStringLiteral("plain");
    const auto stored = e->history()->failovers(query);
    QVERIFY(stored.ok());
    QCOMPARE(stored->size(), s.result.failovers.size());
    QCOMPARE(stored->first().fromRoute, QStringLiteral("via:fast"));
}

Interrupted TestEngineFailover::interruptedRace(const QString &path, const std::function<void(Impairment &)> &change)
{
    Interrupted out;
    QTemporaryDir dir;
    EngineSettings settings;
    settings.failoverLogPath = dir.filePath(QStringLiteral("failover.jsonl"));
    auto e = engine(settings);
    map::RouteMap m = routeMap(QStringLiteral("plain"));
    m.direct = false; // via:fast wins (100 ms vs 300 ms); via:slow is the only other route
    e->setMap(m);
    [&] { RELAYRACE_VERIFY_OK(m_lab.impair(QStringLiteral("edge>relay:fast"), change)); }();
    const QString object = path.left(path.indexOf(u'?'));
    connect(m_lab.lab(), &Lab::relayed, out.listener.get(),
            [list = out.slowRelayed, object](const QString &region, const RelayLogEntry &entry) {
                if (region == u"slow" && entry.target.contains(object))
                    list->append(entry);
            });
    QSignalSpy failovers(e.get(), &RaceEngine::failover);
    QElapsedTimer clock;
    clock.start();
    out.served = serve(*e, get(QStringLiteral("plain"), path));
    out.elapsedMs = clock.elapsed();
    for (const QList<QVariant> &args : std::as_const(failovers))
        out.signalled.append(args.first().value<model::FailoverEvent>());
    QFile log(settings.failoverLogPath);
    if (log.open(QIODevice::ReadOnly))
        out.logLines = log.readAll().trimmed().split('\n');
    return out;
}

void TestEngineFailover::racedWinnerResetMidBodyIsResumedOnTheNextRoute()
{
    constexpr qint64 size = 2 * 1024 * 1024 + 5;
    const Interrupted run = interruptedRace(QStringLiteral("/obj/won-reset?size=%1").arg(size),
                                            [](Impairment &i) { i.resetAfterBytes = 400'000; });
    const ServeResult &r = run.served.result;
    QVERIFY2(r.ok, qPrintable(r.error));
    QVERIFY(r.raced);
    QCOMPARE(r.route, QStringLiteral("via:slow"));
    QCOMPARE(r.bytes, size);
    QCOMPARE(r.httpStatus, 200);
    QCOMPARE(QCryptographicHash::hash(run.served.body, QCryptographicHash::Sha256).toHex(),
             contentSha256("/obj/won-reset", size, 0));
    QCOMPARE(r.failovers.size(), 1);
    const model::FailoverEvent &e = r.failovers.first();
    QCOMPARE(e.fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(e.toRoute, QStringLiteral("via:slow"));
    QCOMPARE(e.reason, QStringLiteral("reset"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Resumed);
    QVERIFY2(e.bytesDelivered >= 64 * 1024 && e.bytesDelivered < 400'000,
             qPrintable(QString::number(e.bytesDelivered)));
    QCOMPARE(e.resumeOffset, e.bytesDelivered);
    QVERIFY(e.recoverMs > 0);
    // The engine's signal and its failover log carry the same event.
    QCOMPARE(run.signalled.size(), 1);
    QCOMPARE(run.signalled.first().resumeOffset, e.resumeOffset);
    QCOMPARE(run.logLines.size(), 1);
    const QJsonObject line = QJsonDocument::fromJson(run.logLines.first()).object();
    QCOMPARE(line.value(QStringLiteral("from_route")).toString(), QStringLiteral("via:fast"));
    QCOMPARE(line.value(QStringLiteral("to_route")).toString(), QStringLiteral("via:slow"));
    QCOMPARE(line.value(QStringLiteral("outcome")).toString(), QStringLiteral("resumed"));
    QCOMPARE(line.value(QStringLiteral("resume_offset")).toInteger(), e.resumeOffset);
    // At the lab: relay:slow carried one 206 with the remainder only (its bytes: the head and size - K).
    QTRY_COMPARE_WITH_TIMEOUT(run.slowAnswers(206), 1, 5000);
    const RelayLogEntry partial = *std::find_if(run.slowRelayed->cbegin(), run.slowRelayed->cend(),
                                                [](const RelayLogEntry &entry) { return entry.status == 206; });
    QVERIFY2(partial.bytesDown > size - e.resumeOffset && partial.bytesDown < size - e.resumeOffset + 1024,
             qPrintable(QString::number(partial.bytesDown)));
    qInfo("reset: %lld B streamed by the winner, resumed at %lld on via:slow (relay sent %lld B), head after "
          "%.1f ms, whole request %lld ms",
          e.bytesDelivered, e.resumeOffset, partial.bytesDown, e.recoverMs, run.elapsedMs);
}

void TestEngineFailover::racedWinnerStalledMidBodyIsResumedAfterTheStallBound()
{
    constexpr qint64 size = 2 * 1024 * 1024;
    const Interrupted run = interruptedRace(QStringLiteral("/obj/won-stall?size=%1").arg(size),
                                            [](Impairment &i) { i.stallAfterBytes = 400'000; });
    const ServeResult &r = run.served.result;
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.route, QStringLiteral("via:slow"));
    QCOMPARE(r.bytes, size);
    QCOMPARE(QCryptographicHash::hash(run.served.body, QCryptographicHash::Sha256).toHex(),
             contentSha256("/obj/won-stall", size, 0));
    QCOMPARE(r.failovers.size(), 1);
    const model::FailoverEvent &e = r.failovers.first();
    QCOMPARE(e.fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(e.reason, QStringLiteral("stall"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Resumed);
    QVERIFY(e.resumeOffset >= 64 * 1024 && e.resumeOffset < 400'000);
    QCOMPARE(run.signalled.size(), 1);
    QCOMPARE(run.logLines.size(), 1);
    // The bound is the adaptive one (4 x the winner's race TTFB, at least 250 ms), not the race timeout.
    static const QRegularExpression bound(QStringLiteral("no body bytes for (\\d+) ms \\(the stall bound"));
    const QRegularExpressionMatch match = bound.match(e.detail);
    QVERIFY2(match.hasMatch(), qPrintable(e.detail));
    const int boundMs = match.captured(1).toInt();
    QVERIFY2(boundMs >= 250 && boundMs < 5000, qPrintable(e.detail));
    QVERIFY2(run.elapsedMs >= boundMs, qPrintable(QString::number(run.elapsedMs)));
    QVERIFY2(run.elapsedMs < 20000, qPrintable(QString::number(run.elapsedMs))); // the race timeout is 30 s
    qInfo("stall: bound %d ms, resumed at %lld on via:slow, head after %.1f ms, whole request %lld ms", boundMs,
          e.resumeOffset, e.recoverMs, run.elapsedMs);
}

void TestEngineFailover::racedWinnerWithoutStrongValidatorFailsClearlyMidBody()
{
    constexpr qint64 size = 2'000'000;
    // /dynamic: a new body on every request, no ETag, no Last-Modified, no Accept-Ranges.
    const Interrupted run = interruptedRace(QStringLiteral("/dynamic?size=%1").arg(size),
                                            [](Impairment &i) { i.resetAfterBytes = 400'000; });
    const ServeResult &r = run.served.result;
    QVERIFY(!r.ok);
    QVERIFY(r.raced);
    QVERIFY2(r.error.contains(QStringLiteral("via:fast")) && r.error.contains(QStringLiteral("strong validator")),
             qPrintable(r.error));
    QCOMPARE(r.bytes, qint64(run.served.body.size())); // what the requester really has
    QVERIFY2(r.bytes >= 64 * 1024 && r.bytes < 400'000, qPrintable(QString::number(r.bytes)));
    QCOMPARE(r.failovers.size(), 1);
    const model::FailoverEvent &e = r.failovers.first();
    QCOMPARE(e.fromRoute, QStringLiteral("via:fast"));
    QCOMPARE(e.toRoute, QString());
    QCOMPARE(e.reason, QStringLiteral("not_resumable"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Failed);
    QCOMPARE(e.bytesDelivered, r.bytes);
    QCOMPARE(run.logLines.size(), 1);
    QCOMPARE(run.slowAnswers(206), 0); // no other route was asked for the rest
    qInfo("no validator: %lld B delivered, then: %s", r.bytes, qPrintable(r.error));
}

QTEST_GUILESS_MAIN(TestEngineFailover)
#include "tst_enginefailover.moc"
