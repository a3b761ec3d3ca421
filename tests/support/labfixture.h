// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// A running lab for the tests that need one (origins, relays and impaired links on loopback, on the
// lab's own thread). One per test case: start() in initTestCase, restore() in cleanup(), stop() in
// cleanupTestCase. Header-only, like the rest of tests/support.
//
// Helpers here return Result<void> rather than using QVERIFY themselves: a QVERIFY inside a helper
// only returns from the helper, and the calling test runs on against a lab it did not ask for. The
// caller checks with RELAYRACE_VERIFY_OK, which fails the calling test with the lab's own message.

#include "lab/lab.h"
#include "lab/proxyprocess.h"
#include "util/result.h"

#include <QHash>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QTest>

#include <algorithm>
#include <functional>
#include <memory>

// QVERIFY for a Result<void>: on error, fails the calling test with the error and returns from it.
// Variadic so that an argument holding a lambda with commas in its body stays one argument.
#define RELAYRACE_VERIFY_OK(...)                                                                   \
    do {                                                                                           \
        const ::relayrace::Result<void> relayraceVerifyOk_ = (__VA_ARGS__);                        \
        QVERIFY2(relayraceVerifyOk_.ok(), qPrintable(relayraceVerifyOk_.error()));                 \
    } while (false)

namespace relayrace::testsupport {

// For QTRY over lab traffic: a loaded 2-core machine (or ASan) must not fail the tests.
inline constexpr int kTimeoutMs = 60000;

class LabFixture final
{
public:
    // Starting a lab (a CA, TLS origins, a tinyproxy per region) takes seconds on a loaded 2-core
    // machine, longer under ASan: a tight bound fails tests for the machine's sake.
    static constexpr int kStartTimeoutMs = 60000;
    // Impairments are applied on the lab's thread; that takes an event-loop turn, not more.
    static constexpr int kApplyTimeoutMs = 5000;

    LabFixture() = default;
    LabFixture(const LabFixture &) = delete;
    LabFixture &operator=(const LabFixture &) = delete;
    ~LabFixture() { stop(); }

    Result<void> start(const QByteArray &topologyJson)
    {
        auto topology = lab::Topology::fromJson(topologyJson);
        if (!topology.ok())
            return makeError(QStringLiteral("lab topology: ") + topology.error());
        return start(std::move(topology).value());
    }

    // Waits for the lab to be ready; the error is the lab's own when it failed.
    Result<void> start(lab::Topology topology)
    {
        stop();
        m_host = std::make_unique<lab::LabHost>(std::move(topology));
        QSignalSpy ready(m_host.get(), &lab::LabHost::ready);
        QSignalSpy failed(m_host.get(), &lab::LabHost::failed);
        m_host->start();
        if (!QTest::qWaitFor([&] { return !ready.isEmpty() || !failed.isEmpty(); }, kStartTimeoutMs))
            return makeError(QStringLiteral("the lab was not ready within %1 ms").arg(kStartTimeoutMs));
        if (!failed.isEmpty())
            return makeError(QStringLiteral("the lab failed to start: ") + failed.first().first().toString());
        // Only a lab with an https origin has a CA.
        if (!m_host->endpoints().caFile.isEmpty())
            m_ca = QSslCertificate::fromPath(m_host->endpoints().caFile);
        return {};
    }

    // Stops the lab's thread and servers; the destructor does it too, cleanupTestCase should (so the
    // lab goes down while the test case still runs, not at static destruction).
    void stop()
    {
        m_changed.clear();
        m_ca.clear();
        m_host.reset();
    }

    // Valid between a successful start() and stop().
    lab::LabHost *host() const { return m_host.get(); }
    lab::Lab *lab() const { return m_host->lab(); }
    const lab::LabEndpoints &endpoints() const { return m_host->endpoints(); }
    // The lab's CA (empty without an https origin): what route clients must trust, verification on.
    const QList<QSslCertificate> &caCertificates() const { return m_ca; }

    // Changes one link's impairment and waits until the lab applies it. The link's impairment before
    // the first change since the last restore() is remembered, so restore() can put it back.
    Result<void> impair(const QString &linkId, const std::function<void(lab::Impairment &)> &change)
    {
        const std::optional<lab::Impairment> before = lab()->linkImpairment(linkId);
        if (!before)
            return makeError(QStringLiteral("no link %1 in the lab").arg(linkId));
        if (!m_changed.contains(linkId))
            m_changed.insert(linkId, *before);
        lab::Impairment after = *before;
        change(after);
        return apply(linkId, after);
    }

    // Puts every link impair() changed back, waiting until each took effect: otherwise the next test
    // would take this one's impairment for the link's normal state. A link that could not be put back
    // stays remembered for the next restore().
    Result<void> restore()
    {
        QStringList errors;
        for (auto it = m_changed.begin(); it != m_changed.end();) {
            const Result<void> applied = apply(it.key(), it.value());
            if (applied.ok()) {
                it = m_changed.erase(it);
            } else {
                errors.append(applied.error());
                ++it;
            }
        }
        if (!errors.isEmpty())
            return makeError(QStringLiteral("restoring the lab: ") + errors.join(QStringLiteral("; ")));
        return {};
    }

private:
    Result<void> apply(const QString &linkId, const lab::Impairment &impairment)
    {
        if (!lab()->setLinkImpairment(linkId, impairment))
            return makeError(QStringLiteral("the lab refused the impairment of %1").arg(linkId));
        if (!QTest::qWaitFor([&] { return lab()->linkImpairment(linkId) == impairment; }, kApplyTimeoutMs))
            return makeError(QStringLiteral("%1: the impairment did not take effect within %2 ms").arg(linkId).arg(kApplyTimeoutMs));
        return {};
    }

    std::unique_ptr<lab::LabHost> m_host;
    QList<QSslCertificate> m_ca;
    QHash<QString, lab::Impairment> m_changed; // link id -> its impairment before the test changed it
};

} // namespace relayrace::testsupport
