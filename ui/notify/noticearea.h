// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QToolButton>
#include <QWidget>

class QListView;

namespace relayrace::ui {

class NoticeModel;

// The notices as a list (newest first, repeats counted) with a Clear button: the notification
// dock's contents.
class NoticePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NoticePanel)
public:
    explicit NoticePanel(NoticeModel *model, QWidget *parent = nullptr);
    QListView *view() const { return m_view; }

private:
    QListView *m_view = nullptr;
};

// The status bar's way in: the counts of notices not seen yet, by level in words ("2 warnings, 5
// notices"); a click shows the notices (and marks them seen).
class NoticeButton final : public QToolButton
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NoticeButton)
public:
    explicit NoticeButton(NoticeModel *model, QWidget *parent = nullptr);

private:
    void showCounts();

    NoticeModel *m_model = nullptr;
};

} // namespace relayrace::ui
