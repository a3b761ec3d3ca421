// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "remote/remotehistory.h"

#include "wire/frontjson.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>

namespace relayrace::remote {

RemoteHistory::RemoteHistory(const QUrl &adminUrl, const QByteArray &token, const QList<QSslCertificate> &ca, int timeoutMs)
    : m_base(adminUrl), m_token(token), m_ca(ca), m_timeoutMs(timeoutMs), m_net(std::make_unique<QNetworkAccessManager>())
{
}

RemoteHistory::~RemoteHistory() = default;

Result<engine::HistoryAnswer> RemoteHistory::ask(const engine::HistoryQuery &query)
{
    QUrl url = m_base;
    url.setPath(m_base.path(QUrl::FullyEncoded).chopped(m_base.path().endsWith(u'/') ? 1 : 0) + wire::historyPath(query), QUrl::StrictMode);
    url.setQuery(wire::historyUrlQuery(query));
    QNetworkRequest request(url);
    request.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + m_token);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(m_timeoutMs);
    if (!m_ca.isEmpty()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.addCaCertificates(m_ca);
        request.setSslConfiguration(tls);
    }
    std::unique_ptr<QNetworkReply> reply(m_net->get(request));
    QEventLoop loop;
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QByteArray body = reply->readAll();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200) {
        const QString named = QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toString();
        return makeError(QStringLiteral("%1: %2").arg(url.toString(QUrl::RemoveQuery),
                                                      status ? QStringLiteral("HTTP %1%2").arg(status).arg(named.isEmpty() ? QString() : u": " + named)
                                                             : reply->errorString()));
    }
    Result<engine::HistoryAnswer> answer = wire::historyAnswerFromJson(query.kind, QJsonDocument::fromJson(body).object());
    if (!answer)
        return makeError(QStringLiteral("%1: %2").arg(url.toString(QUrl::RemoveQuery), answer.error()));
    return answer;
}

Result<QList<history::RouteSample>> RemoteHistory::routeSamples(const QString &provider, const QDateTime &from, const QDateTime &to,
                                                                qint64 afterRaceId)
{
    engine::HistoryQuery query;
    query.kind = engine::HistoryQuery::Kind::RouteSamples;
    query.provider = provider;
    query.from = from;
    query.to = to;
    query.afterRaceId = afterRaceId;
    Result<engine::HistoryAnswer> answer = ask(query);
    if (!answer)
        return makeError(answer.error());
    return std::move(answer).value().routeSamples;
}

Result<QList<history::WinnerPoint>> RemoteHistory::winnerTimeline(const QString &provider, const QDateTime &from, const QDateTime &to,
                                                                  qint64 afterRaceId)
{
    engine::HistoryQuery query;
    query.kind = engine::HistoryQuery::Kind::Winners;
    query.provider = provider;
    query.from = from;
    query.to = to;
    query.afterRaceId = afterRaceId;
    Result<engine::HistoryAnswer> answer = ask(query);
    if (!answer)
        return makeError(answer.error());
    return std::move(answer).value().winners;
}

Result<qint64> RemoteHistory::raceCount(const QString &provider, const QDateTime &from, const QDateTime &to, qint64 upToRaceId)
{
    engine::HistoryQuery query;
    query.kind = engine::HistoryQuery::Kind::RaceCount;
    query.provider = provider;
    query.from = from;
    query.to = to;
    query.upToRaceId = upToRaceId;
    const Result<engine::HistoryAnswer> answer = ask(query);
    if (!answer)
        return makeError(answer.error());
    return answer->count;
}

Result<QList<model::RouteChange>> RemoteHistory::routeChanges(const QString &provider, const QDateTime &from, const QDateTime &to)
{
    engine::HistoryQuery query;
    query.kind = engine::HistoryQuery::Kind::RouteChanges;
    query.provider = provider;
    query.from = from;
    query.to = to;
    Result<engine::HistoryAnswer> answer = ask(query);
    if (!answer)
        return makeError(answer.error());
    return std::move(answer).value().routeChanges;
}

} // namespace relayrace::remote
