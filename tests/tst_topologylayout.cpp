// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The topology as the console's main view shows it, at two window sizes: the demo raced at least once
// (every route labelled with its figures), no two labels overlap, no label covers a node, no two
// nodes overlap, every label is inside the view, and the caption names the optimal route and its gain
// over direct. Checked with the edge and origins flanking the regions (the window's default) and at
// the lab's own coordinates (the edge in Singapore, the origins in Virginia and Frankfurt). Then, on a
// hand-built map: places that coincide spread apart, the caption's gain, shapes and line patterns that
// tell kinds and health without colour, and a dark palette.
#include "lab/topology.h"
#include "map/routemap.h"
#include "model/raceresult.h"
#include "ui/mainwindow.h"
#include "ui/theme/palette.h"
#include "ui/topology/labelitem.h"
#include "ui/topology/nodeitem.h"
#include "ui/topology/routeitem.h"
#include "ui/topology/topologyscene.h"
#include "ui/topology/topologyview.h"

#include <QDir>
#include <QGraphicsView>
#include <QImage>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace relayrace;
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

map::Region region(const QString &id, double lat, double lon, std::optional<double> rtt)
{
    map::Region r;
    r.id = id;
    r.name = id.toUpper();
    r.relay = QUrl(QStringLiteral("http://127.0.0.1:3128"));
    r.lat = lat;
    r.lon = lon;
    r.rttToOriginMs = rtt;
    r.samples = 5;
    return r;
}

map::RouteMap threeRegionMap(const QString &provider = QStringLiteral("shop"))
{
    map::RouteMap m;
    m.provider = provider;
    m.origin = QUrl(QStringLiteral("http://127.0.0.1:8080"));
    m.generatedAt = QDateTime::currentDateTimeUtc();
    m.regions = {region(QStringLiteral("fra"), 50.1, 8.7, 42.5), region(QStringLiteral("ams"), 52.4, 4.9, 30.0),
                 region(QStringLiteral("par"), 48.9, 2.4, std::nullopt)};
    m.alternates.insert(QStringLiteral("default"), {QStringLiteral("fra"), QStringLiteral("ams"), QStringLiteral("par")});
    return m;
}

model::RouteOutcome outcome(const QString &id, model::RouteOutcome::State state, double ttfb, double ttt, double projected,
                           const QString &error = QString())
{
    model::RouteOutcome o;
    o.routeId = id;
    o.state = state;
    o.ttfbMs = ttfb;
    o.timeToThresholdMs = ttt;
    o.projectedMs = projected;
    o.error = error;
    return o;
}

model::RaceResult raceResult(bool parFails)
{
    using State = model::RouteOutcome::State;
    model::RaceResult r;
    r.provider = QStringLiteral("shop");
    r.winner = QStringLiteral("via:fra");
    r.thresholdBytes = 65536;
    r.startedAt = QDateTime::currentDateTimeUtc();
    r.routes = {outcome(QStringLiteral("direct"), State::Lost, 61.0, -1, 310.0),
                outcome(QStringLiteral("via:fra"), State::Won, 23.4, 80.0, 80.0),
                outcome(QStringLiteral("via:ams"), State::Lost, 30.0, -1, 95.0),
                parFails ? outcome(QStringLiteral("via:par"), State::Failed, -1, -1, -1, QStringLiteral("connection refused"))
                         : outcome(QStringLiteral("via:par"), State::Lost, 35.0, -1, 100.0)};
    return r;
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

    const QTransform toView = m_view->viewportTransform();
    QList<Box> labels;
    QList<Box> nodes;
    for (const QGraphicsItem *item : m_view->topologyScene()->items()) {
        if (!item->isVisible())
            continue;
        if (const auto *label = qgraphicsitem_cast<const LabelItem *>(item); label && !label->text().isEmpty()) {
            const QString kind = label->kind() == LabelItem::Kind::Node ? QStringLiteral("node label")
                                 : label->kind() == LabelItem::Kind::Route ? QStringLiteral("route label")
                                                                           : QStringLiteral("caption");
            labels.append({QStringLiteral("%1 \"%2\"").arg(kind, label->text().section(QLatin1Char('\n'), 0, 0)),
                           label->deviceTransform(toView).mapRect(label->box()),
                           label->kind() == LabelItem::Kind::Node ? label->parentItem() : nullptr});
        } else if (const auto *node = qgraphicsitem_cast<const NodeItem *>(item)) {
            nodes.append({QStringLiteral("node %1 %2").arg(NodeItem::kindName(node->kind()), node->id()),
                          node->deviceTransform(toView).mapRect(node->boundingRect()), node});
        }
    }
    QCOMPARE(nodes.size(), 2 + 5); // edge, origin, the demo's five regions
    QVERIFY(labels.size() >= nodes.size() + 6 + 1); // the nodes', six routes', the caption
    const QRectF viewport(m_view->viewport()->rect());
    for (qsizetype i = 0; i < labels.size(); ++i) {
        QVERIFY2(viewport.contains(labels[i].rect),
                 qPrintable(QStringLiteral("%1 leaves the view (%2x%3)").arg(describe(labels[i])).arg(viewport.width()).arg(viewport.height())));
        for (qsizetype j = i + 1; j < labels.size(); ++j) {
            QVERIFY2(!labels[i].rect.intersects(labels[j].rect),
                     qPrintable(QStringLiteral("%1 overlaps %2").arg(describe(labels[i]), describe(labels[j]))));
        }
        for (const Box &node : std::as_const(nodes)) {
            if (labels[i].node == node.node)
                continue; // a node's own label may touch it (it does not, but that is not the point)
            QVERIFY2(!labels[i].rect.intersects(node.rect),
                     qPrintable(QStringLiteral("%1 overlaps %2").arg(describe(labels[i]), describe(node))));
        }
    }
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        for (qsizetype j = i + 1; j < nodes.size(); ++j) {
            QVERIFY2(!nodes[i].rect.intersects(nodes[j].rect),
                     qPrintable(QStringLiteral("%1 overlaps %2").arg(describe(nodes[i]), describe(nodes[j]))));
        }
    }
    // The caption names the optimal route and how it compares with direct.
    const QString caption = m_view->topologyScene()->captionText();
    QVERIFY2(caption.startsWith(QStringLiteral("Optimal: ")), qPrintable(caption));
    const QString optimal = m_view->optimalRouteDrawn();
    if (!optimal.isEmpty())
        QVERIFY2(caption.startsWith(QStringLiteral("Optimal: ") + optimal), qPrintable(caption + QStringLiteral(" / ") + optimal));
    if (!optimal.isEmpty() && optimal != u"direct" && !caption.contains(QStringLiteral("direct failed")))
        QVERIFY2(caption.contains(QStringLiteral("than direct")), qPrintable(caption));
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
    const QTransform toView = m_small->viewportTransform();
    QVERIFY(!edge->deviceTransform(toView).mapRect(edge->boundingRect())
                 .intersects(fra->deviceTransform(toView).mapRect(fra->boundingRect())));
    const QPainterPath via = scene->routeItem(QStringLiteral("via:fra"))->path();
    QCOMPARE(QPointF(via.elementAt(0)), edge->pos());
    QCOMPARE(QPointF(via.elementAt(1)), fra->pos());
    // Still no label on another, nor on a node.
    QList<QRectF> boxes;
    for (const QGraphicsItem *item : scene->items()) {
        if (const auto *label = qgraphicsitem_cast<const ui::LabelItem *>(item); label && !label->text().isEmpty())
            boxes.append(label->deviceTransform(toView).mapRect(label->box()));
    }
    for (const auto *node : scene->nodeItems()) {
        const QRectF nodeBox = node->deviceTransform(toView).mapRect(node->boundingRect());
        for (const QRectF &box : std::as_const(boxes))
            QVERIFY2(!box.intersects(nodeBox), qPrintable(node->id()));
    }
    for (qsizetype i = 0; i < boxes.size(); ++i) {
        for (qsizetype j = i + 1; j < boxes.size(); ++j)
            QVERIFY(!boxes[i].intersects(boxes[j]));
    }
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
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x30));
    m_small->setPalette(dark);
    m_small->onRaceFinished(raceResult(false));
    auto *scene = m_small->topologyScene();
    QCOMPARE(scene->palette().color(QPalette::Base), dark.color(QPalette::Base));
    QCOMPARE(scene->regionItem(QStringLiteral("fra"))->label()->color(), dark.color(QPalette::Text));
    const QColor routeText = scene->routeItem(QStringLiteral("via:fra"))->label()->color();
    // The tone's shade for dark backgrounds: lighter than the one for light ones.
    QCOMPARE(routeText, ui::theme::readable(ui::theme::Tone::Good, scene->palette()));
    QVERIFY(routeText.valueF() > ui::theme::readable(ui::theme::Tone::Good, QPalette(Qt::white)).valueF());
    m_small->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_small.get()));
    const QImage picture = m_small->grab().toImage();
    // Mostly dark: the sea and the land are shades of the base colour.
    int dark_ = 0;
    for (int y = 0; y < picture.height(); y += 4) {
        for (int x = 0; x < picture.width(); x += 4)
            dark_ += picture.pixelColor(x, y).lightnessF() < 0.35 ? 1 : 0;
    }
    QVERIFY2(dark_ > (picture.width() / 4) * (picture.height() / 4) * 3 / 4, qPrintable(QString::number(dark_)));
}

QTEST_MAIN(TestTopologyLayout)
#include "tst_topologylayout.moc"
