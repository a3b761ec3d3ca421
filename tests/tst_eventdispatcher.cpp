// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The process-wide choice of Qt's UNIX event dispatcher (util/eventdispatcher.h). The choice is made
// before the QCoreApplication exists, so this test has its own main().
#include "util/eventdispatcher.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QThread>
#include <QTest>

using namespace relayrace;

namespace {

const char *dispatcherName(QAbstractEventDispatcher *dispatcher)
{
    return dispatcher ? dispatcher->metaObject()->className() : "none";
}

// Sets or unsets an environment variable for the scope of a test, restoring it afterwards.
class EnvGuard final
{
public:
    explicit EnvGuard(const char *name) : m_name(name), m_wasSet(qEnvironmentVariableIsSet(name)), m_old(qgetenv(name)) {}
    ~EnvGuard()
    {
        if (m_wasSet)
            qputenv(m_name, m_old);
        else
            qunsetenv(m_name);
    }
    Q_DISABLE_COPY_MOVE(EnvGuard)

private:
    const char *m_name;
    bool m_wasSet;
    QByteArray m_old;
};

} // namespace

class TestEventDispatcher final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mainThreadRunsOnTheUnixDispatcher()
    {
        QCOMPARE(dispatcherName(QAbstractEventDispatcher::instance()), "QEventDispatcherUNIX");
    }

    void newThreadsRunOnTheUnixDispatcherToo()
    {
        // The engine's thread (EngineHost) is one of these.
        QThread thread;
        QByteArray seen;
        QObject probe;
        probe.moveToThread(&thread);
        connect(&thread, &QThread::started, &probe, [&] {
            seen = dispatcherName(QThread::currentThread()->eventDispatcher());
            QThread::currentThread()->quit();
        });
        thread.start();
        QVERIFY(thread.wait(30000));
        QCOMPARE(seen, QByteArray("QEventDispatcherUNIX"));
    }

    void explicitEnvironmentIsLeftAlone()
    {
        const EnvGuard guard("QT_NO_GLIB");
        qputenv("QT_NO_GLIB", "");
        QVERIFY(!preferUnixEventDispatcher(ProcessKind::Console));
        QVERIFY(qEnvironmentVariableIsSet("QT_NO_GLIB"));
        QVERIFY(qEnvironmentVariableIsEmpty("QT_NO_GLIB"));
        qputenv("QT_NO_GLIB", "1");
        QVERIFY(preferUnixEventDispatcher(ProcessKind::Gui));
    }

    void gtkPlatformThemeKeepsGlibForTheGui()
    {
        const EnvGuard glib("QT_NO_GLIB");
        const EnvGuard theme("QT_QPA_PLATFORMTHEME");
        qunsetenv("QT_NO_GLIB");
        qputenv("QT_QPA_PLATFORMTHEME", "gtk3");
        QVERIFY(!preferUnixEventDispatcher(ProcessKind::Gui));
        QVERIFY(!qEnvironmentVariableIsSet("QT_NO_GLIB"));
        // A console process has no dialogs: it takes the UNIX dispatcher whatever the theme.
        QVERIFY(preferUnixEventDispatcher(ProcessKind::Console));
        QCOMPARE(qgetenv("QT_NO_GLIB"), QByteArray("1"));
    }
};

int main(int argc, char **argv)
{
    qunsetenv("QT_NO_GLIB");
    if (!preferUnixEventDispatcher(ProcessKind::Console))
        return 1;
    QCoreApplication app(argc, argv);
    TestEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_eventdispatcher.moc"
