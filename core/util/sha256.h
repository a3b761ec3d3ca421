// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace relayrace {

// SHA-256 over a stream of bytes through OpenSSL's EVP interface. QCryptographicHash's own SHA-256
// ran at 160 MiB/s on the CI kind of machine, OpenSSL's (SHA extensions) at about 1,600 MB/s
// (`openssl speed -evp sha256`): every body the engine delivers is hashed, and at 160 MiB/s the hash
// alone capped the edge's large-object throughput (docs/benchmarks.md).
class Sha256 final
{
    Q_DISABLE_COPY_MOVE(Sha256)
public:
    Sha256();
    ~Sha256();

    void addData(QByteArrayView data);
    // Lower-case hex of the digest; ends the hash (a later addData starts over).
    QByteArray resultHex();

private:
    struct Private;
    Private *d;
};

// Whether two secrets are equal, in time that depends on neither their contents nor their lengths: the
// SHA-256 digests of both are compared with OpenSSL's CRYPTO_memcmp (the admin API's bearer token).
bool secretsEqual(QByteArrayView a, QByteArrayView b);

} // namespace relayrace
