// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/notify/noticearea.h"

#include "ui/notify/noticemodel.h"

#include <QHBoxLayout>
#include <QListView>
#include <QPushButton>
#include <QVBoxLayout>

namespace relayrace::ui {

NoticePanel::NoticePanel(NoticeModel *model, QWidget *parent)
    : QWidget(parent)
    , m_view(new QListView(this))
{
    setObjectName(QStringLiteral("noticePanel"));
    m_view->setObjectName(QStringLiteral("noticeView"));
    m_view->setModel(model);
    m_view->setWordWrap(true);
    m_view->setUniformItemSizes(false);
    m_view->setTextElideMode(Qt::ElideRight); // the whole notice is in the row's tooltip
    auto *clear = new QPushButton(tr("C&lear"), this);
    clear->setObjectName(QStringLiteral("noticeClear"));
    connect(clear, &QPushButton::clicked, model, &NoticeModel::clear);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(clear);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_view, 1);
    layout->addLayout(buttons);
}

NoticeButton::NoticeButton(NoticeModel *model, QWidget *parent)
    : QToolButton(parent)
    , m_model(model)
{
    setObjectName(QStringLiteral("noticeButton"));
    setAutoRaise(true);
    setCheckable(true);
    setToolTip(tr("Notices from the engines and the console: show or hide them"));
    connect(model, &NoticeModel::countsChanged, this, &NoticeButton::showCounts);
    showCounts();
}

void NoticeButton::showCounts()
{
    const int errors = m_model->unseen(NoticeModel::Level::Error);
    const int warnings = m_model->unseen(NoticeModel::Level::Warning);
    const int infos = m_model->unseen(NoticeModel::Level::Info);
    QStringList parts;
    if (errors > 0)
        parts.append(errors == 1 ? tr("\u2717 1 error") : tr("\u2717 %1 errors").arg(errors));
    if (warnings > 0)
        parts.append(warnings == 1 ? tr("\u26a0 1 warning") : tr("\u26a0 %1 warnings").arg(warnings));
    if (infos > 0)
        parts.append(infos == 1 ? tr("\u2139 1 notice") : tr("\u2139 %1 notices").arg(infos));
    setText(parts.isEmpty() ? tr("Notices") : parts.join(QStringLiteral(", ")));
    QFont bold = font();
    bold.setBold(errors + warnings > 0);
    setFont(bold);
}

} // namespace relayrace::ui
