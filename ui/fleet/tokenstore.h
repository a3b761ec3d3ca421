// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QUrl>

namespace relayrace::ui {

// Where the console keeps the admin tokens of the edges it attaches to: the desktop's keychain
// (QtKeychain: the Secret Service, KWallet), or, where no keychain service runs, a file of its own
// per edge, readable by its owner only (0600), under the console's config folder. Both ways are
// asynchronous: the GUI thread never waits for a keychain.
class TokenStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TokenStore)
public:
    explicit TokenStore(QObject *parent = nullptr);

    // Keeps the token for this edge; stored() follows.
    void store(const QUrl &edge, const QByteArray &token);
    // Looks the token up; loaded() follows (an empty token when none is kept).
    void load(const QUrl &edge);

    // The file a token is kept in when no keychain service runs (its folder is created 0700).
    static QString fallbackPath(const QUrl &edge);
    // Tests: never ask a keychain, only the file.
    void setKeychainEnabled(bool enabled) { m_keychain = enabled; }

Q_SIGNALS:
    // where: "keychain" or the file's path; error empty on success.
    void stored(const QUrl &edge, const QString &where, const QString &error);
    void loaded(const QUrl &edge, const QByteArray &token, const QString &where);

private:
    void storeInFile(const QUrl &edge, const QByteArray &token, const QString &keychainError);
    void loadFromFile(const QUrl &edge);

    bool m_keychain = true;
};

} // namespace relayrace::ui
