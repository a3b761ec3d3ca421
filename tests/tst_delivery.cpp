// Delivery over real routes on a small lab built here (the origin must be reachable, for its
// generation and its counters): direct = one impaired link to the origin; via:a and via:b = a lab
// relay behind an impaired edge link, reaching the origin through a link of its own; a real tinyproxy
// where a test needs one. Faults are injected on the links at byte counts, or when the consumer has
// received a given number of bytes. Every body is checked against the origin's (lab/content.h).
#include "delivery/delivery.h"
#include "model/failoverevent.h"
#include "delivery/failoverlog.h"
#include "lab/content.h"
#include "lab/impairedlink.h"
#include "lab/origin.h"
#include "lab/relay.h"
#include "lab/tinyproxyprocess.h"
#include "map/mapcodec.h"
#include "race/routeclient.h"

#include <QBuffer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>
#include <vector>

using namespace relayrace;
using namespace relayrace::delivery;
using namespace relayrace::lab;

namespace {

constexpr int kTimeoutMs = 60000; // for QTRY: a loaded 2-core machine must not fail the tests
constexpr qint64 kBandwidth = 8'000'000;

struct Run
{
    DeliveryResult result;
    QByteArray body;
    QList<model::FailoverEvent> events; // in the order the signal brought them
    bool finished = false;
};

} // namespace

class TestDelivery final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();
    void firstRouteRefusedRestartsOnTheNext();
    void resetMidBodyResumesWithRangeOnTheNextRoute();
    void stallMidBodyIsDetectedWithinTheAdaptiveBound();
    void blackholeAtConnectFailsOverAfterTheStallBound();
    void killedTinyproxyMidBodyResumesOnTheNextRoute();
    void relaysOwn503FailsOverButTheOrigins503IsDelivered();
    void changedValidatorRefusesResumeWithClearError();
    void dynamicContentRestartsBeforeDeliveryButFailsAfter();
    void continuationResumesAtItsOffsetOrRefusesAChangedObject();
    void postOverRefusedRouteIsSentOnceOnTheNext();
    void postOverRouteResetAfterSendingIsNotResent();
    void failoverLogLinesParseAsJsonWithEveryField();
    void fetchCliWritesTheWholeBodyAndJsonSummary();
    void fetchCliLeavesNoOutputWhenResumeIsRefused();

private:
    QUrl url(const QString &path) const;
    std::unique_ptr<race::RouteClient> route(const QString &id) const;
    QList<race::RouteClient *> routes(const QStringList &ids);
    DeliveryRequest request(const QString &path, const QStringList &routeIds);
    // prefix: what the consumer already holds (a continuation's first bytes).
    Run deliver(const DeliveryRequest &request, const std::function<void(qint64)> &onProgress = {},
                const QByteArray &prefix = {});
    void impair(ImpairedLink *link, const std::function<void(Impairment &)> &change);
    QString writeMap();
    static void runCli(QProcess &process, const QStringList &args);

    std::unique_ptr<Origin> m_origin;
    std::unique_ptr<Relay> m_relayA, m_relayB;
    std::unique_ptr<ImpairedLink> m_direct, m_edgeA, m_upA, m_edgeB, m_upB;
    QHash<ImpairedLink *, Impairment> m_base;
    std::vector<std::unique_ptr<race::RouteClient>> m_clients; // per test
    QTemporaryDir m_dir;
};

void TestDelivery::initTestCase()
{
    qRegisterMetaType<DeliveryResult>();
    qRegisterMetaType<model::FailoverEvent>();
    QVERIFY(m_dir.isValid());
    m_origin = std::make_unique<Origin>(QStringLiteral("plain"));
    const quint16 originPort = m_origin->listen();
    QVERIFY(originPort != 0);
    const auto link = [](const QString &name, quint16 target, int latencyMs) {
        Impairment i;
        i.latencyMs = latencyMs;
        i.bandwidthBytesPerSec = kBandwidth;
        auto l = std::make_unique<ImpairedLink>(name, QStringLiteral("127.0.0.1"), target, i);
        return l;
    };
    m_direct = link(QStringLiteral("edge>origin"), originPort, 20);
    QVERIFY(m_direct->listen());
    m_upA = link(QStringLiteral("relay:a>origin"), originPort, 10);
    m_upB = link(QStringLiteral("relay:b>origin"), originPort, 10);
    QVERIFY(m_upA->listen() && m_upB->listen());
    m_relayA = std::make_unique<Relay>(QStringLiteral("a"));
    m_relayB = std::make_unique<Relay>(QStringLiteral("b"));
    QVERIFY(m_relayA->listen() && m_relayB->listen());
    // The relays are asked for the edge-facing origin (the direct link's port): their own links instead.
    m_relayA->setUpstreamRoute(QStringLiteral("127.0.0.1"), m_direct->port(), QStringLiteral("127.0.0.1"), m_upA->port());
    m_relayB->setUpstreamRoute(QStringLiteral("127.0.0.1"), m_direct->port(), QStringLiteral("127.0.0.1"), m_upB->port());
    m_edgeA = link(QStringLiteral("edge>relay:a"), m_relayA->port(), 10);
    m_edgeB = link(QStringLiteral("edge>relay:b"), m_relayB->port(), 30);
    QVERIFY(m_edgeA->listen() && m_edgeB->listen());
    for (ImpairedLink *l : {m_direct.get(), m_upA.get(), m_upB.get(), m_edgeA.get(), m_edgeB.get()})
        m_base.insert(l, l->impairment());
}

void TestDelivery::cleanupTestCase()
{
    m_clients.clear();
    m_edgeA.reset();
    m_edgeB.reset();
    m_relayA.reset();
    m_relayB.reset();
    m_upA.reset();
    m_upB.reset();
    m_direct.reset();
    m_origin.reset();
}

void TestDelivery::cleanup()
{
    for (auto it = m_base.cbegin(); it != m_base.cend(); ++it)
        it.key()->setImpairment(it.value());
    m_origin->setGeneration(0);
    m_relayA->setLimits({});
    m_clients.clear(); // a fresh set of connections for the next test
}

void TestDelivery::impair(ImpairedLink *link, const std::function<void(Impairment &)> &change)
{
    Impairment i = link->impairment();
    change(i);
    link->setImpairment(i); // same thread: applies at once
}

QUrl TestDelivery::url(const QString &path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_direct->port())).resolved(QUrl(path));
}

std::unique_ptr<race::RouteClient> TestDelivery::route(const QString &id) const
{
    if (id == u"direct")
        return std::make_unique<race::RouteClient>(id);
    const quint16 port = id == u"via:a" ? m_edgeA->port() : m_edgeB->port();
    return std::make_unique<race::RouteClient>(id, QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
}

QList<race::RouteClient *> TestDelivery::routes(const QStringList &ids)
{
    QList<race::RouteClient *> out;
    for (const QString &id : ids) {
        m_clients.push_back(route(id));
        out.append(m_clients.back().get());
    }
    return out;
}

DeliveryRequest TestDelivery::request(const QString &path, const QStringList &routeIds)
{
    DeliveryRequest r;
    r.provider = QStringLiteral("plain");
    r.url = url(path);
    r.routes = routes(routeIds);
    r.timeout = std::chrono::milliseconds(kTimeoutMs);
    return r;
}

Run TestDelivery::deliver(const DeliveryRequest &request, const std::function<void(qint64)> &onProgress,
                          const QByteArray &prefix)
{
    Run run;
    run.body = prefix;
    QBuffer sink(&run.body);
    sink.open(prefix.isEmpty() ? QIODevice::WriteOnly : QIODevice::WriteOnly | QIODevice::Append);
    Delivery delivery(request, &sink);
    QSignalSpy finished(&delivery, &Delivery::finished);
    connect(&delivery, &Delivery::failover, this, [&run](const model::FailoverEvent &e) { run.events.append(e); });
    if (onProgress)
        connect(&delivery, &Delivery::progress, this, [&onProgress](qint64 bytes, qint64) { onProgress(bytes); });
    const Result<void> started = delivery.start();
    if (!started.ok()) {
        run.result.error = started.error();
        return run;
    }
    [&] { QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs); }();
    run.finished = finished.size() == 1;
    if (run.finished)
        run.result = finished.first().first().value<DeliveryResult>();
    return run;
}

void TestDelivery::firstRouteRefusedRestartsOnTheNext()
{
    constexpr qint64 size = 1024 * 1024;
    impair(m_direct.get(), [](Impairment &i) { i.refuse = true; });
    const Run run = deliver(request(QStringLiteral("/obj/refused?size=%1").arg(size), {QStringLiteral("direct"), QStringLiteral("via:a")}));
    QVERIFY(run.finished);
    QVERIFY2(run.result.ok, qPrintable(run.result.error));
    QCOMPARE(run.result.route, QStringLiteral("via:a"));
    QCOMPARE(run.result.httpStatus, 200);
    QCOMPARE(run.result.bytes, size);
    QCOMPARE(run.result.sha256.toLatin1(), contentSha256("/obj/refused", size));
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/refused", size));
    QCOMPARE(run.events.size(), 1);
    const model::FailoverEvent &e = run.events.first();
    QCOMPARE(e.fromRoute, QStringLiteral("direct"));
    QCOMPARE(e.toRoute, QStringLiteral("via:a"));
    QCOMPARE(e.reason, QStringLiteral("refused"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Restarted);
    QCOMPARE(e.bytesDelivered, qint64(0));
    QCOMPARE(e.resumeOffset, qint64(-1));
    QVERIFY(e.recoverMs > 0);
    QCOMPARE(e.request, QStringLiteral("GET /obj/refused?size=%1").arg(size));
    QCOMPARE(run.result.failovers.size(), 1);
}

void TestDelivery::resetMidBodyResumesWithRangeOnTheNextRoute()
{
    constexpr qint64 size = 2 * 1024 * 1024 + 7;
    impair(m_direct.get(), [](Impairment &i) { i.resetAfterBytes = 300'000; });
    QList<RelayLogEntry> relayed;
    connect(m_relayA.get(), &Relay::relayed, this, [&relayed](const RelayLogEntry &e) { relayed.append(e); });
    const qint64 originBytesBefore = m_origin->stats().bytesSent;
    const Run run = deliver(request(QStringLiteral("/obj/reset?size=%1").arg(size), {QStringLiteral("direct"), QStringLiteral("via:a")}));
    disconnect(m_relayA.get(), &Relay::relayed, this, nullptr);
    QVERIFY(run.finished);
    QVERIFY2(run.result.ok, qPrintable(run.result.error));
    QCOMPARE(run.result.route, QStringLiteral("via:a"));
    QCOMPARE(run.result.httpStatus, 200);
    QCOMPARE(run.result.bytes, size);
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/reset", size));
    QCOMPARE(run.result.sha256.toLatin1(), contentSha256("/obj/reset", size));

    QCOMPARE(run.events.size(), 1);
    const model::FailoverEvent &e = run.events.first();
    QCOMPARE(e.reason, QStringLiteral("reset"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Resumed);
    QVERIFY2(e.bytesDelivered > 0 && e.bytesDelivered < 300'000, qPrintable(QString::number(e.bytesDelivered)));
    QCOMPARE(e.resumeOffset, e.bytesDelivered);
    QVERIFY(e.recoverMs > 0);

    QCOMPARE(run.result.attempts.size(), 2);
    const DeliveryAttempt &second = run.result.attempts.at(1);
    QCOMPARE(second.rangeStart, e.resumeOffset);
    QCOMPARE(second.httpStatus, 206);
    QCOMPARE(second.contentRange, QStringLiteral("bytes %1-%2/%3").arg(e.resumeOffset).arg(size - 1).arg(size).toLatin1());
    QCOMPARE(second.bytes, size - e.resumeOffset);
    // The origin's side: the relay carried its 206 (only an origin answering Range sends one), and the
    // origin sent the remainder once, not the whole object again.
    QTRY_VERIFY_WITH_TIMEOUT(!relayed.isEmpty(), 5000);
    QCOMPARE(relayed.first().status, 206);
    QVERIFY(relayed.first().target.contains(QStringLiteral("/obj/reset")));
    QVERIFY(relayed.first().bytesDown < size - e.resumeOffset + 1024);
    const qint64 originBytes = m_origin->stats().bytesSent - originBytesBefore;
    QVERIFY2(originBytes < 2 * size - e.resumeOffset / 2, qPrintable(QString::number(originBytes)));
}

void TestDelivery::stallMidBodyIsDetectedWithinTheAdaptiveBound()
{
    constexpr qint64 size = 2 * 1024 * 1024;
    impair(m_direct.get(), [](Impairment &i) { i.stallAfterBytes = 400'000; });
    DeliveryRequest req = request(QStringLiteral("/obj/stall?size=%1").arg(size), {QStringLiteral("direct"), QStringLiteral("via:a")});
    req.stall.smoothedTtfbMs.insert(QStringLiteral("direct"), 100); // a race's hint: 4 x 100 ms > the floor
    QElapsedTimer clock;
    clock.start();
    double lastDirectByte = -1;
    double failoverAt = -1;
    bool onDirect = true;
    QBuffer sink;
    sink.open(QIODevice::WriteOnly);
    Delivery delivery(req, &sink);
    QSignalSpy finished(&delivery, &Delivery::finished);
    connect(&delivery, &Delivery::progress, this, [&](qint64, qint64) {
        if (onDirect)
            lastDirectByte = double(clock.nsecsElapsed()) / 1e6;
    });
    QList<model::FailoverEvent> events;
    connect(&delivery, &Delivery::failover, this, [&](const model::FailoverEvent &e) {
        onDirect = false;
        failoverAt = double(clock.nsecsElapsed()) / 1e6;
        events.append(e);
    });
    QVERIFY(delivery.start().ok());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
    const DeliveryResult result = finished.first().first().value<DeliveryResult>();
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.route, QStringLiteral("via:a"));
    QCOMPARE(sha256Hex(sink.data()), contentSha256("/obj/stall", size));
    QCOMPARE(events.size(), 1);
    const model::FailoverEvent &e = events.first();
    QCOMPARE(e.reason, QStringLiteral("stall"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Resumed);
    QVERIFY(e.resumeOffset > 0);

    // The bound in force: 4 x this route's smoothed TTFB (the hint, updated by what the delivery saw).
    const double ttfb = result.smoothedTtfbMs.value(QStringLiteral("direct"));
    QVERIFY(ttfb > 0);
    const double bound = std::max(4 * ttfb, 250.0);
    const double detectedAfter = failoverAt - e.recoverMs - lastDirectByte;
    qInfo("stall bound %.1f ms (smoothed TTFB %.1f ms); detected %.1f ms after the last byte; next route's "
          "first byte %.1f ms later",
          bound, ttfb, detectedAfter, e.recoverMs);
    QVERIFY2(detectedAfter >= bound - 5, qPrintable(QString::number(detectedAfter)));
    QVERIFY2(detectedAfter <= bound + 1000, qPrintable(QString::number(detectedAfter))); // loaded machine slack
    QVERIFY2(e.recoverMs < 2000, qPrintable(QString::number(e.recoverMs)));
}

void TestDelivery::blackholeAtConnectFailsOverAfterTheStallBound()
{
    constexpr qint64 size = 300'000;
    impair(m_direct.get(), [](Impairment &i) { i.blackhole = true; });
    DeliveryRequest req = request(QStringLiteral("/obj/hole?size=%1").arg(size), {QStringLiteral("direct"), QStringLiteral("via:b")});
    req.stall.smoothedTtfbMs.insert(QStringLiteral("direct"), 50); // bound: the 250 ms floor
    QElapsedTimer clock;
    clock.start();
    const Run run = deliver(req);
    QVERIFY(run.finished);
    QVERIFY2(run.result.ok, qPrintable(run.result.error));
    QCOMPARE(run.result.route, QStringLiteral("via:b"));
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/hole", size));
    QCOMPARE(run.events.size(), 1);
    QCOMPARE(run.events.first().reason, QStringLiteral("timeout"));
    QCOMPARE(run.events.first().outcome, model::FailoverEvent::Outcome::Restarted);
    QVERIFY2(run.result.attempts.first().error.contains(QStringLiteral("250 ms")), qPrintable(run.result.attempts.first().error));
    QVERIFY(clock.elapsed() >= 250);
}

void TestDelivery::killedTinyproxyMidBodyResumesOnTheNextRoute()
{
    QVERIFY2(!TinyproxyProcess::executable().isEmpty(), "tinyproxy is not installed: bash packaging/install-deps.sh");
    constexpr qint64 size = 4 * 1024 * 1024;
    TinyproxyProcess tinyproxy;
    const Result<quint16> port = tinyproxy.start();
    QVERIFY2(port.ok(), qPrintable(port.ok() ? QString() : port.error()));
    // tinyproxy reaches the origin at the request's own address: through the direct link.
    m_clients.push_back(std::make_unique<race::RouteClient>(QStringLiteral("via:tp"),
                                                            QUrl(QStringLiteral("http://127.0.0.1:%1").arg(*port))));
    race::RouteClient *viaTinyproxy = m_clients.back().get();
    DeliveryRequest req = request(QStringLiteral("/obj/tp?size=%1").arg(size), {QStringLiteral("via:a")});
    req.routes.prepend(viaTinyproxy);
    QCOMPARE(req.routes.first()->routeId(), QStringLiteral("via:tp"));
    qint64 killedAt = -1;
    const Run run = deliver(req, [&](qint64 bytes) {
        if (killedAt < 0 && bytes >= 500'000) {
            killedAt = bytes;
            tinyproxy.kill();
        }
    });
    QVERIFY(run.finished);
    QVERIFY(killedAt > 0);
    QVERIFY2(run.result.ok, qPrintable(run.result.error));
    QCOMPARE(run.result.route, QStringLiteral("via:a"));
    QCOMPARE(run.result.bytes, size);
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/tp", size));
    QCOMPARE(run.events.size(), 1);
    const model::FailoverEvent &e = run.events.first();
    QCOMPARE(e.fromRoute, QStringLiteral("via:tp"));
    QCOMPARE(e.reason, QStringLiteral("reset"));
    QCOMPARE(e.outcome, model::FailoverEvent::Outcome::Resumed);
    QVERIFY(e.resumeOffset >= killedAt);
    QCOMPARE(run.result.attempts.at(1).httpStatus, 206);
}

void TestDelivery::relaysOwn503FailsOverButTheOrigins503IsDelivered()
{
    constexpr qint64 size = 500'000;
    // Relay a turns every connection away with its own (undated) 503.
    RelayLimits full;
    full.maxConnections = 0;
    m_relayA->setLimits(full);
    const Run own = deliver(request(QStringLiteral("/obj/r503?size=%1").arg(size), {QStringLiteral("via:a"), QStringLiteral("via:b")}));
    QVERIFY(own.finished);
    QVERIFY2(own.result.ok, qPrintable(own.result.error));
    QCOMPARE(own.result.route, QStringLiteral("via:b"));
    QCOMPARE(own.result.httpStatus, 200);
    QCOMPARE(sha256Hex(own.body), contentSha256("/obj/r503", size));
    QCOMPARE(own.events.size(), 1);
    QCOMPARE(own.events.first().reason, QStringLiteral("relay_error"));
    QVERIFY2(own.events.first().detail.contains(QStringLiteral("503")), qPrintable(own.events.first().detail));
    QCOMPARE(own.result.attempts.first().httpStatus, 503);
    m_relayA->setLimits({});

    // The origin's own 503 (dated) through the same relay is the answer, not a route failure.
    const Run origin = deliver(request(QStringLiteral("/status/503"), {QStringLiteral("via:a"), QStringLiteral("via:b")}));
    QVERIFY(origin.finished);
    QVERIFY2(origin.result.ok, qPrintable(origin.result.error));
    QCOMPARE(origin.result.route, QStringLiteral("via:a"));
    QCOMPARE(origin.result.httpStatus, 503);
    QVERIFY(origin.events.isEmpty());
    QCOMPARE(origin.body, QByteArray("status 503\n"));
    QCOMPARE(origin.result.sha256.toLatin1(), sha256Hex("status 503\n"));
}

void TestDelivery::changedValidatorRefusesResumeWithClearError()
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

void TestDelivery::dynamicContentRestartsBeforeDeliveryButFailsAfter()
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

void TestDelivery::continuationResumesAtItsOffsetOrRefusesAChangedObject()
{
    constexpr qint64 size = 1024 * 1024 + 3;
    constexpr qint64 offset = 300'001;
    const QString path = QStringLiteral("/obj/continued?size=%1").arg(size);
    // The head and the first bytes as another reader (a race's winner) had them when its route broke.
    const Run first = deliver(request(path, {QStringLiteral("direct")}));
    QVERIFY2(first.result.ok, qPrintable(first.result.error));
    DeliveryContinuation c;
    c.offset = offset;
    c.httpStatus = first.result.httpStatus;
    c.headers = first.result.headers;
    c.fromRoute = QStringLiteral("via:winner");
    c.reason = QStringLiteral("reset");
    c.detail = QStringLiteral("via:winner: Connection closed");
    DeliveryRequest req = request(path, {QStringLiteral("via:a")});
    req.continuation = c;
    const Run run = deliver(req, {}, first.body.left(offset));
    QVERIFY2(run.result.ok, qPrintable(run.result.error));
    QCOMPARE(run.result.route, QStringLiteral("via:a"));
    QCOMPARE(run.result.bytes, size);
    QCOMPARE(run.result.firstByte, offset);
    QCOMPARE(sha256Hex(run.body), contentSha256("/obj/continued", size));
    QCOMPARE(run.result.sha256.toLatin1(), sha256Hex(contentRange("/obj/continued", size, offset, size - offset)));
    QCOMPARE(run.result.attempts.size(), 2);
    QCOMPARE(run.result.attempts.first().route, QStringLiteral("via:winner"));
    QCOMPARE(run.result.attempts.first().bytes, offset);
    QCOMPARE(run.result.attempts.at(1).rangeStart, offset);
    QCOMPARE(run.result.attempts.at(1).httpStatus, 206);
    QCOMPARE(run.events.size(), 1);
    QCOMPARE(run.events.first().fromRoute, QStringLiteral("via:winner"));
    QCOMPARE(run.events.first().toRoute, QStringLiteral("via:a"));
    QCOMPARE(run.events.first().outcome, model::FailoverEvent::Outcome::Resumed);
    QCOMPARE(run.events.first().resumeOffset, offset);

    // A new version since the head: the route's answer does not match, nothing is appended.
    m_origin->setGeneration(1);
    req.routes = routes({QStringLiteral("via:a")});
    const Run changed = deliver(req, {}, first.body.left(offset));
    QVERIFY(changed.finished);
    QVERIFY(!changed.result.ok);
    QVERIFY2(changed.result.error.contains(QStringLiteral("via:a")) &&
                 changed.result.error.contains(QStringLiteral("the object changed")),
             qPrintable(changed.result.error));
    QCOMPARE(changed.result.bytes, offset);
    QCOMPARE(changed.body, first.body.left(offset));
    QCOMPARE(changed.events.size(), 1);
    QCOMPARE(changed.events.first().reason, QStringLiteral("validator_changed"));
    QCOMPARE(changed.events.first().outcome, model::FailoverEvent::Outcome::Failed);
}

void TestDelivery::postOverRefusedRouteIsSentOnceOnTheNext()
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

void TestDelivery::postOverRouteResetAfterSendingIsNotResent()
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

void TestDelivery::failoverLogLinesParseAsJsonWithEveryField()
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

QString TestDelivery::writeMap()
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
void TestDelivery::runCli(QProcess &process, const QStringList &args)
{
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"), args);
    QVERIFY(finished.wait(kTimeoutMs));
}

void TestDelivery::fetchCliWritesTheWholeBodyAndJsonSummary()
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

void TestDelivery::fetchCliLeavesNoOutputWhenResumeIsRefused()
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

QTEST_GUILESS_MAIN(TestDelivery)
#include "tst_delivery.moc"
