// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "logging.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QString>
#include <QtGlobal>

#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace relayrace::log {
namespace {

const char *const kModules[] = {"core", "map", "race", "policy", "delivery",
                                "history", "lab", "ui", "app", "qt"};

std::mutex g_mutex;
std::vector<spdlog::sink_ptr> g_sinks;
spdlog::sink_ptr g_consoleSink;

void qtMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    auto logger = get("qt");
    const std::string text = message.toStdString();
    const char *category = context.category ? context.category : "default";
    switch (type) {
    case QtDebugMsg: logger->debug("[{}] {}", category, text); break;
    case QtInfoMsg: logger->info("[{}] {}", category, text); break;
    case QtWarningMsg: logger->warn("[{}] {}", category, text); break;
    case QtCriticalMsg: logger->error("[{}] {}", category, text); break;
    case QtFatalMsg: logger->critical("[{}] {}", category, text); logger->flush(); std::abort();
    }
}

// The lowest level any sink takes: a logger formats a message before its sinks filter it, so a
// logger set lower than that formats (and allocates) lines nobody writes.
spdlog::level::level_enum sinkFloor()
{
    spdlog::level::level_enum floor = spdlog::level::off;
    for (const auto &sink : g_sinks)
        floor = std::min(floor, sink->level());
    return floor;
}

std::shared_ptr<spdlog::logger> makeLogger(const std::string &name)
{
    auto logger = std::make_shared<spdlog::logger>(name, g_sinks.begin(), g_sinks.end());
    logger->set_level(sinkFloor()); // the sinks filter further
    logger->flush_on(spdlog::level::warn);
    spdlog::register_logger(logger);
    return logger;
}

} // namespace

std::string logFilePath(const std::string &appName)
{
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/state");
    const QString app = QString::fromStdString(appName);
    const QString path = base + u'/' + app + u'/' + app + QStringLiteral(".log");
    return path.toStdString();
}

std::optional<spdlog::level::level_enum> parseLevel(const std::string &name)
{
    static const std::pair<const char *, spdlog::level::level_enum> levels[] = {
        {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
        {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
        {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
        {"critical", spdlog::level::critical}, {"off", spdlog::level::off}};
    for (const auto &[text, level] : levels)
        if (name == text)
            return level;
    return std::nullopt;
}

void init(const Options &options)
{
    std::lock_guard lock(g_mutex);
    const bool first = !g_consoleSink;
    if (first) {
        g_consoleSink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        g_consoleSink->set_pattern("%^%l%$ [%n] %v");
        g_sinks.push_back(g_consoleSink);
        std::string fileError;
        if (options.fileSink) {
            const std::string path = logFilePath(options.appName);
            QDir().mkpath(QFileInfo(QString::fromStdString(path)).absolutePath());
            try {
                auto fileSink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                    path, 5 * 1024 * 1024, 3);
                fileSink->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l [%n] [%t] %v");
                fileSink->set_level(spdlog::level::debug);
                g_sinks.push_back(fileSink);
            } catch (const spdlog::spdlog_ex &e) {
                fileError = e.what();
            }
        }
        for (const char *name : kModules)
            makeLogger(name);
        spdlog::set_default_logger(spdlog::get("app"));
        qInstallMessageHandler(qtMessageHandler);
        if (!fileError.empty())
            spdlog::get("app")->warn("log file disabled: {}", fileError);
    }
    g_consoleSink->set_level(options.consoleLevel);
    const spdlog::level::level_enum floor = sinkFloor();
    spdlog::apply_all([floor](const std::shared_ptr<spdlog::logger> &logger) { logger->set_level(floor); });
}

std::shared_ptr<spdlog::logger> get(const std::string &module)
{
    if (auto logger = spdlog::get(module))
        return logger;
    std::lock_guard lock(g_mutex);
    if (auto logger = spdlog::get(module))
        return logger;
    if (g_sinks.empty()) {
        // Used before init() (a library test, say): a console sink at warn, no file.
        g_consoleSink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
        g_consoleSink->set_pattern("%^%l%$ [%n] %v");
        g_consoleSink->set_level(spdlog::level::warn);
        g_sinks.push_back(g_consoleSink);
    }
    return makeLogger(module);
}

} // namespace relayrace::log
