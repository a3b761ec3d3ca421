// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QHash>
#include <QString>
#include <QUrl>

namespace relayrace {

// What a relay that wants proxy authentication (Basic, as squid and tinyproxy offer) is given. Kept
// in a secrets file of the operator's, never in a map: maps are public and signed, credentials are not.
struct RelayCredentials
{
    QString user;
    QString password;

    bool isEmpty() const { return user.isEmpty(); }
    QByteArray basicAuthorization() const; // "Basic <base64(user:password)>"
    bool operator==(const RelayCredentials &) const = default;
};

// Credentials per relay, keyed by relayCredentialsKey(): "host:port", the host in lower case.
using RelayCredentialMap = QHash<QString, RelayCredentials>;
QString relayCredentialsKey(const QUrl &relay);

// Reads a relay credentials file (docs/relay-credentials.md): one relay per line,
//   <host>:<port> <user>:<password>
// ('#' starts a comment line; an IPv6 host in brackets; the password is the rest of the line). A
// file others may read (group or world permission bits) is refused, as ssh refuses a key file; so
// is a line that does not parse, named by its number. Never echoes a password in an error.
Result<RelayCredentialMap> loadRelayCredentials(const QString &path);
Result<RelayCredentialMap> parseRelayCredentials(const QByteArray &text);

} // namespace relayrace
