// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// relayrace: the command-line interface. Global options, then a command with its own options.
#include "command.h"
#include "util/eventdispatcher.h"

#include <QCoreApplication>

#include <cstdio>

using namespace relayrace::cli;

namespace {

void printUsage(FILE *out)
{
    std::fprintf(out, "Usage: relayrace [--version] [--help] <command> [options]\n\n"
                      "Races the direct route and relay routes to a provider's origin and keeps the "
                      "fastest.\n\nCommands:\n");
    for (const Command &command : commands())
        std::fprintf(out, "  %-10s %s\n", command.name, command.summary);
    std::fprintf(out, "\nRun 'relayrace <command> --help' for a command's options.\n");
}

} // namespace

int main(int argc, char **argv)
{
    relayrace::preferUnixEventDispatcher(relayrace::ProcessKind::Console);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("relayrace"));
    QCoreApplication::setApplicationVersion(QStringLiteral(RELAYRACE_VERSION));

    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 2) {
        printUsage(stderr);
        return ExitUsage;
    }
    const QString first = args.at(1);
    if (first == u"--version" || first == u"-V") {
        std::printf("relayrace %s\n", RELAYRACE_VERSION);
        return ExitOk;
    }
    if (first == u"--help" || first == u"-h" || first == u"help") {
        printUsage(stdout);
        return ExitOk;
    }
    if (first.startsWith(u'-')) {
        printError(QStringLiteral("unknown option '%1' (see 'relayrace --help')").arg(first));
        return ExitUsage;
    }
    for (const Command &command : commands()) {
        if (first == QLatin1String(command.name)) {
            QStringList rest = args.mid(2);
            rest.prepend(QStringLiteral("relayrace ") + first);
            return command.run(rest);
        }
    }
    printError(QStringLiteral("unknown command '%1' (see 'relayrace --help')").arg(first));
    return ExitUsage;
}
