// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/content.h"
#include "lab/labca.h"
#include "lab/origin.h"
#include "lab/originconnection.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QTcpSocket>
#include <QTest>

#include <openssl/evp.h>

#include <memory>
#include <optional>

using namespace relayrace::lab;

namespace {

constexpr int kTimeoutMs = 60000;

struct DeleteLater
{
    void operator()(QObject *object) const { object->deleteLater(); }
};
using Reply = std::unique_ptr<QNetworkReply, DeleteLater>;

struct Fetched
{
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names

    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
    bool has(const QByteArray &name) const { return headers.contains(name.toLower()); }
};

QNetworkRequest makeRequest(const QUrl &url, const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    return request;
}

// A real event loop, not QTest::qWaitFor: that one sleeps 10 ms between turns, which would pace a
// large transfer to a few MiB/s.
bool waitFinished(QNetworkReply *reply, int timeoutMs = kTimeoutMs)
{
    if (reply->isFinished())
        return true;
    QSignalSpy finished(reply, &QNetworkReply::finished);
    return finished.wait(timeoutMs);
}

Fetched collect(QNetworkReply *reply)
{
    Fetched result;
    if (!waitFinished(reply)) {
        result.error = QNetworkReply::TimeoutError;
        return result;
    }
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.error = reply->error();
    result.body = reply->readAll();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        result.headers.insert(name.toLower(), value);
    return result;
}

Fetched fetch(QNetworkAccessManager &nam, const QNetworkRequest &request,
              const QByteArray &verb = "GET", const QByteArray &body = {})
{
    const Reply reply(nam.sendCustomRequest(request, verb, body));
    return collect(reply.get());
}

// Resident set size of this process, in bytes; 0 where /proc is unavailable.
qint64 residentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return 0;
}

} // namespace

class TstOrigin final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void fullBodyMatchesContentSha256AndCarriesValidators();
    void rangeFormsAnswer206WithExactBytes_data();
    void rangeFormsAnswer206WithExactBytes();
    void unsatisfiableRangeAnswers416_data();
    void unsatisfiableRangeAnswers416();
    void ifRangeHonoursRangeOnlyWhileEtagMatches();
    void generationChangesEtagAndBody();
    void headSendsHeadersWithLengthButNoBody();
    void ifNoneMatchAnswers304();
    void dynamicBodyDiffersEachTimeAndMatchesItsHash();
    void testObjectIsHtmlOfAtLeast8KiBWithValidators();
    void statusEndpointAnswersThatStatus_data();
    void statusEndpointAnswersThatStatus();
    void delayEndpointAnswersAfterTheDelay();
    void slowEndpointPacesTheBody();
    void unknownPathAnswers404AndWrongMethod405();
    void badSizeAnswers400();
    void echoReturnsBodyHashAndLength();
    void staticFileServedWithEtagAnd304();
    void httpsVerifiesAgainstLabCa();
    void httpsFailsWhenCaIsNotTrusted();
    void largeObjectStreamsInBoundedMemory();
    void keepAliveReusesOneConnection();
    void pipelinedRequestsAreAnsweredInOrder();
    void connectionCloseIsHonoured();
    void clientAbortCountsAsAbortedResponse();
    void caPemIsWrittenForCommandLineTools();

private:
    QUrl url(const QString &pathAndQuery) const { return QUrl(m_origin->url().toString() + pathAndQuery); }

    std::optional<LabCa> m_ca;
    std::unique_ptr<Origin> m_origin;
    QNetworkAccessManager m_nam;
};

void TstOrigin::initTestCase()
{
    auto ca = LabCa::generate();
    QVERIFY2(ca.ok(), qPrintable(ca.ok() ? QString() : ca.error()));
    m_ca = std::move(ca).value();
    m_origin = std::make_unique<Origin>(QStringLiteral("acme"));
    QVERIFY(m_origin->listen() != 0);
    QVERIFY(m_origin->listenTls(*m_ca) != 0);
    QCOMPARE(m_origin->url().host(), QStringLiteral("127.0.0.1"));
    QCOMPARE(m_origin->tlsUrl().scheme(), QStringLiteral("https"));
    m_nam.setProxy(QNetworkProxy::NoProxy);
}

void TstOrigin::init()
{
    m_origin->setGeneration(0);
}

void TstOrigin::fullBodyMatchesContentSha256AndCarriesValidators()
{
    const OriginStats before = m_origin->stats();
    const qint64 size = 3 * 1024 * 1024 + 5;
    const Fetched r = fetch(m_nam, makeRequest(url(QStringLiteral("/obj/a?size=%1").arg(size))));
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.size(), size);
    QCOMPARE(sha256Hex(r.body), contentSha256("/obj/a", size));
    QCOMPARE(r.header("Content-Type"), QByteArray("application/octet-stream"));
    QCOMPARE(r.header("ETag"), strongEtag("/obj/a", size));
    QCOMPARE(r.header("Last-Modified"), httpDate(m_origin->lastModified()));
    QCOMPARE(r.header("Accept-Ranges"), QByteArray("bytes"));
    QCOMPARE(r.header("Cache-Control"), QByteArray("public, max-age=60"));
    QCOMPARE(r.header("X-Origin"), QByteArray("acme"));
    QCOMPARE(r.header("Content-Length"), QByteArray::number(size));
    const OriginStats after = m_origin->stats();
    QCOMPARE(after.requests, before.requests + 1);
    QVERIFY(after.bytesSent >= before.bytesSent + size);

    const Fetched defaultSize = fetch(m_nam, makeRequest(url(QStringLiteral("/obj/b"))));
    QCOMPARE(defaultSize.body.size(), Origin::kDefaultObjectSize);
}

void TstOrigin::rangeFormsAnswer206WithExactBytes_data()
{
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    const qint64 size = 100000;
    QTest::addRow("a-b") << QByteArray("bytes=100-199") << qint64(100) << qint64(199);
    QTest::addRow("a-") << QByteArray("bytes=99950-") << qint64(99950) << size - 1;
    QTest::addRow("-n") << QByteArray("bytes=-300") << size - 300 << size - 1;
    QTest::addRow("b past the end") << QByteArray("bytes=99000-500000") << qint64(99000) << size - 1;
    QTest::addRow("-n larger than size") << QByteArray("bytes=-200000") << qint64(0) << size - 1;
    QTest::addRow("single byte") << QByteArray("bytes=0-0") << qint64(0) << qint64(0);
}

void TstOrigin::rangeFormsAnswer206WithExactBytes()
{
    QFETCH(QByteArray, range);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    const qint64 size = 100000;
    const Fetched r = fetch(m_nam, makeRequest(url(QStringLiteral("/obj/r?size=%1").arg(size)),
                                               {{"Range", range}}));
    QCOMPARE(r.status, 206);
    QCOMPARE(r.header("Content-Range"), "bytes " + QByteArray::number(first) + '-'
                                            + QByteArray::number(last) + '/' + QByteArray::number(size));
    QCOMPARE(r.body, contentRange("/obj/r", size, first, last - first + 1));
    QCOMPARE(r.header("ETag"), strongEtag("/obj/r", size));
}

void TstOrigin::unsatisfiableRangeAnswers416_data()
{
    QTest::addColumn<QByteArray>("range");
    QTest::addRow("start past the end") << QByteArray("bytes=1000-");
    QTest::addRow("start far past the end") << QByteArray("bytes=5000-6000");
    QTest::addRow("empty suffix") << QByteArray("bytes=-0");
}

void TstOrigin::unsatisfiableRangeAnswers416()
{
    QFETCH(QByteArray, range);
    const Fetched r = fetch(m_nam, makeRequest(url(QStringLiteral("/obj/u?size=1000")),
                                               {{"Range", range}}));
    QCOMPARE(r.status, 416);
    QCOMPARE(r.header("Content-Range"), QByteArray("bytes */1000"));
    QVERIFY(r.body.isEmpty());
}

void TstOrigin::ifRangeHonoursRangeOnlyWhileEtagMatches()
{
    const QUrl objectUrl = url(QStringLiteral("/obj/ir?size=5000"));
    const QByteArray etag = strongEtag("/obj/ir", 5000);
    const Fetched matching = fetch(m_nam, makeRequest(objectUrl, {{"Range", "bytes=1000-"},
                                                                  {"If-Range", etag}}));
    QCOMPARE(matching.status, 206);
    QCOMPARE(matching.body, contentRange("/obj/ir", 5000, 1000, 4000));

    const Fetched stale = fetch(m_nam, makeRequest(objectUrl, {{"Range", "bytes=1000-"},
                                                               {"If-Range", "\"not-the-tag\""}}));
    QCOMPARE(stale.status, 200);
    QVERIFY(!stale.has("Content-Range"));
    QCOMPARE(stale.body, contentBody("/obj/ir", 5000));

    const Fetched byDate = fetch(m_nam, makeRequest(objectUrl, {{"Range", "bytes=4990-"},
                                                                {"If-Range", httpDate(m_origin->lastModified())}}));
    QCOMPARE(byDate.status, 206);
    QCOMPARE(byDate.body.size(), 10);
}

void TstOrigin::generationChangesEtagAndBody()
{
    const QUrl objectUrl = url(QStringLiteral("/obj/g?size=4096"));
    const Fetched first = fetch(m_nam, makeRequest(objectUrl));
    m_origin->setGeneration(1);
    const Fetched resumed = fetch(m_nam, makeRequest(objectUrl, {{"Range", "bytes=2048-"},
                                                                 {"If-Range", first.header("ETag")}}));
    QCOMPARE(resumed.status, 200);
    QVERIFY(resumed.header("ETag") != first.header("ETag"));
    QCOMPARE(resumed.header("ETag"), strongEtag("/obj/g", 4096, 1));
    QCOMPARE(resumed.body, contentBody("/obj/g", 4096, 1));
    QVERIFY(resumed.body != first.body);
}

void TstOrigin::headSendsHeadersWithLengthButNoBody()
{
    const Reply reply(m_nam.head(makeRequest(url(QStringLiteral("/obj/h?size=123456")))));
    const Fetched r = collect(reply.get());
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Content-Length"), QByteArray("123456"));
    QCOMPARE(r.header("ETag"), strongEtag("/obj/h", 123456));
    QVERIFY(r.body.isEmpty());
    // The connection is still usable: the next answer is not mistaken for a body.
    const Fetched next = fetch(m_nam, makeRequest(url(QStringLiteral("/obj/h?size=10"))));
    QCOMPARE(next.body, contentBody("/obj/h", 10));
}

void TstOrigin::ifNoneMatchAnswers304()
{
    const QUrl objectUrl = url(QStringLiteral("/obj/c?size=2048"));
    const QByteArray etag = strongEtag("/obj/c", 2048);
    const Fetched notModified = fetch(m_nam, makeRequest(objectUrl, {{"If-None-Match", etag}}));
    QCOMPARE(notModified.status, 304);
    QVERIFY(notModified.body.isEmpty());
    QCOMPARE(notModified.header("ETag"), etag);

    const Fetched listed = fetch(m_nam, makeRequest(objectUrl, {{"If-None-Match", "\"x\", W/" + etag}}));
    QCOMPARE(listed.status, 304);

    const Fetched changed = fetch(m_nam, makeRequest(objectUrl, {{"If-None-Match", "\"other\""}}));
    QCOMPARE(changed.status, 200);
    QCOMPARE(changed.body.size(), 2048);
}

void TstOrigin::dynamicBodyDiffersEachTimeAndMatchesItsHash()
{
    const QUrl dynamicUrl = url(QStringLiteral("/dynamic?size=70000"));
    const Fetched a = fetch(m_nam, makeRequest(dynamicUrl));
    const Fetched b = fetch(m_nam, makeRequest(dynamicUrl));
    for (const Fetched *r : {&a, &b}) {
        QCOMPARE(r->status, 200);
        QCOMPARE(r->body.size(), 70000);
        QCOMPARE(sha256Hex(r->body), r->header("X-Body-Sha256"));
        QCOMPARE(r->header("Cache-Control"), QByteArray("no-store"));
        QVERIFY(!r->has("ETag"));
        QVERIFY(!r->has("Last-Modified"));
        QVERIFY(!r->has("Accept-Ranges"));
    }
    QVERIFY(a.body != b.body);
    QVERIFY(a.header("X-Body-Sha256") != b.header("X-Body-Sha256"));
}

void TstOrigin::testObjectIsHtmlOfAtLeast8KiBWithValidators()
{
    const Fetched r = fetch(m_nam, makeRequest(url(QStringLiteral("/sureroute-test-object.html"))));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.size() >= 8 * 1024);
    QCOMPARE(r.body, Origin::testObjectBody());
    QVERIFY(r.header("Content-Type").startsWith("text/html"));
    QVERIFY(r.header("ETag").startsWith('"'));
    QVERIFY(r.has("Last-Modified"));
    const Fetched again = fetch(m_nam, makeRequest(url(QStringLiteral("/sureroute-test-object.html")),
                                                   {{"If-None-Match", r.header("ETag")}}));
    QCOMPARE(again.status, 304);
}

void TstOrigin::statusEndpointAnswersThatStatus_data()
{
    QTest::addColumn<int>("code");
    QTest::addRow("503") << 503;
    QTest::addRow("500") << 500;
    QTest::addRow("429") << 429;
    QTest::addRow("201") << 201;
}

void TstOrigin::statusEndpointAnswersThatStatus()
{
    QFETCH(int, code);
    const Fetched r = fetch(m_nam, makeRequest(url(QStringLiteral("/status/%1").arg(code))));
    QCOMPARE(r.status, code);
    QVERIFY(r.body.contains(QByteArray::number(code)));
    QCOMPARE(r.header("X-Origin"), QByteArray("acme"));
}

void TstOrigin::delayEndpointAnswersAfterTheDelay()
{
    QElapsedTimer timer;
    timer.start();
    const Fetched r = fetch(m_nam, makeRequest(url(QStringLiteral("/delay/300"))));
    QCOMPARE(r.status, 200);
    QVERIFY2(timer.elapsed() >= 295, qPrintable(QString::number(timer.elapsed())));
}

void TstOrigin::slowEndpointPacesTheBody()
{
    QElapsedTimer timer;
    timer.start();
    // 96 KiB at 192 KiB/s: about half a second.
    const Fetched r = fetch(m_nam, makeRequest(url(QStringLiteral("/slow?size=98304&rate=196608"))));
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, contentBody("/slow", 98304));
    QCOMPARE(r.header("ETag"), strongEtag("/slow", 98304));
    QVERIFY2(elapsed >= 450, qPrintable(QString::number(elapsed)));
}

void TstOrigin::unknownPathAnswers404AndWrongMethod405()
{
    const Fetched missing = fetch(m_nam, makeRequest(url(QStringLiteral("/nothing/here"))));
    QCOMPARE(missing.status, 404);
    QCOMPARE(missing.header("X-Origin"), QByteArray("acme"));
    const Fetched post = fetch(m_nam, makeRequest(url(QStringLiteral("/obj/a"))), "POST", "x");
    QCOMPARE(post.status, 405);
    QCOMPARE(post.header("Allow"), QByteArray("GET, HEAD"));
    const Fetched getEcho = fetch(m_nam, makeRequest(url(QStringLiteral("/echo"))));
    QCOMPARE(getEcho.status, 405);
}

void TstOrigin::badSizeAnswers400()
{
    QCOMPARE(fetch(m_nam, makeRequest(url(QStringLiteral("/obj/a?size=abc")))).status, 400);
    QCOMPARE(fetch(m_nam, makeRequest(url(QStringLiteral("/obj/a?size=%1").arg(Origin::kMaxObjectSize + 1))))
                 .status, 400);
    QCOMPARE(fetch(m_nam, makeRequest(url(QStringLiteral("/status/99")))).status, 400);
}

void TstOrigin::echoReturnsBodyHashAndLength()
{
    QByteArray body = contentBody("/echo-input", 300000);
    for (const QByteArray &verb : {QByteArray("POST"), QByteArray("PUT")}) {
        QNetworkRequest request = makeRequest(url(QStringLiteral("/echo")));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/octet-stream"));
        const Fetched r = fetch(m_nam, request, verb, body);
        QCOMPARE(r.status, 200);
        const QJsonObject json = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(json.value(QStringLiteral("length")).toInteger(), 300000);
        QCOMPARE(json.value(QStringLiteral("sha256")).toString().toLatin1(), sha256Hex(body));
        QCOMPARE(json.value(QStringLiteral("method")).toString().toLatin1(), verb);
    }
}

void TstOrigin::staticFileServedWithEtagAnd304()
{
    const QByteArray map = R"({"format":"relayrace-map","version":1})";
    m_origin->setStaticFile(QStringLiteral("/maps/acme.json"), map, "application/json");
    const QUrl mapUrl = url(QStringLiteral("/maps/acme.json"));
    const Fetched r = fetch(m_nam, makeRequest(mapUrl));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, map);
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
    const QByteArray etag = r.header("ETag");
    QVERIFY(etag.startsWith('"') && etag.endsWith('"'));
    QCOMPARE(fetch(m_nam, makeRequest(mapUrl, {{"If-None-Match", etag}})).status, 304);

    m_origin->setStaticFile(QStringLiteral("/maps/acme.json"), map + ' ', "application/json");
    const Fetched changed = fetch(m_nam, makeRequest(mapUrl, {{"If-None-Match", etag}}));
    QCOMPARE(changed.status, 200);
    QCOMPARE(changed.body, map + ' ');
    QVERIFY(changed.header("ETag") != etag);

    m_origin->removeStaticFile(QStringLiteral("/maps/acme.json"));
    QCOMPARE(fetch(m_nam, makeRequest(mapUrl)).status, 404);
}

void TstOrigin::httpsVerifiesAgainstLabCa()
{
    QNetworkAccessManager nam; // a new handshake, not a pooled connection
    nam.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request = makeRequest(QUrl(m_origin->tlsUrl().toString()
                                               + QStringLiteral("/obj/tls?size=200000")));
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.addCaCertificate(m_ca->caCertificate());
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    request.setSslConfiguration(tls);
    const Reply reply(nam.get(request));
    QSignalSpy sslErrors(reply.get(), &QNetworkReply::sslErrors);
    const Fetched r = collect(reply.get());
    QCOMPARE(r.error, QNetworkReply::NoError);
    QCOMPARE(sslErrors.count(), 0);
    QCOMPARE(r.status, 200);
    QCOMPARE(sha256Hex(r.body), contentSha256("/obj/tls", 200000));
    QCOMPARE(r.header("X-Origin"), QByteArray("acme"));
}

void TstOrigin::httpsFailsWhenCaIsNotTrusted()
{
    QNetworkAccessManager nam; // a new handshake, not a pooled connection
    nam.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request = makeRequest(QUrl(m_origin->tlsUrl().toString() + QStringLiteral("/obj/tls")));
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    request.setSslConfiguration(tls);
    const Reply reply(nam.get(request));
    QSignalSpy sslErrors(reply.get(), &QNetworkReply::sslErrors);
    const Fetched r = collect(reply.get());
    QCOMPARE(r.error, QNetworkReply::SslHandshakeFailedError);
    QCOMPARE(r.status, 0);
    QVERIFY(sslErrors.count() >= 1);
}

void TstOrigin::largeObjectStreamsInBoundedMemory()
{
    const qint64 size = 256LL * 1024 * 1024;
    QNetworkAccessManager nam; // a connection of its own, so the peak below is this transfer's
    nam.setProxy(QNetworkProxy::NoProxy);
    const qint64 rssBefore = residentBytes();
    qint64 rssPeak = rssBefore;
    qint64 received = 0;
    qint64 nextSample = 0;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    QVERIFY(EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) == 1);

    QElapsedTimer timer;
    timer.start();
    const Reply reply(nam.get(makeRequest(url(QStringLiteral("/obj/large?size=%1").arg(size)))));
    connect(reply.get(), &QIODevice::readyRead, this, [&] {
        const QByteArray chunk = reply->readAll();
        EVP_DigestUpdate(sha.get(), chunk.constData(), size_t(chunk.size()));
        received += chunk.size();
        if (received >= nextSample) {
            rssPeak = std::max(rssPeak, residentBytes());
            nextSample = received + 16 * 1024 * 1024;
        }
    });
    QVERIFY(waitFinished(reply.get(), 5 * kTimeoutMs));
    const qint64 elapsedMs = std::max<qint64>(1, timer.elapsed());
    const QByteArray rest = reply->readAll();
    EVP_DigestUpdate(sha.get(), rest.constData(), size_t(rest.size()));
    received += rest.size();

    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(received, size);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(sha.get(), digest, &length);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(digest), int(length)).toHex(),
             contentSha256("/obj/large", size));

    const OriginStats stats = m_origin->stats();
    qInfo("origin: 256 MiB GET on loopback in %lld ms = %.1f MiB/s; peak queued %lld KiB, RSS growth %lld KiB",
          elapsedMs, 256.0 * 1000.0 / double(elapsedMs), stats.peakQueuedBytes / 1024,
          (rssPeak - rssBefore) / 1024);
    // The origin never holds more than a bounded window of a body, whatever its size.
    QVERIFY2(stats.peakQueuedBytes <= 2 * 1024 * 1024, qPrintable(QString::number(stats.peakQueuedBytes)));
#if !defined(__SANITIZE_ADDRESS__)
    // Origin and client share this process; either holding the body would show as 256 MiB here.
    QVERIFY2(rssPeak - rssBefore < 64 * 1024 * 1024, qPrintable(QString::number(rssPeak - rssBefore)));
#endif
}

void TstOrigin::keepAliveReusesOneConnection()
{
    QNetworkAccessManager nam; // no pooled connections from earlier tests
    nam.setProxy(QNetworkProxy::NoProxy);
    const qint64 before = m_origin->stats().connections;
    const Fetched first = fetch(nam, makeRequest(url(QStringLiteral("/obj/k1?size=100000"))));
    const Fetched second = fetch(nam, makeRequest(url(QStringLiteral("/obj/k2?size=100000"))));
    QCOMPARE(first.status, 200);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, contentBody("/obj/k2", 100000));
    QCOMPARE(m_origin->stats().connections, before + 1);
}

void TstOrigin::pipelinedRequestsAreAnsweredInOrder()
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_origin->url().port());
    QVERIFY(socket.waitForConnected(kTimeoutMs));
    socket.write("GET /obj/p?size=300000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                 "GET /status/201 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray received;
    const auto done = [&] {
        received += socket.readAll();
        return received.contains("status 201\n");
    };
    QVERIFY(QTest::qWaitFor(done, kTimeoutMs));
    QVERIFY(received.startsWith("HTTP/1.1 200 OK\r\n"));
    const qsizetype bodyStart = received.indexOf("\r\n\r\n") + 4;
    QVERIFY(bodyStart > 4);
    QCOMPARE(received.mid(bodyStart, 300000), contentBody("/obj/p", 300000));
    QVERIFY(received.mid(bodyStart + 300000).startsWith("HTTP/1.1 201 Created\r\n"));
}

void TstOrigin::connectionCloseIsHonoured()
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_origin->url().port());
    QVERIFY(socket.waitForConnected(kTimeoutMs));
    QSignalSpy disconnected(&socket, &QTcpSocket::disconnected);
    socket.write("GET /obj/cc?size=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.count(), 1, kTimeoutMs);
    const QByteArray received = socket.readAll();
    QVERIFY(received.contains("Connection: close\r\n"));
    QVERIFY(received.endsWith(contentBody("/obj/cc", 1000)));
}

void TstOrigin::clientAbortCountsAsAbortedResponse()
{
    const qint64 before = m_origin->stats().abortedResponses;
    QNetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    const Reply reply(nam.get(makeRequest(url(QStringLiteral("/slow?size=1000000&rate=100000")))));
    QTRY_VERIFY_WITH_TIMEOUT(reply->bytesAvailable() > 0, kTimeoutMs);
    reply->abort();
    QTRY_COMPARE_WITH_TIMEOUT(m_origin->stats().abortedResponses, before + 1, kTimeoutMs);
}

void TstOrigin::caPemIsWrittenForCommandLineTools()
{
    const QString path = QStringLiteral(RELAYRACE_BINARY_DIR "/tests/tst_origin_ca.pem");
    const auto written = m_ca->writeCaPem(path);
    QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error()));
    const auto fromFile = QSslCertificate::fromPath(path);
    QCOMPARE(fromFile.size(), 1);
    QCOMPARE(fromFile.first(), m_ca->caCertificate());
    QVERIFY(m_ca->caCertificate().isSelfSigned());
    QCOMPARE(m_ca->serverCertificate().issuerDisplayName(), m_ca->caCertificate().subjectDisplayName());
    QVERIFY(!m_ca->writeCaPem(QStringLiteral("/nonexistent-dir/ca.pem")).ok());
}

QTEST_GUILESS_MAIN(TstOrigin)
#include "tst_origin.moc"
