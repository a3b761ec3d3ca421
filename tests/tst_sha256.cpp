// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// util::Sha256 (OpenSSL) gives what FIPS 180-4's test vectors and Qt's own SHA-256 give, fed whole or
// in pieces, and starts over after a result.
#include "util/sha256.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTest>

using namespace relayrace;

class TestSha256 final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void knownVectors();
    void piecesEqualWholeAndQt();
    void secretsEqualOnlyWhenEqual();
};

void TestSha256::knownVectors()
{
    Sha256 h;
    QCOMPARE(h.resultHex(), QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")); // ""
    h.addData("abc");
    QCOMPARE(h.resultHex(), QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    h.addData("abc"); // starts over after a result
    QCOMPARE(h.resultHex(), QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

void TestSha256::piecesEqualWholeAndQt()
{
    QByteArray data(3 * 1024 * 1024 + 17, Qt::Uninitialized);
    QRandomGenerator rng(20261204);
    for (qsizetype i = 0; i < data.size(); ++i)
        data[i] = char(rng.bounded(256));
    Sha256 pieces;
    for (qsizetype at = 0, step = 1; at < data.size(); at += step, step = step * 3 % 70'001 + 1)
        pieces.addData(QByteArrayView(data.constData() + at, std::min(step, data.size() - at)));
    QCOMPARE(pieces.resultHex(), QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

void TestSha256::secretsEqualOnlyWhenEqual()
{
    QVERIFY(relayrace::secretsEqual("token-0123456789", "token-0123456789"));
    QVERIFY(!relayrace::secretsEqual("token-0123456789", "token-0123456788"));
    QVERIFY(!relayrace::secretsEqual("token-0123456789", "token-012345678"));   // a prefix
    QVERIFY(!relayrace::secretsEqual("token-0123456789", "token-01234567890")); // longer
    QVERIFY(!relayrace::secretsEqual("token-0123456789", ""));
    QVERIFY(relayrace::secretsEqual("", ""));
}

QTEST_GUILESS_MAIN(TestSha256)
#include "tst_sha256.moc"
