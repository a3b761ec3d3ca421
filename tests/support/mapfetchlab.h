// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// The map-fetch lab shared by tst_mapfetcher, tst_mapfetchrefusals, tst_mapsource and
// tst_mapfetchcli: a real dnsmasq whose TXT records point at two lab origins (one to stop for
// "origin down"), a dead and a silent nameserver, and an Ed25519 key pair made by openssl, so every
// fetch stage runs for real.

#include "lab/origin.h"
#include "map/mapcodec.h"
#include "map/mapfetcher.h"
#include "map/mapsigner.h"
#include "map/mapsource.h"

#include "dnsmasq.h"
#include "routemaps.h"

#include <QDnsLookup>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <QCoroTask>

#include <memory>
#include <optional>

namespace relayrace::testsupport::mapfetchlab {

inline constexpr int kTimeoutMs = 60000;
inline const QString kMapPath = QStringLiteral("/maps/acme.json");
inline const QString kSigPath = QStringLiteral("/maps/acme.json.sig");

template<typename T>
QByteArray why(const Result<T> &result)
{
    return result ? QByteArray() : result.error().toUtf8();
}

// QCoro::waitFor needs a default-constructible result; Result<T> is not one.
template<typename T>
T awaitResult(QCoro::Task<T> task)
{
    auto wrapped = [](QCoro::Task<T> inner) -> QCoro::Task<std::optional<T>> { co_return co_await std::move(inner); };
    return *QCoro::waitFor(wrapped(std::move(task)));
}

inline QDateTime nowSeconds()
{
    return QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), Qt::UTC);
}

inline map::RouteMap makeMap(const QDateTime &generatedAt, qint64 validForS = 3600, const QString &provider = QStringLiteral("acme"))
{
    return testsupport::testRouteMap(provider, generatedAt, validForS);
}

// The fixture each map-fetch test class derives from. Not a Q_OBJECT (moc does not see headers
// outside a target's sources): each class calls startLab() from its initTestCase() and stopLab()
// from its cleanupTestCase().
class MapFetchLab : public QObject
{
protected:
    QTemporaryDir m_dir;
    QByteArray m_private;
    QByteArray m_public;
    std::unique_ptr<lab::Origin> m_origin;
    std::unique_ptr<lab::Origin> m_origin2; // stopped by tests to play "origin down"
    quint16 m_port2 = 0;
    Dnsmasq m_dns;
    QHostAddress m_deadNameserver;          // nothing listens there
    std::unique_ptr<QUdpSocket> m_silent;   // a "nameserver" that never answers

    QString path(const QString &name) const { return m_dir.filePath(name); }

    QByteArray runOpenSsl(const QStringList &args)
    {
        QProcess process;
        process.start(QStringLiteral("openssl"), args);
        process.waitForFinished(60000);
        return process.exitCode() == 0 ? process.readAllStandardOutput() : QByteArray();
    }

    QByteArray readFile(const QString &name) const
    {
        QFile file(path(name));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    void writeFile(const QString &name, const QByteArray &bytes) const
    {
        QFile file(path(name));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write(bytes), bytes.size());
    }

    QByteArray sign(const QByteArray &bytes) const { return map::signDetached(m_private, bytes).value(); }

    // Serves bytes as the map and sig as its signature (null: no signature file).
    void serve(const QByteArray &bytes, const QByteArray &sig, lab::Origin *origin = nullptr)
    {
        origin = origin ? origin : m_origin.get();
        origin->setStaticFile(kMapPath, bytes, "application/json");
        if (sig.isNull())
            origin->removeStaticFile(kSigPath);
        else
            origin->setStaticFile(kSigPath, sig, "text/plain");
    }

    QByteArray serveSigned(const map::RouteMap &m, lab::Origin *origin = nullptr)
    {
        const QByteArray bytes = map::serializeRouteMap(m);
        serve(bytes, sign(bytes), origin);
        return bytes;
    }

    map::MapSourceConfig config(const QString &name = QStringLiteral("acme.lab.test"), bool withKey = true) const
    {
        return map::MapSourceConfig{QStringLiteral("acme"), name, m_dns.address(), withKey ? m_public : QByteArray()};
    }

    static Result<map::FetchedMap> fetchNow(map::MapFetcher &fetcher, const map::MapSourceConfig &config, std::optional<map::HeldMap> held = std::nullopt)
    {
        return awaitResult(fetcher.fetch(config, std::move(held)));
    }

    // A source that only refreshes when told (automatic refreshes and retries far away).
    static std::unique_ptr<map::MapSource> makeSource()
    {
        auto source = std::make_unique<map::MapSource>();
        map::MapSource::Timing timing;
        timing.retryMin = timing.retryMax = std::chrono::minutes(30);
        source->setTiming(timing);
        return source;
    }

    // Not waitForFinished(): the origin the CLI talks to runs on this thread's event loop.
    static void runCli(QProcess &process, const QStringList &args)
    {
        QSignalSpy finished(&process, &QProcess::finished);
        process.start(QStringLiteral(RELAYRACE_BINARY_DIR "/app/relayrace"), args);
        QVERIFY(finished.wait(kTimeoutMs));
    }

    void startLab()
    {
        QVERIFY(m_dir.isValid());
        runOpenSsl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("ed25519"), QStringLiteral("-out"), path(QStringLiteral("key.pem"))});
        runOpenSsl({QStringLiteral("pkey"), QStringLiteral("-in"), path(QStringLiteral("key.pem")), QStringLiteral("-pubout"), QStringLiteral("-out"), path(QStringLiteral("pub.pem"))});
        m_private = readFile(QStringLiteral("key.pem"));
        m_public = readFile(QStringLiteral("pub.pem"));
        QVERIFY(m_private.contains("PRIVATE KEY") && m_public.contains("PUBLIC KEY"));

        m_origin = std::make_unique<lab::Origin>(QStringLiteral("acme"));
        const quint16 port = m_origin->listen();
        QVERIFY(port != 0);
        m_origin2 = std::make_unique<lab::Origin>(QStringLiteral("acme"));
        m_port2 = m_origin2->listen();
        QVERIFY(m_port2 != 0);
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        const quint16 deadPort = closed.serverPort();
        closed.close();

        const auto url = [](quint16 p, const QString &rest) { return QStringLiteral("http://127.0.0.1:%1%2").arg(p).arg(rest); };
        // dnsmasq splits a record's strings at commas and keeps quote characters: none here.
        const QStringList records{
            QStringLiteral("acme.lab.test,v=rr1 url=%1").arg(url(port, kMapPath)),
            QStringLiteral("acme.lab.test,google-site-verification=abc"), // others are ignored
            QStringLiteral("chunks.lab.test,v=rr1 url=%1,%2").arg(url(port, QStringLiteral("/ma")), QStringLiteral("ps/acme.json")),
            QStringLiteral("missing.lab.test,v=rr1 url=%1").arg(url(port, QStringLiteral("/maps/missing.json"))),
            QStringLiteral("down.lab.test,v=rr1 url=%1").arg(url(deadPort, kMapPath)),
            QStringLiteral("second.lab.test,v=rr1 url=%1").arg(url(m_port2, kMapPath)),
            QStringLiteral("slow.lab.test,v=rr1 url=%1").arg(url(port, QStringLiteral("/delay/30000"))),
            QStringLiteral("huge.lab.test,v=rr1 url=%1").arg(url(port, QStringLiteral("/maps/huge.json"))),
            QStringLiteral("twice.lab.test,v=rr1 url=%1").arg(url(port, kMapPath)),
            QStringLiteral("twice.lab.test,v=rr1 url=%1").arg(url(m_port2, kMapPath)),
            QStringLiteral("other.lab.test,hello world"),
            QStringLiteral("badurl.lab.test,v=rr1 url=ftp://127.0.0.1/map.json"),
        };
        // 127.0.0.153 unless another run holds it.
        QString error = QStringLiteral("no free address");
        for (int i = 153; i <= 158 && !m_dns.running(); ++i) {
            const QHostAddress address = freeDnsAddress(i, i, {});
            if (!address.isNull())
                error = m_dns.start(address, records);
        }
        QVERIFY2(m_dns.running(), qPrintable(error));
        m_deadNameserver = freeDnsAddress(160, 170, {m_dns.address()});
        QVERIFY(!m_deadNameserver.isNull());
        m_silent = std::make_unique<QUdpSocket>();
        const QHostAddress silent = freeDnsAddress(171, 180, {m_dns.address(), m_deadNameserver});
        QVERIFY(!silent.isNull() && m_silent->bind(silent, 53));

        QDnsLookup lookup(QDnsLookup::TXT, QStringLiteral("acme.lab.test"), m_dns.address());
        QSignalSpy done(&lookup, &QDnsLookup::finished);
        lookup.lookup();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, kTimeoutMs);
        QCOMPARE(lookup.error(), QDnsLookup::NoError);
        QCOMPARE(lookup.textRecords().size(), 2);
    }

    void stopLab()
    {
        m_dns.stop();
        QVERIFY(!m_dns.running());
    }
};

} // namespace relayrace::testsupport::mapfetchlab
