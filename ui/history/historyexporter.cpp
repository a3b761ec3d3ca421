// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/history/historyexporter.h"

#include "history/historycsv.h"
#include "util/result.h"

#include <QDateTime>
#include <QThread>

#include <memory>
#include <optional>

namespace relayrace::ui {

HistoryExporter::HistoryExporter(QObject *parent) : QObject(parent) {}

HistoryExporter::~HistoryExporter()
{
    for (QThread *thread : std::as_const(m_running))
        thread->wait();
    qDeleteAll(m_running);
}

void HistoryExporter::exportRouteSamples(const QString &storePath, const QString &provider, const QString &csvPath)
{
    const QDateTime to = QDateTime::currentDateTimeUtc().addSecs(60);
    auto outcome = std::make_shared<std::optional<Result<qint64>>>();
    QThread *thread = QThread::create([outcome, storePath, provider, to, csvPath] {
        *outcome = history::exportRouteSamplesCsv(storePath, provider, to.addDays(-30), to, csvPath);
    });
    thread->setObjectName(QStringLiteral("history export"));
    m_running.append(thread);
    connect(thread, &QThread::finished, this, [this, thread, outcome, csvPath] {
        m_running.removeAll(thread);
        thread->deleteLater();
        const Result<qint64> &written = **outcome;
        Q_EMIT exported(csvPath, written ? *written : 0, written ? QString() : written.error());
    });
    thread->start();
}

} // namespace relayrace::ui
