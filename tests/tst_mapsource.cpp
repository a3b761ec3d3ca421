// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// MapSource, what the engine and the console see of map fetching, against a real dnsmasq and the
// lab origin: fresh, not-modified and unsigned statuses, the last good map kept through every kind
// of failed refresh, backoff without any map, refreshes on its own before expiry, and reconfiguring
// or destroying a source mid-fetch.
#include "map/mapcodec.h"
#include "map/mapfetcher.h"
#include "map/mapsource.h"
#include "support/mapfetchlab.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace relayrace;
using namespace relayrace::map;
using namespace relayrace::testsupport::mapfetchlab;
using std::chrono::milliseconds;

class TestMapSource final : public MapFetchLab
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { startLab(); }

    void cleanupTestCase() { stopLab(); }

    void sourceReportsFreshThenNotModifiedThenNewMap()
    {
        const QDateTime now = nowSeconds();
        const RouteMap first = makeMap(now.addSecs(-60));
        serveSigned(first);
        const auto source = makeSource();
        QSignalSpy maps(source.get(), &MapSource::mapChanged);
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        source->setProvider(config());
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, kTimeoutMs);
        QCOMPARE(statuses.at(0).at(1).value<MapStatus>(), MapStatus::Fresh);
        QCOMPARE(maps.count(), 1);
        QCOMPARE(maps.at(0).at(1).value<RouteMap>(), first);
        QVERIFY(source->map(QStringLiteral("acme")) == first);
        const ProviderMapState fresh = source->state(QStringLiteral("acme"));
        QVERIFY(fresh.error.isEmpty());
        QVERIFY(fresh.fetchedAt.isValid());
        // 80% of the remaining validity (59 min) is about 47 min away.
        QVERIFY(qAbs(fresh.fetchedAt.secsTo(fresh.nextRefreshAt) - 59 * 60 * 8 / 10) < 10);

        QVERIFY(source->refresh(QStringLiteral("acme")));
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 2, kTimeoutMs);
        QCOMPARE(statuses.at(1).at(1).value<MapStatus>(), MapStatus::NotModified);
        QCOMPARE(maps.count(), 1);

        const RouteMap second = makeMap(now);
        serveSigned(second);
        QVERIFY(source->refresh(QStringLiteral("acme")));
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 3, kTimeoutMs);
        QCOMPARE(statuses.at(2).at(1).value<MapStatus>(), MapStatus::Fresh);
        QCOMPARE(maps.count(), 2);
        QVERIFY(source->map(QStringLiteral("acme")) == second);
    }

    void sourceWithoutKeyReportsUnsigned()
    {
        const RouteMap m = makeMap(nowSeconds());
        serve(serializeRouteMap(m), QByteArray());
        const auto source = makeSource();
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        source->setProvider(config(QStringLiteral("acme.lab.test"), false));
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, kTimeoutMs);
        QCOMPARE(source->state(QStringLiteral("acme")).status, MapStatus::Unsigned);
        QVERIFY(source->map(QStringLiteral("acme")) == m);
    }

    void sourceKeepsLastGoodMapWhenARefreshFails_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<FetchStage>("stage");
        QTest::addRow("rollback") << QStringLiteral("rollback") << FetchStage::Rollback;
        QTest::addRow("tampered map") << QStringLiteral("tampered") << FetchStage::Signature;
        QTest::addRow("name without record") << QStringLiteral("no-record") << FetchStage::Dns;
        QTest::addRow("nameserver down") << QStringLiteral("nameserver-down") << FetchStage::Dns;
        QTest::addRow("HTTP 404") << QStringLiteral("404") << FetchStage::Http;
        QTest::addRow("origin down") << QStringLiteral("origin-down") << FetchStage::Http;
    }

    void sourceKeepsLastGoodMapWhenARefreshFails()
    {
        QFETCH(QString, fault);
        QFETCH(FetchStage, stage);
        const bool second = fault == u"origin-down";
        if (second && !m_origin2) {
            m_origin2 = std::make_unique<lab::Origin>(QStringLiteral("acme"));
            QCOMPARE(m_origin2->listen(m_port2), m_port2);
        }
        lab::Origin *origin = second ? m_origin2.get() : m_origin.get();
        const QDateTime now = nowSeconds();
        const RouteMap good = makeMap(now);
        const QByteArray goodBytes = serveSigned(good, origin);
        const MapSourceConfig goodConfig = config(second ? QStringLiteral("second.lab.test") : QStringLiteral("acme.lab.test"));
        const auto source = makeSource();
        QSignalSpy maps(source.get(), &MapSource::mapChanged);
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        source->setProvider(goodConfig);
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, kTimeoutMs);
        QCOMPARE(source->state(QStringLiteral("acme")).status, MapStatus::Fresh);

        MapSourceConfig faulty = goodConfig;
        if (fault == u"rollback") {
            serveSigned(makeMap(now.addSecs(-600)));
        } else if (fault == u"tampered") {
            serve(QByteArray(goodBytes).replace("Frankfurt", "Frankfurz"), sign(goodBytes));
        } else if (fault == u"no-record") {
            faulty.name = QStringLiteral("none.lab.test");
        } else if (fault == u"nameserver-down") {
            faulty.nameserver = m_deadNameserver;
        } else if (fault == u"404") {
            m_origin->removeStaticFile(kMapPath);
        } else if (fault == u"origin-down") {
            m_origin2.reset();
        }
        if (faulty == goodConfig)
            QVERIFY(source->refresh(QStringLiteral("acme")));
        else
            source->setProvider(faulty); // a new source for the same provider
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 2, kTimeoutMs);
        const ProviderMapState kept = source->state(QStringLiteral("acme"));
        QCOMPARE(kept.status, MapStatus::LastGoodKept);
        QCOMPARE(statuses.at(1).at(1).value<MapStatus>(), MapStatus::LastGoodKept);
        QCOMPARE(stageOf(kept.error), stage);
        QCOMPARE(kept.consecutiveFailures, 1);
        QVERIFY(source->map(QStringLiteral("acme")) == good);
        QCOMPARE(kept.held->bytes, goodBytes);
        QCOMPARE(maps.count(), 1); // nothing partial, nothing new was applied

        // Undo the fault: the same map is served again and confirmed with a 304.
        if (second) {
            m_origin2 = std::make_unique<lab::Origin>(QStringLiteral("acme"));
            QCOMPARE(m_origin2->listen(m_port2), m_port2);
        }
        serveSigned(good, second ? m_origin2.get() : m_origin.get());
        if (faulty == goodConfig)
            QVERIFY(source->refresh(QStringLiteral("acme")));
        else
            source->setProvider(goodConfig);
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 3, kTimeoutMs);
        QCOMPARE(source->state(QStringLiteral("acme")).status, MapStatus::NotModified);
        QVERIFY(source->state(QStringLiteral("acme")).error.isEmpty());
        QCOMPARE(maps.count(), 1);
    }

    void sourceWithoutAnyMapReportsFailedAndBacksOff()
    {
        // A fixed clock makes the scheduled delays exact.
        const QDateTime fixed = nowSeconds();
        const auto source = std::make_unique<MapSource>();
        source->setClock([fixed] { return fixed; });
        MapSource::Timing timing;
        timing.retryMin = milliseconds(100);
        timing.retryMax = milliseconds(400);
        source->setTiming(timing);
        QSignalSpy maps(source.get(), &MapSource::mapChanged);
        QList<qint64> delays;
        connect(source.get(), &MapSource::statusChanged, this, [&](const QString &provider, MapStatus status) {
            const ProviderMapState s = source->state(provider);
            QCOMPARE(status, MapStatus::Failed);
            delays.append(s.attemptedAt.msecsTo(s.nextRefreshAt));
        });
        source->setProvider(config(QStringLiteral("none.lab.test")));
        QTRY_VERIFY_WITH_TIMEOUT(delays.size() >= 5, kTimeoutMs);
        QCOMPARE(delays.mid(0, 5), (QList<qint64>{100, 200, 400, 400, 400}));
        QCOMPARE(maps.count(), 0);
        QVERIFY(!source->map(QStringLiteral("acme")));
        QVERIFY(source->state(QStringLiteral("acme")).error.startsWith(QStringLiteral("dns: ")));
        QVERIFY(source->state(QStringLiteral("acme")).consecutiveFailures >= 5);
    }

    void sourceRefreshesOnItsOwnBeforeExpiry()
    {
        serveSigned(makeMap(nowSeconds(), 4));
        const auto source = std::make_unique<MapSource>();
        MapSource::Timing timing;
        timing.minRefresh = milliseconds(0);
        source->setTiming(timing);
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        source->setProvider(config());
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, kTimeoutMs);
        const ProviderMapState first = source->state(QStringLiteral("acme"));
        QCOMPARE(first.status, MapStatus::Fresh);
        // 80% of what is left of 4 s (generated_at is whole seconds: 3 to 4 s left).
        const qint64 delay = first.attemptedAt.msecsTo(first.nextRefreshAt);
        QVERIFY2(delay >= 1600 && delay <= 3200, qPrintable(QString::number(delay)));
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 2, kTimeoutMs); // nobody called refresh()
        QCOMPARE(statuses.at(1).at(1).value<MapStatus>(), MapStatus::NotModified);
    }

    void reconfiguringDuringAFetchAbortsItForTheNewSource()
    {
        serveSigned(makeMap(nowSeconds()));
        const auto source = makeSource();
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        const qint64 before = m_origin->stats().connections;
        source->setProvider(config(QStringLiteral("slow.lab.test"))); // answers after 30 s
        QTRY_VERIFY_WITH_TIMEOUT(m_origin->stats().connections > before, kTimeoutMs);
        source->setProvider(config());
        QTRY_COMPARE_WITH_TIMEOUT(statuses.count(), 1, 20000); // well before the slow answer
        QCOMPARE(source->state(QStringLiteral("acme")).status, MapStatus::Fresh);
    }

    void sourceDestroyedMidFetchEmitsNothing()
    {
        auto source = makeSource();
        QSignalSpy statuses(source.get(), &MapSource::statusChanged);
        const qint64 before = m_origin->stats().connections;
        source->setProvider(config(QStringLiteral("slow.lab.test")));
        QTRY_VERIFY_WITH_TIMEOUT(m_origin->stats().connections > before, kTimeoutMs);
        QVERIFY(source->state(QStringLiteral("acme")).refreshing);
        source.reset(); // ASan/LSan runs show nothing of the fetch is left behind
        QCOMPARE(statuses.count(), 0);
    }
};

QTEST_GUILESS_MAIN(TestMapSource)
#include "tst_mapsource.moc"
