// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// `relayrace map sign` and `relayrace map verify`: detached Ed25519 signatures of map files.
#include "command.h"

#include "map/mapcodec.h"
#include "map/mapsigner.h"

#include <QFile>
#include <QSaveFile>

#include <cstdio>

namespace relayrace::cli {
namespace {

Result<QByteArray> readFile(const QString &path, qint64 limit)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    QByteArray bytes = file.read(limit + 1);
    if (bytes.size() > limit)
        return makeError(QStringLiteral("%1: over %2 bytes").arg(path).arg(limit));
    return bytes;
}

// One positional MAP argument and one required option; returns -1 to go on, else the exit code.
int checkUsage(const QCommandLineParser &parser, const QCommandLineOption &required, const QString &usage)
{
    if (parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("expected one MAP file (see '%1 --help')").arg(usage));
        return ExitUsage;
    }
    if (!parser.isSet(required)) {
        printError(QStringLiteral("--%1 is required (see '%2 --help')").arg(required.names().constFirst(), usage));
        return ExitUsage;
    }
    return -1;
}

int runMapSign(const QStringList &arguments)
{
    const QString usage = QStringLiteral("relayrace map sign");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Signs a map file: writes MAP.sig, the Ed25519 signature of the file's exact bytes in base64\n"
        "(written to a temporary file and renamed). The map must parse; an invalid map is not signed.\n"
        "Make a key pair with:\n"
        "  openssl genpkey -algorithm ed25519 -out KEY.pem\n"
        "  openssl pkey -in KEY.pem -pubout -out PUB.pem"));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("Ed25519 private key (PEM)."), QStringLiteral("KEY.pem"));
    parser.addOption(key);
    parser.addPositionalArgument(QStringLiteral("MAP"), QStringLiteral("The map file to sign."));
    if (const int rc = parseCommandLine(parser, arguments, usage); rc >= 0)
        return rc;
    if (const int rc = checkUsage(parser, key, usage); rc >= 0)
        return rc;
    setUpLogging(parser);

    const QString mapPath = parser.positionalArguments().constFirst();
    const Result<QByteArray> privateKey = map::loadPrivateKeyFile(parser.value(key));
    if (!privateKey) {
        printError(privateKey.error());
        return ExitFailure;
    }
    const Result<QByteArray> bytes = readFile(mapPath, map::RouteMap::kMaxBytes);
    if (!bytes) {
        printError(bytes.error());
        return ExitFailure;
    }
    if (const Result<map::RouteMap> parsed = map::parseRouteMap(*bytes); !parsed) {
        printError(QStringLiteral("%1: %2 (not signed)").arg(mapPath, parsed.error()));
        return ExitFailure;
    }
    const Result<QByteArray> signature = map::signDetached(*privateKey, *bytes);
    if (!signature) {
        printError(QStringLiteral("%1: %2").arg(parser.value(key), signature.error()));
        return ExitFailure;
    }
    QSaveFile file(map::signaturePath(mapPath));
    if (!file.open(QIODevice::WriteOnly) || file.write(*signature) != signature->size() || !file.commit()) {
        printError(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
        return ExitFailure;
    }
    std::printf("%s\n", qUtf8Printable(file.fileName()));
    return ExitOk;
}

int runMapVerify(const QStringList &arguments)
{
    const QString usage = QStringLiteral("relayrace map verify");
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Verifies a map file's detached signature (MAP.sig unless --signature is given) with an Ed25519\n"
        "public key. Exit 0 only when the signature is valid for the file's exact bytes; exit 1 with the\n"
        "reason otherwise (unreadable file, not base64, wrong length, not an Ed25519 key, no match)."));
    const QCommandLineOption pubkey(QStringLiteral("pubkey"), QStringLiteral("Ed25519 public key (PEM)."), QStringLiteral("PUB.pem"));
    const QCommandLineOption signatureOption(QStringLiteral("signature"), QStringLiteral("Signature file (default: MAP.sig)."),
                                             QStringLiteral("file"));
    parser.addOptions({pubkey, signatureOption});
    parser.addPositionalArgument(QStringLiteral("MAP"), QStringLiteral("The map file to verify."));
    if (const int rc = parseCommandLine(parser, arguments, usage); rc >= 0)
        return rc;
    if (const int rc = checkUsage(parser, pubkey, usage); rc >= 0)
        return rc;
    setUpLogging(parser);

    const QString mapPath = parser.positionalArguments().constFirst();
    const QString sigPath = parser.isSet(signatureOption) ? parser.value(signatureOption) : map::signaturePath(mapPath);
    const Result<QByteArray> publicKey = map::loadPublicKeyFile(parser.value(pubkey));
    if (!publicKey) {
        printError(publicKey.error());
        return ExitFailure;
    }
    const Result<QByteArray> bytes = readFile(mapPath, map::RouteMap::kMaxBytes);
    if (!bytes) {
        printError(bytes.error());
        return ExitFailure;
    }
    const Result<QByteArray> signature = readFile(sigPath, map::kMaxSignatureFileBytes);
    if (!signature) {
        printError(signature.error());
        return ExitFailure;
    }
    if (const Result<void> valid = map::verifyDetached(*publicKey, *bytes, *signature); !valid) {
        printError(QStringLiteral("%1: %2 (%3)").arg(mapPath, valid.error(), sigPath));
        return ExitFailure;
    }
    std::printf("%s: valid signature (%s)\n", qUtf8Printable(mapPath), qUtf8Printable(sigPath));
    return ExitOk;
}

const MapSubcommand::Registrar signRegistrar{"sign", "sign a map: write MAP.sig (Ed25519)", &runMapSign};
const MapSubcommand::Registrar verifyRegistrar{"verify", "verify a map's signature MAP.sig", &runMapVerify};

} // namespace
} // namespace relayrace::cli
