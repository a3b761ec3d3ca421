// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/raceresult.h"

#include <QColor>
#include <QPalette>
#include <QString>

namespace relayrace::ui::theme {

// The console's colours: the Okabe-Ito palette (safe for the common colour-vision deficiencies), and
// never colour alone: every state also has a glyph and a word. Colours used for text or thin lines
// are adjusted to the widget's palette so that they stay readable on a dark desktop.
enum class Tone { Good, Neutral, Warning, Bad, Active, Accent };

QColor color(Tone tone);
// The tone's colour made readable as text or a thin line on `background` (a dark palette gets a
// lighter shade, a light palette a darker one).
QColor readable(Tone tone, const QPalette &palette);
bool isDark(const QPalette &palette);

// Per route state: its tone, a glyph that tells the states apart without colour, and its word.
Tone toneOf(model::RouteOutcome::State state);
QString glyphOf(model::RouteOutcome::State state); // ✓ won, ✗ failed, ○ lost, ▶ racing, … connecting

// The n-th route's colour in charts and lanes (Okabe-Ito order, then repeated with a dash pattern).
QColor routeColor(qsizetype index);

} // namespace relayrace::ui::theme
