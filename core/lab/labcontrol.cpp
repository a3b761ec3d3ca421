// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/labcontrol.h"

#include "lab/impairment.h"
#include "lab/lab.h"

#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QHttpServerResponder>
#include <QTcpServer>
#include <QTimer>

namespace relayrace::lab {

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

} // namespace

LabControl::LabControl(Lab *lab, QObject *parent) : QObject(parent), m_lab(lab), m_http(std::make_unique<QHttpServer>())
{
    const auto linkJson = [this](const QString &id) -> std::optional<QJsonObject> {
        const std::optional<Impairment> impairment = m_lab->linkImpairment(id);
        if (!impairment)
            return std::nullopt;
        return QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("impairment"), toJson(*impairment)}};
    };
    m_http->route(QStringLiteral("/links"), QHttpServerRequest::Method::Get, [this, linkJson] {
        QJsonArray links;
        QStringList ids = m_lab->linkIds();
        ids.sort();
        for (const QString &id : std::as_const(ids)) {
            if (const auto link = linkJson(id))
                links.append(*link);
        }
        return json(QJsonObject{{QStringLiteral("links"), links}});
    });
    m_http->route(QStringLiteral("/links/<arg>"), QHttpServerRequest::Method::Get, [linkJson](const QString &encoded) {
        const QString id = QUrl::fromPercentEncoding(encoded.toUtf8());
        if (const auto link = linkJson(id))
            return json(*link);
        return problem(QStringLiteral("no link '%1'").arg(id), Status::NotFound);
    });
    // Answered once the link applies the change (on the lab's thread): a request sent after the
    // answer crosses the link as changed.
    m_http->route(QStringLiteral("/links/<arg>"), QHttpServerRequest::Method::Put,
                  [this, linkJson](const QString &encoded, const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        const QString id = QUrl::fromPercentEncoding(encoded.toUtf8());
        const std::optional<Impairment> current = m_lab->linkImpairment(id);
        if (!current)
            return problem(QStringLiteral("no link '%1'").arg(id), Status::NotFound).write(std::move(responder));
        QJsonParseError error;
        const QJsonDocument body = QJsonDocument::fromJson(request.body(), &error);
        if (error.error != QJsonParseError::NoError || !body.isObject())
            return problem(QStringLiteral("the body is not a JSON object"), Status::BadRequest).write(std::move(responder));
        const Result<Impairment> impairment = impairmentFromJson(body.object(), QStringLiteral("body"));
        if (!impairment)
            return problem(impairment.error(), Status::BadRequest).write(std::move(responder));
        if (*current == *impairment)
            return json(*linkJson(id)).write(std::move(responder));
        auto waiting = std::make_shared<QHttpServerResponder>(std::move(responder));
        auto applied = std::make_shared<QMetaObject::Connection>();
        auto *timeout = new QTimer(this);
        timeout->setSingleShot(true);
        const auto answer = [applied, timeout, waiting](QHttpServerResponse response) {
            if (!*applied)
                return; // answered already
            QObject::disconnect(*applied);
            *applied = {};
            timeout->stop();
            timeout->deleteLater();
            response.write(std::move(*waiting));
        };
        *applied = connect(m_lab, &Lab::linkImpairmentChanged, this,
                           [id, wanted = *impairment, answer, linkJson](const QString &changed, const Impairment &now) {
            if (changed == id && now == wanted)
                answer(json(*linkJson(id)));
        });
        connect(timeout, &QTimer::timeout, this, [id, answer] {
            answer(problem(QStringLiteral("link '%1' did not apply the change within 10 s").arg(id), Status::GatewayTimeout));
        });
        timeout->start(10'000);
        m_lab->setLinkImpairment(id, *impairment);
    });
}

LabControl::~LabControl() = default;

Result<quint16> LabControl::listen(const QHostAddress &address, quint16 port)
{
    auto *tcp = new QTcpServer(this);
    if (!tcp->listen(address, port)) {
        const QString why = tcp->errorString();
        delete tcp;
        return makeError(QStringLiteral("lab control: cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(why));
    }
    m_http->bind(tcp);
    return tcp->serverPort();
}

} // namespace relayrace::lab
