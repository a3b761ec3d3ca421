// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <spdlog/common.h>
#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>

namespace relayrace::log {

struct Options
{
    spdlog::level::level_enum consoleLevel = spdlog::level::warn;
    // Rotating log file under the user's state directory; empty path disables it.
    bool fileSink = true;
    std::string appName = "relayrace";
};

// Sets up every named logger once: a console sink on stderr (stdout is kept for command output and
// --json documents) and a rotating file sink; forwards Qt's own messages into the "qt" logger.
// Safe to call more than once: later calls only change levels.
void init(const Options &options);

// The named logger of a module ("core", "map", "race", "policy", "delivery", "history", "lab",
// "ui", "app", "qt"). Unknown names get a logger with the shared sinks.
std::shared_ptr<spdlog::logger> get(const std::string &module);

// Parses "trace|debug|info|warn|error|critical|off"; nullopt when the name is unknown.
std::optional<spdlog::level::level_enum> parseLevel(const std::string &name);

// Where the rotating log file lives (created on init): $XDG_STATE_HOME/<app>/<app>.log, falling back
// to ~/.local/state/<app>/ (QStandardPaths has no StateLocation before Qt 6.7).
std::string logFilePath(const std::string &appName);

} // namespace relayrace::log
