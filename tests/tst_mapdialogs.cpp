// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The console's two ways to load a map, clicked as an operator would: "Fetch a map by name" against a
// real dnsmasq (TXT records on 127.0.0.x port 53) and the lab origin serving the map and its signature,
// and "Open map" through the file dialog. Good maps appear in the providers panel with their signature
// state; bad input leaves the panel as it was and says what is wrong in the status bar.
#include "lab/origin.h"
#include "map/mapcodec.h"
#include "map/mapsigner.h"
#include "support/dnsmasq.h"
#include "support/routemaps.h"
#include "ui/dialogs/fetchmapdialog.h"
#include "ui/mainwindow.h"
#include "ui/providers/providersmodel.h"
#include "ui/providers/providerspanel.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QLineEdit>
#include <QPushButton>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <memory>

using namespace relayrace;
using relayrace::testsupport::Dnsmasq;
using relayrace::testsupport::freeDnsAddress;

namespace {

constexpr int kTimeoutMs = 60000; // a loaded 2-core machine must not fail the tests

// QVERIFY2 evaluates its message whatever the outcome: error() only on an error.
template<typename T>
QByteArray why(const Result<T> &result)
{
    return result ? QByteArray() : result.error().toUtf8();
}

map::RouteMap makeMap(const QString &provider, quint16 originPort)
{
    return testsupport::testRouteMap(provider, QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), Qt::UTC),
                                     3600, QUrl(QStringLiteral("http://127.0.0.1:%1").arg(originPort)));
}

} // namespace

class TestMapDialogs final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fetchFromTheWelcomePaneAddsASignedMap();
    void fetchWithAnotherProvidersKeyIsRefusedAndNamed();
    void fetchWithANameserverThatIsNoAddressIsRefused();
    void openMapLoadsAFileChosenInTheDialog();
    void openMapWithAMalformedFileNamesTheProblem();
    void cleanupTestCase();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QByteArray runOpenSsl(const QStringList &args);
    bool writeFile(const QString &name, const QByteArray &bytes) const;
    // Answers the next modal dialog from the event loop, then triggers what opens it.
    template<typename Dialog>
    bool answerModal(const std::function<void()> &open, const std::function<void(Dialog *)> &answer);
    int providerRows() const { return m_window->providersPanel()->view()->model()->rowCount(); }
    QString signatureOf(const QString &provider) const;
    static void clickOpen(QFileDialog *dialog)
    {
        auto *buttons = dialog->findChild<QDialogButtonBox *>();
        QVERIFY(buttons && buttons->button(QDialogButtonBox::Open));
        QTest::mouseClick(buttons->button(QDialogButtonBox::Open), Qt::LeftButton);
    }
    QString statusText() const { return m_window->statusBar()->currentMessage(); }

    QTemporaryDir m_dir;
    Dnsmasq m_dns;
    std::unique_ptr<lab::Origin> m_origin;
    std::unique_ptr<ui::MainWindow> m_window;
};

QByteArray TestMapDialogs::runOpenSsl(const QStringList &args)
{
    QProcess process;
    process.start(QStringLiteral("openssl"), args);
    process.waitForFinished(kTimeoutMs);
    return process.exitCode() == 0 ? process.readAllStandardOutput() : QByteArray();
}

bool TestMapDialogs::writeFile(const QString &name, const QByteArray &bytes) const
{
    QFile file(path(name));
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

template<typename Dialog>
bool TestMapDialogs::answerModal(const std::function<void()> &open, const std::function<void(Dialog *)> &answer)
{
    bool answered = false;
    QTimer::singleShot(0, this, [&] {
        QElapsedTimer wait;
        wait.start();
        while (!qobject_cast<Dialog *>(QApplication::activeModalWidget()) && wait.elapsed() < 10000)
            QTest::qWait(10);
        auto *dialog = qobject_cast<Dialog *>(QApplication::activeModalWidget());
        if (!dialog) {
            if (QWidget *other = QApplication::activeModalWidget())
                other->close();
            return;
        }
        answer(dialog);
        answered = true;
    });
    open();
    return answered;
}

QString TestMapDialogs::signatureOf(const QString &provider) const
{
    const QAbstractItemModel *model = m_window->providersPanel()->view()->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, ui::ProvidersModel::ProviderColumn).data().toString() == provider)
            return model->index(row, ui::ProvidersModel::SignatureColumn).data().toString();
    }
    return {};
}

void TestMapDialogs::initTestCase()
{
    QVERIFY(m_dir.isValid());
    runOpenSsl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("ed25519"), QStringLiteral("-out"), path(QStringLiteral("key.pem"))});
    runOpenSsl({QStringLiteral("pkey"), QStringLiteral("-in"), path(QStringLiteral("key.pem")), QStringLiteral("-pubout"), QStringLiteral("-out"), path(QStringLiteral("pub.pem"))});
    runOpenSsl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("ed25519"), QStringLiteral("-out"), path(QStringLiteral("other.pem"))});
    runOpenSsl({QStringLiteral("pkey"), QStringLiteral("-in"), path(QStringLiteral("other.pem")), QStringLiteral("-pubout"), QStringLiteral("-out"), path(QStringLiteral("other.pub.pem"))});
    const Result<QByteArray> key = map::loadPrivateKeyFile(path(QStringLiteral("key.pem")));
    QVERIFY2(key, why(key).constData());
    QVERIFY(QFile::exists(path(QStringLiteral("pub.pem"))) && QFile::exists(path(QStringLiteral("other.pub.pem"))));

    m_origin = std::make_unique<lab::Origin>(QStringLiteral("maps"));
    const quint16 port = m_origin->listen();
    QVERIFY(port != 0);
    for (const QString &provider : {QStringLiteral("acme"), QStringLiteral("globex")}) {
        const QByteArray bytes = map::serializeRouteMap(makeMap(provider, port));
        const Result<QByteArray> sig = map::signDetached(*key, bytes);
        QVERIFY2(sig, why(sig).constData());
        m_origin->setStaticFile(QStringLiteral("/maps/%1.json").arg(provider), bytes, "application/json");
        m_origin->setStaticFile(QStringLiteral("/maps/%1.json.sig").arg(provider), *sig, "text/plain");
    }
    const QStringList records{
        QStringLiteral("acme.lab.test,v=rr1 url=http://127.0.0.1:%1/maps/acme.json").arg(port),
        QStringLiteral("globex.lab.test,v=rr1 url=http://127.0.0.1:%1/maps/globex.json").arg(port),
    };
    // Addresses apart from tst_mapfetch's (153-180), so both can run at once.
    QString error = QStringLiteral("no free address");
    for (int i = 181; i <= 190 && !m_dns.running(); ++i) {
        const QHostAddress address = freeDnsAddress(i, i, {});
        if (!address.isNull())
            error = m_dns.start(address, records);
    }
    QVERIFY2(m_dns.running(), qPrintable(error));

    ui::MainWindow::Options options;
    options.historyPath = path(QStringLiteral("history.sqlite"));
    options.failoverLogPath = path(QStringLiteral("failovers.jsonl"));
    options.raceIntervalMs = 0; // the maps' routes lead nowhere: no scheduled races
    m_window = std::make_unique<ui::MainWindow>(options);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMapDialogs::fetchFromTheWelcomePaneAddsASignedMap()
{
    auto *fetch = m_window->findChild<QPushButton *>(QStringLiteral("fetchMapButton"));
    QVERIFY(fetch && fetch->isVisible());
    QCOMPARE(providerRows(), 0);
    const bool answered = answerModal<ui::FetchMapDialog>([&] { QTest::mouseClick(fetch, Qt::LeftButton); }, [&](ui::FetchMapDialog *dialog) {
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("mapName")), QStringLiteral("acme.lab.test"));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("mapNameserver")), m_dns.address().toString());
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("mapKeyFile")), path(QStringLiteral("pub.pem")));
        dialog->accept();
    });
    QVERIFY(answered);
    QTRY_COMPARE_WITH_TIMEOUT(providerRows(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(signatureOf(QStringLiteral("acme")), QStringLiteral("fresh, signature valid"), kTimeoutMs);
    QVERIFY2(statusText().contains(QStringLiteral("Fetched acme")), qPrintable(statusText()));
    QCOMPARE(m_window->currentProvider(), QStringLiteral("acme"));
}

void TestMapDialogs::fetchWithAnotherProvidersKeyIsRefusedAndNamed()
{
    auto *action = m_window->findChild<QAction *>(QStringLiteral("actionFetchMap"));
    QVERIFY(action);
    const bool answered = answerModal<ui::FetchMapDialog>([&] { action->trigger(); }, [&](ui::FetchMapDialog *dialog) {
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("mapName")), QStringLiteral("globex.lab.test"));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("mapNameserver")), m_dns.address().toString());
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("mapKeyFile")), path(QStringLiteral("other.pub.pem")));
        dialog->accept();
    });
    QVERIFY(answered);
    QTRY_VERIFY_WITH_TIMEOUT(statusText().startsWith(QStringLiteral("globex.lab.test: ")), kTimeoutMs);
    qInfo("status bar: %s", qPrintable(statusText()));
    QVERIFY2(statusText().contains(QStringLiteral("signature")), qPrintable(statusText()));
    QCOMPARE(providerRows(), 1);
    QVERIFY(signatureOf(QStringLiteral("globex")).isEmpty());
}

void TestMapDialogs::fetchWithANameserverThatIsNoAddressIsRefused()
{
    auto *action = m_window->findChild<QAction *>(QStringLiteral("actionFetchMap"));
    const bool answered = answerModal<ui::FetchMapDialog>([&] { action->trigger(); }, [&](ui::FetchMapDialog *dialog) {
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("mapName")), QStringLiteral("globex.lab.test"));
        QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("mapNameserver")), QStringLiteral("ns.example"));
        dialog->accept();
    });
    QVERIFY(answered);
    QCOMPARE(statusText(), QStringLiteral("'ns.example' is not an IPv4 address"));
    QCOMPARE(providerRows(), 1);
}

void TestMapDialogs::openMapLoadsAFileChosenInTheDialog()
{
    QVERIFY(writeFile(QStringLiteral("initech.json"), map::serializeRouteMap(makeMap(QStringLiteral("initech"), 9))));
    auto *action = m_window->findChild<QAction *>(QStringLiteral("actionOpenMap"));
    QVERIFY(action);
    QCOMPARE(action->shortcut(), QKeySequence(QKeySequence::Open));
    const bool answered = answerModal<QFileDialog>([&] { action->trigger(); }, [&](QFileDialog *dialog) {
        dialog->setDirectory(m_dir.path());
        dialog->selectFile(path(QStringLiteral("initech.json")));
        clickOpen(dialog);
    });
    QVERIFY(answered);
    QTRY_COMPARE_WITH_TIMEOUT(providerRows(), 2, kTimeoutMs);
    QCOMPARE(signatureOf(QStringLiteral("initech")), QStringLiteral("unsigned (no key for initech in the keyring)"));
}

void TestMapDialogs::openMapWithAMalformedFileNamesTheProblem()
{
    QVERIFY(writeFile(QStringLiteral("broken.json"), QByteArrayLiteral("{\"format\": \"relayrace-map\", \"version\": 1, \"provider\": ")));
    auto *action = m_window->findChild<QAction *>(QStringLiteral("actionOpenMap"));
    const bool answered = answerModal<QFileDialog>([&] { action->trigger(); }, [&](QFileDialog *dialog) {
        dialog->setDirectory(m_dir.path());
        dialog->selectFile(path(QStringLiteral("broken.json")));
        clickOpen(dialog);
    });
    QVERIFY(answered);
    qInfo("status bar: %s", qPrintable(statusText()));
    QVERIFY2(statusText().contains(QStringLiteral("broken.json")), qPrintable(statusText()));
    QCOMPARE(providerRows(), 2);
}

void TestMapDialogs::cleanupTestCase()
{
    m_window.reset();
    m_dns.stop();
}

QTEST_MAIN(TestMapDialogs)
#include "tst_mapdialogs.moc"
