// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "labca.h"

#include <QSaveFile>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace relayrace::lab {
namespace {

template<auto Free>
struct Deleter
{
    template<typename T>
    void operator()(T *p) const { Free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;
using Name = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using Ext = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

constexpr long kOneHour = 60L * 60;
constexpr long kTwoDays = 2 * 24 * kOneHour;

// The OpenSSL error queue's latest entry, prefixed with what we were doing.
Error sslError(const char *what)
{
    char buffer[256] = {};
    ERR_error_string_n(ERR_get_error(), buffer, sizeof buffer);
    ERR_clear_error();
    return makeError(QStringLiteral("lab CA: %1 failed: %2")
                         .arg(QLatin1StringView(what), QString::fromLatin1(buffer)));
}

PKey newEcKey()
{
    return PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

Name makeName(const QString &organization, const char *commonName)
{
    Name name(X509_NAME_new());
    if (!name)
        return name;
    const QByteArray org = organization.toUtf8();
    X509_NAME_add_entry_by_txt(name.get(), "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(org.constData()), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(commonName), -1, -1, 0);
    return name;
}

bool addExtension(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    const Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A certificate with a random serial, our validity window and the given names and key; the caller
// adds extensions and signs.
Cert newCertificate(const X509_NAME *subject, const X509_NAME *issuer, EVP_PKEY *publicKey)
{
    Cert cert(X509_new());
    Bignum serial(BN_new());
    if (!cert || !serial || X509_set_version(cert.get(), X509_VERSION_3) != 1
        || BN_rand(serial.get(), 120, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1
        || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))
        || !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kOneHour)
        || !X509_gmtime_adj(X509_getm_notAfter(cert.get()), kTwoDays)
        || X509_set_subject_name(cert.get(), subject) != 1
        || X509_set_issuer_name(cert.get(), issuer) != 1
        || X509_set_pubkey(cert.get(), publicKey) != 1)
        return nullptr;
    return cert;
}

QByteArray toPem(X509 *cert)
{
    const Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        return {};
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, static_cast<qsizetype>(length));
}

QByteArray toPem(EVP_PKEY *key)
{
    const Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, static_cast<qsizetype>(length));
}

} // namespace

Result<LabCa> LabCa::generate(const QString &organization)
{
    const PKey caKey = newEcKey();
    const PKey serverKey = newEcKey();
    if (!caKey || !serverKey)
        return sslError("EC P-256 key generation");

    const Name caName = makeName(organization, "relayrace lab CA");
    const Name serverName = makeName(organization, "localhost");
    if (!caName || !serverName)
        return sslError("building certificate names");

    const Cert ca = newCertificate(caName.get(), caName.get(), caKey.get());
    if (!ca)
        return sslError("creating the CA certificate");
    if (!addExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
        || !addExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign")
        || !addExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash")
        || !addExtension(ca.get(), ca.get(), NID_authority_key_identifier, "keyid:always"))
        return sslError("adding the CA certificate's extensions");
    if (X509_sign(ca.get(), caKey.get(), EVP_sha256()) == 0)
        return sslError("signing the CA certificate");

    const Cert server = newCertificate(serverName.get(), caName.get(), serverKey.get());
    if (!server)
        return sslError("creating the server certificate");
    if (!addExtension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE")
        || !addExtension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature")
        || !addExtension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth")
        || !addExtension(server.get(), ca.get(), NID_subject_alt_name,
                         "DNS:localhost,IP:127.0.0.1")
        || !addExtension(server.get(), ca.get(), NID_subject_key_identifier, "hash")
        || !addExtension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always"))
        return sslError("adding the server certificate's extensions");
    if (X509_sign(server.get(), caKey.get(), EVP_sha256()) == 0)
        return sslError("signing the server certificate");

    LabCa result;
    result.m_caCertificate = QSslCertificate(toPem(ca.get()), QSsl::Pem);
    result.m_serverCertificate = QSslCertificate(toPem(server.get()), QSsl::Pem);
    result.m_serverKey = QSslKey(toPem(serverKey.get()), QSsl::Ec, QSsl::Pem);
    if (result.m_caCertificate.isNull() || result.m_serverCertificate.isNull()
        || result.m_serverKey.isNull())
        return makeError(QStringLiteral("lab CA: Qt could not load the generated certificates "
                                        "(is Qt's OpenSSL TLS backend available?)"));
    return result;
}

Result<void> LabCa::writeCaPem(const QString &path) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(QStringLiteral("cannot write the lab CA to %1: %2")
                             .arg(path, file.errorString()));
    file.write(caPem());
    if (!file.commit())
        return makeError(QStringLiteral("cannot write the lab CA to %1: %2")
                             .arg(path, file.errorString()));
    return {};
}

} // namespace relayrace::lab
