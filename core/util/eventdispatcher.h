// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

namespace relayrace {

enum class ProcessKind { Console, Gui };

// Makes every thread of this process use Qt's own (UNIX) event dispatcher instead of the GLib one.
// Call it first in main(), before the QCoreApplication exists; it sets QT_NO_GLIB=1 for Qt to read.
//
// Why: after Qt's GLib dispatcher fires timers, it runs them at idle priority until an iteration
// finds no posted event pending. The race engine's thread receives a steady stream of events posted
// by Qt's network threads, so its timers (race deadlines, progress, the lag probe) were starved:
// bench_race, 1,000 concurrent races: event-loop lag p99 6.5-18 ms with GLib, 2.0-2.6 ms without.
//
// An explicit QT_NO_GLIB in the environment is left alone. For a GUI process, GLib is kept when
// the platform theme is a GTK one, whose native dialogs need GLib's main loop. Returns whether the
// UNIX dispatcher will be used.
bool preferUnixEventDispatcher(ProcessKind kind);

} // namespace relayrace
