// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QByteArray>
#include <QString>

namespace relayrace::map {

// Detached Ed25519 signatures of route maps (OpenSSL 3 EVP). Keys are PEM files as made by
//   openssl genpkey -algorithm ed25519 -out KEY.pem && openssl pkey -in KEY.pem -pubout -out PUB.pem
// A signature covers the file's exact bytes (no canonicalisation: what was signed is what is read),
// and is stored as one line of base64 in "<map>.sig".

inline constexpr int kSignatureBytes = 64;
inline constexpr qint64 kMaxKeyFileBytes = 64 * 1024;
inline constexpr qint64 kMaxSignatureFileBytes = 4 * 1024;

// The signature of data: base64 of the 64 signature bytes plus a newline (the .sig file's content).
// Errors: "private key: ..." (not PEM, encrypted, not Ed25519).
Result<QByteArray> signDetached(const QByteArray &privateKeyPem, const QByteArray &data);

// ok() only when the signature is valid for data under the key; the value is then true. Surrounding
// whitespace of the signature is ignored. Each failure has its own message:
//   "signature: not valid base64", "signature: expected 64 bytes after base64 decoding, got N",
//   "public key: not an Ed25519 key (RSA)", "signature: does not match ...".
Result<void> verifyDetached(const QByteArray &publicKeyPem, const QByteArray &data,
                            const QByteArray &signatureBase64);

// Read a key file and check that it holds an Ed25519 key of the right kind; errors name the file
// ("keys/pub.pem: public key: not an Ed25519 key (RSA)"). The value is the file's PEM bytes.
Result<QByteArray> loadPrivateKeyFile(const QString &path);
Result<QByteArray> loadPublicKeyFile(const QString &path);

// "<mapPath>.sig"
QString signaturePath(const QString &mapPath);

} // namespace relayrace::map
