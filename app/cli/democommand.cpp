// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "command.h"

#include "demo/headlessdemo.h"
#include "util/signalwatcher.h"

#include <QCoreApplication>

namespace relayrace::cli {

int runDemo(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs the console's demo headless: starts the demo lab on 127.0.0.1 and, for each provider,\n"
        "fetches its test object over the direct route and through every region at once, printing\n"
        "what each route took. Ctrl-C stops it early (exit 0)."));
    const QCommandLineOption rounds(QStringLiteral("rounds"), QStringLiteral("Rounds per provider (default 3)."),
                                    QStringLiteral("n"), QStringLiteral("3"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print one JSON document on stdout."));
    parser.addOptions({rounds, json});
    if (const int rc = parseCommandLine(parser, arguments, QStringLiteral("relayrace demo")); rc >= 0)
        return rc;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("demo takes no arguments (see 'relayrace demo --help')"));
        return ExitUsage;
    }
    bool ok = false;
    const int roundCount = parser.value(rounds).toInt(&ok);
    if (!ok || roundCount < 1 || roundCount > 1000) {
        printError(QStringLiteral("--rounds: expected a number from 1 to 1000, got '%1'").arg(parser.value(rounds)));
        return ExitUsage;
    }
    setUpLogging(parser);

    demo::HeadlessDemo demo({roundCount, parser.isSet(json), stdout});
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::interrupted, &demo, &demo::HeadlessDemo::interrupt);
    QObject::connect(&demo, &demo::HeadlessDemo::finished, qApp, &QCoreApplication::exit, Qt::QueuedConnection);
    demo.start();
    return QCoreApplication::exec();
}

} // namespace relayrace::cli
