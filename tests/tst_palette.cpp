// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The console's colours (ui/theme): every state told apart without colour (a glyph each), and every
// tone readable as text on a light and on a dark desktop palette (WCAG contrast of at least 3:1, the
// level for large text and graphics).
#include "ui/theme/palette.h"

#include <QSet>
#include <QTest>

#include <cmath>

using namespace relayrace;
namespace theme = relayrace::ui::theme;

namespace {

double luminance(const QColor &color)
{
    const auto channel = [](double c) { return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF());
}

double contrast(const QColor &a, const QColor &b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QPalette palette(const QColor &base, const QColor &text)
{
    QPalette p;
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::Window, base);
    p.setColor(QPalette::Text, text);
    return p;
}

} // namespace

class TestPalette final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyStateHasItsOwnGlyph();
    void tonesAreReadableOnLightAndDark_data();
    void tonesAreReadableOnLightAndDark();
};

void TestPalette::everyStateHasItsOwnGlyph()
{
    using State = model::RouteOutcome::State;
    QSet<QString> glyphs;
    for (State state : {State::Connecting, State::Racing, State::Won, State::Lost, State::Failed})
        glyphs.insert(theme::glyphOf(state));
    QCOMPARE(glyphs.size(), 5);
    QVERIFY(!glyphs.contains(QString()));
    // Won and failed differ in hue as well as glyph: not red against green (Okabe-Ito bluish green, vermillion).
    QVERIFY(theme::color(theme::toneOf(State::Won)) != theme::color(theme::toneOf(State::Failed)));
}

void TestPalette::tonesAreReadableOnLightAndDark_data()
{
    QTest::addColumn<QColor>("base");
    QTest::newRow("light (white)") << QColor(Qt::white);
    QTest::newRow("light (Fusion window)") << QColor(0xef, 0xef, 0xef);
    QTest::newRow("dark (Breeze)") << QColor(0x23, 0x26, 0x29);
    QTest::newRow("dark (black)") << QColor(Qt::black);
}

void TestPalette::tonesAreReadableOnLightAndDark()
{
    QFETCH(QColor, base);
    const QPalette p = palette(base, base.lightnessF() < 0.5 ? QColor(Qt::white) : QColor(Qt::black));
    QCOMPARE(theme::isDark(p), base.lightnessF() < 0.5);
    for (auto tone : {theme::Tone::Good, theme::Tone::Neutral, theme::Tone::Warning, theme::Tone::Bad,
                      theme::Tone::Active, theme::Tone::Accent}) {
        const QColor shown = theme::readable(tone, p);
        const double ratio = contrast(shown, base);
        QVERIFY2(ratio >= 3.0, qPrintable(QStringLiteral("tone %1 (%2) on %3: contrast %4")
                                              .arg(int(tone)).arg(shown.name(), base.name()).arg(ratio, 0, 'f', 2)));
    }
}

QTEST_MAIN(TestPalette)
#include "tst_palette.moc"
