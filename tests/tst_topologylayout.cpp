// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The topology as the console's main view shows it, at two window sizes: the demo raced at least once
// (every route labelled with its figures), no two labels overlap, no label covers a node, no two
// nodes overlap, every label is inside the view, and the caption names the optimal route and its gain
// over direct. Checked with the edge and origins flanking the regions (the window's default) and at
// the lab's own coordinates (the edge in Singapore, the origins in Virginia and Frankfurt). Then, on a
// hand-built map: places that coincide spread apart, the caption's gain, shapes and line patterns that
// tell kinds and health without colour, and a dark palette.
#include "support/topologyfixtures.h"
#include "lab/topology.h"
#include "map/routemap.h"
#include "model/raceresult.h"
#include "ui/mainwindow.h"
#include "ui/providers/providersmodel.h"
#include "ui/providers/providerspanel.h"
#include "ui/theme/palette.h"
#include "ui/topology/labelitem.h"
#include "ui/topology/nodeitem.h"
#include "ui/topology/routeitem.h"
#include "ui/topology/topologyscene.h"
#include "ui/topology/topologyview.h"

#include <QDir>
#include <QGraphicsView>
#include <QImage>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace relayrace;
using namespace relayrace::testsupport::topology;
using relayrace::ui::LabelItem;
using relayrace::ui::MainWindow;
using relayrace::ui::NodeItem;
using relayrace::ui::TopologyView;

namespace {

constexpr int kTimeoutMs = 90000; // the demo lab's start and first race on a loaded 2-core machine

struct Box
{
    QString name;
    QRectF rect;                          // viewport coordinates
    const QGraphicsItem *node = nullptr;  // a node's label: its node
};

QString describe(const Box &box)
{
    return QStringLiteral("%1 at (%2, %3) %4x%5").arg(box.name).arg(box.rect.x(), 0, 'f', 1).arg(box.rect.y(), 0, 'f', 1)
        .arg(box.rect.width(), 0, 'f', 1).arg(box.rect.height(), 0, 'f', 1);
}

struct Scan
{
    QList<Box> labels; // shown, with a text
    QList<Box> nodes;
};

Scan scanOf(const TopologyView *view)
{
    const QTransform toView = view->viewportTransform();
    Scan scan;
    for (const QGraphicsItem *item : view->topologyScene()->items()) {
        if (!item->isVisible())
            continue;
        if (const auto *label = qgraphicsitem_cast<const LabelItem *>(item); label && !label->text().isEmpty()) {
            const QString kind = label->kind() == LabelItem::Kind::Node ? QStringLiteral("node label")
                                 : label->kind() == LabelItem::Kind::Route ? QStringLiteral("route label")
                                                                           : QStringLiteral("caption");
            scan.labels.append({QStringLiteral("%1 \"%2\"").arg(kind, label->text().section(QLatin1Char('\n'), 0, 0)),
                                label->deviceTransform(toView).mapRect(label->box()),
                                label->kind() == LabelItem::Kind::Node ? label->parentItem() : nullptr});
        } else if (const auto *node = qgraphicsitem_cast<const NodeItem *>(item)) {
            scan.nodes.append({QStringLiteral("node %1 %2").arg(NodeItem::kindName(node->kind()), node->id()),
                               node->deviceTransform(toView).mapRect(node->boundingRect()), node});
        }
    }
    return scan;
}

// Empty, or what overlaps what: two labels, a label and a node (its own excepted), two nodes, or a
// label and the view's border.
QString firstOverlap(const Scan &scan, const QRectF &viewport)
{
    const auto &labels = scan.labels;
    const auto &nodes = scan.nodes;
    for (qsizetype i = 0; i < labels.size(); ++i) {
        if (!viewport.contains(labels[i].rect))
            return QStringLiteral("%1 leaves the view (%2x%3)").arg(describe(labels[i])).arg(viewport.width()).arg(viewport.height());
        for (qsizetype j = i + 1; j < labels.size(); ++j) {
            if (labels[i].rect.intersects(labels[j].rect))
                return QStringLiteral("%1 overlaps %2").arg(describe(labels[i]), describe(labels[j]));
        }
        for (const Box &node : nodes) {
            if (labels[i].node != node.node && labels[i].rect.intersects(node.rect))
                return QStringLiteral("%1 overlaps %2").arg(describe(labels[i]), describe(node));
        }
    }
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        for (qsizetype j = i + 1; j < nodes.size(); ++j) {
            if (nodes[i].rect.intersects(nodes[j].rect))
                return QStringLiteral("%1 overlaps %2").arg(describe(nodes[i]), describe(nodes[j]));
        }
    }
    return QString();
}

bool everyRouteHasFigures(const TopologyView *view)
{
    const auto routes = view->topologyScene()->routeItems();
    return !routes.isEmpty() && std::all_of(routes.cbegin(), routes.cend(), [](const ui::RouteItem *route) {
        return route->labelText().contains(QStringLiteral("ttfb")) || route->labelText().contains(QStringLiteral("failed"));
    });
}

} // namespace

class TestTopologyLayout final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void labelsNodesAndCaptionDoNotOverlap_data();
    void labelsNodesAndCaptionDoNotOverlap();
    void init();
    void cleanup();
    void coincidentPlacesAreSpreadApartOnScreen();
    void aSmallViewShortensOrLeavesOutLabelsRatherThanOverlap();
    void captionSaysTheOptimalRouteAndItsGainOverDirect();
    void shapesAndPatternsTellKindsAndHealthWithoutColour();
    void followsADarkPalette();
    void cleanupTestCase();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    TopologyView *m_view = nullptr;          // the window's
    std::unique_ptr<TopologyView> m_small;   // on its own, a hand-built map
};

void TestTopologyLayout::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Settings of its own: no window layout saved by another test (splitters moved) is restored here.
    QCoreApplication::setOrganizationName(QStringLiteral("relayrace-tests-topologylayout"));
    QSettings().clear();
    MainWindow::Options options;
    options.historyPath = m_dir.filePath(QStringLiteral("history.sqlite"));
    options.failoverLogPath = m_dir.filePath(QStringLiteral("failover.jsonl"));
    options.raceIntervalMs = 3000;
    m_window = std::make_unique<MainWindow>(options);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    auto *start = m_window->findChild<QPushButton *>(QStringLiteral("startDemoButton"));
    QVERIFY(start);
    QTest::mouseClick(start, Qt::LeftButton);
    // The engine starts once the lab is up, and the window's panels are made again for it (a front of
    // its own): the view to check is the shown one among the window's.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->engine(), kTimeoutMs);
    const auto shownView = [this] {
        const auto views = m_window->findChildren<TopologyView *>();
        const auto shown = std::find_if(views.cbegin(), views.cend(), [](const TopologyView *view) { return view->isVisible(); });
        return shown == views.cend() ? nullptr : *shown;
    };
    QTRY_VERIFY_WITH_TIMEOUT(shownView() && everyRouteHasFigures(shownView()), kTimeoutMs);
    m_view = shownView();
    QCOMPARE(m_view, m_window->topologyView());
    // Raced at least once: every route's label carries its figures, the caption the optimal route.
    QTRY_VERIFY_WITH_TIMEOUT(m_view->topologyScene()->captionText().startsWith(QStringLiteral("Optimal: ")), kTimeoutMs);
}

void TestTopologyLayout::cleanupTestCase()
{
    m_window.reset();
}

void TestTopologyLayout::labelsNodesAndCaptionDoNotOverlap_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addColumn<bool>("labCoordinates");
    // In this order: the lab's coordinates, once set, stay.
    QTest::newRow("1280x800") << QSize(1280, 800) << false;
    QTest::newRow("1920x1080") << QSize(1920, 1080) << false;
    QTest::newRow("1280x800, lab coordinates") << QSize(1280, 800) << true;
    QTest::newRow("1920x1080, lab coordinates") << QSize(1920, 1080) << true;
}

void TestTopologyLayout::labelsNodesAndCaptionDoNotOverlap()
{
    QFETCH(QSize, size);
    QFETCH(bool, labCoordinates);
    if (labCoordinates) {
        const auto topology = lab::demoTopology();
        if (!topology)
            QFAIL(qPrintable(topology.error()));
        m_view->setEdgePosition(topology->edge.lat, topology->edge.lon);
        for (const auto &provider : topology->providers)
            m_view->setOriginPosition(provider.place.id, provider.place.lat, provider.place.lon);
        QTRY_VERIFY_WITH_TIMEOUT(everyRouteHasFigures(m_view), kTimeoutMs);
    }
    m_window->resize(size);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), size, 10000);
    QTest::qWait(300); // the splitters settle
    QTRY_VERIFY_WITH_TIMEOUT(!m_view->isLayoutPending(), 10000);
    // From here on nothing runs the event loop: the picture checked is the one on screen.
    QDir().mkpath(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts"));
    const QString name = QString::fromLatin1(QTest::currentDataTag()).replace(QStringLiteral(", "), QStringLiteral("-"))
                             .replace(QLatin1Char(' '), QLatin1Char('-'));
    m_view->grab().save(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts/topology-layout-%1.png").arg(name));

    const Scan scan = scanOf(m_view);
    QCOMPARE(scan.nodes.size(), 2 + 5); // edge, origin, the demo's five regions
    QVERIFY(scan.labels.size() >= scan.nodes.size() + 6 + 1); // the nodes', six routes', the caption: none left out
    const QString overlap = firstOverlap(scan, QRectF(m_view->viewport()->rect()));
    QVERIFY2(overlap.isEmpty(), qPrintable(overlap));
    // The caption names the optimal route and how it compares with direct.
    const QString caption = m_view->topologyScene()->captionText();
    QVERIFY2(caption.startsWith(QStringLiteral("Optimal: ")), qPrintable(caption));
    const QString optimal = m_view->optimalRouteDrawn();
    if (!optimal.isEmpty())
        QVERIFY2(caption.startsWith(QStringLiteral("Optimal: ") + optimal), qPrintable(caption + QStringLiteral(" / ") + optimal));
    if (!optimal.isEmpty() && optimal != u"direct" && !caption.contains(QStringLiteral("direct failed")))
        QVERIFY2(caption.contains(QStringLiteral("than direct")), qPrintable(caption));
    // The same gain as the providers table's (the same races, the same rule).
    const auto *providers = m_window->providersPanel()->model();
    bool compared = false;
    for (int row = 0; row < providers->rowCount(); ++row) {
        const QString gain = providers->index(row, ui::ProvidersModel::GainColumn).data().toString();
        if (providers->index(row, ui::ProvidersModel::ProviderColumn).data().toString() != m_view->provider()
            || !(gain.endsWith(u"faster") || gain.endsWith(u"slower")))
            continue;
        compared = true;
        if (!caption.contains(QStringLiteral("direct failed")))
            QVERIFY2(caption.contains(gain + QStringLiteral(" than direct")), qPrintable(caption + QStringLiteral(" / ") + gain));
    }
    QVERIFY2(compared, qPrintable(caption));
}

void TestTopologyLayout::init()
{
    m_small = std::make_unique<TopologyView>();
    m_small->resize(800, 500);
    m_small->setMap(threeRegionMap());
}

void TestTopologyLayout::cleanup()
{
    m_small.reset();
}

void TestTopologyLayout::coincidentPlacesAreSpreadApartOnScreen()
{
    // The edge in Frankfurt, on its region: both stay on screen, apart, the routes ending on them.
    m_small->setEdgePosition(50.1, 8.7);
    m_small->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_small.get()));
    QTRY_VERIFY_WITH_TIMEOUT(!m_small->isLayoutPending(), 5000);
    auto *scene = m_small->topologyScene();
    const auto *edge = scene->edgeItem();
    const auto *fra = scene->regionItem(QStringLiteral("fra"));
    QCOMPARE(edge->geoPos(), fra->geoPos());
    const QPointF edgeAt = m_small->mapFromScene(edge->pos());
    const QPointF fraAt = m_small->mapFromScene(fra->pos());
    QVERIFY2(QLineF(edgeAt, fraAt).length() >= 2 * ui::NodeItem::kRadius + 4,
             qPrintable(QStringLiteral("%1 px apart").arg(QLineF(edgeAt, fraAt).length())));
    const QPainterPath via = scene->routeItem(QStringLiteral("via:fra"))->path();
    QCOMPARE(QPointF(via.elementAt(0)), edge->pos());
    QCOMPARE(QPointF(via.elementAt(1)), fra->pos());
    // Neither node on the other, no label on another nor on a node.
    const QString overlap = firstOverlap(scanOf(m_small.get()), QRectF(m_small->viewport()->rect()));
    QVERIFY2(overlap.isEmpty(), qPrintable(overlap));
}

void TestTopologyLayout::aSmallViewShortensOrLeavesOutLabelsRatherThanOverlap()
{
    m_small->onRaceFinished(raceResult(true));
    m_small->resize(260, 130);
    m_small->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_small.get()));
    QTRY_VERIFY_WITH_TIMEOUT(!m_small->isLayoutPending(), 5000);
    m_small->grab().save(QStringLiteral(RELAYRACE_BINARY_DIR "/tests/artifacts/topology-layout-small.png"));
    const Scan scan = scanOf(m_small.get());
    const QString overlap = firstOverlap(scan, QRectF(m_small->viewport()->rect()));
    QVERIFY2(overlap.isEmpty(), qPrintable(overlap));
    // Not everything fits: some labels are shorter (their route and time to N) or left out.
    const auto routes = m_small->topologyScene()->routeItems();
    QVERIFY(scan.labels.size() < 5 + 4 + 1 || std::any_of(routes.cbegin(), routes.cend(), [](const ui::RouteItem *route) {
                return route->label()->isVisible() && route->label()->text() == route->shortLabelText(); }));
    // Roomy again: every label back in full.
    m_small->resize(1000, 600);
    QTRY_VERIFY_WITH_TIMEOUT(!m_small->isLayoutPending() && m_small->viewport()->width() > 900, 5000);
    const Scan roomy = scanOf(m_small.get());
    QCOMPARE(roomy.labels.size(), 5 + 4 + 1);
    for (const auto *route : routes)
        QCOMPARE(route->label()->text(), route->labelText());
    QVERIFY(firstOverlap(roomy, QRectF(m_small->viewport()->rect())).isEmpty());
}

void TestTopologyLayout::captionSaysTheOptimalRouteAndItsGainOverDirect()
{
    auto *scene = m_small->topologyScene();
    QVERIFY(scene->captionItem());
    QVERIFY2(scene->captionText().startsWith(QStringLiteral("Optimal route: not raced yet")), qPrintable(scene->captionText()));
    // Winner via:fra at 80 ms, direct projected at 310 ms: 1 - 80/310 = 74% faster.
    m_small->onRaceFinished(raceResult(false));
    QVERIFY2(scene->captionText().startsWith(QStringLiteral("Optimal: via:fra, 74% faster than direct")), qPrintable(scene->captionText()));
    QVERIFY(scene->captionText().contains(QStringLiteral("latest race: 80.0 ms vs 310.0 ms")));
    // The medians of the latest races: 80, 80, 40 against 310, 310, 100 -> 80 vs 310 still.
    model::RaceResult fast = raceResult(false);
    fast.routes[1].timeToThresholdMs = 40;
    fast.routes[0].projectedMs = 100;
    m_small->onRaceFinished(raceResult(false));
    m_small->onRaceFinished(fast);
    QVERIFY2(scene->captionText().contains(QStringLiteral("74% faster than direct")), qPrintable(scene->captionText()));
    QVERIFY(scene->captionText().contains(QStringLiteral("median time to N, last 3 races: 80.0 ms vs 310.0 ms")));
    // The route the engine chose is the one named; direct optimal, or failed, is said as such.
    m_small->setOptimalRoute(QStringLiteral("shop"), QStringLiteral("via:ams"));
    QVERIFY2(scene->captionText().startsWith(QStringLiteral("Optimal: via:ams, ")), qPrintable(scene->captionText()));
    m_small->setOptimalRoute(QStringLiteral("shop"), QStringLiteral("direct"));
    QVERIFY(scene->captionText().startsWith(QStringLiteral("Optimal: direct")));
    model::RaceResult directFails = raceResult(false);
    directFails.routes[0] = outcome(QStringLiteral("direct"), model::RouteOutcome::State::Failed, -1, -1, -1, QStringLiteral("reset"));
    m_small->setOptimalRoute(QStringLiteral("shop"), QStringLiteral("via:fra"));
    m_small->onRaceFinished(directFails);
    QVERIFY2(scene->captionText().startsWith(QStringLiteral("Optimal: via:fra, direct failed in the latest race")),
             qPrintable(scene->captionText()));
}

void TestTopologyLayout::shapesAndPatternsTellKindsAndHealthWithoutColour()
{
    auto *scene = m_small->topologyScene();
    // Three shapes: a square edge, a diamond origin, round regions (told apart by their outlines).
    const QPainterPath edge = scene->edgeItem()->path();
    const QPainterPath origin = scene->originItem()->path();
    const QPainterPath region = scene->regionItem(QStringLiteral("fra"))->path();
    QVERIFY(edge.contains(edge.boundingRect().topLeft() + QPointF(0.5, 0.5))); // a square fills its corners
    QVERIFY(!origin.contains(origin.boundingRect().topLeft() + QPointF(1, 1))); // a diamond does not
    QVERIFY(origin.contains(QPointF(0, -ui::NodeItem::kRadius - 1)));           // and reaches further up
    QVERIFY(!region.contains(region.boundingRect().topLeft() + QPointF(1, 1)));
    QVERIFY(!region.contains(QPointF(0, -ui::NodeItem::kRadius - 1)));
    QCOMPARE(scene->edgeItem()->label()->text(), QStringLiteral("edge"));
    // Health by pattern and glyph as well as colour.
    m_small->onRaceFinished(raceResult(true));
    QCOMPARE(scene->routeItem(QStringLiteral("via:fra"))->pen().style(), Qt::SolidLine);
    QCOMPARE(scene->routeItem(QStringLiteral("direct"))->pen().style(), Qt::DotLine); // slow
    QCOMPARE(scene->routeItem(QStringLiteral("via:par"))->pen().style(), Qt::DashLine); // failed
    QVERIFY(scene->routeItem(QStringLiteral("via:fra"))->labelText().startsWith(QStringLiteral("fra \u2713 ")));
    QVERIFY(scene->routeItem(QStringLiteral("direct"))->labelText().startsWith(QStringLiteral("direct \u25cb ")));
    QVERIFY(scene->routeItem(QStringLiteral("via:par"))->labelText().startsWith(QStringLiteral("par \u2717 failed")));
}

void TestTopologyLayout::followsADarkPalette()
{
    QPalette dark;
    dark.setColor(QPalette::Base, QColor(0x20, 0x22, 0x25));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    m_small->setPalette(dark);
    m_small->onRaceFinished(raceResult(false));
    auto *scene = m_small->topologyScene();
    QCOMPARE(scene->palette().color(QPalette::Base), dark.color(QPalette::Base));
    QCOMPARE(scene->regionItem(QStringLiteral("fra"))->label()->color(), dark.color(QPalette::Text));
    const QColor routeText = scene->routeItem(QStringLiteral("via:fra"))->label()->color();
    // The tone's shade for dark backgrounds: lighter than the one for light ones.
    QCOMPARE(routeText, ui::theme::readable(ui::theme::Tone::Good, scene->palette()));
    QVERIFY(routeText.valueF() > ui::theme::readable(ui::theme::Tone::Good, QPalette(Qt::white)).valueF());
    // The sea (the South Pacific, between graticule lines) in the base colour.
    QImage sea(8, 8, QImage::Format_RGB32);
    QPainter painter(&sea);
    scene->render(&painter, QRectF(0, 0, 8, 8), QRectF(ui::TopologyScene::project({-37, -147}), QSizeF(8, 8)));
    painter.end();
    QCOMPARE(sea.pixelColor(4, 4), dark.color(QPalette::Base));
}

QTEST_MAIN(TestTopologyLayout)
#include "tst_topologylayout.moc"
