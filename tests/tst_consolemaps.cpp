// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The console's maps on a real network: a map fetched by DNS name (a real dnsmasq and the lab origin)
// is replaced in the running console when the publisher re-signs a newer one, a tampered newer one is
// refused and the last good map stays with its state shown; a map file is checked against the
// keyring (valid, refused when its signature fails, unsigned when the keyring has no key for it).
#include "engine/enginefront.h"
#include "map/mapcodec.h"
#include "map/mapsource.h"
#include "ui/providers/providersmodel.h"
#include "ui/providers/providerspanel.h"
#include "support/mapfetchlab.h"
#include "ui/mainwindow.h"
#include "ui/notify/noticemodel.h"

#include <QApplication>
#include <QStatusBar>
#include <QTest>

using namespace relayrace;
using namespace relayrace::testsupport::mapfetchlab;
using relayrace::ui::MainWindow;
using relayrace::ui::ProvidersModel;

class TestConsoleMaps final : public MapFetchLab
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { stopLab(); }
    void fetchedMapStaysFreshInTheRunningConsole();
    void mapFileIsCheckedAgainstTheKeyring();

private:
    std::unique_ptr<MainWindow> window();
    static QString mapState(MainWindow &w, const QString &provider);
    static QString noticesText(MainWindow &w);
    static QDateTime generatedAt(MainWindow &w, const QString &provider);
};

void TestConsoleMaps::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("relayrace-tests"));
    startLab();
}

std::unique_ptr<MainWindow> TestConsoleMaps::window()
{
    MainWindow::Options options;
    options.historyPath = path(QStringLiteral("history.sqlite"));
    options.failoverLogPath = path(QStringLiteral("failover.jsonl"));
    options.raceIntervalMs = 0;
    auto w = std::make_unique<MainWindow>(options);
    w->show();
    return w;
}

QString TestConsoleMaps::noticesText(MainWindow &w)
{
    QStringList lines;
    for (int row = 0; row < w.notices()->rowCount(); ++row)
        lines.append(w.notices()->index(row).data().toString());
    return lines.join(u'\n');
}

QString TestConsoleMaps::mapState(MainWindow &w, const QString &provider)
{
    QAbstractItemModel *model = w.providersPanel()->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, ProvidersModel::ProviderColumn).data().toString() == provider)
            return model->index(row, ProvidersModel::SignatureColumn).data().toString();
    }
    return QStringLiteral("<no row>");
}

QDateTime TestConsoleMaps::generatedAt(MainWindow &w, const QString &provider)
{
    const std::optional<map::RouteMap> m = w.engine() ? w.engine()->routeMap(provider) : std::nullopt;
    return m ? m->generatedAt : QDateTime();
}

void TestConsoleMaps::fetchedMapStaysFreshInTheRunningConsole()
{
    const QDateTime now = nowSeconds();
    const map::RouteMap first = makeMap(now.addSecs(-120));
    serveSigned(first);
    auto w = window();
    w->fetchMap(config());
    QTRY_COMPARE_WITH_TIMEOUT(generatedAt(*w, QStringLiteral("acme")), first.generatedAt, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(mapState(*w, QStringLiteral("acme")), QStringLiteral("fresh, signature valid"), kTimeoutMs);

    // The publisher re-signs a newer map: the next refresh (the source's own timer, here asked at
    // once) replaces it in the running engine.
    const map::RouteMap second = makeMap(now.addSecs(-60));
    serveSigned(second);
    QVERIFY(w->mapSource()->refresh(QStringLiteral("acme")));
    QTRY_COMPARE_WITH_TIMEOUT(generatedAt(*w, QStringLiteral("acme")), second.generatedAt, kTimeoutMs);

    // A newer map whose signature does not match: refused, the last good map stays, and says why.
    const map::RouteMap tampered = makeMap(now);
    serve(map::serializeRouteMap(tampered), sign(map::serializeRouteMap(second)));
    QVERIFY(w->mapSource()->refresh(QStringLiteral("acme")));
    QTRY_VERIFY2_WITH_TIMEOUT(mapState(*w, QStringLiteral("acme")).startsWith(QStringLiteral("last good kept: signature")), qPrintable(mapState(*w, QStringLiteral("acme"))), kTimeoutMs);
    QCOMPARE(generatedAt(*w, QStringLiteral("acme")), second.generatedAt);
    // A background refresh is an engine notice: in the notification area, not the status bar.
    QTRY_VERIFY2_WITH_TIMEOUT(noticesText(*w).contains(QStringLiteral("last good kept")), qPrintable(noticesText(*w)), kTimeoutMs);
}

void TestConsoleMaps::mapFileIsCheckedAgainstTheKeyring()
{
    QVERIFY(QDir().mkpath(path(QStringLiteral("keys"))));
    writeFile(QStringLiteral("keys/acme.pem"), m_public);
    const map::RouteMap m = makeMap(nowSeconds());
    const QByteArray bytes = map::serializeRouteMap(m);
    writeFile(QStringLiteral("acme.map.json"), bytes);
    writeFile(QStringLiteral("acme.map.json.sig"), sign(bytes));
    auto w = window();
    w->setKeyringFolder(path(QStringLiteral("keys")));
    QVERIFY(w->openMap(path(QStringLiteral("acme.map.json"))));
    QTRY_COMPARE_WITH_TIMEOUT(mapState(*w, QStringLiteral("acme")), QStringLiteral("valid"), kTimeoutMs);

    // The publisher replaces the file with a newer signed map: the console takes it on its own.
    const map::RouteMap newer = makeMap(nowSeconds().addSecs(3));
    const QByteArray newerBytes = map::serializeRouteMap(newer);
    writeFile(QStringLiteral("acme.map.json.sig"), sign(newerBytes));
    writeFile(QStringLiteral("acme.map.json"), newerBytes);
    QTRY_COMPARE_WITH_TIMEOUT(generatedAt(*w, QStringLiteral("acme")), newer.generatedAt, kTimeoutMs);

    // The same file changed after it was signed: refused, with the reason; the valid map stays.
    writeFile(QStringLiteral("acme.map.json"), map::serializeRouteMap(makeMap(nowSeconds().addSecs(5))));
    QVERIFY(!w->openMap(path(QStringLiteral("acme.map.json"))));
    QVERIFY2(w->statusBar()->currentMessage().contains(QStringLiteral("refused: signature")), qPrintable(w->statusBar()->currentMessage()));
    QTest::qWait(1000); // the watcher's own try, refused as well
    QCOMPARE(generatedAt(*w, QStringLiteral("acme")), newer.generatedAt);

    // A provider the keyring has no key for is loaded as unsigned, and says so.
    writeFile(QStringLiteral("globex.map.json"), map::serializeRouteMap(makeMap(nowSeconds(), 3600, QStringLiteral("globex"))));
    QVERIFY(w->openMap(path(QStringLiteral("globex.map.json"))));
    QTRY_COMPARE_WITH_TIMEOUT(mapState(*w, QStringLiteral("globex")), QStringLiteral("unsigned (no key for globex in the keyring)"), kTimeoutMs);
}

QTEST_MAIN(TestConsoleMaps)
#include "tst_consolemaps.moc"
