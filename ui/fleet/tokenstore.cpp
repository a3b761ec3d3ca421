// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "tokenstore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

#include <qt6keychain/keychain.h>

namespace relayrace::ui {

namespace {

const QString kService = QStringLiteral("relayrace-console");

// One key per edge however its URL was typed: no user info, query, fragment or trailing slash
// ("http://10.0.0.5:9901/" and "http://10.0.0.5:9901" are one edge).
QString keyOf(const QUrl &edge)
{
    QString path = edge.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    return edge.scheme() + QStringLiteral("://") + edge.host() + u':' + QString::number(edge.port(edge.scheme() == u"https" ? 443 : 80)) + path;
}

} // namespace

TokenStore::TokenStore(QObject *parent) : QObject(parent) {}

QString TokenStore::fallbackPath(const QUrl &edge)
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/edge-tokens");
    return dir + u'/' + QString::fromLatin1(QCryptographicHash::hash(keyOf(edge).toUtf8(), QCryptographicHash::Sha256).toHex().left(32)) + QStringLiteral(".token");
}

void TokenStore::store(const QUrl &edge, const QByteArray &token)
{
    if (!m_keychain)
        return storeInFile(edge, token, QString());
    auto *job = new QKeychain::WritePasswordJob(kService, this);
    job->setKey(keyOf(edge));
    job->setBinaryData(token);
    connect(job, &QKeychain::Job::finished, this, [this, edge, token](QKeychain::Job *done) {
        if (done->error() == QKeychain::NoError) {
            Q_EMIT stored(edge, QStringLiteral("keychain"), QString());
            return;
        }
        storeInFile(edge, token, done->errorString());
    });
    job->start();
}

void TokenStore::storeInFile(const QUrl &edge, const QByteArray &token, const QString &keychainError)
{
    const QString path = fallbackPath(edge);
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir)) {
        Q_EMIT stored(edge, path, tr("cannot create %1").arg(dir));
        return;
    }
    QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QSaveFile file(path);
    // Owner-only before a byte of the token is written (QSaveFile writes a new file, then renames it).
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFile::ReadOwner | QFile::WriteOwner) ||
        file.write(token) != token.size() || !file.commit()) {
        Q_EMIT stored(edge, path, file.errorString());
        return;
    }
    Q_UNUSED(keychainError) // no keychain service: the file is the documented place
    Q_EMIT stored(edge, path, QString());
}

void TokenStore::load(const QUrl &edge)
{
    if (!m_keychain)
        return loadFromFile(edge);
    auto *job = new QKeychain::ReadPasswordJob(kService, this);
    job->setKey(keyOf(edge));
    connect(job, &QKeychain::Job::finished, this, [this, edge](QKeychain::Job *done) {
        const auto *read = static_cast<QKeychain::ReadPasswordJob *>(done);
        if (done->error() == QKeychain::NoError && !read->binaryData().isEmpty()) {
            Q_EMIT loaded(edge, read->binaryData(), QStringLiteral("keychain"));
            return;
        }
        loadFromFile(edge);
    });
    job->start();
}

void TokenStore::loadFromFile(const QUrl &edge)
{
    const QString path = fallbackPath(edge);
    QFile file(path);
    QByteArray token;
    if (file.open(QIODevice::ReadOnly))
        token = file.read(4096).trimmed();
    Q_EMIT loaded(edge, token, path);
}

} // namespace relayrace::ui
