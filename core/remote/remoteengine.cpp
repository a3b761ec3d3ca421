// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "remote/remoteengine.h"

#include "log/logging.h"
#include "model/failoverevent.h"
#include "model/raceresult.h"
#include "util/jsonfields.h"
#include "wire/frontjson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QSslConfiguration>
#include <QTimer>

namespace relayrace::remote {

namespace {

// The "error" an API answer names, else the transport's.
QString answerError(QNetworkReply *reply, const QByteArray &body)
{
    const QString named = QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toString();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (!named.isEmpty())
        return QStringLiteral("%1 (HTTP %2)").arg(named).arg(status);
    if (status > 0)
        return QStringLiteral("HTTP %1").arg(status);
    return reply->errorString();
}

} // namespace

RemoteEngine::RemoteEngine(const QUrl &adminUrl, const QByteArray &token, QObject *parent)
    : EngineFront(parent), m_base(adminUrl), m_token(token), m_net(new QNetworkAccessManager(this)),
      m_retry(new QTimer(this)), m_silence(new QTimer(this))
{
    m_net->setAutoDeleteReplies(true);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &RemoteEngine::openStream);
    m_silence->setSingleShot(true);
    m_silence->setInterval(kSilenceMs);
    connect(m_silence, &QTimer::timeout, this, [this] {
        if (m_stream)
            m_stream->abort(); // onStreamEnded() retries
    });
    QTimer::singleShot(0, this, &RemoteEngine::openStream); // never inside the constructor's caller
}

RemoteEngine::~RemoteEngine()
{
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
    }
}

QString RemoteEngine::stateName(State state)
{
    switch (state) {
    case State::Connecting: return QStringLiteral("connecting");
    case State::Connected: return QStringLiteral("connected");
    case State::Reconnecting: return QStringLiteral("reconnecting");
    case State::Unauthorized: return QStringLiteral("unauthorized");
    case State::Incompatible: return QStringLiteral("incompatible version");
    }
    return {};
}

void RemoteEngine::setState(State state, const QString &detail)
{
    if (state == m_state && detail == m_detail)
        return;
    m_state = state;
    m_detail = detail;
    Q_EMIT stateChanged(state, detail);
}

void RemoteEngine::setToken(const QByteArray &token)
{
    m_token = token;
    reconnect();
}

void RemoteEngine::reconnect()
{
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
    }
    m_retryMs = kFirstRetryMs;
    m_retry->stop();
    openStream();
}

QNetworkReply *RemoteEngine::send(const QString &path, const QByteArray &verb, const QByteArray &body, const QUrlQuery &query)
{
    QUrl url = m_base;
    url.setPath(m_base.path(QUrl::FullyEncoded).chopped(m_base.path().endsWith(u'/') ? 1 : 0) + path, QUrl::StrictMode);
    url.setQuery(query);
    QNetworkRequest request(url);
    request.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + m_token);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (!m_ca.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(m_ca);
        request.setSslConfiguration(tls);
    }
    if (verb == "POST") {
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        return m_net->post(request, body);
    }
    return m_net->get(request);
}

void RemoteEngine::openStream()
{
    if (m_stream)
        return;
    if (m_state != State::Connected && m_state != State::Connecting)
        setState(m_state == State::Reconnecting ? State::Reconnecting : State::Connecting, tr("opening %1").arg(m_base.toDisplayString()));
    m_parser = wire::SseParser();
    m_greeted = false;
    m_stream = send(QStringLiteral("/api/v1/events"), "GET");
    m_stream->setReadBufferSize(0);
    connect(m_stream, &QNetworkReply::readyRead, this, &RemoteEngine::onStreamData);
    connect(m_stream, &QNetworkReply::finished, this, &RemoteEngine::onStreamEnded);
    m_silence->start();
}

void RemoteEngine::onStreamData()
{
    if (!m_stream)
        return;
    m_silence->start();
    const int status = m_stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return; // the whole answer is read when it finishes
    const QList<wire::SseEvent> events = m_parser.feed(m_stream->readAll());
    for (const wire::SseEvent &event : events) {
        dispatch(event);
        if (!m_stream || m_state == State::Incompatible)
            return;
    }
    if (m_parser.failed()) {
        log::get("remote")->warn("{}: {}", m_base.toDisplayString().toStdString(), m_parser.error().toStdString());
        m_stream->abort();
    }
}

void RemoteEngine::onStreamEnded()
{
    QNetworkReply *reply = m_stream;
    if (!reply)
        return;
    m_stream.clear();
    m_silence->stop();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = status == 200 ? QByteArray() : reply->readAll();
    if (status == 401 || status == 403) {
        setState(State::Unauthorized, answerError(reply, body));
        return;
    }
    if (status == 404) {
        setState(State::Incompatible, tr("no event stream at %1: not a relayrace edge, or an older one").arg(m_base.toDisplayString()));
        return;
    }
    if (m_state == State::Incompatible)
        return;
    retryLater(status == 200 ? tr("the event stream ended") : answerError(reply, body));
}

void RemoteEngine::retryLater(const QString &why)
{
    setState(State::Reconnecting, tr("%1; again in %2 s").arg(why).arg(m_retryMs / 1000.0));
    m_retry->start(m_retryMs);
    m_retryMs = qMin(m_retryMs * 2, kMaxRetryMs);
}

void RemoteEngine::dispatch(const wire::SseEvent &event)
{
    QJsonParseError parseError;
    const QJsonObject data = QJsonDocument::fromJson(event.data, &parseError).object();
    const auto unreadable = [&](const QString &why) {
        log::get("remote")->warn("{}: event {} dropped: {}", m_base.toDisplayString().toStdString(), event.name.toStdString(), why.toStdString());
    };
    if (parseError.error != QJsonParseError::NoError)
        return unreadable(parseError.errorString());
    ++m_eventsRead;
    const QByteArray &name = event.name;
    if (name == "hello")
        return hello(data);
    if (!m_greeted)
        return unreadable(QStringLiteral("before hello"));
    if (name == "race_started") {
        auto start = wire::raceStartFromJson(data);
        if (!start)
            return unreadable(start.error());
        engine::RaceStart s = std::move(start).value();
        s.raceId = localRaceId(s.raceId);
        s.orderId = m_orders.value(qint64(s.orderId), 0); // ours, or nobody's here
        Q_EMIT raceStarted(s);
    } else if (name == "route_progress") {
        util::JsonFields read(data);
        const quint64 raceId = localRaceId(quint64(read.integer(QStringLiteral("race_id"))));
        const QString route = read.text(QStringLiteral("route"), true);
        const qint64 bytes = read.integer(QStringLiteral("bytes"));
        const qint64 threshold = read.integer(QStringLiteral("threshold_bytes"));
        if (!read.ok())
            return unreadable(read.error());
        Q_EMIT routeProgress(raceId, route, bytes, threshold);
    } else if (name == "race_finished") {
        auto result = model::raceResultFromJson(data.value(QStringLiteral("result")).toObject());
        if (!result)
            return unreadable(result.error());
        Q_EMIT raceFinished(localRaceId(quint64(data.value(QStringLiteral("race_id")).toInteger())), *result);
    } else if (name == "race_refused") {
        auto refusal = wire::raceRefusalFromJson(data);
        if (!refusal)
            return unreadable(refusal.error());
        engine::RaceRefusal r = std::move(refusal).value();
        r.orderId = m_orders.take(qint64(r.orderId));
        Q_EMIT raceRefused(r);
    } else if (name == "race_queued") {
        Q_EMIT raceQueued(m_orders.value(data.value(QStringLiteral("order_id")).toInteger(), 0),
                          data.value(QStringLiteral("provider")).toString(), data.value(QStringLiteral("position")).toInt());
    } else if (name == "route_changed") {
        auto change = wire::routeChangeFromJson(data);
        if (!change)
            return unreadable(change.error());
        Q_EMIT routeChanged(*change);
    } else if (name == "failover") {
        auto failover = model::fromJson(data);
        if (!failover)
            return unreadable(failover.error());
        Q_EMIT this->failover(*failover);
    } else if (name == "provider_changed") {
        auto snapshot = wire::providerFromJson(data);
        if (!snapshot)
            return unreadable(snapshot.error());
        Q_EMIT providerChanged(*snapshot);
    } else if (name == "map_changed") {
        auto routeMap = wire::mapFromJson(data.value(QStringLiteral("map")).toObject());
        if (!routeMap)
            return unreadable(routeMap.error());
        Q_EMIT mapChanged(*routeMap);
    } else if (name == "provider_removed") {
        Q_EMIT providerRemoved(data.value(QStringLiteral("provider")).toString());
    } else if (name == "status_changed") {
        auto status = wire::statusFromJson(data);
        if (!status)
            return unreadable(status.error());
        Q_EMIT statusChanged(*status);
    }
    // Other names: events of a later edge this console does not know; skipped.
}

void RemoteEngine::hello(const QJsonObject &hello)
{
    const int version = hello.value(QStringLiteral("version")).toInt();
    if (version != wire::kApiVersion) {
        setState(State::Incompatible, tr("the edge speaks API version %1, this console %2").arg(version).arg(wire::kApiVersion));
        m_stream->abort();
        return;
    }
    // The edge's whole state: maps and snapshots replace the mirror's, providers it no longer has go.
    QSet<QString> present;
    const QJsonArray providers = hello.value(QStringLiteral("providers")).toArray();
    for (const QJsonValue &value : providers) {
        const QJsonObject provider = value.toObject();
        auto routeMap = wire::mapFromJson(provider.value(QStringLiteral("map")).toObject());
        auto snapshot = wire::providerFromJson(provider.value(QStringLiteral("snapshot")).toObject());
        if (!routeMap || !snapshot) {
            log::get("remote")->warn("{}: a provider in hello dropped: {}", m_base.toDisplayString().toStdString(),
                                     (routeMap ? snapshot.error() : routeMap.error()).toStdString());
            continue;
        }
        present.insert(routeMap->provider);
        Q_EMIT mapChanged(*routeMap);
        Q_EMIT providerChanged(*snapshot);
    }
    const QStringList known = this->providers();
    for (const QString &provider : known) {
        if (!present.contains(provider))
            Q_EMIT providerRemoved(provider);
    }
    if (auto status = wire::statusFromJson(hello.value(QStringLiteral("status")).toObject()))
        Q_EMIT statusChanged(*status);
    m_raceIds.clear();
    m_greeted = true;
    m_retryMs = kFirstRetryMs;
    setState(State::Connected, m_base.toDisplayString());
}

quint64 RemoteEngine::localRaceId(quint64 edgeRaceId)
{
    auto it = m_raceIds.find(edgeRaceId);
    if (it == m_raceIds.end())
        it = m_raceIds.insert(edgeRaceId, ++m_lastRaceId);
    return *it;
}

void RemoteEngine::setMap(const map::RouteMap &map, const QString &)
{
    Q_EMIT unsupported(tr("%1: an attached edge takes its maps from its own configuration (POST /api/v1/reload reads them again)").arg(map.provider));
}

void RemoteEngine::removeProvider(const QString &provider)
{
    Q_EMIT unsupported(tr("%1: an attached edge's providers are set in its own configuration").arg(provider));
}

void RemoteEngine::updateSettings(const engine::EngineSettings &)
{
    // An edge's settings are its configuration file's (reloaded on SIGHUP), not a console's to change.
    Q_EMIT unsupported(tr("settings: an edge takes its settings from its configuration file (edit it, then SIGHUP or POST /api/v1/reload)"));
}

void RemoteEngine::setRaceInterval(const QString &provider, int intervalMs)
{
    QJsonObject body{{QStringLiteral("interval_ms"), intervalMs}};
    if (!provider.isEmpty())
        body.insert(QStringLiteral("provider"), provider);
    QNetworkReply *reply = send(QStringLiteral("/api/v1/race-interval"), "POST", QJsonDocument(body).toJson(QJsonDocument::Compact));
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
            Q_EMIT unsupported(tr("race every: %1").arg(answerError(reply, reply->readAll())));
    });
}

void RemoteEngine::submitRace(const engine::RaceOrder &order)
{
    QJsonObject body;
    if (!order.path.isEmpty())
        body.insert(QStringLiteral("path"), order.path);
    if (order.thresholdBytes > 0)
        body.insert(QStringLiteral("threshold_bytes"), order.thresholdBytes);
    const QString path = QStringLiteral("/api/v1/providers/%1/race").arg(QString::fromLatin1(QUrl::toPercentEncoding(order.provider)));
    QNetworkReply *reply = send(path, "POST", QJsonDocument(body).toJson(QJsonDocument::Compact));
    connect(reply, &QNetworkReply::finished, this, [this, reply, order] {
        const QByteArray answer = reply->readAll();
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 202) {
            m_orders.insert(QJsonDocument::fromJson(answer).object().value(QStringLiteral("order_id")).toInteger(), order.orderId);
            return;
        }
        Q_EMIT raceRefused(engine::RaceRefusal{order.orderId, order.provider, order.trigger, answerError(reply, answer)});
    });
}

void RemoteEngine::submitServe(quint64 ticket, const engine::ServeRequest &, std::shared_ptr<engine::ResponseStream> stream)
{
    engine::ServeResult result;
    result.error = tr("an attached edge serves requests on its own listener, not through the console");
    QTimer::singleShot(0, this, [this, ticket, result, stream] {
        if (stream)
            stream->end(result);
        Q_EMIT served(ticket, result);
    });
}

void RemoteEngine::submitHistoryQuery(quint64 ticket, const engine::HistoryQuery &query)
{
    QNetworkReply *reply = send(wire::historyPath(query), "GET", {}, wire::historyUrlQuery(query));
    connect(reply, &QNetworkReply::finished, this, [this, reply, ticket, kind = query.kind] {
        const QByteArray body = reply->readAll();
        engine::HistoryAnswer answer;
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200) {
            auto parsed = wire::historyAnswerFromJson(kind, QJsonDocument::fromJson(body).object());
            if (parsed)
                answer = std::move(parsed).value();
            else
                answer.error = parsed.error();
        } else {
            answer.error = answerError(reply, body);
        }
        answer.ticket = ticket;
        answer.kind = kind;
        Q_EMIT historyAnswered(answer);
    });
}

} // namespace relayrace::remote
