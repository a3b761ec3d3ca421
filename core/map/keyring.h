// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "map/routemap.h"
#include "util/result.h"

#include <QByteArray>
#include <QString>

namespace relayrace::map {

// The operator's trusted keys: a folder holding one Ed25519 public key per provider, named
// "<provider>.pem" (docs/map-fetch.md#the-keyring). Read when asked, so a key added to the folder
// counts from the next map opened.
class Keyring final
{
public:
    explicit Keyring(QString folder = QString()) : m_folder(std::move(folder)) {}

    QString folder() const { return m_folder; }
    QString keyPath(const QString &provider) const; // "<folder>/<provider>.pem"
    // The provider's key; an empty value when the keyring has none for it; an error when the file is
    // there but is no Ed25519 public key (named).
    Result<QByteArray> keyFor(const QString &provider) const;

private:
    QString m_folder;
};

// A map file's bytes against its "<path>.sig" under a key: named errors when the signature file is
// missing or does not verify ("<path>.sig: cannot read it", "signature: does not match ...").
Result<void> verifyMapFileSignature(const QString &path, const QByteArray &bytes, const QByteArray &publicKeyPem);

// How a map file stands against the keyring: its trust text for the engine ("valid", "unsigned (no
// key for acme in the keyring)", ...), or an error when a key is there and the file's "<path>.sig" is
// missing or does not verify (the map is then refused, not loaded unsigned).
Result<QString> checkMapFile(const Keyring &keyring, const QString &path, const QByteArray &bytes, const RouteMap &map);

} // namespace relayrace::map
