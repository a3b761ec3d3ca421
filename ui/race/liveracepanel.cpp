// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "liveracepanel.h"

#include "liveracemodel.h"
#include "progressdelegate.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace relayrace::ui {

LiveRacePanel::LiveRacePanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new LiveRaceModel(this))
    , m_summary(new QLabel(tr("No race yet."), this))
    , m_view(new QTableView(this))
{
    setObjectName(QStringLiteral("liveRacePanel"));
    m_summary->setObjectName(QStringLiteral("raceSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setToolTip(tr("The latest race: its winner, how much earlier it reached the threshold than the "
                             "runner-up, the bytes the other routes received, and what triggered it"));
    m_view->setObjectName(QStringLiteral("liveRaceView"));
    m_view->setModel(m_model);
    m_view->setItemDelegateForColumn(LiveRaceModel::ProgressColumn, new ProgressDelegate(m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(LiveRaceModel::ProgressColumn, 200);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
}

QString LiveRacePanel::lastWinner(const QString &provider) const
{
    return m_model->lastWinner(provider);
}

void LiveRacePanel::onRaceStarted(const engine::RaceStart &start)
{
    m_model->onRaceStarted(start);
    if (!m_sized && m_model->rowCount() > 0) {
        // Once, from the first rows: resizing on every race would make the columns jump.
        m_sized = true;
        m_view->resizeColumnsToContents();
        m_view->setColumnWidth(LiveRaceModel::ProgressColumn, std::max(200, m_view->columnWidth(LiveRaceModel::ProgressColumn)));
    }
}

void LiveRacePanel::onRouteProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 threshold)
{
    m_model->onRouteProgress(raceId, routeId, bytes, threshold);
}

void LiveRacePanel::onRaceFinished(quint64 raceId, const model::RaceResult &result)
{
    m_model->onRaceFinished(raceId, result);
    m_summary->setText(LiveRaceModel::summaryText(result));
}

} // namespace relayrace::ui
