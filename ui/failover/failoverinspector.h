// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "model/failoverevent.h"
#include "util/result.h"

#include <QList>
#include <QWidget>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QVBoxLayout;

namespace relayrace::ui {

class FailoverFilterProxy;
class FailoverModel;

// The failover log inspector: live failover events (or a failover log file from another edge) in a
// filterable table, the selected event as JSON, export of the rows shown to CSV.
class FailoverInspector final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FailoverInspector)
public:
    explicit FailoverInspector(QWidget *parent = nullptr);

    FailoverModel *model() const { return m_model; }
    FailoverFilterProxy *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }
    // True while a log file is shown instead of the live events.
    bool showingFile() const { return !m_file.isEmpty(); }

    // The rows the table shows, in its order, as RFC 4180 CSV (header: the JSON field names).
    bool exportCsv(const QString &path);
    // Shows the file's events instead of the live ones; the number of events, or why none.
    Result<int> openLogFile(const QString &path);

public Q_SLOTS:
    void addEvent(const relayrace::model::FailoverEvent &event);
    // The live events so far (e.g. read from the history at startup).
    void setEvents(const QList<relayrace::model::FailoverEvent> &events);
    void showLiveEvents();

private:
    void buildFilterBar(QVBoxLayout *layout);
    void addChoices(int first, int last);
    void resetChoices();
    void applyTimeRange();
    void showDetail();
    void chooseExportPath();
    void chooseLogFile();

    FailoverModel *m_model = nullptr;
    FailoverFilterProxy *m_proxy = nullptr;
    QList<model::FailoverEvent> m_live;
    QString m_file; // the log file shown; empty: live events

    QComboBox *m_providers = nullptr;
    QComboBox *m_routes = nullptr;
    QComboBox *m_reasons = nullptr;
    QComboBox *m_timeRange = nullptr;
    QDateTimeEdit *m_from = nullptr;
    QDateTimeEdit *m_to = nullptr;
    QLineEdit *m_text = nullptr;
    QPushButton *m_liveButton = nullptr;
    QLabel *m_status = nullptr;
    QTableView *m_view = nullptr;
    QPlainTextEdit *m_detail = nullptr;
};

} // namespace relayrace::ui
