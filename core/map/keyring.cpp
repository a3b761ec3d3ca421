// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/keyring.h"

#include "map/mapsigner.h"

#include <QDir>
#include <QFile>

namespace relayrace::map {

QString Keyring::keyPath(const QString &provider) const
{
    return QDir(m_folder).filePath(provider + QStringLiteral(".pem"));
}

Result<QByteArray> Keyring::keyFor(const QString &provider) const
{
    if (m_folder.isEmpty() || provider.isEmpty() || !QFile::exists(keyPath(provider)))
        return QByteArray();
    return loadPublicKeyFile(keyPath(provider));
}

Result<void> verifyMapFileSignature(const QString &path, const QByteArray &bytes, const QByteArray &publicKeyPem)
{
    QFile sig(signaturePath(path));
    if (!sig.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("%1: cannot read it (%2)").arg(sig.fileName(), sig.errorString()));
    return verifyDetached(publicKeyPem, bytes, sig.read(kMaxSignatureFileBytes + 1));
}

Result<QString> checkMapFile(const Keyring &keyring, const QString &path, const QByteArray &bytes, const RouteMap &map)
{
    const Result<QByteArray> key = keyring.keyFor(map.provider);
    if (!key)
        return makeError(QStringLiteral("keyring: %1").arg(key.error()));
    if (key->isEmpty())
        return keyring.folder().isEmpty() ? QStringLiteral("unsigned (no keyring)")
                                          : QStringLiteral("unsigned (no key for %1 in the keyring)").arg(map.provider);
    QFile sig(signaturePath(path));
    if (!sig.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("%1: the keyring holds a key for %2, but there is no signature (%3)")
                             .arg(path, map.provider, sig.fileName()));
    const Result<void> valid = verifyDetached(*key, bytes, sig.read(kMaxSignatureFileBytes + 1));
    if (!valid)
        return makeError(QStringLiteral("%1: refused: %2 (key %3)").arg(path, valid.error(), keyring.keyPath(map.provider)));
    return QStringLiteral("valid");
}

} // namespace relayrace::map
