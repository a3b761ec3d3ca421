// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/theme/palette.h"

#include <array>

namespace relayrace::ui::theme {

namespace {
// Okabe & Ito, "Color Universal Design" (2008).
const QColor kBlue(0x00, 0x72, 0xb2);
const QColor kSkyBlue(0x56, 0xb4, 0xe9);
const QColor kBluishGreen(0x00, 0x9e, 0x73);
const QColor kOrange(0xe6, 0x9f, 0x00);
const QColor kVermillion(0xd5, 0x5e, 0x00);
const QColor kReddishPurple(0xcc, 0x79, 0xa7);
const QColor kYellow(0xf0, 0xe4, 0x42);
const QColor kGrey(0x99, 0x99, 0x99);
} // namespace

QColor color(Tone tone)
{
    switch (tone) {
    case Tone::Good: return kBluishGreen;
    case Tone::Neutral: return kGrey;
    case Tone::Warning: return kOrange;
    case Tone::Bad: return kVermillion;
    case Tone::Active: return kBlue;
    case Tone::Accent: return kReddishPurple;
    }
    return kGrey;
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightnessF() < 0.5;
}

QColor readable(Tone tone, const QPalette &palette)
{
    const QColor c = color(tone);
    if (isDark(palette))
        return tone == Tone::Active ? kSkyBlue : c.lighter(125);
    return c.darker(tone == Tone::Warning ? 150 : 115);
}

Tone toneOf(model::RouteOutcome::State state)
{
    switch (state) {
    case model::RouteOutcome::State::Won: return Tone::Good;
    case model::RouteOutcome::State::Lost: return Tone::Neutral;
    case model::RouteOutcome::State::Failed: return Tone::Bad;
    case model::RouteOutcome::State::Racing: return Tone::Active;
    case model::RouteOutcome::State::Connecting: return Tone::Active;
    }
    return Tone::Neutral;
}

QString glyphOf(model::RouteOutcome::State state)
{
    switch (state) {
    case model::RouteOutcome::State::Won: return QStringLiteral("\u2713");
    case model::RouteOutcome::State::Lost: return QStringLiteral("\u25cb");
    case model::RouteOutcome::State::Failed: return QStringLiteral("\u2717");
    case model::RouteOutcome::State::Racing: return QStringLiteral("\u25b6");
    case model::RouteOutcome::State::Connecting: return QStringLiteral("\u2026");
    }
    return {};
}

QColor routeColor(qsizetype index)
{
    static const std::array<QColor, 7> colors{kBlue, kOrange, kBluishGreen, kReddishPurple, kSkyBlue, kVermillion,
                                              kYellow.darker(130)};
    return colors[size_t(index < 0 ? 0 : index) % colors.size()];
}

} // namespace relayrace::ui::theme
