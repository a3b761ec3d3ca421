// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The edge's admin listener (edge::AdminServer, docs/api.md) read by real clients: curl for /healthz,
// /readyz and /metrics while the edge serves traffic, Prometheus's own promtool for the exposition
// format, and the figures checked against what the edge did (its access log, the engine's races).
#include "support/edgelab.h"

#include "edge/adminserver.h"
#include "edge/edgeconfig.h"

#include <QJsonArray>
#include <QRegularExpression>

using namespace relayrace;
using namespace relayrace::testsupport;

class TestEdgeAdmin final : public QObject, private EdgeLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void healthAndReadiness();
    void metricsCountWhatTheEdgeServedAndPassPromtool();
    void onlyGetAndKnownPaths();
    void configNamesTheAdminListener();
    void apiAsksForTheBearerToken();

private:
    QString adminUrl(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(m_adminPort).arg(path); }
    // The value of the sample whose line starts with this series ("name{labels}"); -1 when absent.
    static double sampleValue(const QByteArray &metrics, const QByteArray &series);

    std::unique_ptr<edge::AdminServer> m_admin;
    quint16 m_adminPort = 0;
};

void TestEdgeAdmin::initTestCase()
{
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("promtool")).isEmpty(),
             "promtool is not installed (Debian's prometheus package; packaging/install-deps.sh installs it)");
    RELAYRACE_VERIFY_OK(startLab());
    RELAYRACE_VERIFY_OK(startEdge());
    m_admin = std::make_unique<edge::AdminServer>(m_edge.get(), m_engine.get());
    const Result<quint16> port = m_admin->listen(QHostAddress::LocalHost, 0);
    if (!port)
        QFAIL(qPrintable(port.error()));
    m_adminPort = *port;
}

void TestEdgeAdmin::cleanupTestCase()
{
    m_admin.reset();
    stopEdge();
    m_lab.stop();
}

double TestEdgeAdmin::sampleValue(const QByteArray &metrics, const QByteArray &series)
{
    for (const QByteArray &line : metrics.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

void TestEdgeAdmin::healthAndReadiness()
{
    const Curl health = curl({QStringLiteral("-w"), QStringLiteral(" %{http_code}"), adminUrl(QStringLiteral("/healthz"))});
    QCOMPARE(health.out, QByteArray("ok\n 200"));
    const Curl ready = curl({QStringLiteral("-w"), QStringLiteral(" %{http_code}"), adminUrl(QStringLiteral("/readyz"))});
    QCOMPARE(ready.out, QByteArray("ready\n 200"));
    // An edge whose engine has no provider is not ready, and says why.
    engine::LocalEngine empty(engine::EngineSettings{});
    edge::EdgeServer idle(&empty, edge::EdgeSettings{});
    edge::AdminServer admin(&idle, &empty);
    const Result<quint16> port = admin.listen(QHostAddress::LocalHost, 0);
    if (!port)
        QFAIL(qPrintable(port.error()));
    const Curl notReady = curl({QStringLiteral("-w"), QStringLiteral(" %{http_code}"),
                                QStringLiteral("http://127.0.0.1:%1/readyz").arg(*port)});
    QCOMPARE(notReady.out, QByteArray("not ready:\nno provider has a map yet\n 503"));
}

void TestEdgeAdmin::metricsCountWhatTheEdgeServedAndPassPromtool()
{
    // 20 requests served, one refused for its Host (421), each checked by curl.
    QStringList arguments{QStringLiteral("-w"), QStringLiteral("%{http_code} ")};
    for (int i = 0; i < 20; ++i)
        arguments << QStringLiteral("-o") << QStringLiteral("/dev/null") << url(QStringLiteral("/obj/admin-%1?size=30000").arg(i));
    const Curl served = curlEdge(arguments);
    QCOMPARE(served.out.trimmed().split(' ').count("200"), 20);
    const Curl refused = curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                               QStringLiteral("-H"), QStringLiteral("Host: nobody.example"), url(QStringLiteral("/x"))});
    QCOMPARE(refused.out, QByteArray("421"));
    // The access log is written as each response ends: wait for all 21 lines, then scrape.
    QVERIFY(QTest::qWaitFor([this] { return accessLines().size() >= 21; }, kTimeoutMs));

    const Curl scrape = curl({QStringLiteral("-D"), QStringLiteral("-"), adminUrl(QStringLiteral("/metrics"))});
    QVERIFY2(scrape.exitCode == 0, scrape.err.constData());
    QVERIFY2(scrape.out.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"), scrape.out.left(400).constData());
    const QByteArray metrics = scrape.out.mid(scrape.out.indexOf("\r\n\r\n") + 4);
    // By route: every response the access log says a route delivered, counted under that route.
    QHash<QString, int> byRoute;
    for (const QJsonObject &line : accessLines()) {
        if (line.value(QStringLiteral("status")).toInt() == 200)
            ++byRoute[line.value(QStringLiteral("route")).toString()];
    }
    double plain2xx = 0, plainBytes = 0;
    for (auto it = byRoute.cbegin(); it != byRoute.cend(); ++it) {
        const double n = sampleValue(metrics, QStringLiteral(R"(relayrace_edge_requests_total{provider="plain",route="%1",code_class="2xx"})").arg(it.key()).toUtf8());
        QCOMPARE(n, double(it.value()));
        plain2xx += n;
        plainBytes += sampleValue(metrics, QStringLiteral(R"(relayrace_edge_response_body_bytes_total{provider="plain",route="%1"})").arg(it.key()).toUtf8());
    }
    QCOMPARE(plain2xx, 20.0);
    QCOMPARE(plainBytes, 20 * 30000.0);
    QCOMPARE(sampleValue(metrics, R"(relayrace_edge_requests_total{provider="",route="none",code_class="4xx"})"), 1.0);
    QCOMPARE(sampleValue(metrics, R"(relayrace_edge_request_duration_seconds_count{provider="plain"})"), 20.0);
    QCOMPARE(sampleValue(metrics, R"(relayrace_edge_request_duration_seconds_bucket{provider="plain",le="+Inf"})"), 20.0);
    // The lab's map races on the first request: one race, won, by the "t1"... whatever trigger the
    // engine recorded; the sum over triggers equals the engine's own count.
    double racesWon = 0;
    static const QRegularExpression won(QStringLiteral(R"(^relayrace_races_total\{provider="plain",trigger="[a-z0-9_]+",outcome="won"\} (\d+)$)"),
                                        QRegularExpression::MultilineOption);
    for (auto it = won.globalMatch(QString::fromUtf8(metrics)); it.hasNext();)
        racesWon += it.next().captured(1).toDouble();
    QVERIFY(racesWon >= 1);
    QCOMPARE(qint64(racesWon), m_engine->snapshot(QStringLiteral("plain")).races - m_engine->snapshot(QStringLiteral("plain")).racesFailed);
    const QString optimal = m_engine->snapshot(QStringLiteral("plain")).optimalRoute;
    QVERIFY(!optimal.isEmpty());
    QCOMPARE(sampleValue(metrics, QStringLiteral(R"(relayrace_optimal_route_info{provider="plain",route="%1"})").arg(optimal).toUtf8()), 1.0);
    QVERIFY(sampleValue(metrics, R"(relayrace_map_expiry_timestamp_seconds{provider="plain"})") > QDateTime::currentSecsSinceEpoch());
    QCOMPARE(sampleValue(metrics, R"(relayrace_map_info{provider="plain",trust="test"})"), 1.0);
    QVERIFY(sampleValue(metrics, R"(relayrace_map_generated_timestamp_seconds{provider="plain"})") > 0);
    // The races' histograms: one decision per race won, one TTFB per route that had a first byte.
    double decisions = 0;
    static const QRegularExpression decided(QStringLiteral(R"(^relayrace_race_decision_seconds_count\{provider="plain",trigger="[a-z0-9_]+"\} (\d+)$)"),
                                            QRegularExpression::MultilineOption);
    for (auto it = decided.globalMatch(QString::fromUtf8(metrics)); it.hasNext();)
        decisions += it.next().captured(1).toDouble();
    QCOMPARE(decisions, racesWon);
    QVERIFY(sampleValue(metrics, QStringLiteral(R"(relayrace_route_ttfb_seconds_count{provider="plain",route="%1"})").arg(optimal).toUtf8()) >= 1);
    QVERIFY(sampleValue(metrics, QStringLiteral(R"(relayrace_route_time_to_threshold_seconds_count{provider="plain",route="%1"})").arg(optimal).toUtf8()) >= 1);

    // Prometheus's own checker reads it as a scrape would.
    QProcess promtool;
    promtool.start(QStringLiteral("promtool"), {QStringLiteral("check"), QStringLiteral("metrics")});
    QVERIFY(promtool.waitForStarted(10'000));
    promtool.write(metrics);
    promtool.closeWriteChannel();
    QSignalSpy done(&promtool, &QProcess::finished);
    QVERIFY(done.wait(kTimeoutMs));
    const QByteArray said = promtool.readAllStandardOutput() + promtool.readAllStandardError();
    QVERIFY2(promtool.exitCode() == 0, said.constData());
}

void TestEdgeAdmin::onlyGetAndKnownPaths()
{
    const Curl post = curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                            QStringLiteral("-X"), QStringLiteral("POST"), adminUrl(QStringLiteral("/metrics"))});
    QVERIFY2(post.out != "200", post.out.constData());
    const Curl unknown = curl({QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}"),
                               adminUrl(QStringLiteral("/secrets"))});
    QCOMPARE(unknown.out, QByteArray("404"));
}

void TestEdgeAdmin::configNamesTheAdminListener()
{
    const QByteArray base = R"({"listen": ["127.0.0.1:8080"], "providers": [{"map": "m.json"}])";
    const Result<edge::EdgeConfig> none = edge::parseEdgeConfig(base + '}', QStringLiteral("/etc/relayrace"));
    QVERIFY(none);
    QVERIFY(!none->admin); // off unless set
    const Result<edge::EdgeConfig> set =
        edge::parseEdgeConfig(base + R"(, "admin": {"listen": "127.0.0.1:9901"}})", QStringLiteral("/etc/relayrace"));
    QVERIFY(set);
    QVERIFY(set->admin);
    QCOMPARE(set->admin->port, quint16(9901));
    QCOMPARE(set->admin->address, QHostAddress(QHostAddress::LocalHost));
    QVERIFY(!set->admin->tls());
    const Result<edge::EdgeConfig> tls = edge::parseEdgeConfig(
        base + R"(, "admin": {"listen": "127.0.0.1:9901", "tls": {"certificate": "admin.crt", "key": "/k/admin.key"}}})", QStringLiteral("/etc/relayrace"));
    if (!tls)
        QFAIL(qPrintable(tls.error()));
    QCOMPARE(tls->admin->certificateFile, QStringLiteral("/etc/relayrace/admin.crt"));
    QCOMPARE(tls->admin->keyFile, QStringLiteral("/k/admin.key"));
    const Result<edge::EdgeConfig> half = edge::parseEdgeConfig(
        base + R"(, "admin": {"listen": "127.0.0.1:9901", "tls": {"certificate": "admin.crt"}}})", QStringLiteral("/etc/relayrace"));
    QVERIFY(!half);
    QVERIFY2(half.error().startsWith(QStringLiteral("admin.tls")), qPrintable(half.error()));
    for (const QByteArray &bad : {QByteArray(R"("admin": {"listen": "9901"})"), QByteArray(R"("admin": {"listen": "here:1"})"),
                                  QByteArray(R"("admin": {"port": 9901})")}) {
        const Result<edge::EdgeConfig> refused = edge::parseEdgeConfig(base + ", " + bad + '}', QStringLiteral("/etc/relayrace"));
        QVERIFY2(!refused, bad.constData());
        QVERIFY2(refused.error().contains(QStringLiteral("admin")), qPrintable(refused.error()));
    }
    // Beside the admin listener: the expired-map policy and the relay credentials file.
    QCOMPARE(none->expiredMap, engine::ExpiredMapPolicy::Keep);
    const Result<edge::EdgeConfig> direct =
        edge::parseEdgeConfig(base + R"(, "expired_map": "direct", "relay_credentials": "relays.secret"})", QStringLiteral("/etc/relayrace"));
    if (!direct)
        QFAIL(qPrintable(direct.error()));
    QCOMPARE(direct->expiredMap, engine::ExpiredMapPolicy::DirectOnly);
    QCOMPARE(direct->relayCredentials, QStringLiteral("/etc/relayrace/relays.secret"));
    const Result<edge::EdgeConfig> unknown = edge::parseEdgeConfig(base + R"(, "expired_map": "ignore"})", QStringLiteral("/etc/relayrace"));
    QVERIFY(!unknown);
    QVERIFY2(unknown.error().contains(QStringLiteral("expired_map: expected \"keep\", \"direct\" or \"refuse\", got \"ignore\"")), qPrintable(unknown.error()));
}

void TestEdgeAdmin::apiAsksForTheBearerToken()
{
    const QString providers = adminUrl(QStringLiteral("/api/v1/providers"));
    const auto status = [](const QStringList &arguments) {
        return curl(QStringList{QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"), QStringLiteral("%{http_code}")} + arguments).out;
    };
    QCOMPARE(status({providers}), QByteArray("403")); // no token configured: the API is off
    const QByteArray token = "s3cret-token-for-the-admin-api";
    m_admin->setToken(token);
    const Curl none = curl({QStringLiteral("-i"), providers});
    QVERIFY2(none.out.startsWith("HTTP/1.1 401") && none.out.contains("WWW-Authenticate: Bearer"), none.out.constData());
    QCOMPARE(status({QStringLiteral("-H"), QStringLiteral("Authorization: Bearer wrong-token-of-another-edge"), providers}), QByteArray("401"));
    QCOMPARE(status({QStringLiteral("-H"), QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(token.left(10)), providers}), QByteArray("401"));
    // /metrics, /healthz and /readyz never ask.
    QCOMPARE(status({adminUrl(QStringLiteral("/metrics"))}), QByteArray("200"));

    const QStringList auth{QStringLiteral("-H"), QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(token)};
    const Curl list = curl(auth + QStringList{providers});
    const QJsonArray array = QJsonDocument::fromJson(list.out).object().value(QStringLiteral("providers")).toArray();
    QCOMPARE(array.size(), 1);
    const QJsonObject plain = array.first().toObject();
    const engine::ProviderSnapshot snapshot = m_engine->snapshot(QStringLiteral("plain"));
    QCOMPARE(plain.value(QStringLiteral("provider")).toString(), QStringLiteral("plain"));
    QCOMPARE(plain.value(QStringLiteral("races")).toInteger(), snapshot.races);
    QCOMPARE(plain.value(QStringLiteral("requests")).toInteger(), snapshot.requests);
    QCOMPARE(plain.value(QStringLiteral("optimal_route")).toString(), snapshot.optimalRoute);
    QCOMPARE(plain.value(QStringLiteral("routes")).toArray().size(), snapshot.routes.size());

    const Curl map = curl(auth + QStringList{adminUrl(QStringLiteral("/api/v1/providers/plain/map"))});
    QCOMPARE(QJsonDocument::fromJson(map.out).object().value(QStringLiteral("origin")).toString(),
             m_engine->routeMap(QStringLiteral("plain"))->origin.toString());
    QCOMPARE(status(auth + QStringList{adminUrl(QStringLiteral("/api/v1/providers/nobody/map"))}), QByteArray("404"));
    // The token is in no log the edge writes.
    for (const QString &name : {QStringLiteral("access.jsonl"), QStringLiteral("failover.jsonl")}) {
        QFile file(m_dir.filePath(name));
        if (file.open(QIODevice::ReadOnly))
            QVERIFY(!file.readAll().contains(token));
    }
    m_admin->setToken({});
}

QTEST_GUILESS_MAIN(TestEdgeAdmin)
#include "tst_edgeadmin.moc"
