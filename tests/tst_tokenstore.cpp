// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Where the console keeps an attached edge's admin token (ui::TokenStore): in a file of its own,
// readable by its owner only, where no keychain service runs (as here: no D-Bus session), and read
// back for the same edge only.
#include "ui/fleet/tokenstore.h"

#include <QFile>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace relayrace;

class TestTokenStore final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // The config folder a temporary one: no token of this test lands in a real one.
    void initTestCase() { QVERIFY(m_config.isValid()); qputenv("XDG_CONFIG_HOME", m_config.path().toLocal8Bit()); }
    void fileIsTheOwnersOnlyAndPerEdge();
    void keychainOrItsFallback();

private:
    QTemporaryDir m_config;
};

void TestTokenStore::fileIsTheOwnersOnlyAndPerEdge()
{
    ui::TokenStore store;
    store.setKeychainEnabled(false);
    const QUrl edge(QStringLiteral("http://10.0.0.5:9901/"));
    QSignalSpy stored(&store, &ui::TokenStore::stored);
    store.store(edge, "the-token-of-edge-five-0123456789");
    QCOMPARE(stored.size(), 1);
    QCOMPARE(stored.first().at(2).toString(), QString());
    const QString path = stored.first().at(1).toString();
    QCOMPARE(path, ui::TokenStore::fallbackPath(edge));
    QVERIFY2(path.startsWith(m_config.path()), qPrintable(path));
    const QFile::Permissions others = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;
    QCOMPARE(QFile::permissions(path) & others, QFile::Permissions{}); // 0600: nobody but the owner
    QVERIFY(QFile::permissions(path) & QFile::ReadOwner);

    QSignalSpy loaded(&store, &ui::TokenStore::loaded);
    store.load(QUrl(QStringLiteral("http://10.0.0.5:9901"))); // the same edge, without the slash
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(loaded.first().at(1).toByteArray(), QByteArray("the-token-of-edge-five-0123456789"));
    store.load(QUrl(QStringLiteral("http://10.0.0.6:9901")));
    QCOMPARE(loaded.size(), 2);
    QVERIFY(loaded.last().at(1).toByteArray().isEmpty()); // another edge: none kept
}

void TestTokenStore::keychainOrItsFallback()
{
    // With the keychain asked: where a keychain service answers it keeps the token; where none runs
    // the file does. Either way the same token comes back.
    ui::TokenStore store;
    const QUrl edge(QStringLiteral("https://edge-7.example:9901"));
    QSignalSpy stored(&store, &ui::TokenStore::stored);
    store.store(edge, "the-token-of-edge-seven-012345678");
    QVERIFY(stored.wait(30'000) || !stored.isEmpty());
    QCOMPARE(stored.first().at(2).toString(), QString());
    const QString where = stored.first().at(1).toString();
    QVERIFY2(where == u"keychain" || where == ui::TokenStore::fallbackPath(edge), qPrintable(where));
    QSignalSpy loaded(&store, &ui::TokenStore::loaded);
    store.load(edge);
    QVERIFY(loaded.wait(30'000) || !loaded.isEmpty());
    QCOMPARE(loaded.first().at(1).toByteArray(), QByteArray("the-token-of-edge-seven-012345678"));
    qInfo("the token went to: %s", qPrintable(where));
}

QTEST_MAIN(TestTokenStore)
#include "tst_tokenstore.moc"
