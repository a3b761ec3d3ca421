// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// A finished race's lanes at any moment of its recorded times, replayed slowed down on the GUI thread
// without blocking it, and painted (theme tones, glyphs, a dark palette, device pixel ratio 2).
#include "support/liveracefixtures.h"
#include "ui/theme/palette.h"

#include <QElapsedTimer>
#include <QHelpEvent>
#include <QMenu>
#include <QToolTip>
#include <QImage>
#include <QPainter>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QTreeView>

using State = RouteOutcome::State;
using Phase = LaneFrame::Phase;
namespace theme = relayrace::ui::theme;

class TestRaceReplay final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void frameAtFollowsRecordedTimes();
    void measuredOvertimeLoserKeepsGoingAfterTheDecision();
    void replayRunsAndEndsWithoutBlocking();
    void replayButtonReplaysAFinishedRace();
    void contextMenuReplaysARace();
    void laneTooltipShowsOnHover();
    void lanesUseThemeTonesAndGlyphs();
    void delegatePaintsAtDevicePixelRatio2();
    void darkPaletteTextIsLight();
};

void TestRaceReplay::frameAtFollowsRecordedTimes()
{
    LiveRaceModel model;
    model.onRaceFinished(1, result());
    const RaceLanes race = model.lanes(1);
    QCOMPARE(race.decisionMs, 116.6);
    QCOMPARE(race.endMs, 140.0); // the loser's projection (within twice the measured times) joins the axis
    const Lane &direct = race.lanes.at(0);
    const Lane &fra = race.lanes.at(1);
    const Lane &ams = race.lanes.at(2);
    // via:fra: connecting until 12.5 ms, waiting until 40 ms, then bytes toward the threshold at 116.6 ms.
    QCOMPARE(frameAt(race, fra, 5).phase, Phase::Connecting);
    QCOMPARE(frameAt(race, fra, 20).phase, Phase::Waiting);
    QCOMPARE(frameAt(race, fra, 20).state, State::Connecting);
    const LaneFrame half = frameAt(race, fra, (40 + 116.6) / 2);
    QCOMPARE(half.phase, Phase::Transfer);
    QCOMPARE(half.state, State::Racing);
    QVERIFY2(std::abs(double(half.bytes) - kThreshold / 2.0) < 2, qPrintable(QString::number(half.bytes)));
    QCOMPARE(half.barFromMs, 40.0);
    QCOMPARE(frameAt(race, fra, 116.6).state, State::Won);
    QCOMPARE(frameAt(race, fra, 116.6).bytes, kThreshold);
    // direct: its first byte at 80.26 ms, bytes toward 140 ms (projected), stopped at the decision.
    QCOMPARE(frameAt(race, direct, 60).phase, Phase::Waiting);
    QCOMPARE(frameAt(race, direct, 100).state, State::Racing);
    const LaneFrame lost = frameAt(race, direct, 130);
    QCOMPARE(lost.state, State::Lost);
    QCOMPARE(lost.barToMs, 116.6);
    QCOMPARE(lost.ghostToMs, 140.0); // projected: dotted to 140 ms at once
    QVERIFY(lost.bytes <= 1234);
    QCOMPARE(frameAt(race, direct, race.endMs).bytes, 1234);
    // via:ams failed without a recorded time: shown failed at the decision.
    QCOMPARE(frameAt(race, ams, 50).state, State::Connecting);
    QCOMPARE(frameAt(race, ams, race.endMs).state, State::Failed);
}

void TestRaceReplay::measuredOvertimeLoserKeepsGoingAfterTheDecision()
{
    RaceResult r = result();
    r.routes[0].timeToThresholdMs = 150; // the engine's overtime measured it
    r.routes[0].projectedMs = 150;
    r.routes[0].bytes = kThreshold;
    r.marginKind = RaceResult::MarginKind::Measured;
    r.marginMs = 33.4;
    LiveRaceModel model;
    model.onRaceFinished(2, r);
    const RaceLanes race = model.lanes(2);
    QCOMPARE(race.endMs, 150.0);
    const Lane &direct = race.lanes.at(0);
    QCOMPARE(direct.reachKind, RaceResult::MarginKind::Measured);
    const LaneFrame overtime = frameAt(race, direct, 130);
    QCOMPARE(overtime.state, State::Lost);
    QCOMPARE(overtime.barToMs, 116.6);  // its race ended at the decision
    QCOMPARE(overtime.ghostToMs, 130.0); // the measured overtime grows with the replay
    QCOMPARE(frameAt(race, direct, 150).ghostToMs, 150.0);
    QCOMPARE(frameAt(race, direct, 150).bytes, kThreshold);
    QCOMPARE(laneStatusText(direct, frameAt(race, direct, 150)), QStringLiteral("lost by 33.4 ms"));
}

void TestRaceReplay::replayRunsAndEndsWithoutBlocking()
{
    LiveRacePanel panel;
    panel.resize(1400, 400);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.onRaceStarted(start(3));
    QVERIFY(!panel.replay(3)); // still racing: nothing to replay
    panel.onRaceFinished(3, result());
    LiveRaceModel *model = panel.model();
    RaceReplay *replay = panel.replayer();
    const double end = model->lanes(3).endMs;
    QCOMPARE(RaceReplay::durationFor(end), RaceReplay::kMinDurationMs); // 140 ms x 10 < 2 s
    QCOMPARE(RaceReplay::durationFor(1000), 10000);
    QSignalSpy frames(replay, &RaceReplay::frame);
    QSignalSpy finished(replay, &RaceReplay::finished);
    // A 20 ms ticker on the GUI thread: it keeps ticking through the replay.
    QTimer ticker;
    ticker.setInterval(20);
    int ticks = 0;
    qint64 longestGapMs = 0;
    QElapsedTimer sinceTick;
    connect(&ticker, &QTimer::timeout, this, [&] {
        ++ticks;
        longestGapMs = std::max(longestGapMs, sinceTick.restart());
    });
    QElapsedTimer clock;
    clock.start();
    sinceTick.start();
    ticker.start();
    QVERIFY(panel.replay(3)); // returns at once
    QVERIFY(clock.elapsed() < 500);
    QVERIFY(replay->isRunning());
    QCOMPARE(model->replayTime(3), 0.0);
    // Midway the winner is still on its way.
    QTRY_VERIFY_WITH_TIMEOUT(model->replayTime(3) > 50 && model->replayTime(3) < 100, 20000);
    const RaceLanes mid = model->lanes(3);
    QVERIFY(mid.replaying);
    QCOMPARE(frameAt(mid, mid.lanes.at(1), shownTime(mid)).state, State::Racing);
    panel.grab(); // paints mid-replay (the cursor) without trouble
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    const qint64 took = clock.elapsed();
    ticker.stop();
    qInfo("replay of a %.1f ms race: %lld ms, %lld frames, %d ticks, longest gap %lld ms", end, took, qlonglong(frames.count()),
          ticks, longestGapMs);
    QCOMPARE(replay->lastTimeMs(), end); // the replayed time reached the race's end
    QCOMPARE(frames.constLast().at(1).toDouble(), end);
    QVERIFY(!replay->isRunning());
    QCOMPARE(model->replayTime(3), -1.0); // the final picture again
    QVERIFY2(took >= RaceReplay::kMinDurationMs - 100, qPrintable(QString::number(took)));
    QVERIFY2(frames.count() >= 10, qPrintable(QString::number(frames.count())));
    for (qsizetype i = 1; i < frames.size(); ++i)
        QVERIFY(frames.at(i).at(1).toDouble() >= frames.at(i - 1).at(1).toDouble());
    QVERIFY2(ticks >= 30, qPrintable(QString::number(ticks)));
    QVERIFY2(longestGapMs < 1000, qPrintable(QString::number(longestGapMs)));
}

void TestRaceReplay::replayButtonReplaysAFinishedRace()
{
    LiveRacePanel panel;
    auto *button = panel.findChild<QPushButton *>(QStringLiteral("replayButton"));
    QVERIFY(button);
    QVERIFY(!button->isEnabled());
    panel.onRaceStarted(start(4));
    QVERIFY(!button->isEnabled());
    panel.onRaceFinished(4, result());
    QVERIFY(button->isEnabled());
    QCOMPARE(panel.replayCandidate(), 4u);
    QSignalSpy started(panel.replayer(), &RaceReplay::started);
    button->click();
    QCOMPARE(started.count(), 1);
    QCOMPARE(started.first().at(0).toULongLong(), 4u);
    QVERIFY(panel.replayer()->isRunning());
    panel.replayer()->stop();
    QCOMPARE(panel.model()->replayTime(4), -1.0);
}

void TestRaceReplay::contextMenuReplaysARace()
{
    LiveRacePanel panel;
    panel.resize(1400, 400);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.onRaceStarted(start(9));
    panel.onRaceStarted(start(10));
    panel.onRaceFinished(9, result());
    const auto menuAt = [&](quint64 raceId) {
        const QRect rect = panel.view()->visualRect(panel.model()->raceIndex(raceId, LiveRaceModel::ProviderColumn));
        Q_EMIT panel.view()->customContextMenuRequested(rect.center());
        QMenu *menu = panel.findChild<QMenu *>(QStringLiteral("liveRaceMenu"));
        return menu;
    };
    QMenu *running = menuAt(10);
    QVERIFY(running);
    QVERIFY(!running->findChild<QAction *>(QStringLiteral("replayRaceAction"))->isEnabled()); // still racing
    running->close();
    QTRY_VERIFY(!panel.findChild<QMenu *>(QStringLiteral("liveRaceMenu")));
    QMenu *finished = menuAt(9);
    QVERIFY(finished);
    QAction *replay = finished->findChild<QAction *>(QStringLiteral("replayRaceAction"));
    QVERIFY(replay->isEnabled());
    QSignalSpy started(panel.replayer(), &RaceReplay::started);
    replay->trigger();
    QCOMPARE(started.count(), 1);
    QCOMPARE(started.first().at(0).toULongLong(), 9u);
    finished->findChild<QAction *>(QStringLiteral("routeDetailsAction"))->trigger();
    QVERIFY(panel.view()->isExpanded(panel.model()->raceIndex(9)));
    finished->close();
    panel.replayer()->stop();
}

void TestRaceReplay::laneTooltipShowsOnHover()
{
    const QString reason = QStringLiteral("TLS handshake with ams.relay.example failed: certificate has expired (notAfter 2026-01-01)");
    RaceResult r = result();
    r.routes[2].error = reason;
    LiveRacePanel panel;
    panel.resize(1600, 400);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.onRaceStarted(start(11));
    panel.onRaceFinished(11, r);
    QTreeView *view = panel.view();
    const QModelIndex cell = panel.model()->raceIndex(11, LiveRaceModel::LanesColumn);
    QStyleOptionViewItem option;
    option.initFrom(view);
    option.rect = view->visualRect(cell);
    const lanes::LanesLayout layout = LaneDelegate::layoutFor(option, cell);
    QCOMPARE(layout.lanes.size(), 3);
    const QPoint at = layout.lanes.at(2).track.center().toPoint();
    QHelpEvent help(QEvent::ToolTip, at, view->viewport()->mapToGlobal(at));
    QCoreApplication::sendEvent(view->viewport(), &help);
    QTRY_VERIFY2(QToolTip::text().contains(reason), qPrintable(QToolTip::text()));
    QVERIFY(QToolTip::text().startsWith(QStringLiteral("via:ams: failed")));
    QToolTip::hideText();
}

namespace {

// The panel's race row painted into an image at `ratio`, with the cell's layout.
QImage paintRace(LiveRacePanel &panel, quint64 raceId, qreal ratio, const QPalette &palette, lanes::LanesLayout *layout)
{
    QStyleOptionViewItem option;
    option.initFrom(panel.view());
    option.palette = palette;
    option.rect = QRect(0, 0, 900, 130);
    const QModelIndex cell = panel.model()->raceIndex(raceId, LiveRaceModel::LanesColumn);
    QImage image(option.rect.size() * ratio, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(ratio);
    image.fill(palette.color(QPalette::Base));
    QPainter painter(&image);
    LaneDelegate delegate;
    delegate.paint(&painter, option, cell);
    painter.end();
    *layout = LaneDelegate::layoutFor(option, cell);
    return image;
}

QRgb pixelAt(const QImage &image, QPointF logical)
{
    const qreal ratio = image.devicePixelRatio();
    return image.pixel(QPoint(int(logical.x() * ratio), int(logical.y() * ratio)));
}

} // namespace

void TestRaceReplay::lanesUseThemeTonesAndGlyphs()
{
    LiveRacePanel panel;
    panel.onRaceStarted(start(5));
    panel.onRaceFinished(5, result());
    lanes::LanesLayout layout;
    const QImage image = paintRace(panel, 5, 1, panel.palette(), &layout);
    const RaceLanes race = panel.model()->lanes(5);
    const auto x = [&](const QRectF &track, double ms) { return lanes::xAt(track, ms, race.endMs); };
    // The winner's bar (first byte 40 ms .. 116.6 ms) in the Good tone, the loser's (80.3 .. 116.6) Neutral.
    const QRectF fra = layout.lanes.at(1).track;
    const QRectF direct = layout.lanes.at(0).track;
    QCOMPARE(QColor(pixelAt(image, {x(fra, 70), fra.center().y()})).rgb(), theme::color(theme::Tone::Good).rgb());
    QCOMPARE(QColor(pixelAt(image, {x(direct, 100), direct.center().y()})).rgb(), theme::color(theme::Tone::Neutral).rgb());
    // Each lane's swatch is its route's colour.
    for (int i = 0; i < 3; ++i)
        QCOMPARE(QColor(pixelAt(image, layout.lanes.at(i).swatch.center())).rgb(), theme::routeColor(i).rgb());
    // Never colour alone: each lane's words start with its state's word, its glyph drawn beside them.
    QStringList words;
    for (const Lane &lane : race.lanes)
        words << theme::glyphOf(frameAt(race, lane, race.endMs).state) + QLatin1Char(' ')
                     + laneStatusText(lane, frameAt(race, lane, race.endMs));
    QCOMPARE(words, (QStringList{QStringLiteral("○ lost by ≈ 23 ms"), QStringLiteral("✓ won"),
                                 QStringLiteral("✗ failed: connection refused")}));
}

void TestRaceReplay::delegatePaintsAtDevicePixelRatio2()
{
    LiveRacePanel panel;
    panel.resize(1400, 420);
    panel.onRaceStarted(start(6));
    panel.onRouteProgress(6, QStringLiteral("direct"), 1000, kThreshold); // a live race too
    panel.onRaceStarted(start(7));
    panel.onRaceFinished(7, result());
    panel.view()->expandAll();
    lanes::LanesLayout layout;
    const QImage image = paintRace(panel, 7, 2, panel.palette(), &layout);
    QCOMPARE(image.size(), QSize(1800, 260));
    // Crisp at 2x: the winner's bar fills device pixels in its tone right to its middle.
    const RaceLanes race = panel.model()->lanes(7);
    const QRectF fra = layout.lanes.at(1).track;
    const QPointF inBar(lanes::xAt(fra, 70, race.endMs), fra.center().y());
    QCOMPARE(QColor(pixelAt(image, inBar)).rgb(), theme::color(theme::Tone::Good).rgb());
    QCOMPARE(QColor(image.pixel(int(inBar.x() * 2) + 1, int(inBar.y() * 2) + 1)).rgb(), theme::color(theme::Tone::Good).rgb());
    int painted = 0;
    for (int y = 0; y < image.height(); y += 2) {
        for (int x = 0; x < image.width(); x += 2)
            painted += image.pixel(x, y) != panel.palette().color(QPalette::Base).rgb();
    }
    QVERIFY2(painted > 2000, qPrintable(QString::number(painted)));
    // The whole panel (race rows, route rows, a live race, mid-replay) rendered at 2x.
    QVERIFY(panel.replay(7));
    panel.model()->setReplayTime(7, 60);
    QImage whole(panel.size() * 2, QImage::Format_ARGB32_Premultiplied);
    whole.setDevicePixelRatio(2);
    whole.fill(Qt::transparent);
    panel.render(&whole);
    QVERIFY(!whole.isNull());
    int opaque = 0;
    for (int y = 0; y < whole.height(); y += 4)
        opaque += qAlpha(whole.pixel(whole.width() / 2, y)) > 0;
    QVERIFY(opaque > 10);
    panel.replayer()->stop();
}

void TestRaceReplay::darkPaletteTextIsLight()
{
    LiveRacePanel panel;
    panel.onRaceStarted(start(8));
    panel.onRaceFinished(8, result());
    QPalette dark;
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::Mid, QColor(0x55, 0x55, 0x55));
    lanes::LanesLayout layout;
    const QImage image = paintRace(panel, 8, 2, dark, &layout);
    // The failed lane's words are drawn light on the dark base, not black.
    const QRectF words = layout.lanes.at(2).status;
    int light = 0;
    int darkText = 0;
    for (qreal y = words.top(); y < words.bottom(); y += 0.5) {
        for (qreal x = words.left(); x < words.right(); x += 0.5) {
            const QColor c = QColor(pixelAt(image, {x, y}));
            light += c.lightnessF() > 0.6;
            darkText += c.lightnessF() < 0.05;
        }
    }
    QVERIFY2(light > 20, qPrintable(QString::number(light)));
    QCOMPARE(darkText, 0);
    QVERIFY(theme::readable(theme::Tone::Bad, dark).lightnessF() > theme::color(theme::Tone::Bad).lightnessF());
}

QTEST_MAIN(TestRaceReplay)
#include "tst_racereplay.moc"
