// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "util/relaycredentials.h"

#include <QFile>
#include <QFileInfo>

namespace relayrace {

QByteArray RelayCredentials::basicAuthorization() const
{
    return "Basic " + (user + u':' + password).toUtf8().toBase64();
}

QString relayCredentialsKey(const QUrl &relay)
{
    const QString host = relay.host().toLower();
    return (host.contains(u':') ? u'[' + host + u']' : host) + u':' + QString::number(relay.port(80));
}

Result<RelayCredentialMap> parseRelayCredentials(const QByteArray &text)
{
    RelayCredentialMap out;
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = QString::fromUtf8(lines.at(i)).trimmed();
        const int number = int(i + 1);
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const qsizetype space = line.indexOf(u' ');
        const QString relay = line.left(space).trimmed();
        const QString secret = space < 0 ? QString() : line.mid(space + 1).trimmed();
        const QUrl url(QStringLiteral("http://") + relay);
        if (space < 0 || !url.isValid() || url.host().isEmpty() || url.port() <= 0 || !url.path().isEmpty() || !url.userInfo().isEmpty())
            return makeError(QStringLiteral("line %1: expected '<host>:<port> <user>:<password>'").arg(number));
        const qsizetype colon = secret.indexOf(u':');
        if (colon <= 0)
            return makeError(QStringLiteral("line %1: expected <user>:<password> after the relay %2").arg(number).arg(relay));
        const QString key = relayCredentialsKey(url);
        if (out.contains(key))
            return makeError(QStringLiteral("line %1: relay %2 is listed twice").arg(number).arg(key));
        out.insert(key, RelayCredentials{secret.left(colon), secret.mid(colon + 1)});
    }
    return out;
}

Result<RelayCredentialMap> loadRelayCredentials(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("relay credentials %1: %2").arg(path, file.errorString()));
    const QFileDevice::Permissions others = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther | QFileDevice::WriteOther;
    if (file.permissions() & others)
        return makeError(QStringLiteral("relay credentials %1: readable or writable by others; chmod 600 it").arg(path));
    auto parsed = parseRelayCredentials(file.read(1024 * 1024));
    if (!parsed)
        return makeError(QStringLiteral("relay credentials %1: %2").arg(path, parsed.error()));
    return parsed;
}

} // namespace relayrace
