// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QList>
#include <QString>

namespace relayrace::ui {

// The console's notices: what the engines and the console have to say that is not the steady state
// (a race refused or queued, a map that failed to load, an edge's unsupported feature). A notice said
// again is counted on its row, not repeated ("×7"), and moves to the top; at most kMaxNotices rows
// are kept, the oldest dropped first.
class NoticeModel final : public QAbstractListModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NoticeModel)
public:
    enum class Level { Info, Warning, Error };
    enum Role { LevelRole = Qt::UserRole, CountRole, LastRole };
    static constexpr qsizetype kMaxNotices = 200;

    explicit NoticeModel(QObject *parent = nullptr);

    void notify(Level level, const QString &text);
    void clear();
    // Notices (with their repeats) said since the last markSeen(), per level.
    int unseen(Level level) const;
    void markSeen();

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    static QString levelName(Level level);

Q_SIGNALS:
    void countsChanged();

private:
    struct Notice
    {
        Level level = Level::Info;
        QString text;
        int count = 0;
        QDateTime first;
        QDateTime last;
    };
    QList<Notice> m_notices; // newest first
    int m_unseen[3] = {0, 0, 0};
};

} // namespace relayrace::ui
