// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/enginefront.h"
#include "wire/sse.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPointer>
#include <QSslCertificate>
#include <QUrl>
#include <QUrlQuery>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace relayrace::remote {

// The engine front of an edge elsewhere, over its admin API (docs/api.md): what a console attached
// to an edge drives. Its mirror and signals come from the edge's event stream (/api/v1/events: a
// "hello" with every map and snapshot, then each event); its requests are the API's actions (race
// now, race every) and history queries. Nothing in it ever blocks: a slow or dead edge only delays
// what it says, and the state says why.
//
// A lost stream is opened again with backoff (kFirstRetryMs doubling to kMaxRetryMs), and a stream
// silent for kSilenceMs (the edge sends a heartbeat every 15 s) counts as lost. A refused token
// (401, 403) or an edge that speaks another API version is not retried: setToken() or reconnect()
// tries again.
//
// Serving requests and changing maps are the edge's own business: serve() answers with an error
// naming the edge's listener, setMap() and removeProvider() are refused (unsupported()).
class RemoteEngine final : public engine::EngineFront
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteEngine)
public:
    enum class State { Connecting, Connected, Reconnecting, Unauthorized, Incompatible };
    Q_ENUM(State)
    static constexpr int kFirstRetryMs = 500;
    static constexpr int kMaxRetryMs = 10'000;
    static constexpr int kSilenceMs = 40'000;

    // adminUrl: the edge's admin listener, e.g. http://10.0.0.5:9901 (a path prefix is kept).
    RemoteEngine(const QUrl &adminUrl, const QByteArray &token, QObject *parent = nullptr);
    ~RemoteEngine() override;

    QUrl adminUrl() const { return m_base; }
    QByteArray token() const { return m_token; }
    QList<QSslCertificate> caCertificates() const { return m_ca; }
    State state() const { return m_state; }
    // What the state means now: the edge's answer or error, the time to the next attempt.
    QString stateDetail() const { return m_detail; }
    static QString stateName(State state);
    // Events read and dropped as unreadable since the stream opened (each logged with its reason).
    qint64 eventsRead() const { return m_eventsRead; }

    void setToken(const QByteArray &token);
    // Certificates to trust besides the system's, for an https admin URL (a private CA); verification
    // is always on. Applies from the next request (reconnect() to reopen the stream with them).
    void setCaCertificates(const QList<QSslCertificate> &certificates) { m_ca = certificates; }
    void reconnect();

    void setMap(const map::RouteMap &map, const QString &trust) override;
    void removeProvider(const QString &provider) override;
    void setRaceInterval(const QString &provider, int intervalMs) override;
    void updateSettings(const engine::EngineSettings &settings) override;

Q_SIGNALS:
    void stateChanged(relayrace::remote::RemoteEngine::State state, const QString &detail);
    // A request the remote front cannot carry, or that the edge refused (an action's answer).
    void unsupported(const QString &what);

protected:
    void submitRace(const engine::RaceOrder &order) override;
    void submitServe(quint64 ticket, const engine::ServeRequest &request, std::shared_ptr<engine::ResponseStream> stream) override;
    void submitHistoryQuery(quint64 ticket, const engine::HistoryQuery &query) override;

private:
    QNetworkReply *send(const QString &path, const QByteArray &verb, const QByteArray &body = {}, const QUrlQuery &query = {});
    void openStream();
    void onStreamData();
    void onStreamEnded();
    void dispatch(const wire::SseEvent &event);
    void hello(const QJsonObject &hello);
    void setState(State state, const QString &detail);
    void retryLater(const QString &why);

    QUrl m_base;
    QByteArray m_token;
    QList<QSslCertificate> m_ca;
    QNetworkAccessManager *m_net;
    QPointer<QNetworkReply> m_stream;
    wire::SseParser m_parser;
    QTimer *m_retry;
    QTimer *m_silence;
    int m_retryMs = kFirstRetryMs;
    State m_state = State::Connecting;
    QString m_detail;
    bool m_greeted = false;           // this stream's hello arrived
    qint64 m_eventsRead = 0;
    QHash<qint64, quint64> m_orders;  // the edge's order id -> ours, for the races we asked for
    // Race ids are the edge's engine's, from 1 again when it restarts: each stream's are mapped to
    // ids of this front's own, increasing across streams, so a restarted edge's race 1 is a new race.
    QHash<quint64, quint64> m_raceIds;
    quint64 m_lastRaceId = 0;
    quint64 localRaceId(quint64 edgeRaceId);
};

} // namespace relayrace::remote
