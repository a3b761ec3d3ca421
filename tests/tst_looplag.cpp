// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The event-loop lag meter the edge reports at exit: a thread that blocks shows it as lag, an idle
// one does not, and a meter on another thread is read safely.
#include "util/looplag.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <chrono>
#include <thread>

using namespace relayrace;

class TestLoopLag final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void blockedThreadShowsAsLag();
};

namespace {
// Runs this thread's event loop for ms (QTest::qWait sleeps between passes; this does not).
void spin(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}
} // namespace

void TestLoopLag::blockedThreadShowsAsLag()
{
    QThread worker;
    worker.start();
    auto *meter = new LoopLagMeter(&worker, 5);
    QVERIFY(QTest::qWaitFor([&] { return meter->summary().samples >= 40; }, 10'000));
    const LoopLagMeter::Summary idle = meter->summary();
    QVERIFY2(idle.p50Ms < 20, qPrintable(LoopLagMeter::describe(idle)));
    // Block the measured thread for 150 ms: its next tick comes ~145 ms late.
    QMetaObject::invokeMethod(meter, [] { std::this_thread::sleep_for(std::chrono::milliseconds(150)); });
    spin(400);
    const LoopLagMeter::Summary blocked = meter->summary();
    QVERIFY2(blocked.maxMs >= 120 && blocked.maxMs < 5'000, qPrintable(LoopLagMeter::describe(blocked)));
    QVERIFY(blocked.samples > idle.samples);
    QVERIFY(blocked.p99Ms <= blocked.maxMs);
    QVERIFY(LoopLagMeter::describe(blocked).startsWith(QStringLiteral("samples ")));
    meter->deleteLater();
    worker.quit();
    QVERIFY(worker.wait(10'000));
}

QTEST_GUILESS_MAIN(TestLoopLag)
#include "tst_looplag.moc"
