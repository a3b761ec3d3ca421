// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "origin.h"

#include "lab/content.h"
#include "lab/labca.h"
#include "lab/originconnection.h"
#include "lab/representation.h"
#include "log/logging.h"

#include <QHttpServerRequest>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>

#include <spdlog/spdlog.h>

#include <variant>

namespace relayrace::lab {
namespace {

constexpr qint64 kDefaultSlowRate = 64 * 1024;
constexpr int kMaxDelayMs = 60000;

// Reads ?<key>=N within [minimum, maximum]; a 400 response names the problem.
std::variant<qint64, OriginResponse> queryNumber(const OriginRequest &request, const QString &key,
                                                 qint64 fallback, qint64 minimum, qint64 maximum)
{
    if (!request.query.hasQueryItem(key))
        return fallback;
    const auto value = parseNonNegative(request.query.queryItemValue(key).toLatin1());
    if (!value || *value < minimum || *value > maximum)
        return textResponse(400, key.toLatin1() + " must be a whole number in "
                                     + QByteArray::number(minimum) + ".."
                                     + QByteArray::number(maximum));
    return *value;
}

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return "GET";
    case QHttpServerRequest::Method::Put: return "PUT";
    case QHttpServerRequest::Method::Delete: return "DELETE";
    case QHttpServerRequest::Method::Post: return "POST";
    case QHttpServerRequest::Method::Head: return "HEAD";
    case QHttpServerRequest::Method::Options: return "OPTIONS";
    case QHttpServerRequest::Method::Patch: return "PATCH";
    case QHttpServerRequest::Method::Connect: return "CONNECT";
    case QHttpServerRequest::Method::Trace: return "TRACE";
    default: return "UNKNOWN";
    }
}

} // namespace

Origin::Origin(QString providerId, QObject *parent)
    : QAbstractHttpServer(parent),
      m_providerId(std::move(providerId)),
      // Whole seconds: Last-Modified has no finer resolution, and If-Modified-Since compares to it.
      m_lastModified(QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), Qt::UTC)),
      m_counters(std::make_shared<OriginCounters>())
{
}

Origin::~Origin()
{
    // Connections are children of the sockets, which are children of the servers: end them while
    // this object's members, which their router calls, are still alive.
    qDeleteAll(servers());
}

quint16 Origin::listen(quint16 port, const QHostAddress &address)
{
    auto *server = new QTcpServer(this);
    if (!server->listen(address, port)) {
        log::get("lab")->error("origin {}: cannot listen on {}:{}: {}", m_providerId.toStdString(),
                               address.toString().toStdString(), port, server->errorString().toStdString());
        delete server;
        return 0;
    }
    bind(server);
    m_port = server->serverPort();
    return m_port;
}

quint16 Origin::listenTls(const LabCa &ca, quint16 port)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(ca.serverCertificate());
    configuration.setPrivateKey(ca.serverKey());
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    auto *server = new QSslServer(this);
    server->setSslConfiguration(configuration);
    if (!server->listen(QHostAddress::LocalHost, port)) {
        log::get("lab")->error("origin {}: cannot listen (TLS) on 127.0.0.1:{}: {}",
                               m_providerId.toStdString(), port, server->errorString().toStdString());
        delete server;
        return 0;
    }
    bind(server);
    m_tlsPort = server->serverPort();
    return m_tlsPort;
}

QUrl Origin::url() const
{
    return m_port ? QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)) : QUrl();
}

QUrl Origin::tlsUrl() const
{
    return m_tlsPort ? QUrl(QStringLiteral("https://127.0.0.1:%1").arg(m_tlsPort)) : QUrl();
}

void Origin::setGeneration(int generation)
{
    m_generation.store(generation);
}

int Origin::generation() const
{
    return m_generation.load();
}

void Origin::setStaticFile(const QString &path, QByteArray body, QByteArray contentType)
{
    if (contentType.isEmpty())
        contentType = "application/octet-stream";
    const QByteArray hash = sha256Hex(body).left(24);
    const QMutexLocker lock(&m_staticMutex);
    m_staticFiles.insert(path, StaticFile{std::move(body), std::move(contentType), hash});
}

void Origin::removeStaticFile(const QString &path)
{
    const QMutexLocker lock(&m_staticMutex);
    m_staticFiles.remove(path);
}

OriginStats Origin::stats() const
{
    return OriginStats{m_counters->requests.load(), m_counters->bytesSent.load(),
                       m_counters->connections.load(), m_counters->abortedResponses.load(),
                       m_counters->peakQueuedBytes.load()};
}

QByteArray Origin::testObjectBody()
{
    static const QByteArray body = [] {
        QByteArray html("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
                        "<title>relayrace test object</title></head>\n<body>\n"
                        "<h1>relayrace test object</h1>\n"
                        "<p>Routes to this origin are raced on this object.</p>\n");
        // Enough numbered lines to pass 8 KiB, as SureRoute's own test object does.
        for (int line = 0; line < 160; ++line) {
            html.append("<p>");
            html.append(QByteArray::number(line).rightJustified(3, '0'));
            html.append(" the quick brown fox jumps over the lazy dog</p>\n");
        }
        html.append("</body>\n</html>\n");
        return html;
    }();
    return body;
}

bool Origin::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    OriginConnection *connection = OriginConnection::of(socket);
    if (!connection)
        connection = new OriginConnection(
            socket, m_providerId.toUtf8(),
            [this](const OriginRequest &r) { return route(r); }, m_counters);
    OriginRequest copy;
    copy.method = methodName(request.method());
    copy.path = request.url().path();
    copy.query = request.query();
    for (const auto &[name, value] : request.headers())
        copy.headers.emplaceBack(name.toLower(), value);
    copy.body = request.body();
    connection->enqueue(std::move(copy));
    return true;
}

void Origin::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // handleRequest() answers everything (unknown paths with 404), so Qt never calls this.
    handleRequest(request, socket);
}

OriginResponse Origin::route(const OriginRequest &request)
{
    const QString &path = request.path;
    log::get("lab")->debug("origin {}: {} {}", m_providerId.toStdString(),
                           request.method.toStdString(), path.toStdString());
    {
        const QMutexLocker lock(&m_staticMutex);
        const auto file = m_staticFiles.constFind(path);
        if (file != m_staticFiles.cend()) {
            const Representation rep{file->body.size(),
                                     '"' + file->hash + "-g" + QByteArray::number(generation()) + '"',
                                     file->contentType, "no-cache", file->body, std::nullopt};
            return serveRepresentation(request, rep, m_lastModified);
        }
    }
    if (path.startsWith(u"/obj/") && path.size() > 5)
        return object(request);
    if (path == u"/sureroute-test-object.html") {
        const QByteArray body = testObjectBody();
        const Representation rep{body.size(),
                                 '"' + sha256Hex(body).left(24) + "-g"
                                     + QByteArray::number(generation()) + '"',
                                 "text/html; charset=utf-8", "public, max-age=60", body,
                                 std::nullopt};
        return serveRepresentation(request, rep, m_lastModified);
    }
    if (path == u"/dynamic")
        return dynamic(request);
    if (path == u"/slow")
        return slow(request);
    if (path.startsWith(u"/status/"))
        return status(request, path.mid(8));
    if (path.startsWith(u"/delay/"))
        return delay(request, path.mid(7));
    if (path == u"/echo")
        return echo(request);
    return textResponse(404, "not found");
}

OriginResponse Origin::object(const OriginRequest &request)
{
    const auto size = queryNumber(request, QStringLiteral("size"), kDefaultObjectSize, 0,
                                  kMaxObjectSize);
    if (const auto *error = std::get_if<OriginResponse>(&size))
        return *error;
    const qint64 n = std::get<qint64>(size);
    const QByteArray key = request.path.toUtf8();
    const int gen = generation();
    const Representation rep{n, strongEtag(key, n, gen), "application/octet-stream",
                             "public, max-age=60", {}, contentSeed(key, n, gen)};
    return serveRepresentation(request, rep, m_lastModified);
}

OriginResponse Origin::dynamic(const OriginRequest &request)
{
    if (request.method != "GET" && request.method != "HEAD")
        return methodNotAllowed("GET, HEAD");
    const auto size = queryNumber(request, QStringLiteral("size"), kDefaultObjectSize, 0,
                                  kMaxDynamicSize);
    if (const auto *error = std::get_if<OriginResponse>(&size))
        return *error;
    const qint64 n = std::get<qint64>(size);
    const QByteArray key = "/dynamic#" + QByteArray::number(m_dynamicCounter.fetch_add(1)) + '-'
                           + QByteArray::number(QRandomGenerator::global()->generate64());
    OriginResponse response;
    response.sendBody = request.method != "HEAD";
    response.headers = {{"Content-Type", "application/octet-stream"},
                        {"Cache-Control", "no-store"},
                        {"X-Body-Sha256", contentSha256(key, n)}};
    response.generated = OriginResponse::Generated{contentSeed(key, n), 0, n};
    return response;
}

OriginResponse Origin::slow(const OriginRequest &request)
{
    const auto size = queryNumber(request, QStringLiteral("size"), kDefaultObjectSize, 0,
                                  kMaxObjectSize);
    if (const auto *error = std::get_if<OriginResponse>(&size))
        return *error;
    const auto rate = queryNumber(request, QStringLiteral("rate"), kDefaultSlowRate, 1,
                                  kMaxObjectSize);
    if (const auto *error = std::get_if<OriginResponse>(&rate))
        return *error;
    const qint64 n = std::get<qint64>(size);
    const int gen = generation();
    const Representation rep{n, strongEtag("/slow", n, gen), "application/octet-stream",
                             "public, max-age=60", {}, contentSeed("/slow", n, gen)};
    OriginResponse response = serveRepresentation(request, rep, m_lastModified);
    response.rateBytesPerSec = std::get<qint64>(rate);
    return response;
}

OriginResponse Origin::status(const OriginRequest &request, const QString &code) const
{
    const auto value = parseNonNegative(code.toLatin1());
    if (!value || *value < 200 || *value > 599)
        return textResponse(400, "status code must be 200..599");
    const int status = static_cast<int>(*value);
    OriginResponse response = textResponse(status, "status " + QByteArray::number(status));
    if (status == 204 || status == 304) {
        response.body.clear();
        response.contentLength = false;
    }
    response.sendBody = request.method != "HEAD";
    return response;
}

OriginResponse Origin::delay(const OriginRequest &request, const QString &milliseconds) const
{
    const auto value = parseNonNegative(milliseconds.toLatin1());
    if (!value || *value > kMaxDelayMs)
        return textResponse(400, "delay must be 0.." + QByteArray::number(kMaxDelayMs) + " ms");
    OriginResponse response = textResponse(200, "delayed " + QByteArray::number(*value) + " ms");
    response.delayMs = static_cast<int>(*value);
    response.sendBody = request.method != "HEAD";
    return response;
}

OriginResponse Origin::echo(const OriginRequest &request) const
{
    if (request.method != "POST" && request.method != "PUT")
        return methodNotAllowed("POST, PUT");
    const QJsonObject json{{QStringLiteral("method"), QString::fromLatin1(request.method)},
                           {QStringLiteral("length"), request.body.size()},
                           {QStringLiteral("sha256"), QString::fromLatin1(sha256Hex(request.body))}};
    OriginResponse response;
    response.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
    response.body = QJsonDocument(json).toJson(QJsonDocument::Compact);
    return response;
}

} // namespace relayrace::lab
