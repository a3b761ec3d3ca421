// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// What the delivery test cases (tst_delivery*.cpp) share: a small lab built on the test's own thread
// (the origin must be reachable, for its generation and its counters) and the delivery helpers over
// it. A test case inherits DeliveryLabTest next to QObject, so its test functions read as they did
// when they were one file.
//
// direct = one impaired link to the origin; via:a and via:b = a lab relay behind an impaired edge
// link, reaching the origin through a link of its own. Every body is checked against the origin's
// (lab/content.h).

#include "labfixture.h"

#include "delivery/delivery.h"
#include "lab/impairedlink.h"
#include "lab/origin.h"
#include "lab/relay.h"
#include "model/failoverevent.h"
#include "race/routeclient.h"

#include <QBuffer>
#include <QHash>
#include <QSignalSpy>
#include <QTest>

#include <functional>
#include <memory>
#include <vector>

namespace relayrace::testsupport {

inline constexpr qint64 kDeliveryBandwidth = 8'000'000;

struct Run
{
    delivery::DeliveryResult result;
    QByteArray body;
    QList<model::FailoverEvent> events; // in the order the signal brought them
    bool finished = false;
};

class DeliveryLabTest
{
protected:
    // For initTestCase: RELAYRACE_VERIFY_OK(startLab()).
    Result<void> startLab()
    {
        using lab::Impairment;
        using lab::ImpairedLink;
        qRegisterMetaType<delivery::DeliveryResult>();
        qRegisterMetaType<model::FailoverEvent>();
        m_origin = std::make_unique<lab::Origin>(QStringLiteral("plain"));
        const quint16 originPort = m_origin->listen();
        if (originPort == 0)
            return makeError(QStringLiteral("the origin did not listen"));
        const auto link = [](const QString &name, quint16 target, int latencyMs) {
            Impairment i;
            i.latencyMs = latencyMs;
            i.bandwidthBytesPerSec = kDeliveryBandwidth;
            return std::make_unique<ImpairedLink>(name, QStringLiteral("127.0.0.1"), target, i);
        };
        m_direct = link(QStringLiteral("edge>origin"), originPort, 20);
        m_upA = link(QStringLiteral("relay:a>origin"), originPort, 10);
        m_upB = link(QStringLiteral("relay:b>origin"), originPort, 10);
        if (!m_direct->listen() || !m_upA->listen() || !m_upB->listen())
            return makeError(QStringLiteral("a link to the origin did not listen"));
        m_relayA = std::make_unique<lab::Relay>(QStringLiteral("a"));
        m_relayB = std::make_unique<lab::Relay>(QStringLiteral("b"));
        if (!m_relayA->listen() || !m_relayB->listen())
            return makeError(QStringLiteral("a relay did not listen"));
        // The relays are asked for the edge-facing origin (the direct link's port): their own links instead.
        m_relayA->setUpstreamRoute(QStringLiteral("127.0.0.1"), m_direct->port(), QStringLiteral("127.0.0.1"), m_upA->port());
        m_relayB->setUpstreamRoute(QStringLiteral("127.0.0.1"), m_direct->port(), QStringLiteral("127.0.0.1"), m_upB->port());
        m_edgeA = link(QStringLiteral("edge>relay:a"), m_relayA->port(), 10);
        m_edgeB = link(QStringLiteral("edge>relay:b"), m_relayB->port(), 30);
        if (!m_edgeA->listen() || !m_edgeB->listen())
            return makeError(QStringLiteral("an edge link did not listen"));
        for (ImpairedLink *l : {m_direct.get(), m_upA.get(), m_upB.get(), m_edgeA.get(), m_edgeB.get()})
            m_base.insert(l, l->impairment());
        return {};
    }

    // For cleanup(): the links, the origin and the relay as they started, and fresh connections.
    void resetLab()
    {
        for (auto it = m_base.cbegin(); it != m_base.cend(); ++it)
            it.key()->setImpairment(it.value());
        m_origin->setGeneration(0);
        m_relayA->setLimits({});
        m_clients.clear();
    }

    // For cleanupTestCase: clients first, then each server after what forwards to it.
    void stopLab()
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
        m_base.clear();
    }

    static void impair(lab::ImpairedLink *link, const std::function<void(lab::Impairment &)> &change)
    {
        lab::Impairment i = link->impairment();
        change(i);
        link->setImpairment(i); // same thread: applies at once
    }

    QUrl url(const QString &path) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_direct->port())).resolved(QUrl(path));
    }

    std::unique_ptr<race::RouteClient> route(const QString &id) const
    {
        if (id == u"direct")
            return std::make_unique<race::RouteClient>(id);
        const quint16 port = id == u"via:a" ? m_edgeA->port() : m_edgeB->port();
        return std::make_unique<race::RouteClient>(id, QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    }

    // Route clients owned by the test (dropped by resetLab()).
    QList<race::RouteClient *> routes(const QStringList &ids)
    {
        QList<race::RouteClient *> out;
        for (const QString &id : ids) {
            m_clients.push_back(route(id));
            out.append(m_clients.back().get());
        }
        return out;
    }

    delivery::DeliveryRequest request(const QString &path, const QStringList &routeIds)
    {
        delivery::DeliveryRequest r;
        r.provider = QStringLiteral("plain");
        r.url = url(path);
        r.routes = routes(routeIds);
        r.timeout = std::chrono::milliseconds(kTimeoutMs);
        return r;
    }

    // running: a reply already sent over the request's first route, taken over (Delivery::startWith).
    // A delivery that does not finish fails the calling test (the QTRY records it) and comes back
    // with finished false.
    static Run deliver(const delivery::DeliveryRequest &request, const std::function<void(qint64)> &onProgress = {},
                       race::ReplyPtr running = {})
    {
        using delivery::Delivery;
        Run run;
        QBuffer sink(&run.body);
        sink.open(QIODevice::WriteOnly);
        Delivery delivery(request, &sink);
        QSignalSpy finished(&delivery, &Delivery::finished);
        QObject::connect(&delivery, &Delivery::failover, &delivery, [&run](const model::FailoverEvent &e) { run.events.append(e); });
        if (onProgress)
            QObject::connect(&delivery, &Delivery::progress, &delivery, [&onProgress](qint64 bytes, qint64) { onProgress(bytes); });
        const Result<void> started = running ? delivery.startWith(std::move(running)) : delivery.start();
        if (!started.ok()) {
            run.result.error = started.error();
            return run;
        }
        [&] { QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs); }();
        run.finished = finished.size() == 1;
        if (run.finished)
            run.result = finished.first().first().value<delivery::DeliveryResult>();
        return run;
    }

    std::unique_ptr<lab::Origin> m_origin;
    std::unique_ptr<lab::Relay> m_relayA, m_relayB;
    std::unique_ptr<lab::ImpairedLink> m_direct, m_edgeA, m_upA, m_edgeB, m_upB;
    QHash<lab::ImpairedLink *, lab::Impairment> m_base;
    std::vector<std::unique_ptr<race::RouteClient>> m_clients; // per test
};

} // namespace relayrace::testsupport
