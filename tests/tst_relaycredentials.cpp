// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The relay credentials file: its lines, its refusals (named by line, never echoing a password) and
// its permissions (a file others may read is refused, as ssh refuses a key file).
#include "util/relaycredentials.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace relayrace;
using namespace Qt::StringLiterals;

class TestRelayCredentials final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void linesAreReadPerRelay();
    void badLinesAreNamedWithoutThePassword_data();
    void badLinesAreNamedWithoutThePassword();
    void aFileOthersMayReadIsRefused();
};

void TestRelayCredentials::linesAreReadPerRelay()
{
    const auto parsed = parseRelayCredentials("# relays of edge-sin\n\n  Relay.Example:3128 edge-sin:pa ss:word  \n"
                                              "[::1]:8888 u:p\n203.0.113.10:3128 bob:\n");
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error()));
    QCOMPARE(parsed->size(), 3);
    // The key is what a map's relay URL gives: host in lower case, port always written.
    const RelayCredentials named = parsed->value(relayCredentialsKey(QUrl(u"http://relay.example:3128"_s)));
    QCOMPARE(named.user, u"edge-sin"_s);
    QCOMPARE(named.password, u"pa ss:word"_s); // the rest of the line, colons and spaces kept
    QCOMPARE(parsed->value(relayCredentialsKey(QUrl(u"http://[::1]:8888"_s))).user, u"u"_s);
    QCOMPARE(parsed->value(u"203.0.113.10:3128"_s).password, QString());
    QCOMPARE(relayCredentialsKey(QUrl(u"http://relay.example"_s)), u"relay.example:80"_s);
    QCOMPARE(RelayCredentials({u"Aladdin"_s, u"open sesame"_s}).basicAuthorization(), QByteArray("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
}

void TestRelayCredentials::badLinesAreNamedWithoutThePassword_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("no credentials") << QByteArray("relay:3128\n") << u"line 1: expected '<host>:<port> <user>:<password>'"_s;
    QTest::newRow("no port") << QByteArray("# x\nrelay topsecret:pw\n") << u"line 2: expected '<host>:<port> <user>:<password>'"_s;
    QTest::newRow("a URL") << QByteArray("http://relay:3128 u:topsecret\n") << u"line 1: expected '<host>:<port> <user>:<password>'"_s;
    QTest::newRow("no user") << QByteArray("relay:3128 :topsecret\n") << u"line 1: expected <user>:<password> after the relay relay:3128"_s;
    QTest::newRow("no colon") << QByteArray("relay:3128 topsecret\n") << u"line 1: expected <user>:<password> after the relay relay:3128"_s;
    QTest::newRow("twice") << QByteArray("relay:3128 a:b\nRELAY:3128 c:topsecret\n") << u"line 2: relay relay:3128 is listed twice"_s;
}

void TestRelayCredentials::badLinesAreNamedWithoutThePassword()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, error);
    const auto parsed = parseRelayCredentials(text);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error(), error);
    QVERIFY(!parsed.error().contains(u"topsecret"_s));
}

void TestRelayCredentials::aFileOthersMayReadIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"relays"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("relay:3128 u:p\n");
    file.close();
    QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
    auto loaded = loadRelayCredentials(path);
    QVERIFY(!loaded.ok());
    QCOMPARE(loaded.error(), u"relay credentials %1: readable or writable by others; chmod 600 it"_s.arg(path));
    QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
    loaded = loadRelayCredentials(path);
    QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error()));
    QCOMPARE(loaded->value(u"relay:3128"_s).user, u"u"_s);
    loaded = loadRelayCredentials(dir.filePath(u"missing"_s));
    QVERIFY(!loaded.ok());
    QVERIFY2(loaded.error().startsWith(u"relay credentials %1: "_s.arg(dir.filePath(u"missing"_s))), qPrintable(loaded.error()));
}

QTEST_GUILESS_MAIN(TestRelayCredentials)
#include "tst_relaycredentials.moc"
