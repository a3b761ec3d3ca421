// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/regionprobe.h"

#include "map/tlshello.h"

#include <QTcpSocket>

namespace relayrace::map {
namespace {

constexpr qsizetype kMaxHeadBytes = 16 * 1024;

} // namespace

RegionProbe::RegionProbe(Kind kind, QUrl relay, QUrl origin, std::chrono::milliseconds timeout, QObject *parent)
    : QObject(parent), m_kind(kind), m_relay(std::move(relay)), m_origin(std::move(origin))
{
    m_timeout.setSingleShot(true);
    m_timeout.setInterval(timeout);
    connect(&m_timeout, &QTimer::timeout, this, &RegionProbe::onTimeout);
}

RegionProbe::~RegionProbe()
{
    if (m_socket)
        m_socket->disconnect(this);
}

void RegionProbe::start()
{
    QMetaObject::invokeMethod(this, &RegionProbe::begin, Qt::QueuedConnection);
}

void RegionProbe::abort(const QString &why)
{
    fail(why);
}

void RegionProbe::begin()
{
    if (m_stage != Stage::Idle)
        return;
    m_stage = Stage::Connecting;
    m_socket = new QTcpSocket(this);
    connect(m_socket, &QTcpSocket::stateChanged, this, [this](QAbstractSocket::SocketState state) {
        // A relay named by host name: its lookup is not part of any round trip.
        if (state == QAbstractSocket::ConnectingState)
            m_clock.restart();
    });
    connect(m_socket, &QTcpSocket::connected, this, &RegionProbe::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &RegionProbe::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &RegionProbe::onError);
    m_timeout.start();
    m_clock.start();
    m_socket->connectToHost(m_relay.host(), quint16(m_relay.port(80)));
}

void RegionProbe::onConnected()
{
    if (m_stage != Stage::Connecting)
        return;
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_kind == Kind::ForwardAnswer) {
        m_stage = Stage::AwaitingForward;
        m_socket->write(forwardRequest());
        return;
    }
    if (m_kind == Kind::RelayAnswer) {
        // Origin-form and no Host: a forward proxy can only refuse it itself (tinyproxy and the lab
        // relay answer 400), so nothing beyond the relay is involved.
        m_stage = Stage::AwaitingRelay;
        m_socket->write("GET / HTTP/1.1\r\nUser-Agent: relayrace-map-maker\r\n" + credentialLine() + "\r\n");
        return;
    }
    // The first message rides behind the CONNECT head instead of waiting for the 200: then the
    // time is 2e + 2o both where connecting costs a round trip and where the relay's connect returns
    // at once (docs/map-maker.md).
    const QByteArray target = originHostPort().toUtf8();
    QByteArray out = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target +
                     "\r\nUser-Agent: relayrace-map-maker\r\n" + credentialLine() + "\r\n";
    if (m_origin.scheme() == u"https")
        out += tlsClientHello(m_origin.host());
    else
        out += "OPTIONS * HTTP/1.1\r\nHost: " + target + "\r\nUser-Agent: relayrace-map-maker\r\n\r\n";
    m_stage = Stage::AwaitingTunnel;
    m_socket->write(out);
}

void RegionProbe::onReadyRead()
{
    switch (m_stage) {
    case Stage::AwaitingRelay:
        if (m_firstByteMs < 0)
            m_firstByteMs = elapsedMs();
        m_received += m_socket->readAll();
        readRelayAnswer();
        return;
    case Stage::AwaitingTunnel:
        m_received += m_socket->readAll();
        readConnectAnswer();
        return;
    case Stage::AwaitingOrigin:
        succeed(elapsedMs());
        return;
    case Stage::AwaitingForward:
        if (m_firstByteMs < 0)
            m_firstByteMs = elapsedMs();
        m_received += m_socket->readAll();
        readForwardAnswer();
        return;
    case Stage::AwaitingWarm:
        finish(ProbeOutcome{true, m_firstByteMs, QString(), double(m_warmClock.nsecsElapsed()) / 1e6});
        return;
    case Stage::Idle:
    case Stage::Connecting:
    case Stage::Done:
        return;
    }
}

QByteArray RegionProbe::forwardRequest() const
{
    // HEAD: an answer without a body, so the second answer's first byte is the second answer's. The
    // cache directives make a caching relay ask the origin instead of answering from its store.
    const QByteArray hostPort = originHostPort().toUtf8();
    const QByteArray path = m_path.startsWith(u'/') ? QUrl::toPercentEncoding(m_path, "/?&=%:@!$'()*+,;~") : "/";
    return "HEAD http://" + hostPort + path + " HTTP/1.1\r\nHost: " + hostPort +
           "\r\nUser-Agent: relayrace-map-maker\r\nCache-Control: no-cache\r\nPragma: no-cache\r\n" + credentialLine() + "\r\n";
}

void RegionProbe::readForwardAnswer()
{
    const qsizetype end = m_received.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_received.size() > kMaxHeadBytes)
            fail(QStringLiteral("relay %1 sent an answer head over %2 bytes").arg(relayName()).arg(kMaxHeadBytes));
        return;
    }
    const QByteArray head = m_received.left(end);
    const QByteArray statusLine = head.left(head.indexOf("\r\n"));
    const QList<QByteArray> parts = statusLine.split(' ');
    bool numeric = false;
    const int status = parts.size() >= 2 ? parts.at(1).toInt(&numeric) : 0;
    if (!statusLine.startsWith("HTTP/") || !numeric) {
        fail(QStringLiteral("relay %1 answered a forwarded request with something other than HTTP").arg(relayName()));
        return;
    }
    // A refusal (403: an ACL; 407: credentials wanted) or a failure to reach the origin (5xx) is the
    // relay's own answer, no measurement of the origin.
    if (status == 403 || status == 407 || status >= 500) {
        fail(QStringLiteral("relay %1 answered HEAD http://%2%3 with \"%4\"")
                 .arg(relayName(), originHostPort(), m_path, QString::fromLatin1(statusLine.mid(statusLine.indexOf(' ') + 1))));
        return;
    }
    // A relay that says it closes, or sends more than a head, gets no second request: the first
    // answer's time stands alone (it opened its connection to the origin for it: 2e + 2o).
    const bool closes = head.toLower().contains("\r\nconnection: close");
    if (closes || m_received.size() > end + 4) {
        finish(ProbeOutcome{true, m_firstByteMs, QString(), -1.0});
        return;
    }
    m_received.clear();
    m_stage = Stage::AwaitingWarm;
    m_warmClock.start();
    m_socket->write(forwardRequest());
}

void RegionProbe::readRelayAnswer()
{
    if (m_received.size() < 5)
        return;
    if (!m_received.startsWith("HTTP/")) {
        fail(QStringLiteral("relay %1 answered something other than HTTP").arg(relayName()));
        return;
    }
    succeed(m_firstByteMs);
}

void RegionProbe::readConnectAnswer()
{
    const qsizetype end = m_received.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_received.size() > kMaxHeadBytes)
            fail(QStringLiteral("relay %1 sent a CONNECT answer head over %2 bytes").arg(relayName()).arg(kMaxHeadBytes));
        return;
    }
    const QByteArray statusLine = m_received.left(m_received.indexOf("\r\n"));
    const QList<QByteArray> parts = statusLine.split(' ');
    bool numeric = false;
    const int status = parts.size() >= 2 ? parts.at(1).toInt(&numeric) : 0;
    if (!statusLine.startsWith("HTTP/") || !numeric) {
        fail(QStringLiteral("relay %1 answered CONNECT with something other than HTTP").arg(relayName()));
        return;
    }
    if (status != 200) {
        fail(QStringLiteral("relay %1 answered CONNECT %2 with \"%3\"")
                 .arg(relayName(), originHostPort(), QString::fromLatin1(statusLine.mid(statusLine.indexOf(' ') + 1))));
        return;
    }
    m_stage = Stage::AwaitingOrigin;
    if (m_received.size() > end + 4)
        succeed(elapsedMs());
}

void RegionProbe::onError()
{
    if (m_stage == Stage::Done)
        return;
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
    if (m_stage == Stage::Done)
        return;
    const bool closed = m_socket->error() == QAbstractSocket::RemoteHostClosedError;
    switch (m_stage) {
    case Stage::Connecting:
        if (m_socket->error() == QAbstractSocket::ConnectionRefusedError)
            fail(QStringLiteral("relay %1 refused the connection").arg(relayName()));
        else
            fail(QStringLiteral("cannot connect to relay %1: %2").arg(relayName(), m_socket->errorString()));
        return;
    case Stage::AwaitingWarm:
        // The relay closed after one answer (tinyproxy without keep-alive): the first time stands.
        finish(ProbeOutcome{true, m_firstByteMs, QString(), -1.0});
        return;
    case Stage::AwaitingRelay:
    case Stage::AwaitingTunnel:
    case Stage::AwaitingForward:
        fail(closed ? QStringLiteral("relay %1 closed the connection without answering").arg(relayName())
                    : QStringLiteral("relay %1: %2").arg(relayName(), m_socket->errorString()));
        return;
    case Stage::AwaitingOrigin:
        // A TLS server answers a ClientHello and an HTTP server OPTIONS: a silent close is no
        // measurement (in the lab a close even skips the link's latency).
        fail(QStringLiteral("the tunnel through relay %1 to %2 closed without an answer from the origin")
                 .arg(relayName(), originHostPort()));
        return;
    case Stage::Idle:
    case Stage::Done:
        return;
    }
}

void RegionProbe::onTimeout()
{
    const qint64 ms = m_timeout.intervalAsDuration().count();
    switch (m_stage) {
    case Stage::Idle:
    case Stage::Connecting:
        fail(QStringLiteral("relay %1: no connection within %2 ms").arg(relayName()).arg(ms));
        return;
    case Stage::AwaitingRelay:
        fail(QStringLiteral("relay %1 did not answer within %2 ms").arg(relayName()).arg(ms));
        return;
    case Stage::AwaitingForward:
        fail(QStringLiteral("no answer to HEAD http://%1%2 through relay %3 within %4 ms").arg(originHostPort(), m_path, relayName()).arg(ms));
        return;
    case Stage::AwaitingWarm:
        finish(ProbeOutcome{true, m_firstByteMs, QString(), -1.0});
        return;
    case Stage::AwaitingTunnel:
        fail(QStringLiteral("relay %1 did not answer CONNECT %2 within %3 ms").arg(relayName(), originHostPort()).arg(ms));
        return;
    case Stage::AwaitingOrigin:
        fail(QStringLiteral("no answer from %1 through relay %2 within %3 ms (a relay must pass on bytes sent "
                            "right behind the CONNECT head)").arg(originHostPort(), relayName()).arg(ms));
        return;
    case Stage::Done:
        return;
    }
}

void RegionProbe::succeed(double elapsedMs)
{
    finish(ProbeOutcome{true, elapsedMs, QString(), -1.0});
}

void RegionProbe::fail(const QString &error)
{
    finish(ProbeOutcome{false, 0.0, error, -1.0});
}

void RegionProbe::finish(const ProbeOutcome &outcome)
{
    if (m_stage == Stage::Done)
        return;
    m_stage = Stage::Done;
    m_timeout.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    Q_EMIT finished(outcome);
}

double RegionProbe::elapsedMs() const
{
    return double(m_clock.nsecsElapsed()) / 1e6;
}

QString RegionProbe::relayName() const
{
    return m_relay.host() + u':' + QString::number(m_relay.port(80));
}

QByteArray RegionProbe::credentialLine() const
{
    return m_proxyAuthorization.isEmpty() ? QByteArray() : "Proxy-Authorization: " + m_proxyAuthorization + "\r\n";
}

QString RegionProbe::originHostPort() const
{
    const QString host = m_origin.host();
    const int port = m_origin.port(m_origin.scheme() == u"https" ? 443 : 80);
    return (host.contains(u':') ? u'[' + host + u']' : host) + u':' + QString::number(port);
}

} // namespace relayrace::map
