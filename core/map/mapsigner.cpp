// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/mapsigner.h"

#include <QFile>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

namespace relayrace::map {
namespace {

struct PkeyFree
{
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree
{
    void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree
{
    void operator()(BIO *bio) const { BIO_free(bio); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

// OpenSSL keeps a per-thread error queue; a failure we report must not leave entries behind for the
// next, unrelated call (the TLS code of the same thread reads that queue too).
QString takeOpenSslError()
{
    QString text;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (text.isEmpty())
            text = QString::fromLatin1(buffer);
    }
    return text.isEmpty() ? QStringLiteral("unknown OpenSSL error") : text;
}

// Without a callback OpenSSL would prompt on the terminal for an encrypted key's passphrase.
int noPassphrase(char *, int, int, void *)
{
    return -1;
}

enum class KeyKind { Private, Public };

Result<Pkey> readKey(const QByteArray &pem, KeyKind kind)
{
    const QString what = kind == KeyKind::Private ? QStringLiteral("private key") : QStringLiteral("public key");
    if (pem.trimmed().isEmpty())
        return makeError(what + QStringLiteral(": empty"));
    if (pem.size() > kMaxKeyFileBytes)
        return makeError(what + QStringLiteral(": over %1 bytes; not a key").arg(kMaxKeyFileBytes));
    const Bio bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
    if (!bio)
        return makeError(what + QStringLiteral(": ") + takeOpenSslError());
    Pkey key(kind == KeyKind::Private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &noPassphrase, nullptr)
                                      : PEM_read_bio_PUBKEY(bio.get(), nullptr, &noPassphrase, nullptr));
    if (!key) {
        ERR_clear_error();
        if (kind == KeyKind::Public && pem.contains("PRIVATE KEY-----"))
            return makeError(QStringLiteral("public key: this is a private key; give the public one "
                                            "(openssl pkey -in KEY.pem -pubout)"));
        if (kind == KeyKind::Private && pem.contains("ENCRYPTED"))
            return makeError(QStringLiteral("private key: encrypted keys are not supported"));
        if (kind == KeyKind::Private && pem.contains("PUBLIC KEY-----"))
            return makeError(QStringLiteral("private key: this is a public key; signing needs the private one"));
        return makeError(what + QStringLiteral(": not a PEM %1").arg(what));
    }
    if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
        const char *type = EVP_PKEY_get0_type_name(key.get());
        return makeError(what + QStringLiteral(": not an Ed25519 key (%1)")
                                    .arg(type ? QString::fromLatin1(type) : QStringLiteral("unknown type")));
    }
    return key;
}

Result<QByteArray> readKeyFile(const QString &path, KeyKind kind)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const QByteArray pem = file.read(kMaxKeyFileBytes + 1);
    if (const Result<Pkey> key = readKey(pem, kind); !key)
        return makeError(path + QStringLiteral(": ") + key.error());
    return pem;
}

} // namespace

Result<QByteArray> signDetached(const QByteArray &privateKeyPem, const QByteArray &data)
{
    const Result<Pkey> key = readKey(privateKeyPem, KeyKind::Private);
    if (!key)
        return makeError(key.error());
    const MdCtx ctx(EVP_MD_CTX_new());
    QByteArray signature(kSignatureBytes, Qt::Uninitialized);
    size_t length = size_t(signature.size());
    // Ed25519 is a one-shot scheme: no digest (nullptr), the whole message at once.
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1
        || EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(signature.data()), &length,
                          reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size())) != 1) {
        return makeError(QStringLiteral("signing failed: ") + takeOpenSslError());
    }
    signature.truncate(qsizetype(length));
    return QByteArray(signature.toBase64() + '\n');
}

Result<void> verifyDetached(const QByteArray &publicKeyPem, const QByteArray &data, const QByteArray &signatureBase64)
{
    const QByteArray text = signatureBase64.trimmed();
    if (text.isEmpty())
        return makeError(QStringLiteral("signature: empty"));
    const auto decoded = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return makeError(QStringLiteral("signature: not valid base64"));
    if (decoded.decoded.size() != kSignatureBytes)
        return makeError(QStringLiteral("signature: expected %1 bytes after base64 decoding, got %2")
                             .arg(kSignatureBytes)
                             .arg(decoded.decoded.size()));
    const Result<Pkey> key = readKey(publicKeyPem, KeyKind::Public);
    if (!key)
        return makeError(key.error());
    const MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1)
        return makeError(QStringLiteral("verification failed: ") + takeOpenSslError());
    const int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(decoded.decoded.constData()),
                                    size_t(decoded.decoded.size()),
                                    reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size()));
    if (rc == 1)
        return {};
    ERR_clear_error();
    return makeError(QStringLiteral("signature: does not match (wrong key, or the data or its signature "
                                    "was changed after signing)"));
}

Result<QByteArray> loadPrivateKeyFile(const QString &path)
{
    return readKeyFile(path, KeyKind::Private);
}

Result<QByteArray> loadPublicKeyFile(const QString &path)
{
    return readKeyFile(path, KeyKind::Public);
}

QString signaturePath(const QString &mapPath)
{
    return mapPath + QStringLiteral(".sig");
}

} // namespace relayrace::map
