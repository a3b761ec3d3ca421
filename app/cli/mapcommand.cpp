// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "command.h"

#include <algorithm>
#include <cstdio>

namespace relayrace::cli {

QList<MapSubcommand> &MapSubcommand::all()
{
    static QList<MapSubcommand> list;
    return list;
}

MapSubcommand::Registrar::Registrar(const char *name, const char *summary, int (*run)(const QStringList &))
{
    auto &list = all();
    list.append({name, summary, run});
    std::sort(list.begin(), list.end(), [](const MapSubcommand &a, const MapSubcommand &b) {
        return qstrcmp(a.name, b.name) < 0;
    });
}

namespace {
void printMapUsage(FILE *out)
{
    std::fprintf(out, "Usage: relayrace map <subcommand> [options]\n\nRoute maps (docs/map-format.md).\n\nSubcommands:\n");
    for (const MapSubcommand &sub : MapSubcommand::all())
        std::fprintf(out, "  %-8s %s\n", sub.name, sub.summary);
    std::fprintf(out, "\nRun 'relayrace map <subcommand> --help' for its options.\n");
}
} // namespace

int runMap(const QStringList &arguments)
{
    if (arguments.size() < 2) {
        printMapUsage(stderr);
        return ExitUsage;
    }
    const QString sub = arguments.at(1);
    if (sub == u"--help" || sub == u"-h" || sub == u"help") {
        printMapUsage(stdout);
        return ExitOk;
    }
    if (sub.startsWith(u'-')) {
        QString name = sub;
        while (name.startsWith(u'-'))
            name.remove(0, 1);
        printError(QStringLiteral("Unknown option '%1' (see 'relayrace map --help')").arg(name));
        return ExitUsage;
    }
    for (const MapSubcommand &entry : MapSubcommand::all()) {
        if (sub == QLatin1String(entry.name)) {
            QStringList rest = arguments.mid(2);
            rest.prepend(QStringLiteral("relayrace map ") + sub);
            return entry.run(rest);
        }
    }
    printError(QStringLiteral("unknown map subcommand '%1' (see 'relayrace map --help')").arg(sub));
    return ExitUsage;
}

} // namespace relayrace::cli
