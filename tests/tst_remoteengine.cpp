// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// remote::RemoteEngine, the engine front of an edge elsewhere, attached to a real edge's admin
// listener over the lab: its mirror is the edge's, its races and failovers arrive as they happen, its
// history questions get the edge's answers, and a refused token, a lost edge and an edge back again
// show in its state.
#include "support/edgelab.h"

#include "edge/adminserver.h"
#include "lab/labca.h"
#include "remote/remoteengine.h"
#include "remote/remotehistory.h"

#include <QSignalSpy>

using namespace relayrace;
using namespace relayrace::testsupport;

class TestRemoteEngine final : public QObject, private EdgeLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void mirrorIsTheEdges();
    void racesAndFailoversArriveLive();
    void historyIsTheEdges();
    void chartRowsAreTheEdges();
    void wrongTokenIsUnauthorized();
    void lostEdgeIsReconnected();
    void mapsStayTheEdgesOwn();
    void tlsAdminListenerTrustedThroughItsCa();

private:
    QUrl adminUrl() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_adminPort)); }
    Result<void> startAdmin(quint16 port);

    static inline const QByteArray kToken = "token-for-the-remote-tests-123456";
    std::unique_ptr<edge::AdminServer> m_admin;
    std::unique_ptr<remote::RemoteEngine> m_remote;
    quint16 m_adminPort = 0;
};

Result<void> TestRemoteEngine::startAdmin(quint16 port)
{
    m_admin = std::make_unique<edge::AdminServer>(m_edge.get(), m_engine.get());
    m_admin->setToken(kToken);
    const Result<quint16> listening = m_admin->listen(QHostAddress::LocalHost, port);
    if (!listening)
        return makeError(listening.error());
    m_adminPort = *listening;
    return {};
}

void TestRemoteEngine::initTestCase()
{
    m_keepHistory = true;
    RELAYRACE_VERIFY_OK(startLab());
    RELAYRACE_VERIFY_OK(startEdge());
    RELAYRACE_VERIFY_OK(startAdmin(0));
    const Curl c = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                             url(QStringLiteral("/obj/remote-0?size=100000"))});
    QCOMPARE(c.out, QByteArray("200"));
    QVERIFY(QTest::qWaitFor([this] { return m_engine->snapshot(QStringLiteral("plain")).races >= 1; }, kTimeoutMs));
    m_remote = std::make_unique<remote::RemoteEngine>(adminUrl(), kToken);
    QVERIFY2(QTest::qWaitFor([this] { return m_remote->state() == remote::RemoteEngine::State::Connected; }, kTimeoutMs),
             qPrintable(m_remote->stateDetail()));
}

void TestRemoteEngine::cleanupTestCase()
{
    m_remote.reset();
    m_admin.reset();
    stopEdge();
    m_lab.stop();
}

void TestRemoteEngine::mirrorIsTheEdges()
{
    QCOMPARE(m_remote->providers(), m_engine->providers());
    const engine::ProviderSnapshot there = m_engine->snapshot(QStringLiteral("plain"));
    const engine::ProviderSnapshot here = m_remote->snapshot(QStringLiteral("plain"));
    QCOMPARE(here.optimalRoute, there.optimalRoute);
    QCOMPARE(here.races, there.races);
    QCOMPARE(here.routes, there.routes);
    QCOMPARE(here.origin, there.origin);
    QCOMPARE(m_remote->routeMap(QStringLiteral("plain"))->regions.size(), m_engine->routeMap(QStringLiteral("plain"))->regions.size());
    QCOMPARE(m_remote->status().providers, m_engine->status().providers);
}

void TestRemoteEngine::racesAndFailoversArriveLive()
{
    QSignalSpy started(m_remote.get(), &engine::EngineFront::raceStarted);
    QSignalSpy finished(m_remote.get(), &engine::EngineFront::raceFinished);
    QSignalSpy failovers(m_remote.get(), &engine::EngineFront::failover);
    const qint64 racesBefore = m_engine->snapshot(QStringLiteral("plain")).races;
    m_remote->raceNow(engine::RaceOrder{QStringLiteral("plain"), QString(), 32768, model::Trigger::Manual, 0});
    QVERIFY2(QTest::qWaitFor([&] { return !finished.isEmpty(); }, kTimeoutMs), "no race finished through the remote front");
    const auto start = started.first().first().value<engine::RaceStart>();
    const auto result = finished.first().at(1).value<model::RaceResult>();
    QCOMPARE(finished.first().first().toULongLong(), start.raceId);
    QCOMPARE(result.trigger, model::Trigger::Manual);
    QCOMPARE(result.thresholdBytes, 32768);
    QVERIFY(result.ok());
    QVERIFY(QTest::qWaitFor([&] { return m_remote->snapshot(QStringLiteral("plain")).races == racesBefore + 1; }, kTimeoutMs));

    // A failover on the edge, seen here as it happens.
    RELAYRACE_VERIFY_OK(resetPlainRoutesAfter(400'000));
    const Curl c = curlEdge({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                             url(QStringLiteral("/obj/remote-failover?size=1000000"))});
    RELAYRACE_VERIFY_OK(resetPlainRoutesAfter(-1));
    QCOMPARE(c.out, QByteArray("200"));
    QVERIFY2(QTest::qWaitFor([&] { return failovers.size() >= 2; }, kTimeoutMs), "the edge's failovers did not arrive");
    const auto event = failovers.first().first().value<model::FailoverEvent>();
    QCOMPARE(event.provider, QStringLiteral("plain"));
    QCOMPARE(event.request, QStringLiteral("GET /obj/remote-failover?size=1000000"));
    QVERIFY(event.outcome != model::FailoverEvent::Outcome::Failed);
}

void TestRemoteEngine::historyIsTheEdges()
{
    engine::HistoryQuery query;
    query.provider = QStringLiteral("plain");
    query.limit = 10;
    QSignalSpy remoteAnswers(m_remote.get(), &engine::EngineFront::historyAnswered);
    QSignalSpy localAnswers(m_engine.get(), &engine::EngineFront::historyAnswered);
    const quint64 remoteTicket = m_remote->queryHistory(query);
    const quint64 localTicket = m_engine->queryHistory(query);
    QVERIFY(QTest::qWaitFor([&] { return !remoteAnswers.isEmpty(); }, kTimeoutMs));
    const auto there = [&]() -> engine::HistoryAnswer {
        for (const QList<QVariant> &a : std::as_const(localAnswers)) {
            if (a.first().value<engine::HistoryAnswer>().ticket == localTicket)
                return a.first().value<engine::HistoryAnswer>();
        }
        return {};
    };
    QVERIFY(QTest::qWaitFor([&] { return there().ticket == localTicket; }, kTimeoutMs));
    const auto here = remoteAnswers.first().first().value<engine::HistoryAnswer>();
    QCOMPARE(here.ticket, remoteTicket);
    QVERIFY2(here.error.isEmpty(), qPrintable(here.error));
    QCOMPARE(here.races.size(), there().races.size());
    QVERIFY(!here.races.isEmpty());
    QCOMPARE(here.races.first().winner, there().races.first().winner);
    QCOMPARE(here.races.first().startedAt, there().races.first().startedAt);

    query.provider = QStringLiteral("nobody");
    m_remote->queryHistory(query);
    QVERIFY(QTest::qWaitFor([&] { return remoteAnswers.size() == 2; }, kTimeoutMs));
    const QString error = remoteAnswers.last().first().value<engine::HistoryAnswer>().error;
    QVERIFY2(error.contains(QStringLiteral("no provider 'nobody'")) && error.contains(QStringLiteral("404")), qPrintable(error));
}

void TestRemoteEngine::chartRowsAreTheEdges()
{
    // What the history charts of an attached edge read, through its API, against the engine's own
    // answers (the same store): route samples, winners, race counts and route changes, whole and
    // from a race on.
    const auto engineAnswer = [this](engine::HistoryQuery query) {
        QSignalSpy answers(m_engine.get(), &engine::EngineFront::historyAnswered);
        const quint64 ticket = m_engine->queryHistory(query);
        engine::HistoryAnswer got;
        (void)QTest::qWaitFor([&] {
            for (const QList<QVariant> &a : std::as_const(answers)) {
                if (a.first().value<engine::HistoryAnswer>().ticket == ticket)
                    got = a.first().value<engine::HistoryAnswer>();
            }
            return got.ticket == ticket;
        }, kTimeoutMs);
        return got;
    };
    remote::RemoteHistory history(adminUrl(), kToken, {});
    const QString plain = QStringLiteral("plain");
    const auto samples = history.routeSamples(plain, {}, {});
    if (!samples)
        QFAIL(qPrintable(samples.error()));
    engine::HistoryQuery query;
    query.kind = engine::HistoryQuery::Kind::RouteSamples;
    query.provider = plain;
    const engine::HistoryAnswer own = engineAnswer(query);
    QVERIFY(!own.routeSamples.isEmpty());
    QCOMPARE(samples->size(), own.routeSamples.size());
    for (qsizetype i = 0; i < samples->size(); ++i) {
        QCOMPARE(samples->at(i).raceId, own.routeSamples.at(i).raceId);
        QCOMPARE(samples->at(i).routeId, own.routeSamples.at(i).routeId);
        QCOMPARE(samples->at(i).at, own.routeSamples.at(i).at);
        QCOMPARE(samples->at(i).timeToThresholdMs, own.routeSamples.at(i).timeToThresholdMs); // unrounded
        QCOMPARE(samples->at(i).state, own.routeSamples.at(i).state);
    }
    const auto winners = history.winnerTimeline(plain, {}, {});
    if (!winners)
        QFAIL(qPrintable(winners.error()));
    const auto count = history.raceCount(plain, {}, {});
    if (!count)
        QFAIL(qPrintable(count.error()));
    QCOMPARE(*count, qint64(winners->size()));
    QVERIFY(winners->size() >= 2);
    const qint64 first = winners->first().raceId;
    const auto later = history.winnerTimeline(plain, {}, {}, first);
    QCOMPARE(later->size(), winners->size() - 1);
    QCOMPARE(*history.raceCount(plain, {}, {}, first), 1);
    const auto ofFirst = std::count_if(samples->cbegin(), samples->cend(), [first](const history::RouteSample &r) { return r.raceId == first; });
    QVERIFY(ofFirst > 0);
    QCOMPARE(history.routeSamples(plain, {}, {}, first)->size(), samples->size() - ofFirst);
    const auto changes = history.routeChanges(plain, QDateTime::fromMSecsSinceEpoch(0, Qt::UTC), QDateTime::currentDateTimeUtc().addDays(1));
    QVERIFY(changes && !changes->isEmpty());
    const auto unknown = history.raceCount(QStringLiteral("nobody"), {}, {});
    QVERIFY(!unknown);
    QVERIFY2(unknown.error().contains(QStringLiteral("HTTP 404: no provider 'nobody'")), qPrintable(unknown.error()));
}

void TestRemoteEngine::wrongTokenIsUnauthorized()
{
    remote::RemoteEngine wrong(adminUrl(), "not-the-token-of-this-edge");
    QVERIFY(QTest::qWaitFor([&] { return wrong.state() == remote::RemoteEngine::State::Unauthorized; }, kTimeoutMs));
    QVERIFY2(wrong.stateDetail().contains(QStringLiteral("401")), qPrintable(wrong.stateDetail()));
    QVERIFY(wrong.providers().isEmpty());
    // Not retried on its own; a new token is.
    QTest::qWait(1500);
    QCOMPARE(wrong.state(), remote::RemoteEngine::State::Unauthorized);
    wrong.setToken(kToken);
    QVERIFY(QTest::qWaitFor([&] { return wrong.state() == remote::RemoteEngine::State::Connected; }, kTimeoutMs));
    QCOMPARE(wrong.providers(), m_engine->providers());
    // Something that is no edge at all: a 404 for the event stream.
    remote::RemoteEngine notAnEdge(QUrl(url(QString())), kToken);
    QVERIFY(QTest::qWaitFor([&] { return notAnEdge.state() != remote::RemoteEngine::State::Connecting; }, kTimeoutMs));
    QVERIFY2(notAnEdge.state() != remote::RemoteEngine::State::Connected, qPrintable(notAnEdge.stateDetail()));
}

void TestRemoteEngine::lostEdgeIsReconnected()
{
    QSignalSpy states(m_remote.get(), &remote::RemoteEngine::stateChanged);
    const quint16 port = m_adminPort;
    m_admin.reset(); // the admin listener goes, its connections with it
    QVERIFY2(QTest::qWaitFor([&] { return m_remote->state() == remote::RemoteEngine::State::Reconnecting; }, kTimeoutMs),
             qPrintable(m_remote->stateDetail()));
    QCOMPARE(m_remote->providers(), m_engine->providers()); // the last known state stays shown
    QTest::qWait(2000); // a few refused attempts, backing off
    RELAYRACE_VERIFY_OK(startAdmin(port));
    QVERIFY2(QTest::qWaitFor([&] { return m_remote->state() == remote::RemoteEngine::State::Connected; }, 2 * remote::RemoteEngine::kMaxRetryMs + kTimeoutMs),
             qPrintable(m_remote->stateDetail()));
    int reconnecting = 0;
    for (const QList<QVariant> &s : std::as_const(states))
        reconnecting += s.first().value<remote::RemoteEngine::State>() == remote::RemoteEngine::State::Reconnecting;
    QVERIFY2(reconnecting >= 2, "the refused attempts were not each reported"); // one per attempt, each with its wait
    // Live again: a race asked for now is seen.
    QSignalSpy finished(m_remote.get(), &engine::EngineFront::raceFinished);
    m_remote->raceNow(engine::RaceOrder{QStringLiteral("plain"), QString(), 0, model::Trigger::Manual, 0});
    QVERIFY(QTest::qWaitFor([&] { return !finished.isEmpty(); }, kTimeoutMs));
}

void TestRemoteEngine::mapsStayTheEdgesOwn()
{
    QSignalSpy refused(m_remote.get(), &remote::RemoteEngine::unsupported);
    m_remote->setMap(*m_engine->routeMap(QStringLiteral("plain")), QStringLiteral("test"));
    QCOMPARE(refused.size(), 1);
    QVERIFY(refused.first().first().toString().contains(QStringLiteral("configuration")));
    QSignalSpy served(m_remote.get(), &engine::EngineFront::served);
    const quint64 ticket = m_remote->serve(engine::ServeRequest{});
    QVERIFY(QTest::qWaitFor([&] { return !served.isEmpty(); }, kTimeoutMs));
    QCOMPARE(served.first().first().toULongLong(), ticket);
    QVERIFY(!served.first().at(1).value<engine::ServeResult>().ok);
}

void TestRemoteEngine::tlsAdminListenerTrustedThroughItsCa()
{
    const Result<lab::LabCa> ca = lab::LabCa::generate(QStringLiteral("relayrace admin test"));
    if (!ca)
        QFAIL(qPrintable(ca.error()));
    const QString certPem = m_dir.filePath(QStringLiteral("admin-cert.pem"));
    const QString keyPem = m_dir.filePath(QStringLiteral("admin-key.pem"));
    QFile cert(certPem), key(keyPem);
    QVERIFY(cert.open(QIODevice::WriteOnly) && cert.write(ca->serverCertificate().toPem()) > 0);
    QVERIFY(key.open(QIODevice::WriteOnly) && key.write(ca->serverKey().toPem()) > 0);
    cert.close();
    key.close();
    const Result<QSslConfiguration> tls = edge::serverTlsConfiguration(certPem, keyPem);
    if (!tls)
        QFAIL(qPrintable(tls.error()));
    edge::AdminServer admin(m_edge.get(), m_engine.get());
    admin.setToken(kToken);
    const Result<quint16> port = admin.listen(QHostAddress::LocalHost, 0, *tls);
    if (!port)
        QFAIL(qPrintable(port.error()));
    const QUrl url(QStringLiteral("https://localhost:%1").arg(*port));
    // Trusting the CA: connected, the edge's providers here.
    remote::RemoteEngine trusted(url, kToken);
    trusted.setCaCertificates({ca->caCertificate()});
    QVERIFY2(QTest::qWaitFor([&] { return trusted.state() == remote::RemoteEngine::State::Connected; }, kTimeoutMs),
             qPrintable(trusted.stateDetail()));
    QCOMPARE(trusted.providers(), m_engine->providers());
    // Not trusting it: never connected, the TLS error said.
    remote::RemoteEngine untrusted(url, kToken);
    QVERIFY(QTest::qWaitFor([&] { return untrusted.state() == remote::RemoteEngine::State::Reconnecting; }, kTimeoutMs));
    QVERIFY2(untrusted.stateDetail().contains(QStringLiteral("certificate"), Qt::CaseInsensitive), qPrintable(untrusted.stateDetail()));
    QVERIFY(untrusted.providers().isEmpty());
}

QTEST_GUILESS_MAIN(TestRemoteEngine)
#include "tst_remoteengine.moc"
