// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/race/liveracepanel.h"

#include "ui/race/lanedelegate.h"
#include "ui/race/liveracemodel.h"
#include "ui/race/racereplay.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QTreeView>
#include <QResizeEvent>
#include <QVBoxLayout>

#include <algorithm>

namespace relayrace::ui {

LiveRacePanel::LiveRacePanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new LiveRaceModel(this))
    , m_replay(new RaceReplay(m_model, this))
    , m_summary(new QLabel(tr("No race yet."), this))
    , m_replayButton(new QPushButton(tr("&Replay"), this))
    , m_view(new QTreeView(this))
{
    setObjectName(QStringLiteral("liveRacePanel"));
    m_summary->setObjectName(QStringLiteral("raceSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setToolTip(tr("The latest race: its winner, how much earlier it reached the threshold than the "
                             "runner-up (measured, ≈ projected or ≥ a lower bound), the bytes the other routes "
                             "received, and what triggered it"));
    m_replayButton->setObjectName(QStringLiteral("replayButton"));
    m_replayButton->setToolTip(tr("Replay the selected finished race (else the newest) from its recorded times, %1 times slower")
                                   .arg(RaceReplay::kSlowdown));
    m_replayButton->setEnabled(false);
    m_view->setObjectName(QStringLiteral("liveRaceView"));
    m_view->setModel(m_model);
    m_view->setItemDelegate(new LaneDelegate(m_view));
    m_view->setUniformRowHeights(false);
    m_view->setAlternatingRowColors(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(LiveRaceModel::LanesColumn, QHeaderView::Interactive);
    m_view->setColumnWidth(LiveRaceModel::LanesColumn, 720);

    connect(m_replayButton, &QPushButton::clicked, this, [this] { replay(replayCandidate()); });
    connect(m_view, &QWidget::customContextMenuRequested, this, &LiveRacePanel::showContextMenu);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, &LiveRacePanel::updateReplayButton);
    connect(m_replay, &RaceReplay::started, this, &LiveRacePanel::updateReplayButton);
    connect(m_replay, &RaceReplay::finished, this, &LiveRacePanel::updateReplayButton);

    auto *top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_replayButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);
}

QString LiveRacePanel::lastWinner(const QString &provider) const
{
    return m_model->lastWinner(provider);
}

quint64 LiveRacePanel::raceAt(const QModelIndex &index) const
{
    return index.isValid() ? index.data(LiveRaceModel::RaceIdRole).toULongLong() : 0;
}

quint64 LiveRacePanel::replayCandidate() const
{
    const QModelIndex current = m_view->currentIndex();
    if (current.isValid() && current.data(LiveRaceModel::FinishedRole).toBool())
        return raceAt(current);
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QModelIndex race = m_model->index(row, 0);
        if (race.data(LiveRaceModel::FinishedRole).toBool())
            return raceAt(race);
    }
    return 0;
}

bool LiveRacePanel::replay(quint64 raceId)
{
    return m_replay->start(raceId);
}

void LiveRacePanel::updateReplayButton()
{
    m_replayButton->setEnabled(replayCandidate() != 0);
    m_replayButton->setText(m_replay->isRunning() ? tr("&Replay again") : tr("&Replay"));
}

void LiveRacePanel::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos);
    if (!index.isValid())
        return;
    const quint64 raceId = raceAt(index);
    const QModelIndex race = m_model->raceIndex(raceId);
    // Popped up, not exec'd: no nested event loop; the actions find the race by its id when chosen.
    auto *menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("liveRaceMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    QAction *replay = menu->addAction(tr("Replay this race (%1× slower)").arg(RaceReplay::kSlowdown));
    replay->setObjectName(QStringLiteral("replayRaceAction"));
    replay->setEnabled(m_model->isFinished(raceId));
    connect(replay, &QAction::triggered, this, [this, raceId] { this->replay(raceId); });
    QAction *details = menu->addAction(m_view->isExpanded(race) ? tr("Hide the routes' details") : tr("Show the routes' details"));
    details->setObjectName(QStringLiteral("routeDetailsAction"));
    connect(details, &QAction::triggered, this, [this, raceId] {
        const QModelIndex at = m_model->raceIndex(raceId);
        if (at.isValid())
            m_view->setExpanded(at, !m_view->isExpanded(at));
    });
    menu->popup(m_view->viewport()->mapToGlobal(pos));
}

void LiveRacePanel::onRaceStarted(const engine::RaceStart &start)
{
    m_model->onRaceStarted(start);
    if (!m_sized && m_model->rowCount() > 0) {
        // Once, from the first race; later races only widen the text columns (see widenTextColumns):
        // resizing on every race would make the columns jump.
        m_sized = true;
        for (int column = 0; column < LiveRaceModel::ColumnCount; ++column) {
            if (column != LiveRaceModel::LanesColumn)
                m_view->resizeColumnToContents(column);
        }
        const int em = fontMetrics().averageCharWidth();
        m_view->setColumnWidth(LiveRaceModel::RaceColumn, std::max(m_view->columnWidth(LiveRaceModel::RaceColumn), 18 * em));
        m_view->setColumnWidth(LiveRaceModel::MarginColumn, std::max(m_view->columnWidth(LiveRaceModel::MarginColumn), 17 * em));
        m_view->setColumnWidth(LiveRaceModel::StateColumn, std::max(m_view->columnWidth(LiveRaceModel::StateColumn), 14 * em));
        m_view->setColumnWidth(LiveRaceModel::BytesColumn, std::max(m_view->columnWidth(LiveRaceModel::BytesColumn), 20 * em));
    }
    widenTextColumns();
}

void LiveRacePanel::widenTextColumns()
{
    bool changed = false;
    for (const int column : {int(LiveRaceModel::ProviderColumn), int(LiveRaceModel::TriggerColumn),
                             int(LiveRaceModel::StateColumn), int(LiveRaceModel::MarginColumn)}) {
        const int wanted = std::max(static_cast<const QAbstractItemView *>(m_view)->sizeHintForColumn(column), m_view->header()->sectionSizeHint(column));
        if (wanted > m_view->columnWidth(column)) {
            m_view->setColumnWidth(column, wanted);
            changed = true;
        }
    }
    if (changed)
        fitLanes();
}

void LiveRacePanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitLanes();
}

void LiveRacePanel::fitLanes()
{
    // The lanes take the width the columns before them leave (the routes' figures after them are a
    // scroll away), never less than they need to be read.
    int before = 0;
    for (int column = 0; column < LiveRaceModel::LanesColumn; ++column) {
        if (!m_view->isColumnHidden(column))
            before += m_view->columnWidth(column);
    }
    const int minimum = fontMetrics().averageCharWidth() * 90;
    m_view->setColumnWidth(LiveRaceModel::LanesColumn, std::max(minimum, m_view->viewport()->width() - before - 4));
}

void LiveRacePanel::onRouteProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 threshold)
{
    m_model->onRouteProgress(raceId, routeId, bytes, threshold);
}

void LiveRacePanel::onRaceFinished(quint64 raceId, const model::RaceResult &result)
{
    m_model->onRaceFinished(raceId, result);
    m_summary->setText(LiveRaceModel::summaryText(result));
    widenTextColumns();
    updateReplayButton();
}

} // namespace relayrace::ui
