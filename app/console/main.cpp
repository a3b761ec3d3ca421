// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// relayrace-console: the operator console. Without a display it runs the demo headless instead.
#include "demo/headlessdemo.h"
#include "log/logging.h"
#include "ui/fleet/tokenstore.h"
#include "ui/mainwindow.h"
#include "util/eventdispatcher.h"
#include "util/signalwatcher.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QSslCertificate>
#include <QUrl>

#include <cstdio>

namespace {

bool haveDisplay()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
        || !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

// How to run this very executable again: its path as typed when it was given one (a source build is
// not on the PATH), else its name.
QByteArray selfCommand(const char *argv0)
{
    const QByteArray typed(argv0 ? argv0 : "");
    return typed.contains('/') ? typed : QByteArrayLiteral("relayrace-console");
}

int runHeadless(int argc, char **argv, spdlog::level::level_enum level)
{
    std::fprintf(stderr,
                 "relayrace-console: no display here (DISPLAY and WAYLAND_DISPLAY are unset), so the demo\n"
                 "runs headless in this terminal instead. To see the window, run it in a desktop session,\n"
                 "or under a virtual display:  xvfb-run -a %s --demo\n\n",
                 selfCommand(argv[0]).constData());
    relayrace::preferUnixEventDispatcher(relayrace::ProcessKind::Console);
    QCoreApplication app(argc, argv);
    relayrace::log::init({level, true, "relayrace-console"});
    relayrace::demo::HeadlessDemo demo({3, false, stdout});
    relayrace::SignalWatcher watcher;
    QObject::connect(&watcher, &relayrace::SignalWatcher::interrupted, &demo, &relayrace::demo::HeadlessDemo::interrupt);
    QObject::connect(&demo, &relayrace::demo::HeadlessDemo::finished, &app, &QCoreApplication::exit, Qt::QueuedConnection);
    demo.start();
    return QCoreApplication::exec();
}

} // namespace

int main(int argc, char **argv)
{
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("relayrace operator console."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help and exit."));
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")}, QStringLiteral("Show the version and exit."));
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Start the embedded demo lab at once."));
    const QCommandLineOption logLevel(QStringLiteral("log-level"), QStringLiteral("Console log level (default warn)."),
                                      QStringLiteral("level"), QStringLiteral("warn"));
    const QCommandLineOption attach(QStringLiteral("attach"),
                                    QStringLiteral("Attach to an edge's admin API at once (repeatable), e.g. http://10.0.0.5:9901."),
                                    QStringLiteral("url"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"),
                                       QStringLiteral("The admin token for --attach (a file); without it, the token kept for each edge."),
                                       QStringLiteral("file"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"),
                                    QStringLiteral("Certificates to trust for https admin URLs besides the system's (PEM)."),
                                    QStringLiteral("pem"));
    parser.addOptions({help, version, demo, logLevel, attach, tokenFile, caFile});
    if (!parser.parse(args)) {
        std::fprintf(stderr, "relayrace-console: %s (see 'relayrace-console --help')\n", qUtf8Printable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(help)) {
        std::fputs(qUtf8Printable(parser.helpText()), stdout);
        return 0;
    }
    if (parser.isSet(version)) {
        std::printf("relayrace-console %s\n", RELAYRACE_VERSION);
        return 0;
    }
    const auto level = relayrace::log::parseLevel(parser.value(logLevel).toStdString());
    if (!level) {
        std::fprintf(stderr, "relayrace-console: unknown log level '%s'\n", qUtf8Printable(parser.value(logLevel)));
        return 2;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "relayrace-console: unexpected argument '%s'\n", qUtf8Printable(parser.positionalArguments().first()));
        return 2;
    }
    QByteArray token;
    if (parser.isSet(tokenFile)) {
        QFile file(parser.value(tokenFile));
        if (!file.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "relayrace-console: %s: %s\n", qUtf8Printable(file.fileName()), qUtf8Printable(file.errorString()));
            return 2;
        }
        token = file.read(4096).trimmed();
    }
    QList<QSslCertificate> edgeCa;
    if (parser.isSet(caFile)) {
        edgeCa = QSslCertificate::fromPath(parser.value(caFile));
        if (edgeCa.isEmpty()) {
            std::fprintf(stderr, "relayrace-console: --ca-file %s: no PEM certificate read\n", qUtf8Printable(parser.value(caFile)));
            return 2;
        }
    }
    QList<QUrl> edges;
    for (const QString &value : parser.values(attach)) {
        const QUrl url = QUrl::fromUserInput(value);
        if (!url.isValid() || url.host().isEmpty() || (url.scheme() != u"http" && url.scheme() != u"https")) {
            std::fprintf(stderr, "relayrace-console: --attach '%s' is not an http or https URL\n", qUtf8Printable(value));
            return 2;
        }
        edges.append(url.adjusted(QUrl::StripTrailingSlash));
    }
    if (!haveDisplay()) {
        if (parser.isSet(demo))
            return runHeadless(argc, argv, *level);
        std::fprintf(stderr, "relayrace-console: no display (DISPLAY and WAYLAND_DISPLAY are unset). Run it in a desktop\n"
                             "session or under xvfb-run -a, or try '%s --demo' for the headless demo.\n",
                     selfCommand(argv[0]).constData());
        return 1;
    }

    relayrace::preferUnixEventDispatcher(relayrace::ProcessKind::Gui);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("relayrace-console"));
    QApplication::setOrganizationName(QStringLiteral("relayrace"));
    QApplication::setApplicationVersion(QStringLiteral(RELAYRACE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.relayrace.console"));
    relayrace::log::init({*level, true, "relayrace-console"});
    relayrace::ui::MainWindow window;
    window.show();
    if (parser.isSet(demo))
        window.startDemo();
    window.setEdgeCaCertificates(edgeCa);
    for (const QUrl &edge : std::as_const(edges)) {
        if (token.isEmpty())
            window.tokenStore()->load(edge); // then attaches, or says that none is kept
        else
            window.attachEdge(edge, token);
    }
    return QApplication::exec();
}
