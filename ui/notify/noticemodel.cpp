// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/notify/noticemodel.h"

#include "ui/theme/palette.h"

#include <QBrush>
#include <QGuiApplication>
#include <QLocale>

namespace relayrace::ui {

NoticeModel::NoticeModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

QString NoticeModel::levelName(Level level)
{
    switch (level) {
    case Level::Info: return tr("notice");
    case Level::Warning: return tr("warning");
    case Level::Error: return tr("error");
    }
    return {};
}

void NoticeModel::notify(Level level, const QString &text)
{
    const QDateTime now = QDateTime::currentDateTime();
    ++m_unseen[int(level)];
    for (qsizetype row = 0; row < m_notices.size(); ++row) {
        Notice &notice = m_notices[row];
        if (notice.level != level || notice.text != text)
            continue;
        ++notice.count;
        notice.last = now;
        if (row > 0) {
            beginMoveRows({}, int(row), int(row), {}, 0);
            m_notices.move(row, 0);
            endMoveRows();
        }
        Q_EMIT dataChanged(index(0), index(0));
        Q_EMIT countsChanged();
        return;
    }
    if (m_notices.size() >= kMaxNotices) {
        const int last = int(m_notices.size()) - 1;
        beginRemoveRows({}, last, last);
        m_notices.removeLast();
        endRemoveRows();
    }
    beginInsertRows({}, 0, 0);
    m_notices.prepend(Notice{level, text, 1, now, now});
    endInsertRows();
    Q_EMIT countsChanged();
}

void NoticeModel::clear()
{
    beginResetModel();
    m_notices.clear();
    endResetModel();
    markSeen();
}

int NoticeModel::unseen(Level level) const
{
    return m_unseen[int(level)];
}

void NoticeModel::markSeen()
{
    m_unseen[0] = m_unseen[1] = m_unseen[2] = 0;
    Q_EMIT countsChanged();
}

int NoticeModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_notices.size());
}

QVariant NoticeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Notice &notice = m_notices.at(index.row());
    const auto tone = notice.level == Level::Error     ? theme::Tone::Bad
                      : notice.level == Level::Warning ? theme::Tone::Warning
                                                       : theme::Tone::Neutral;
    switch (role) {
    case Qt::DisplayRole: {
        // The level as a word and a sign, never by colour alone.
        const QString sign = notice.level == Level::Error     ? QStringLiteral("\u2717")
                             : notice.level == Level::Warning ? QStringLiteral("\u26a0")
                                                              : QStringLiteral("\u2139");
        QString text = QStringLiteral("%1 %2  %3").arg(sign, notice.last.toString(QStringLiteral("HH:mm:ss")), notice.text);
        if (notice.count > 1)
            text += QStringLiteral("  \u00d7%1").arg(notice.count);
        return text;
    }
    case Qt::ToolTipRole:
        return tr("%1, said %2 times, first at %3, last at %4:\n%5")
            .arg(levelName(notice.level))
            .arg(notice.count)
            .arg(QLocale().toString(notice.first, QLocale::ShortFormat), QLocale().toString(notice.last, QLocale::ShortFormat),
                 notice.text);
    case Qt::ForegroundRole:
        return notice.level == Level::Info ? QVariant() : QVariant(QBrush(theme::readable(tone, QGuiApplication::palette())));
    case LevelRole: return int(notice.level);
    case CountRole: return notice.count;
    case LastRole: return notice.last;
    default: return {};
    }
}

} // namespace relayrace::ui
