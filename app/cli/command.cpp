// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "command.h"

#include "log/logging.h"

#include <algorithm>
#include <cstdio>

namespace relayrace::cli {
namespace {
const QString kLogLevel = QStringLiteral("log-level");
}

const QList<Command> &commands()
{
    static const QList<Command> list = {
        {"demo", "run the demo lab headless, race each provider, print a report", &runDemo},
        {"edge", "serve HTTP clients through the engine (a reverse proxy)", &runEdge},
        {"fetch", "fetch one object over the map's routes, failing over and resuming mid-body", &runFetch},
        {"lab", "run a lab (origin, relays, impaired links) on 127.0.0.1 until interrupted", &runLab},
        {"log", "show failover events from the history", &runLog},
        {"map", "make, sign, verify, fetch, show and export route maps", &runMap},
        {"race", "race one request over the direct route and the map's alternates", &runRace},
        {"status", "show a running edge's providers, routes and counters (its admin API)", &runStatus},
    };
    return list;
}

QString textTable(const QList<QStringList> &rows, const QString &indent)
{
    QList<qsizetype> widths;
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i) {
            if (widths.size() <= i)
                widths.append(0);
            widths[i] = std::max(widths[i], row.at(i).size());
        }
    }
    QString out;
    for (const QStringList &row : rows) {
        QString line = indent;
        for (qsizetype i = 0; i < row.size(); ++i)
            line += i + 1 < row.size() ? row.at(i).leftJustified(widths.at(i) + 2) : row.at(i);
        out += line.trimmed().isEmpty() ? QString() : line + u'\n'; // a row of empty cells: no line
    }
    return out;
}

void printError(const QString &message)
{
    std::fprintf(stderr, "relayrace: %s\n", qUtf8Printable(message));
}

int parseCommandLine(QCommandLineParser &parser, const QStringList &arguments, const QString &usage)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help and exit."));
    parser.addOption(help);
    parser.addOption({kLogLevel,
                      QStringLiteral("Console log level: trace, debug, info, warn, error, off (default warn)."),
                      QStringLiteral("level"), QStringLiteral("warn")});
    if (!parser.parse(arguments)) {
        printError(parser.errorText() + QStringLiteral(" (see '%1 --help')").arg(usage));
        return ExitUsage;
    }
    if (parser.isSet(help)) {
        // QCommandLineParser names the binary's path; a command's help names the command.
        QString text = parser.helpText();
        const qsizetype start = text.indexOf(QStringLiteral("Usage: "));
        if (start >= 0) {
            const qsizetype from = start + 7;
            const qsizetype end = text.indexOf(u' ', from);
            text.replace(from, end - from, usage);
        }
        std::fputs(qUtf8Printable(text), stdout);
        return ExitOk;
    }
    if (!log::parseLevel(parser.value(kLogLevel).toStdString())) {
        printError(QStringLiteral("unknown log level '%1' (trace, debug, info, warn, error, off)")
                       .arg(parser.value(kLogLevel)));
        return ExitUsage;
    }
    return -1;
}

void setUpLogging(const QCommandLineParser &parser)
{
    log::Options options;
    options.consoleLevel = *log::parseLevel(parser.value(kLogLevel).toStdString());
    log::init(options);
}

} // namespace relayrace::cli
