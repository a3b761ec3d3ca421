// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// When a delivery may resume or send again (tests/support/deliverylab.h): never across a changed
// validator or a body without a strong validator once bytes were delivered, a running reply taken
// over (a race's winner) is resumed elsewhere when its route breaks, and a POST is sent once: again
// on another route only when the first never took it.
#include "support/deliverylab.h"

#include "lab/content.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QTest>

using namespace relayrace;
using namespace relayrace::delivery;
using namespace relayrace::lab;
using namespace relayrace::testsupport;

class TestDeliveryResume final : public QObject, private DeliveryLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void changedValidatorRefusesResumeWithClearError();
    void dynamicContentRestartsBeforeDeliveryButFailsAfter();
    void runningReplyIsTakenOverAndResumedElsewhere();
    void postOverRefusedRouteIsSentOnceOnTheNext();
    void postOverRouteResetAfterSendingIsNotResent();
};

void TestDeliveryResume::initTestCase()
{
    RELAYRACE_VERIFY_OK(startLab());
}

void TestDeliveryResume::cleanupTestCase()
{
    stopLab();
}

void TestDeliveryResume::cleanup()
{
    resetLab();
}

void TestDeliveryResume::changedValidatorRefusesResumeWithClearError()
{
    constexpr qint64 size = 2 * 1024 * 1024;
    impair(m_direct.get(), [](Impairment &i) { i.stallAfterBytes = 300'000; });
    DeliveryRequest req = request(QStringLiteral("/obj/changed?size=%1").arg(size), {QStringLiteral("direct"), QStringLiteral("via:a")});
    bool changed = false;
    const Run run = deliver(req, [&](qint64) {
        if (!changed) {
            changed = true;
            m_origin->setGeneration(1); // a new version while the first one is being delivered
        }
    });
    QVERIFY(run.finished);
    QVERIFY(changed);
    QVERIFY(!run.result.ok);
    QVERIFY2(run.result.error.contains(QStringLiteral("cannot be resumed")) &&
                 run.result.error.contains(QStringLiteral("the object changed")),
             qPrintable(run.result.error));
    QVERIFY(run.result.bytes > 0 && run.result.bytes < size);
    // Nothing of the new version reached the consumer: what it holds is a prefix of the old one.
    QCOMPARE(sha256Hex(run.body), sha256Hex(contentRange("/obj/changed", size, 0, run.result.bytes, 0)));
    QVERIFY(run.result.sha256.toLatin1() != contentSha256("/obj/changed", size, 0));
    QVERIFY(run.result.sha256.toLatin1() != contentSha256("/obj/changed", size, 1));
    QCOMPARE(run.events.size(), 1);
    QCOMPARE(run.events.first().reason, QStringLiteral("validator_changed"));
    QCOMPARE(run.events.first().outcome, model::FailoverEvent::Outcome::Failed);
    QCOMPARE(run.events.first().toRoute, QStringLiteral("via:a"));
    QCOMPARE(run.result.attempts.at(1).httpStatus, 200);
}

void TestDeliveryResume::dynamicContentRestartsBeforeDeliveryButFailsAfter()
{
    constexpr qint64 size = 2 * 1024 * 1024;
    // Refused before any byte: the next route starts afresh, and the body is whole.
    impair(m_direct.get(), [](Impairment &i) { i.refuse = true; });
    const Run restarted = deliver(request(QStringLiteral("/dynamic?size=%1").arg(size), {QStringLiteral("direct"), QStringLiteral("via:a")}));
    QVERIFY2(restarted.result.ok, qPrintable(restarted.result.error));
    QCOMPARE(restarted.result.bytes, size);
    const QByteArray announced = [&] {
        for (const auto &[name, value] : restarted.result.headers)
            if (name.compare("X-Body-Sha256", Qt::CaseInsensitive) == 0)
                return value;
        return QByteArray();
    }();
    QVERIFY(!announced.isEmpty());
    QCOMPARE(sha256Hex(restarted.body), announced);
    QCOMPARE(restarted.events.first().outcome, model::FailoverEvent::Outcome::Restarted);

    // Reset after bytes were delivered: no validator, so no resume, and no splice either.
    impair(m_direct.get(), [](Impairment &i) {
        i.refuse = false;
        i.resetAfterBytes = 300'000;
    });
    const Run failed = deliver(request(QStringLiteral("/dynamic?size=%1").arg(size), {QStringLiteral("direct"), QStringLiteral("via:a")}));
    QVERIFY(failed.finished);
    QVERIFY(!failed.result.ok);
    QVERIFY2(failed.result.error.contains(QStringLiteral("cannot be resumed")) &&
                 failed.result.error.contains(QStringLiteral("no strong validator")),
             qPrintable(failed.result.error));
    QVERIFY(failed.result.bytes > 0 && failed.result.bytes < size);
    QCOMPARE(failed.result.attempts.size(), 1); // the next route was not even asked
    QCOMPARE(failed.events.size(), 1);
    QCOMPARE(failed.events.first().reason, QStringLiteral("not_resumable"));
    QVERIFY(failed.events.first().toRoute.isEmpty());
    QCOMPARE(failed.events.first().outcome, model::FailoverEvent::Outcome::Failed);
}

void TestDeliveryResume::runningReplyIsTakenOverAndResumedElsewhere()
{
    // A race's winner: a reply already running on via:b, whose link resets mid-body. The delivery takes
    // it over, writes what it brings and resumes the rest on via:a, byte-exact.
    constexpr qint64 size = 1024 * 1024 + 3;
    const QString path = QStringLiteral("/obj/taken-over?size=%1").arg(size);
    impair(m_edgeB.get(), [](Impairment &i) { i.resetAfterBytes = 300'000; });
    DeliveryRequest req = request(path, {QStringLiteral("via:b"), QStringLiteral("via:a")});
    QNetworkRequest sent(req.url);
    sent.setRawHeader("Accept-Encoding", "identity");
    race::ReplyPtr running = req.routes.first()->send("GET", sent, race::RouteClient::Connection::Pooled);
    const Run run = deliver(req, {}, std::move(running));
    QVERIFY2(run.result.ok, qPrintable(run.result.error));
    QCOMPARE(run.result.route, QStringLiteral("via:a"));
    QCOMPARE(run.result.bytes, size);
    QVERIFY(run.result.lengthVerified);
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/taken-over", size));
    QCOMPARE(run.result.sha256.toLatin1(), sha256Hex(run.body));
    QCOMPARE(run.result.attempts.size(), 2);
    const qint64 offset = run.result.attempts.first().bytes;
    QCOMPARE(run.result.attempts.first().route, QStringLiteral("via:b"));
    QVERIFY2(offset > 0 && offset < size, qPrintable(QString::number(offset)));
    QCOMPARE(run.result.attempts.at(1).rangeStart, offset);
    QCOMPARE(run.result.attempts.at(1).httpStatus, 206);
    QCOMPARE(run.events.size(), 1);
    QCOMPARE(run.events.first().fromRoute, QStringLiteral("via:b"));
    QCOMPARE(run.events.first().toRoute, QStringLiteral("via:a"));
    QCOMPARE(run.events.first().outcome, model::FailoverEvent::Outcome::Resumed);
    QCOMPARE(run.events.first().resumeOffset, offset);
}

void TestDeliveryResume::postOverRefusedRouteIsSentOnceOnTheNext()
{
    impair(m_direct.get(), [](Impairment &i) { i.refuse = true; });
    const QByteArray body = contentBody("/post-body", 100'000);
    DeliveryRequest req = request(QStringLiteral("/echo"), {QStringLiteral("direct"), QStringLiteral("via:a")});
    req.method = QByteArrayLiteral("POST");
    req.body = body;
    const qint64 before = m_origin->stats().requests;
    const Run run = deliver(req);
    QVERIFY(run.finished);
    QVERIFY2(run.result.ok, qPrintable(run.result.error));
    QCOMPARE(run.result.route, QStringLiteral("via:a"));
    QCOMPARE(run.result.httpStatus, 200);
    const QJsonObject echo = QJsonDocument::fromJson(run.body).object();
    QCOMPARE(echo.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
    QCOMPARE(echo.value(QStringLiteral("length")).toInteger(), body.size());
    QCOMPARE(echo.value(QStringLiteral("sha256")).toString().toLatin1(), sha256Hex(body));
    QCOMPARE(m_origin->stats().requests - before, qint64(1));
    QCOMPARE(run.events.size(), 1);
    QCOMPARE(run.events.first().reason, QStringLiteral("refused"));
    QCOMPARE(run.events.first().outcome, model::FailoverEvent::Outcome::Restarted);
}

void TestDeliveryResume::postOverRouteResetAfterSendingIsNotResent()
{
    impair(m_direct.get(), [](Impairment &i) { i.resetAfterBytes = 40; }); // inside the response head
    DeliveryRequest req = request(QStringLiteral("/echo"), {QStringLiteral("direct"), QStringLiteral("via:a")});
    req.method = QByteArrayLiteral("POST");
    req.body = QByteArrayLiteral("{\"order\": 42}");
    req.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    const qint64 before = m_origin->stats().requests;
    const qint64 relayedBefore = m_relayA->counters().requests;
    const Run run = deliver(req);
    QVERIFY(run.finished);
    QVERIFY(!run.result.ok);
    QVERIFY2(run.result.error.contains(QStringLiteral("POST was not sent again")), qPrintable(run.result.error));
    QCOMPARE(run.result.attempts.size(), 1);
    QCOMPARE(run.events.size(), 1);
    QCOMPARE(run.events.first().reason, QStringLiteral("reset"));
    QCOMPARE(run.events.first().outcome, model::FailoverEvent::Outcome::Failed);
    QVERIFY(run.events.first().toRoute.isEmpty());
    // The origin answered it once (the link broke on the way back); the other route never saw it.
    QTRY_COMPARE_WITH_TIMEOUT(m_origin->stats().requests - before, qint64(1), 5000);
    QCOMPARE(m_relayA->counters().requests, relayedBefore);
}

QTEST_GUILESS_MAIN(TestDeliveryResume)
#include "tst_deliveryresume.moc"
