// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// A real Prometheus (Debian's prometheus package, on loopback with a generated config) scrapes two
// `relayrace edge` processes while they serve traffic: a PromQL query over its HTTP API returns, per
// edge, what that edge's own /metrics says and what the test sent it; the packaged alerting rules
// load into it and pass `promtool check rules`.
#include "support/edgelab.h"
#include "support/edgeprocess.h"

#include "map/mapcodec.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QUrlQuery>

using namespace relayrace;
using namespace relayrace::testsupport;

namespace {

const QString kRules = QStringLiteral(RELAYRACE_SOURCE_DIR "/packaging/prometheus/relayrace-rules.yml");

} // namespace

class TestPrometheusScrape final : public QObject, private EdgeLabTest
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void prometheusSeesWhatEachEdgeServed();
    void statusCommandReadsEachEdge();

private:
    EdgeProcess startEdge(const QString &name);
    // PromQL over Prometheus's HTTP API: instance -> value of a vector result.
    QHash<QString, double> query(const QString &promql) const;

    QList<EdgeProcess> m_edges;
    std::unique_ptr<QProcess> m_prometheus;
    quint16 m_prometheusPort = 0;
};

void TestPrometheusScrape::initTestCase()
{
    for (const QString &tool : {QStringLiteral("prometheus"), QStringLiteral("promtool"), QStringLiteral("curl")})
        QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(),
                 qPrintable(tool + QStringLiteral(" is not installed (packaging/install-deps.sh installs it)")));
    QVERIFY2(QFileInfo::exists(kRelayraceCli), "the relayrace CLI is built");
    RELAYRACE_VERIFY_OK(startLab());
    QFile map(m_dir.filePath(QStringLiteral("plain.map.json")));
    QVERIFY(map.open(QIODevice::WriteOnly));
    map.write(map::serializeRouteMap(routeMap(QStringLiteral("plain"))));
    QFile token(m_dir.filePath(QStringLiteral("admin.token")));
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write("token-for-the-scrape-test\n");
}

void TestPrometheusScrape::cleanupTestCase()
{
    if (m_prometheus) {
        m_prometheus->terminate();
        m_prometheus->waitForFinished(10'000);
    }
    for (EdgeProcess &e : m_edges) {
        e.process->terminate();
        e.process->waitForFinished(35'000);
    }
    m_lab.stop();
}

EdgeProcess TestPrometheusScrape::startEdge(const QString &name)
{
    EdgeProcessOptions options;
    options.mapFile = m_dir.filePath(QStringLiteral("plain.map.json"));
    options.host = kHost;
    options.caFile = m_lab.host()->endpoints().caFile;
    options.tokenFile = m_dir.filePath(QStringLiteral("admin.token"));
    options.stateDir = m_dir.filePath(name);
    options.extra = {QStringLiteral("--access-log"), m_dir.filePath(name + QStringLiteral("-access.jsonl"))};
    EdgeProcess edge = startEdgeProcess(options, kTimeoutMs);
    if (!edge.admin)
        qWarning("edge %s: %s", qPrintable(name), edge.output.constData());
    return edge;
}

QHash<QString, double> TestPrometheusScrape::query(const QString &promql) const
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("query"), promql);
    const Curl c = curl({QStringLiteral("http://127.0.0.1:%1/api/v1/query?%2")
                             .arg(m_prometheusPort)
                             .arg(q.toString(QUrl::FullyEncoded))});
    QHash<QString, double> values;
    const QJsonArray result = QJsonDocument::fromJson(c.out).object().value(QStringLiteral("data")).toObject()
                                  .value(QStringLiteral("result")).toArray();
    for (const QJsonValue &series : result) {
        const QJsonObject o = series.toObject();
        values.insert(o.value(QStringLiteral("metric")).toObject().value(QStringLiteral("instance")).toString(),
                      o.value(QStringLiteral("value")).toArray().at(1).toString().toDouble());
    }
    return values;
}

void TestPrometheusScrape::prometheusSeesWhatEachEdgeServed()
{
    // Two edges, each with its own traffic: 5 and 9 requests.
    const QList<int> sent{5, 9};
    for (int i = 0; i < sent.size(); ++i) {
        m_edges.append(startEdge(QStringLiteral("edge-%1").arg(i)));
        QVERIFY2(m_edges.last().port && m_edges.last().admin, "the edge process did not start");
        QStringList arguments{QStringLiteral("-H"), QStringLiteral("Host: ") + kHost, QStringLiteral("-w"), QStringLiteral("%{http_code} ")};
        for (int r = 0; r < sent.at(i); ++r)
            arguments << QStringLiteral("-o") << QStringLiteral("/dev/null")
                      << QStringLiteral("http://127.0.0.1:%1/obj/prom-%2-%3?size=20000").arg(m_edges.last().port).arg(i).arg(r);
        const Curl c = curl(arguments);
        QCOMPARE(c.out.trimmed().split(' ').count("200"), sent.at(i));
    }

    // Prometheus, scraping both admin listeners every second, with the packaged rules.
    QProcess check;
    check.start(QStringLiteral("promtool"), {QStringLiteral("check"), QStringLiteral("rules"), kRules});
    QVERIFY(check.waitForFinished(30'000));
    const QByteArray checked = check.readAllStandardOutput() + check.readAllStandardError();
    QVERIFY2(check.exitCode() == 0, checked.constData());
    QFile config(m_dir.filePath(QStringLiteral("prometheus.yml")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(QStringLiteral("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                                "rule_files: [\"%1\"]\n"
                                "scrape_configs:\n"
                                "  - job_name: relayrace-edge\n"
                                "    static_configs: [{targets: [\"127.0.0.1:%2\", \"127.0.0.1:%3\"]}]\n")
                     .arg(kRules)
                     .arg(m_edges.at(0).admin)
                     .arg(m_edges.at(1).admin)
                     .toUtf8());
    config.close();
    m_prometheusPort = freePort();
    m_prometheus = std::make_unique<QProcess>();
    m_prometheus->setProcessChannelMode(QProcess::MergedChannels);
    m_prometheus->start(QStringLiteral("prometheus"),
                        {QStringLiteral("--config.file=") + config.fileName(),
                         QStringLiteral("--storage.tsdb.path=") + m_dir.filePath(QStringLiteral("tsdb")),
                         QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_prometheusPort)});
    QVERIFY(m_prometheus->waitForStarted(10'000));

    // Both edges scraped, each with its own figures.
    const QString served = QStringLiteral(R"(sum by (instance) (relayrace_edge_requests_total{code_class="2xx"}))");
    QHash<QString, double> byInstance;
    // The edge counts a request when the engine reports its end, which may come just after the client
    // has the whole body: wait for a scrape after both counts landed (a wrong count stays wrong, and
    // the comparison below names it).
    const auto landed = [&] {
        for (int i = 0; i < sent.size(); ++i) {
            if (byInstance.value(QStringLiteral("127.0.0.1:%1").arg(m_edges.at(i).admin), -1) != double(sent.at(i)))
                return false;
        }
        return true;
    };
    const bool scraped = QTest::qWaitFor([&] {
        byInstance = query(served);
        return byInstance.size() == 2 && landed();
    }, 60'000);
    if (!scraped && byInstance.size() == 2)
        qWarning("the scraped request counts never matched what was sent; comparing the last scrape");
    else
        QVERIFY2(scraped, m_prometheus->readAll().right(2000).constData());
    const QHash<QString, double> races = query(QStringLiteral("sum by (instance) (relayrace_races_total)"));
    for (int i = 0; i < sent.size(); ++i) {
        const QString instance = QStringLiteral("127.0.0.1:%1").arg(m_edges.at(i).admin);
        QCOMPARE(byInstance.value(instance, -1), double(sent.at(i)));
        // The edge's own word for its races, summed over trigger and outcome.
        const Curl own = curl({QStringLiteral("http://%1/metrics").arg(instance)});
        double ownRaces = 0;
        static const QRegularExpression line(QStringLiteral(R"(^relayrace_races_total\{[^}]*\} (\d+)$)"), QRegularExpression::MultilineOption);
        for (auto it = line.globalMatch(QString::fromUtf8(own.out)); it.hasNext();)
            ownRaces += it.next().captured(1).toDouble();
        QVERIFY(ownRaces >= 1); // the lab's map races on the first request
        QCOMPARE(races.value(instance, -1), ownRaces);
        // ... and its JSON API's (the providers' race counters).
        const Curl api = curl({QStringLiteral("-H"), QStringLiteral("Authorization: Bearer token-for-the-scrape-test"),
                               QStringLiteral("http://%1/api/v1/providers").arg(instance)});
        double apiRaces = 0;
        for (const QJsonValue &provider : QJsonDocument::fromJson(api.out).object().value(QStringLiteral("providers")).toArray())
            apiRaces += provider.toObject().value(QStringLiteral("races")).toDouble();
        QCOMPARE(races.value(instance, -1), apiRaces);
        qInfo("%s: Prometheus has %g requests and %g races; the edge's /metrics says %g races, its API %g",
              qPrintable(instance), byInstance.value(instance), races.value(instance), ownRaces, apiRaces);
    }
    // The rules are loaded and evaluated.
    const Curl rules = curl({QStringLiteral("http://127.0.0.1:%1/api/v1/rules").arg(m_prometheusPort)});
    QVERIFY2(rules.out.contains("RelayraceRouteFlapping") && rules.out.contains("RelayraceMapExpiresSoon"), rules.out.left(500).constData());
}

void TestPrometheusScrape::statusCommandReadsEachEdge()
{
    QVERIFY(m_edges.size() == 2);
    const auto run = [](const QStringList &arguments) {
        QProcess status;
        status.start(kRelayraceCli, QStringList{QStringLiteral("status")} + arguments);
        bool done = status.waitForStarted(10'000);
        done = done && QTest::qWaitFor([&] { return status.state() == QProcess::NotRunning; }, kTimeoutMs);
        return std::tuple{done ? status.exitCode() : -1, status.readAllStandardOutput(), status.readAllStandardError()};
    };
    const QString token = m_dir.filePath(QStringLiteral("admin.token"));
    for (const EdgeProcess &edge : std::as_const(m_edges)) {
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(edge.admin);
        const auto [code, out, err] = run({QStringLiteral("--edge"), url, QStringLiteral("--token-file"), token, QStringLiteral("--json")});
        QVERIFY2(code == 0, err.constData());
        const QJsonObject plain = QJsonDocument::fromJson(out).object().value(QStringLiteral("providers")).toArray().first().toObject();
        const Curl api = curl({QStringLiteral("-H"), QStringLiteral("Authorization: Bearer token-for-the-scrape-test"), url + QStringLiteral("/api/v1/providers")});
        const QJsonObject own = QJsonDocument::fromJson(api.out).object().value(QStringLiteral("providers")).toArray().first().toObject();
        QCOMPARE(plain.value(QStringLiteral("provider")).toString(), QStringLiteral("plain"));
        QCOMPARE(plain.value(QStringLiteral("requests")).toInteger(), own.value(QStringLiteral("requests")).toInteger());
        QCOMPARE(plain.value(QStringLiteral("races")).toInteger(), own.value(QStringLiteral("races")).toInteger());

        const auto [textCode, text, textErr] = run({QStringLiteral("--edge"), url, QStringLiteral("--token-file"), token});
        QVERIFY2(textCode == 0, textErr.constData());
        QVERIFY2(text.contains("API version 1, 1 providers"), text.constData());
        QVERIFY2(text.contains(own.value(QStringLiteral("optimal_route")).toString().toUtf8()), text.constData());
        QVERIFY2(text.contains("routes direct, via:fast, via:slow"), text.constData());
    }
    // Without the token: a named refusal and a hint, exit 1; a URL that is none: exit 2.
    const auto [refused, out, err] = run({QStringLiteral("--edge"), QStringLiteral("http://127.0.0.1:%1").arg(m_edges.first().admin)});
    QCOMPARE(refused, 1);
    QVERIFY2(err.contains("HTTP 401: a bearer token is required") && err.contains("--token-file"), err.constData());
    QCOMPARE(std::get<0>(run({QStringLiteral("--edge"), QStringLiteral("ftp://x")})), 2);
}

QTEST_GUILESS_MAIN(TestPrometheusScrape)
#include "tst_prometheusscrape.moc"
