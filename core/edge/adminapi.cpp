// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The admin server's JSON API and its actions (docs/api.md): everything behind the bearer token.
#include "edge/adminserver.h"

#include "edge/eventhub.h"
#include "engine/enginefront.h"
#include "map/mapcodec.h"
#include "util/jsonfields.h"
#include "util/sha256.h"
#include "wire/frontjson.h"

#include <QHttpServer>
#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpSocket>

namespace relayrace::edge {

namespace {

using Status = QHttpServerResponse::StatusCode;

QHttpServerResponse json(const QJsonObject &body, Status status = Status::Ok)
{
    return QHttpServerResponse(QByteArrayLiteral("application/json"), QJsonDocument(body).toJson(QJsonDocument::Compact) + '\n', status);
}

QHttpServerResponse problem(const QString &message, Status status)
{
    return json(QJsonObject{{QStringLiteral("error"), message}}, status);
}

// A POST's JSON object body; an empty body is an empty object.
Result<QJsonObject> bodyObject(const QHttpServerRequest &request)
{
    const QByteArray body = request.body();
    if (body.trimmed().isEmpty())
        return QJsonObject{};
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return makeError(QStringLiteral("the body is not a JSON object"));
    return document.object();
}

} // namespace

std::optional<QHttpServerResponse> AdminServer::refusal(const QHttpServerRequest &request) const
{
    if (m_token.isEmpty())
        return problem(QStringLiteral("the admin API is off: no token is configured (admin.token_file)"), Status::Forbidden);
    const QByteArray given = request.value(QByteArrayLiteral("Authorization"));
    if (given.startsWith("Bearer ") && secretsEqual(given.mid(7).trimmed(), m_token))
        return std::nullopt;
    QHttpServerResponse response = problem(QStringLiteral("a bearer token is required"), Status::Unauthorized);
    response.setHeader(QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer realm=\"relayrace\""));
    return response;
}

void AdminServer::answerHistory(engine::HistoryQuery::Kind kind, const QString &provider,
                                const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    if (auto refused = refusal(request))
        return refused->write(std::move(responder));
    if (!provider.isEmpty() && !m_front->routeMap(provider))
        return problem(QStringLiteral("no provider '%1'").arg(provider), Status::NotFound).write(std::move(responder));
    const Result<engine::HistoryQuery> query = wire::historyQueryFrom(kind, provider, request.query());
    if (!query)
        return problem(query.error(), Status::BadRequest).write(std::move(responder));
    // Answered when the engine's history is: the responder waits, its connection stays open. The
    // socket is watched: a client that leaves first takes its socket with it (the responder's pointer
    // would dangle).
    QPointer<QTcpSocket> socket = responder.socket();
    const quint64 ticket = m_front->queryHistory(*query);
    m_pendingHistory.insert(ticket, PendingAnswer{std::make_shared<QHttpServerResponder>(std::move(responder)), socket});
}

void AdminServer::installApi()
{
    connect(m_front, &engine::EngineFront::historyAnswered, this, [this](const engine::HistoryAnswer &answer) {
        const auto pending = m_pendingHistory.find(answer.ticket);
        if (pending == m_pendingHistory.end())
            return; // another driver's question
        const PendingAnswer waiting = *pending;
        m_pendingHistory.erase(pending);
        const std::shared_ptr<QHttpServerResponder> responder = waiting.responder;
        if (!waiting.socket || waiting.socket->state() != QAbstractSocket::ConnectedState)
            return; // the client left
        if (!answer.error.isEmpty())
            return problem(answer.error, Status::ServiceUnavailable).write(std::move(*responder));
        json(wire::toJson(answer)).write(std::move(*responder));
    });

    m_http->route(QStringLiteral("/api/v1/providers"), QHttpServerRequest::Method::Get,
                  [this](const QHttpServerRequest &request) {
        if (auto refused = refusal(request))
            return std::move(*refused);
        QStringList ids = m_front->providers();
        ids.sort();
        QJsonArray providers;
        for (const QString &id : std::as_const(ids))
            providers.append(wire::toJson(m_front->snapshot(id)));
        return json(QJsonObject{{QStringLiteral("version"), wire::kApiVersion},
                                {QStringLiteral("providers"), providers},
                                {QStringLiteral("status"), wire::toJson(m_front->status())}});
    });
    m_http->route(QStringLiteral("/api/v1/providers/<arg>/map"), QHttpServerRequest::Method::Get,
                  [this](const QString &id, const QHttpServerRequest &request) {
        if (auto refused = refusal(request))
            return std::move(*refused);
        const std::optional<map::RouteMap> routeMap = m_front->routeMap(id);
        if (!routeMap)
            return problem(QStringLiteral("no provider '%1'").arg(id), Status::NotFound);
        return QHttpServerResponse(QByteArrayLiteral("application/json"), map::serializeRouteMap(*routeMap));
    });
    m_http->route(QStringLiteral("/api/v1/providers/<arg>/races"), QHttpServerRequest::Method::Get,
                  [this](const QString &id, const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        answerHistory(engine::HistoryQuery::Kind::RecentRaces, id, request, std::move(responder));
    });
    m_http->route(QStringLiteral("/api/v1/providers/<arg>/route-changes"), QHttpServerRequest::Method::Get,
                  [this](const QString &id, const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        answerHistory(engine::HistoryQuery::Kind::RouteChanges, id, request, std::move(responder));
    });
    // What the console's history charts read (history::SampleSource over the API).
    for (const auto &[path, endpointKind] : {std::pair{QStringLiteral("route-samples"), engine::HistoryQuery::Kind::RouteSamples},
                                             std::pair{QStringLiteral("winners"), engine::HistoryQuery::Kind::Winners},
                                             std::pair{QStringLiteral("race-count"), engine::HistoryQuery::Kind::RaceCount}}) {
        const engine::HistoryQuery::Kind kind = endpointKind; // clang 14 cannot capture a structured binding
        m_http->route(QStringLiteral("/api/v1/providers/<arg>/") + path, QHttpServerRequest::Method::Get,
                      [this, kind](const QString &id, const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            answerHistory(kind, id, request, std::move(responder));
        });
    }
    m_http->route(QStringLiteral("/api/v1/failovers"), QHttpServerRequest::Method::Get,
                  [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        answerHistory(engine::HistoryQuery::Kind::Failovers, QString(), request, std::move(responder));
    });

    // Live events: the response never ends; the hub writes to its connection from now on.
    m_http->route(QStringLiteral("/api/v1/events"), QHttpServerRequest::Method::Get,
                  [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        if (auto refused = refusal(request))
            return refused->write(std::move(responder));
        if (m_events->subscribers() >= EventHub::kMaxSubscribers)
            return problem(QStringLiteral("too many event subscribers (%1)").arg(EventHub::kMaxSubscribers),
                           Status::ServiceUnavailable).write(std::move(responder));
        responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
        responder.writeHeaders({{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/event-stream")},
                                {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store")},
                                {QByteArrayLiteral("Connection"), QByteArrayLiteral("close")}});
        responder.writeBody(QByteArray()); // ends the head
        m_events->subscribe(responder.socket());
    });

    // Actions.
    m_http->route(QStringLiteral("/api/v1/providers/<arg>/race"), QHttpServerRequest::Method::Post,
                  [this](const QString &id, const QHttpServerRequest &request) {
        if (auto refused = refusal(request))
            return std::move(*refused);
        if (!m_front->routeMap(id))
            return problem(QStringLiteral("no provider '%1'").arg(id), Status::NotFound);
        const Result<QJsonObject> body = bodyObject(request);
        if (!body)
            return problem(body.error(), Status::BadRequest);
        util::JsonFields read(*body);
        engine::RaceOrder order;
        order.provider = id;
        order.path = read.text(QStringLiteral("path"));
        order.thresholdBytes = read.integer(QStringLiteral("threshold_bytes"));
        if (!read.ok())
            return problem(read.error(), Status::BadRequest);
        if (!order.path.isEmpty() && !order.path.startsWith(u'/'))
            return problem(QStringLiteral("path: must start with '/'"), Status::BadRequest);
        const quint64 orderId = m_front->raceNow(order);
        return json(QJsonObject{{QStringLiteral("order_id"), qint64(orderId)}}, Status::Accepted);
    });
    m_http->route(QStringLiteral("/api/v1/race-interval"), QHttpServerRequest::Method::Post,
                  [this](const QHttpServerRequest &request) {
        if (auto refused = refusal(request))
            return std::move(*refused);
        const Result<QJsonObject> body = bodyObject(request);
        if (!body)
            return problem(body.error(), Status::BadRequest);
        util::JsonFields read(*body);
        const QString provider = read.text(QStringLiteral("provider"));
        const double intervalMs = read.number(QStringLiteral("interval_ms"), -1, true);
        if (!read.ok())
            return problem(read.error(), Status::BadRequest);
        if (intervalMs < 0 || intervalMs > 86'400'000)
            return problem(QStringLiteral("interval_ms: required, 0 (stop) to 86400000"), Status::BadRequest);
        if (!provider.isEmpty() && !m_front->routeMap(provider))
            return problem(QStringLiteral("no provider '%1'").arg(provider), Status::NotFound);
        m_front->setRaceInterval(provider, int(intervalMs));
        return json(QJsonObject{{QStringLiteral("provider"), provider.isEmpty() ? QJsonValue() : QJsonValue(provider)},
                                {QStringLiteral("interval_ms"), intervalMs}});
    });
    m_http->route(QStringLiteral("/api/v1/reload"), QHttpServerRequest::Method::Post,
                  [this](const QHttpServerRequest &request) {
        if (auto refused = refusal(request))
            return std::move(*refused);
        if (!m_reload)
            return problem(QStringLiteral("this edge cannot reload"), Status::NotImplemented);
        const Result<void> reloaded = m_reload();
        if (!reloaded)
            return problem(reloaded.error(), Status::Conflict);
        return json(QJsonObject{{QStringLiteral("reloaded"), true}});
    });
}

} // namespace relayrace::edge
