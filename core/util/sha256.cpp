// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "util/sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace relayrace {

struct Sha256::Private
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool started = false;
    void start()
    {
        EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
        started = true;
    }
};

Sha256::Sha256() : d(new Private)
{
    d->start();
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(d->ctx);
    delete d;
}

void Sha256::addData(QByteArrayView data)
{
    if (!d->started)
        d->start();
    EVP_DigestUpdate(d->ctx, data.data(), size_t(data.size()));
}

QByteArray Sha256::resultHex()
{
    if (!d->started)
        d->start();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(d->ctx, digest, &length);
    d->started = false;
    return QByteArray(reinterpret_cast<const char *>(digest), int(length)).toHex();
}

bool secretsEqual(QByteArrayView a, QByteArrayView b)
{
    Sha256 ha, hb;
    ha.addData(a);
    hb.addData(b);
    const QByteArray da = ha.resultHex(), db = hb.resultHex();
    return da.size() == db.size() && CRYPTO_memcmp(da.constData(), db.constData(), size_t(da.size())) == 0;
}

} // namespace relayrace
