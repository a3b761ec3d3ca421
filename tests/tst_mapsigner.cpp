// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/mapsigner.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace relayrace::map;

namespace {

const QByteArray kData = QByteArrayLiteral("{\"format\": \"relayrace-map\", \"version\": 1}\n");

// QVERIFY2 evaluates its message even when the check passes: error() of a value would throw.
template<typename T>
QByteArray why(const relayrace::Result<T> &result)
{
    return result ? QByteArray() : result.error().toUtf8();
}

} // namespace

// Keys come from the openssl CLI, as an operator makes them; signatures are checked against the CLI too.
class TestMapSigner final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QByteArray m_private;
    QByteArray m_public;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    // Runs openssl with args; returns stdout, fails the test on a non-zero exit.
    QByteArray openssl(const QStringList &args, const QByteArray &input = {})
    {
        QProcess process;
        process.start(QStringLiteral("openssl"), args);
        if (!process.waitForStarted(30000))
            return QByteArray("openssl did not start");
        process.write(input);
        process.closeWriteChannel();
        process.waitForFinished(60000);
        if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
            qWarning("openssl %s failed: %s", qPrintable(args.join(u' ')), process.readAllStandardError().constData());
        return process.readAllStandardOutput();
    }

    QByteArray makeKey(const QString &name, const QStringList &genpkeyArgs)
    {
        openssl(QStringList{QStringLiteral("genpkey")} + genpkeyArgs + QStringList{QStringLiteral("-out"), path(name)});
        QFile file(path(name));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    QByteArray publicOf(const QString &privateName, const QString &publicName)
    {
        openssl({QStringLiteral("pkey"), QStringLiteral("-in"), path(privateName), QStringLiteral("-pubout"),
                 QStringLiteral("-out"), path(publicName)});
        QFile file(path(publicName));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_private = makeKey(QStringLiteral("key.pem"), {QStringLiteral("-algorithm"), QStringLiteral("ed25519")});
        m_public = publicOf(QStringLiteral("key.pem"), QStringLiteral("pub.pem"));
        QVERIFY(m_private.contains("BEGIN PRIVATE KEY"));
        QVERIFY(m_public.contains("BEGIN PUBLIC KEY"));
    }

    void signatureIsOneBase64LineThatVerifies()
    {
        const auto signature = signDetached(m_private, kData);
        QVERIFY2(signature, why(signature));
        QVERIFY(signature->endsWith('\n'));
        QCOMPARE(signature->count('\n'), 1);
        QCOMPARE(QByteArray::fromBase64(signature->trimmed()).size(), kSignatureBytes);
        const auto valid = verifyDetached(m_public, kData, *signature);
        QVERIFY2(valid, why(valid));
    }

    void signatureEqualsOpenSslCliSignature()
    {
        // Ed25519 is deterministic: the same key and bytes give the same signature in any implementation.
        QFile data(path(QStringLiteral("data.bin")));
        QVERIFY(data.open(QIODevice::WriteOnly));
        data.write(kData);
        data.close();
        const QByteArray cli = openssl({QStringLiteral("pkeyutl"), QStringLiteral("-sign"), QStringLiteral("-rawin"),
                                        QStringLiteral("-inkey"), path(QStringLiteral("key.pem")), QStringLiteral("-in"),
                                        data.fileName()});
        QCOMPARE(cli.size(), kSignatureBytes);
        const auto ours = signDetached(m_private, kData);
        QVERIFY(ours);
        QCOMPARE(ours->trimmed(), cli.toBase64());
        QVERIFY(verifyDetached(m_public, kData, cli.toBase64()));
    }

    void anyChangedByteFailsVerification_data()
    {
        QTest::addColumn<int>("offset");
        QTest::addRow("first byte") << 0;
        QTest::addRow("middle byte") << int(kData.size() / 2);
        QTest::addRow("last byte (newline)") << int(kData.size() - 1);
    }

    void anyChangedByteFailsVerification()
    {
        QFETCH(int, offset);
        const auto signature = signDetached(m_private, kData);
        QVERIFY(signature);
        QByteArray tampered = kData;
        tampered[offset] = char(tampered.at(offset) ^ 0x01);
        const auto valid = verifyDetached(m_public, tampered, *signature);
        QVERIFY(!valid);
        QVERIFY2(valid.error().startsWith(QStringLiteral("signature: does not match")), why(valid));
    }

    void appendedOrTruncatedDataFailsVerification()
    {
        const auto signature = signDetached(m_private, kData);
        QVERIFY(signature);
        QVERIFY(!verifyDetached(m_public, kData + ' ', *signature));
        QVERIFY(!verifyDetached(m_public, kData.chopped(1), *signature));
    }

    void changedSignatureFailsVerification()
    {
        const auto signature = signDetached(m_private, kData);
        QVERIFY(signature);
        QByteArray raw = QByteArray::fromBase64(signature->trimmed());
        raw[10] = char(raw.at(10) ^ 0x80);
        const auto valid = verifyDetached(m_public, kData, raw.toBase64());
        QVERIFY(!valid);
        QVERIFY2(valid.error().startsWith(QStringLiteral("signature: does not match")), why(valid));
    }

    void anotherKeysSignatureFailsVerification()
    {
        const QByteArray other = makeKey(QStringLiteral("other.pem"), {QStringLiteral("-algorithm"), QStringLiteral("ed25519")});
        const auto signature = signDetached(other, kData);
        QVERIFY(signature);
        const auto valid = verifyDetached(m_public, kData, *signature);
        QVERIFY(!valid);
        QVERIFY(valid.error().contains(QStringLiteral("does not match")));
    }

    void wrongLengthSignatureIsRefusedWithItsLength_data()
    {
        QTest::addColumn<int>("length");
        QTest::addRow("63 bytes") << 63;
        QTest::addRow("65 bytes") << 65;
        QTest::addRow("1 byte") << 1;
        QTest::addRow("128 bytes") << 128;
    }

    void wrongLengthSignatureIsRefusedWithItsLength()
    {
        QFETCH(int, length);
        const auto valid = verifyDetached(m_public, kData, QByteArray(length, 'x').toBase64());
        QVERIFY(!valid);
        QCOMPARE(valid.error(), QStringLiteral("signature: expected 64 bytes after base64 decoding, got %1").arg(length));
    }

    void nonBase64SignatureIsRefused_data()
    {
        QTest::addColumn<QByteArray>("signature");
        QTest::addRow("punctuation") << QByteArray("a!b?c#d");
        QTest::addRow("inner space") << QByteArray(QByteArray(44, 'A') + ' ' + QByteArray(44, 'A'));
        QTest::addRow("bad padding") << QByteArray("AAA=A");
    }

    void nonBase64SignatureIsRefused()
    {
        QFETCH(QByteArray, signature);
        const auto valid = verifyDetached(m_public, kData, signature);
        QVERIFY(!valid);
        QCOMPARE(valid.error(), QStringLiteral("signature: not valid base64"));
    }

    void emptySignatureIsRefused()
    {
        const auto valid = verifyDetached(m_public, kData, "\n");
        QVERIFY(!valid);
        QCOMPARE(valid.error(), QStringLiteral("signature: empty"));
    }

    void surroundingWhitespaceOfSignatureIsIgnored()
    {
        const auto signature = signDetached(m_private, kData);
        QVERIFY(signature);
        QVERIFY(verifyDetached(m_public, kData, "  " + signature->trimmed() + "\r\n\n"));
    }

    void otherKeyTypesAreRefusedByName_data()
    {
        QTest::addColumn<QStringList>("genpkeyArgs");
        QTest::addColumn<QString>("typeName");
        QTest::addRow("RSA") << QStringList{QStringLiteral("-algorithm"), QStringLiteral("RSA"), QStringLiteral("-pkeyopt"),
                                             QStringLiteral("rsa_keygen_bits:1024")}
                             << QStringLiteral("RSA");
        QTest::addRow("EC P-256") << QStringList{QStringLiteral("-algorithm"), QStringLiteral("EC"), QStringLiteral("-pkeyopt"),
                                                  QStringLiteral("ec_paramgen_curve:P-256")}
                                  << QStringLiteral("EC");
        QTest::addRow("Ed448") << QStringList{QStringLiteral("-algorithm"), QStringLiteral("ed448")} << QStringLiteral("ED448");
    }

    void otherKeyTypesAreRefusedByName()
    {
        QFETCH(QStringList, genpkeyArgs);
        QFETCH(QString, typeName);
        const QString name = QString::fromLatin1(QTest::currentDataTag()).remove(u' ');
        const QByteArray privateKey = makeKey(name + QStringLiteral(".pem"), genpkeyArgs);
        const QByteArray publicKey = publicOf(name + QStringLiteral(".pem"), name + QStringLiteral("-pub.pem"));
        QVERIFY(!privateKey.isEmpty() && !publicKey.isEmpty());

        const auto signature = signDetached(privateKey, kData);
        QVERIFY(!signature);
        QCOMPARE(signature.error(), QStringLiteral("private key: not an Ed25519 key (%1)").arg(typeName));
        const auto valid = verifyDetached(publicKey, kData, *signDetached(m_private, kData));
        QVERIFY(!valid);
        QCOMPARE(valid.error(), QStringLiteral("public key: not an Ed25519 key (%1)").arg(typeName));
        const auto loaded = loadPublicKeyFile(path(name + QStringLiteral("-pub.pem")));
        QVERIFY(!loaded);
        QVERIFY2(loaded.error().startsWith(path(name + QStringLiteral("-pub.pem")) + QStringLiteral(": public key: not an Ed25519 key")),
                 why(loaded));
    }

    void keyMixUpsAreExplained()
    {
        const auto privateAsPublic = verifyDetached(m_private, kData, *signDetached(m_private, kData));
        QVERIFY(!privateAsPublic);
        QVERIFY2(privateAsPublic.error().contains(QStringLiteral("this is a private key")), why(privateAsPublic));
        const auto publicAsPrivate = signDetached(m_public, kData);
        QVERIFY(!publicAsPrivate);
        QVERIFY2(publicAsPrivate.error().contains(QStringLiteral("this is a public key")), why(publicAsPrivate));
        const auto garbage = verifyDetached("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n", kData,
                                            *signDetached(m_private, kData));
        QVERIFY(!garbage);
        QCOMPARE(garbage.error(), QStringLiteral("public key: not a PEM public key"));
    }

    void encryptedPrivateKeyIsRefusedWithoutPrompting()
    {
        // With OpenSSL's default callback this would block on a terminal prompt.
        const QByteArray encrypted = makeKey(QStringLiteral("encrypted.pem"),
                                             {QStringLiteral("-algorithm"), QStringLiteral("ed25519"), QStringLiteral("-aes256"),
                                              QStringLiteral("-pass"), QStringLiteral("pass:secret")});
        QVERIFY(encrypted.contains("ENCRYPTED"));
        const auto signature = signDetached(encrypted, kData);
        QVERIFY(!signature);
        QCOMPARE(signature.error(), QStringLiteral("private key: encrypted keys are not supported"));
    }

    void keyFilesLoadAndErrorsNameTheFile()
    {
        const auto privateKey = loadPrivateKeyFile(path(QStringLiteral("key.pem")));
        QVERIFY2(privateKey, why(privateKey));
        QCOMPARE(*privateKey, m_private);
        const auto publicKey = loadPublicKeyFile(path(QStringLiteral("pub.pem")));
        QVERIFY(publicKey);
        QCOMPARE(*publicKey, m_public);

        const QString missing = path(QStringLiteral("missing.pem"));
        const auto notThere = loadPublicKeyFile(missing);
        QVERIFY(!notThere);
        QVERIFY2(notThere.error().startsWith(QStringLiteral("cannot read ") + missing), why(notThere));
        const auto swapped = loadPrivateKeyFile(path(QStringLiteral("pub.pem")));
        QVERIFY(!swapped);
        QVERIFY2(swapped.error().startsWith(path(QStringLiteral("pub.pem")) + QStringLiteral(": private key:")),
                 why(swapped));
    }

    void signaturePathAppendsSig()
    {
        QCOMPARE(signaturePath(QStringLiteral("/srv/maps/acme.json")), QStringLiteral("/srv/maps/acme.json.sig"));
    }
};

QTEST_GUILESS_MAIN(TestMapSigner)
#include "tst_mapsigner.moc"
