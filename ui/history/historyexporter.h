// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QObject>
#include <QString>

class QThread;

namespace relayrace::ui {

// History CSV exports off the GUI thread: each on a thread of its own that opens its own store
// (one SQLite connection per thread) and writes a provider's route samples of the last 30 days.
// Deleting the exporter waits for exports still running: bounded work, better ended than killed
// mid-write.
class HistoryExporter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryExporter)
public:
    explicit HistoryExporter(QObject *parent = nullptr);
    ~HistoryExporter() override;

    void exportRouteSamples(const QString &storePath, const QString &provider, const QString &csvPath);

Q_SIGNALS:
    // rows: the samples written; error empty on success.
    void exported(const QString &csvPath, qint64 rows, const QString &error);

private:
    QList<QThread *> m_running;
};

} // namespace relayrace::ui
