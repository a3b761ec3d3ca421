// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractHttpServer>
#include <QByteArray>
#include <QHostAddress>
#include <QDateTime>
#include <QHash>
#include <QMutex>
#include <QString>
#include <QUrl>

#include <atomic>
#include <memory>

namespace relayrace::lab {

class LabCa;
struct OriginCounters;
struct OriginRequest;
struct OriginResponse;

// A snapshot of an origin's counters.
struct OriginStats
{
    qint64 requests = 0;         // responses written to the end
    qint64 bytesSent = 0;        // bytes handed to sockets: status lines, headers and bodies
    qint64 connections = 0;      // connections that sent at least one request
    qint64 abortedResponses = 0; // responses cut short because the client went away
    qint64 peakQueuedBytes = 0;  // most bytes ever waiting in one socket (shows bodies are streamed)
};

// The lab's origin server: a provider's origin on 127.0.0.1, over http, https or both at once (one
// instance can listen on a plain and a TLS port). Every body is generated (lab/content.h) while it
// is sent, so objects up to 1 GiB cost no memory and any client can verify what it received.
//
// Endpoints. Every response carries "X-Origin: <providerId>", Date and Content-Length (except 204
// and 304); keep-alive is the default and "Connection: close" is honoured; requests pipelined on
// one connection are answered in order.
//
//   GET|HEAD /obj/<name>?size=N       (N default 1 MiB, 0..1 GiB; otherwise 400)
//       Body: contentRange("/obj/<name>", N, ..., generation()). application/octet-stream.
//       ETag: strongEtag("/obj/<name>", N, generation()); Last-Modified: the origin's start time;
//       Accept-Ranges: bytes; Cache-Control: public, max-age=60.
//       Range: bytes=a-b | a- | -n -> 206 with Content-Range; a past the end, or -0 -> 416 with
//       "Content-Range: bytes */N"; several ranges or a malformed header -> the full 200.
//       If-Range: honoured when it equals the ETag (or the Last-Modified date); otherwise 200 full.
//       If-None-Match (any listed tag, weak comparison, or *) -> 304; without it,
//       If-Modified-Since at or after Last-Modified -> 304. Other methods -> 405 with Allow.
//   GET|HEAD /sureroute-test-object.html
//       A fixed text/html page of about 9 KiB (testObjectBody()), with the validators and the
//       Range handling of /obj.
//   GET|HEAD /dynamic?size=N          (N default 1 MiB, 0..64 MiB)
//       A new body on every request; "Cache-Control: no-store"; "X-Body-Sha256: <hex>" lets the
//       client verify it. No ETag, no Last-Modified, no Accept-Ranges.
//   GET|HEAD /slow?size=N&rate=R      (R bytes/s, default 65536, 1..1 GiB)
//       Like /obj with the content key "/slow", the body paced at R bytes per second.
//   ANY /status/<code>                (200..599) that status with a short text/plain body.
//   ANY /delay/<ms>                   (0..60000) a short 200 answer after that many milliseconds.
//   POST|PUT /echo                    {"method", "length", "sha256"} of the request body (JSON).
//   GET|HEAD <path set by setStaticFile>
//       That body and content type; ETag from its hash and the generation; "Cache-Control:
//       no-cache"; If-None-Match -> 304; Range as for /obj. Takes precedence over the paths above.
//   anything else -> 404.
//
// The origin answers through its own response writer (lab/originconnection.h), not through
// QHttpServerResponder: bodies are streamed with back-pressure, and a request that arrives while a
// body is still streaming is answered later, after Qt has reused the QHttpServerRequest a responder
// would refer to.
class Origin final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Origin)

public:
    static constexpr qint64 kDefaultObjectSize = 1024 * 1024;
    static constexpr qint64 kMaxObjectSize = 1024LL * 1024 * 1024;
    static constexpr qint64 kMaxDynamicSize = 64LL * 1024 * 1024;

    explicit Origin(QString providerId, QObject *parent = nullptr);
    ~Origin() override;

    // Listens on 127.0.0.1 over plain HTTP; returns the port, 0 on failure. Port 0 picks one.
    quint16 listen(quint16 port = 0, const QHostAddress &address = QHostAddress(QHostAddress::LocalHost));
    // Listens on 127.0.0.1 over HTTPS with the CA's server certificate; returns the port, 0 on failure.
    quint16 listenTls(const LabCa &ca, quint16 port = 0);
    // http://127.0.0.1:<port> and https://127.0.0.1:<port> (the certificate names that address);
    // empty until the matching listen succeeded.
    QUrl url() const;
    QUrl tlsUrl() const;

    QString providerId() const { return m_providerId; }
    QDateTime lastModified() const { return m_lastModified; }

    // Changes every ETag and every generated body: a "new version" of all objects, so a client's
    // If-Range no longer matches. Starts at 0. Thread-safe.
    void setGeneration(int generation);
    int generation() const;

    // Serves body at path (e.g. "/maps/acme.json") from now on; an empty contentType means
    // application/octet-stream. Replaces an earlier body at the same path. Thread-safe.
    void setStaticFile(const QString &path, QByteArray body, QByteArray contentType);
    void removeStaticFile(const QString &path);

    // Thread-safe.
    OriginStats stats() const;

    static QByteArray testObjectBody();

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct StaticFile
    {
        QByteArray body;
        QByteArray contentType;
        QByteArray hash;
    };

    OriginResponse route(const OriginRequest &request);
    OriginResponse object(const OriginRequest &request);
    OriginResponse dynamic(const OriginRequest &request);
    OriginResponse slow(const OriginRequest &request);
    OriginResponse status(const OriginRequest &request, const QString &code) const;
    OriginResponse delay(const OriginRequest &request, const QString &milliseconds) const;
    OriginResponse echo(const OriginRequest &request) const;

    const QString m_providerId;
    const QDateTime m_lastModified;
    const std::shared_ptr<OriginCounters> m_counters;
    std::atomic<int> m_generation{0};
    std::atomic<quint64> m_dynamicCounter{0};
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    mutable QMutex m_staticMutex;
    QHash<QString, StaticFile> m_staticFiles;
};

} // namespace relayrace::lab
