// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The topology view as an operator reads it: nodes placed from a hand-built map, routes labelled and
// coloured from race results, the optimal route bold, live progress, failures crossed out, zoom/fit
// and the SVG/PNG exports.
#include "support/topologyfixtures.h"
#include "model/failoverevent.h"
#include "map/routemap.h"
#include "model/routechange.h"
#include "engine/raceengine.h"
#include "model/raceresult.h"
#include "ui/topology/nodeitem.h"
#include "ui/topology/routeitem.h"
#include "ui/topology/topologyscene.h"
#include "ui/topology/topologyview.h"

#include <QDir>
#include <QFile>
#include <QGraphicsEllipseItem>
#include <QImage>
#include <QLineF>
#include <QTemporaryDir>
#include <QTest>
#include <QWheelEvent>
#include <QXmlStreamReader>

using namespace relayrace;
using namespace relayrace::testsupport::topology;
using relayrace::ui::RouteItem;
using relayrace::ui::TopologyView;

namespace {

QColor penColor(const RouteItem *item)
{
    return item->pen().color();
}

} // namespace

class TestTopologyView final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void placesEdgeOriginAndEveryRegionByLongitude();
    void drawsDirectAndOneRoutePerAlternate();
    void routeChangeDrawsTheNewOptimalRouteBold();
    void raceResultLabelsLinksAndColoursThemByHealth();
    void failedAndFailedOverRoutesAreMarkedUntilTheyRaceFine();
    void progressDotMovesTowardTheOriginAndStopsAtTheEnd();
    void progressOfAnotherProviderIsKeptButNotDrawn();
    void zoomAndFitChangeTheTransform();
    void tooltipsCarryTheFigures();
    void exportsValidSvgAndPngOfTheAskedSize();

private:
    std::unique_ptr<TopologyView> m_view;
};

void TestTopologyView::init()
{
    m_view = std::make_unique<TopologyView>();
    m_view->resize(800, 500);
    m_view->setMap(threeRegionMap());
}

void TestTopologyView::cleanup()
{
    m_view.reset();
}

void TestTopologyView::placesEdgeOriginAndEveryRegionByLongitude()
{
    auto *scene = m_view->topologyScene();
    QCOMPARE(m_view->objectName(), QStringLiteral("topologyView"));
    QCOMPARE(m_view->provider(), QStringLiteral("shop"));
    for (const auto &id : {QStringLiteral("fra"), QStringLiteral("ams"), QStringLiteral("par")}) {
        auto *node = scene->regionItem(id);
        QVERIFY2(node, qPrintable(id));
        QCOMPARE(node->data(0).toString(), QStringLiteral("region"));
        QCOMPARE(node->data(1).toString(), id);
    }
    QVERIFY(scene->edgeItem());
    QVERIFY(scene->originItem());
    // Equirectangular: east is right, north is up.
    QVERIFY(scene->regionItem(QStringLiteral("par"))->x() < scene->regionItem(QStringLiteral("fra"))->x());
    QVERIFY(scene->regionItem(QStringLiteral("ams"))->y() < scene->regionItem(QStringLiteral("par"))->y());
    // By default the edge and the origin flank the regions.
    QVERIFY(scene->edgeItem()->x() < scene->regionItem(QStringLiteral("par"))->x());
    QVERIFY(scene->originItem()->x() > scene->regionItem(QStringLiteral("fra"))->x());
    m_view->setEdgePosition(40.4, -3.7);
    m_view->setOriginPosition(QStringLiteral("shop"), 59.3, 18.1);
    QCOMPARE(scene->edgeItem()->pos(), ui::TopologyScene::project({40.4, -3.7}));
    QCOMPARE(scene->originItem()->pos(), ui::TopologyScene::project({59.3, 18.1}));
    QVERIFY(scene->contentRect().contains(scene->originItem()->pos()));
}

void TestTopologyView::drawsDirectAndOneRoutePerAlternate()
{
    auto *scene = m_view->topologyScene();
    QCOMPARE(scene->routeItems().size(), 4);
    auto *via = scene->routeItem(QStringLiteral("via:ams"));
    QVERIFY(via);
    // edge -> ams -> origin
    QCOMPARE(via->path().elementCount(), 3);
    QCOMPARE(via->path().pointAtPercent(0), scene->edgeItem()->pos());
    QCOMPARE(via->path().pointAtPercent(1), scene->originItem()->pos());
    // The direct route bows away from the regions (so it hides no via leg) and ends at the origin.
    const QPainterPath direct = scene->routeItem(QStringLiteral("direct"))->path();
    QCOMPARE(direct.pointAtPercent(1), scene->originItem()->pos());
    const QLineF chord(scene->edgeItem()->pos(), scene->originItem()->pos());
    QVERIFY(qAbs(direct.pointAtPercent(0.5).y() - chord.pointAt(0.5).y()) > chord.length() * 0.05);
    // Before any race a via route shows the map's RTT of its region.
    QVERIFY(scene->routeItem(QStringLiteral("via:fra"))->labelText().contains(QStringLiteral("42.5 ms")));
    QCOMPARE(m_view->optimalRouteDrawn(), QString());
}

void TestTopologyView::routeChangeDrawsTheNewOptimalRouteBold()
{
    model::RouteChange change;
    change.provider = QStringLiteral("shop");
    change.toRoute = QStringLiteral("via:ams");
    change.at = QDateTime::currentDateTimeUtc();
    m_view->onRouteChanged(change);
    QCOMPARE(m_view->optimalRouteDrawn(), QStringLiteral("via:ams"));
    auto *scene = m_view->topologyScene();
    QCOMPARE(scene->routeItem(QStringLiteral("via:ams"))->pen().widthF(), RouteItem::kOptimalWidth);
    QCOMPARE(scene->routeItem(QStringLiteral("direct"))->pen().widthF(), RouteItem::kNormalWidth);

    change.fromRoute = change.toRoute;
    change.toRoute = QStringLiteral("direct");
    m_view->onRouteChanged(change);
    QCOMPARE(m_view->optimalRouteDrawn(), QStringLiteral("direct"));
    QCOMPARE(scene->routeItem(QStringLiteral("via:ams"))->pen().widthF(), RouteItem::kNormalWidth);
    // Another provider's change does not touch the shown one.
    change.provider = QStringLiteral("other");
    change.toRoute = QStringLiteral("via:fra");
    m_view->onRouteChanged(change);
    QCOMPARE(m_view->optimalRouteDrawn(), QStringLiteral("direct"));
}

void TestTopologyView::raceResultLabelsLinksAndColoursThemByHealth()
{
    m_view->onRaceFinished(raceResult(true));
    auto *scene = m_view->topologyScene();
    const auto *fra = scene->routeItem(QStringLiteral("via:fra"));
    QVERIFY(fra->labelText().contains(QStringLiteral("23.4 ms")));
    QVERIFY(fra->labelText().contains(QStringLiteral("80.0 ms")));
    QCOMPARE(penColor(fra), ui::healthColor(ui::RouteHealth::Ok));
    QCOMPARE(penColor(scene->routeItem(QStringLiteral("via:ams"))), ui::healthColor(ui::RouteHealth::Ok));
    // 310 ms projected against the winner's 80 ms: slow.
    QCOMPARE(penColor(scene->routeItem(QStringLiteral("direct"))), ui::healthColor(ui::RouteHealth::Slow));
    QVERIFY(scene->routeItem(QStringLiteral("direct"))->labelText().contains(QStringLiteral("~310.0 ms")));
    QCOMPARE(penColor(scene->routeItem(QStringLiteral("via:par"))), ui::healthColor(ui::RouteHealth::Failed));
}

void TestTopologyView::failedAndFailedOverRoutesAreMarkedUntilTheyRaceFine()
{
    m_view->onRaceFinished(raceResult(true));
    QVERIFY(m_view->isRouteMarkedFailed(QStringLiteral("via:par")));
    QVERIFY(!m_view->isRouteMarkedFailed(QStringLiteral("via:fra")));
    QVERIFY(m_view->topologyScene()->routeItem(QStringLiteral("via:par"))->toolTip().contains(QStringLiteral("connection refused")));

    model::FailoverEvent event;
    event.provider = QStringLiteral("shop");
    event.fromRoute = QStringLiteral("via:fra");
    event.toRoute = QStringLiteral("via:ams");
    event.reason = QStringLiteral("stall");
    event.at = QDateTime::currentDateTimeUtc();
    m_view->onFailover(event);
    QVERIFY(m_view->isRouteMarkedFailed(QStringLiteral("via:fra")));
    QVERIFY(m_view->topologyScene()->routeItem(QStringLiteral("via:fra"))->toolTip().contains(QStringLiteral("stall")));
    QCOMPARE(m_view->topologyScene()->routeItem(QStringLiteral("via:fra"))->pen().style(), Qt::DashLine);

    m_view->markRouteFailed(QStringLiteral("shop"), QStringLiteral("direct"), QStringLiteral("reset"));
    QVERIFY(m_view->isRouteMarkedFailed(QStringLiteral("direct")));

    m_view->onRaceFinished(raceResult(false));
    for (const auto &id : {QStringLiteral("direct"), QStringLiteral("via:fra"), QStringLiteral("via:par")})
        QVERIFY2(!m_view->isRouteMarkedFailed(id), qPrintable(id));
}

void TestTopologyView::progressDotMovesTowardTheOriginAndStopsAtTheEnd()
{
    engine::RaceStart start;
    start.raceId = 7;
    start.provider = QStringLiteral("shop");
    start.thresholdBytes = 10000;
    start.routes = {QStringLiteral("direct"), QStringLiteral("via:fra"), QStringLiteral("via:ams"), QStringLiteral("via:par")};
    m_view->onRaceStarted(start);
    auto *scene = m_view->topologyScene();
    auto *fra = scene->routeItem(QStringLiteral("via:fra"));
    QVERIFY(fra->isProgressVisible());
    QCOMPARE(fra->progressDotScenePos(), scene->edgeItem()->pos());

    m_view->onRouteProgress(7, QStringLiteral("via:fra"), 1000, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(fra->progress(), 0.1, 5000);
    const QPointF early = fra->progressDotScenePos();
    QVERIFY(early != scene->edgeItem()->pos());

    // A burst of updates is coalesced: the next redraw shows the latest.
    for (qint64 bytes = 1100; bytes <= 8000; bytes += 100)
        m_view->onRouteProgress(7, QStringLiteral("via:fra"), bytes, 10000);
    QCOMPARE(fra->progress(), 0.1); // not drawn synchronously
    QTRY_COMPARE_WITH_TIMEOUT(fra->progress(), 0.8, 5000);
    const QPointF origin = scene->originItem()->pos();
    QVERIFY(QLineF(fra->progressDotScenePos(), origin).length() < QLineF(early, origin).length());

    // A progress report of an unknown (older) race is ignored.
    m_view->onRouteProgress(6, QStringLiteral("via:ams"), 9000, 10000);
    QTest::qWait(3 * TopologyView::kProgressIntervalMs);
    QCOMPARE(scene->routeItem(QStringLiteral("via:ams"))->progress(), 0.0);

    model::RaceResult result = raceResult(false);
    m_view->onRaceFinished(7, result);
    QVERIFY(!fra->isProgressVisible());
    // Late progress after the end draws nothing.
    m_view->onRouteProgress(7, QStringLiteral("via:fra"), 9000, 10000);
    QTest::qWait(3 * TopologyView::kProgressIntervalMs);
    QVERIFY(!fra->isProgressVisible());
}

void TestTopologyView::progressOfAnotherProviderIsKeptButNotDrawn()
{
    m_view->setMap(threeRegionMap(QStringLiteral("news")));
    QCOMPARE(m_view->provider(), QStringLiteral("shop"));
    engine::RaceStart start;
    start.raceId = 9;
    start.provider = QStringLiteral("news");
    start.routes = {QStringLiteral("via:ams")};
    m_view->onRaceStarted(start);
    m_view->onRouteProgress(9, QStringLiteral("via:ams"), 500, 1000);
    QTest::qWait(3 * TopologyView::kProgressIntervalMs);
    QVERIFY(!m_view->topologyScene()->routeItem(QStringLiteral("via:ams"))->isProgressVisible());
    m_view->setProvider(QStringLiteral("news"));
    QCOMPARE(m_view->provider(), QStringLiteral("news"));
    QCOMPARE(m_view->topologyScene()->routeItem(QStringLiteral("via:ams"))->progress(), 0.5);
}

void TestTopologyView::zoomAndFitChangeTheTransform()
{
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    m_view->fitAll();
    const double fitted = m_view->transform().m11();
    QVERIFY(fitted > 0);
    const QRectF content = m_view->topologyScene()->contentRect();
    const QRectF visible = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    QVERIFY(visible.adjusted(-1, -1, 1, 1).contains(content));

    QTest::keyClick(m_view.get(), Qt::Key_Plus);
    QVERIFY(m_view->transform().m11() > fitted * 1.1);
    const double zoomed = m_view->transform().m11();
    QWheelEvent wheel(QPointF(400, 250), m_view->viewport()->mapToGlobal(QPointF(400, 250)), QPoint(), QPoint(0, -240),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(m_view->viewport(), &wheel);
    QVERIFY(m_view->transform().m11() < zoomed * 0.9);
    QTest::keyClick(m_view.get(), Qt::Key_Minus);
    QVERIFY(m_view->transform().m11() < fitted);

    QTest::keyClick(m_view.get(), Qt::Key_0);
    QVERIFY(qAbs(m_view->transform().m11() - fitted) < fitted * 1e-6);
}

void TestTopologyView::tooltipsCarryTheFigures()
{
    auto *scene = m_view->topologyScene();
    const QString fraTip = scene->regionItem(QStringLiteral("fra"))->toolTip();
    QVERIFY2(fraTip.contains(QStringLiteral("42.5 ms")), qPrintable(fraTip));
    QVERIFY(fraTip.contains(QStringLiteral("http://127.0.0.1:3128")));
    m_view->onRaceFinished(raceResult(false));
    const QString linkTip = scene->routeItem(QStringLiteral("via:fra"))->toolTip();
    QVERIFY2(linkTip.contains(QStringLiteral("TTFB: 23.4 ms")), qPrintable(linkTip));
    QVERIFY(linkTip.contains(QStringLiteral("time to threshold: 80.0 ms")));
    QVERIFY(scene->regionItem(QStringLiteral("fra"))->toolTip().contains(QStringLiteral("TTFB 23.4 ms")));
}

void TestTopologyView::exportsValidSvgAndPngOfTheAskedSize()
{
    m_view->onRaceFinished(raceResult(true));
    m_view->setOptimalRoute(QStringLiteral("shop"), QStringLiteral("via:fra"));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString svgPath = dir.filePath(QStringLiteral("topology.svg"));
    QVERIFY(m_view->exportSvg(svgPath));
    QFile svg(svgPath);
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&svg);
    bool sawSvg = false;
    int texts = 0;
    int images = 0; // the routes are cached as pixmaps on screen, but exported as vectors
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            sawSvg = sawSvg || xml.name() == QStringLiteral("svg");
            texts += xml.name() == QStringLiteral("text") ? 1 : 0;
            images += xml.name() == QStringLiteral("image") ? 1 : 0;
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(sawSvg);
    QVERIFY(texts >= 5); // node names and link labels
    QCOMPARE(images, 0);

    const QString pngPath = dir.filePath(QStringLiteral("topology.png"));
    QVERIFY(m_view->exportPng(pngPath, QSize(640, 360)));
    const QImage png(pngPath);
    QCOMPARE(png.size(), QSize(640, 360));
    // Not blank: the routes' colours are in it.
    int coloured = 0;
    for (int y = 0; y < png.height(); y += 2) {
        for (int x = 0; x < png.width(); x += 2) {
            const QColor c = png.pixelColor(x, y);
            coloured += (c.saturation() > 80) ? 1 : 0;
        }
    }
    QVERIFY2(coloured > 100, qPrintable(QString::number(coloured)));
    // An artifact for people to look at (not an assertion on pixels).
    QDir().mkpath(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts"));
    QVERIFY(m_view->exportPng(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts/topology-export.png"), QSize(960, 540)));
    QVERIFY(!m_view->exportPng(dir.filePath(QStringLiteral("empty.png")), QSize()));
    QVERIFY(!m_view->exportSvg(dir.filePath(QStringLiteral("no/such/dir/x.svg"))));
}

QTEST_MAIN(TestTopologyView)
#include "tst_topologyview.moc"
