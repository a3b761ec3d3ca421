// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/historyanswer.h"
#include "history/samplesource.h"

#include <QByteArray>
#include <QSslCertificate>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace relayrace::remote {

// An edge's history read over its admin API (docs/api.md: route-samples, winners, race-count,
// route-changes), for the history charts of a console attached to it. Each call waits for the edge's
// answer (at most timeoutMs) in an event loop of its own: use it on a worker thread, never the GUI's.
// It lives on the thread that created it (its network access manager does).
class RemoteHistory final : public history::SampleSource
{
public:
    static constexpr int kDefaultTimeoutMs = 30'000;

    RemoteHistory(const QUrl &adminUrl, const QByteArray &token, const QList<QSslCertificate> &ca,
                  int timeoutMs = kDefaultTimeoutMs);
    ~RemoteHistory() override;

    QString identity() const override { return m_base.toString(); }
    Result<QList<history::RouteSample>> routeSamples(const QString &provider, const QDateTime &from, const QDateTime &to,
                                                     qint64 afterRaceId = -1) override;
    Result<QList<history::WinnerPoint>> winnerTimeline(const QString &provider, const QDateTime &from, const QDateTime &to,
                                                       qint64 afterRaceId = -1) override;
    Result<qint64> raceCount(const QString &provider, const QDateTime &from, const QDateTime &to,
                             qint64 upToRaceId = std::numeric_limits<qint64>::max()) override;
    Result<QList<model::RouteChange>> routeChanges(const QString &provider, const QDateTime &from, const QDateTime &to) override;

private:
    Result<engine::HistoryAnswer> ask(const engine::HistoryQuery &query);

    QUrl m_base;
    QByteArray m_token;
    QList<QSslCertificate> m_ca;
    int m_timeoutMs;
    std::unique_ptr<QNetworkAccessManager> m_net;
};

} // namespace relayrace::remote
