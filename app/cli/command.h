// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/relaycredentials.h"
#include "util/result.h"

#include <QCommandLineParser>
#include <QSslCertificate>
#include <QStringList>

namespace relayrace::map {
struct RouteMap;
}

namespace relayrace::cli {

// Exit codes every command keeps: 0 success, 1 failure of the work, 2 bad usage.
enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitUsage = 2 };

struct Command
{
    const char *name;
    const char *summary;
    int (*run)(const QStringList &arguments); // arguments[0] is "relayrace <name>"
};

// Every command of the CLI, in help order.
const QList<Command> &commands();

// Parses a command's arguments with its own --help and the shared --log-level. Returns -1 when the
// command should go on, else the exit code to return (help shown: 0, bad usage: 2 with a message).
int parseCommandLine(QCommandLineParser &parser, const QStringList &arguments, const QString &usage);

// Applies --log-level (already validated by parseCommandLine) and sets up logging once.
void setUpLogging(const QCommandLineParser &parser);

// Prints "relayrace: <message>" on stderr.
void printError(const QString &message);
// Rows as columns padded to their widest cell (the last column is not), one line per row, each
// starting with indent; a row of empty cells gives no line.
QString textTable(const QList<QStringList> &rows, const QString &indent = {});

int runLab(const QStringList &arguments);
int runDemo(const QStringList &arguments);
int runMap(const QStringList &arguments);
int runLog(const QStringList &arguments);
int runRace(const QStringList &arguments);
int runFetch(const QStringList &arguments);
int runEdge(const QStringList &arguments);
int runStatus(const QStringList &arguments);

// For commands that take a map and a request target: URL|PATH as a path (and query) on the map's
// origin (a URL elsewhere is an error), and a --ca-file's certificates (empty path: none).
Result<QString> targetPath(const map::RouteMap &map, const QString &target);
Result<QList<QSslCertificate>> readCaFile(const QString &path);
// The map a command runs on: --map FILE, or --map-dns NAME [--map-key PEM] [--nameserver IP].
struct MapOptions
{
    QCommandLineOption file;
    QCommandLineOption dns;
    QCommandLineOption key;
    QCommandLineOption nameserver;
    QList<QCommandLineOption> all() const;
    bool given(const QCommandLineParser &parser) const; // exactly one of --map and --map-dns
};
MapOptions mapOptions();
// Reads the file or fetches by name (verified with --map-key; unsigned without it, with a warning).
Result<map::RouteMap> loadMap(const QCommandLineParser &parser, const MapOptions &options);

// --relay-credentials FILE (docs/relay-credentials.md), for every command that goes through relays;
// an empty path: no credentials.
QCommandLineOption relayCredentialsOption();
Result<RelayCredentialMap> readRelayCredentials(const QString &path);

// `relayrace map <subcommand>`: each subcommand's file registers itself with a static
//   const MapSubcommand::Registrar registrar{"sign", "sign a map (Ed25519)", &runMapSign};
struct MapSubcommand
{
    const char *name;
    const char *summary;
    int (*run)(const QStringList &arguments); // arguments[0] is "relayrace map <name>"

    struct Registrar
    {
        Registrar(const char *name, const char *summary, int (*run)(const QStringList &));
    };
    static QList<MapSubcommand> &all(); // sorted by name
};

} // namespace relayrace::cli
