// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "history/samplewindow.h"
#include "ui/history/historydata.h"

#include <QObject>

#include <atomic>
#include <memory>

namespace relayrace::history {
class SampleSource;
}

namespace relayrace::ui {

// Runs the history panel's queries on its own thread with its own HistoryStore (one SQLite connection
// per thread), or, for an attached edge, a remote::RemoteHistory asking the edge's API (each call waits
// here, on the worker's thread). It keeps the provider's samples of the range in a SampleWindow and reads only what was
// stored since the last query; the charts' figures are computed from the window. A query whose generation is no longer the latest is abandoned between steps: a newer
// query makes an older result stale.
class HistoryWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryWorker)
public:
    explicit HistoryWorker(std::shared_ptr<std::atomic<quint64>> latest, QObject *parent = nullptr);
    ~HistoryWorker() override;

    // The data for query; public for tests and benchmarks that run it on their own thread.
    HistoryData compute(const HistoryQuery &query);
    // The samples kept between queries (tests check that refreshes read only what is new).
    const history::SampleWindow &window() const { return m_window; }

public Q_SLOTS:
    void run(const relayrace::ui::HistoryQuery &query);

Q_SIGNALS:
    void finished(const relayrace::ui::HistoryData &data);

private:
    bool stale(const HistoryQuery &query) const { return m_latest->load() != query.generation; }
    // A fitted range's start: a twentieth of the data's span before the first race in [from, to],
    // and at least HistoryQuery::kFitMinimumSeconds before to; from itself when it holds no race.
    QDateTime fittedFrom(const QDateTime &from, const QDateTime &to) const;

    std::shared_ptr<std::atomic<quint64>> m_latest;
    std::unique_ptr<history::SampleSource> m_store; // the store's file, or an edge's API (remote::RemoteHistory)
    history::SampleWindow m_window;
};

// A bucket length for a band over rangeSeconds drawn widthPx wide: a round number of seconds, each
// bucket a few pixels wide.
int bandBucketSeconds(qint64 rangeSeconds, int widthPx);
// A round histogram bin (1, 2 or 5 times a power of ten) giving about bins bins up to maxMs.
double roundBinMs(double maxMs, int bins);

} // namespace relayrace::ui
