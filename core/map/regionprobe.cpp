// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/regionprobe.h"

#include <QHostAddress>
#include <QRandomGenerator>
#include <QTcpSocket>

namespace relayrace::map {
namespace {

constexpr qsizetype kMaxHeadBytes = 16 * 1024;

void appendU16(QByteArray &out, int value)
{
    out.append(char((value >> 8) & 0xff));
    out.append(char(value & 0xff));
}

void appendU24(QByteArray &out, qsizetype value)
{
    out.append(char((value >> 16) & 0xff));
    appendU16(out, int(value & 0xffff));
}

QByteArray randomBytes(int count)
{
    QByteArray bytes(count, Qt::Uninitialized);
    for (char &byte : bytes)
        byte = char(QRandomGenerator::global()->bounded(256));
    return bytes;
}

void appendExtension(QByteArray &out, int type, const QByteArray &body)
{
    appendU16(out, type);
    appendU16(out, int(body.size()));
    out.append(body);
}

QByteArray u16List(std::initializer_list<int> values, int lengthBytes)
{
    QByteArray list;
    for (const int v : values)
        appendU16(list, v);
    QByteArray out;
    if (lengthBytes == 1)
        out.append(char(list.size()));
    else
        appendU16(out, int(list.size()));
    return out + list;
}

} // namespace

QByteArray tlsClientHello(const QString &serverName)
{
    // RFC 8446 section 4.1.2. The key share is random bytes: any 32 bytes are an X25519 public value,
    // and the handshake never gets past the server's first flight.
    QByteArray extensions;
    if (!serverName.isEmpty() && QHostAddress(serverName).isNull()) { // SNI carries names only
        const QByteArray name = serverName.toUtf8();
        QByteArray entry;
        entry.append(char(0)); // host_name
        appendU16(entry, int(name.size()));
        entry.append(name);
        QByteArray list;
        appendU16(list, int(entry.size()));
        appendExtension(extensions, 0x0000, list + entry);
    }
    appendExtension(extensions, 0x000a, u16List({0x001d, 0x0017, 0x0018}, 2)); // supported_groups
    appendExtension(extensions, 0x000b, QByteArray("\x01\x00", 2));         // ec_point_formats
    appendExtension(extensions, 0x000d, u16List({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}, 2));
    appendExtension(extensions, 0x002b, u16List({0x0304, 0x0303}, 1)); // supported_versions
    QByteArray share;
    appendU16(share, 0x001d);
    appendU16(share, 32);
    share.append(randomBytes(32));
    QByteArray shares;
    appendU16(shares, int(share.size()));
    appendExtension(extensions, 0x0033, shares + share); // key_share

    QByteArray body;
    appendU16(body, 0x0303);
    body.append(randomBytes(32));
    body.append(char(32));
    body.append(randomBytes(32)); // legacy session id, as middlebox-compatible clients send
    body.append(u16List({0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8}, 2));
    body.append(QByteArray("\x01\x00", 2)); // compression: null only
    appendU16(body, int(extensions.size()));
    body.append(extensions);

    QByteArray handshake;
    handshake.append(char(0x01)); // client_hello
    appendU24(handshake, body.size());
    handshake.append(body);
    QByteArray record("\x16\x03\x01", 3);
    appendU16(record, int(handshake.size()));
    return record + handshake;
}

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
    if (m_kind == Kind::RelayAnswer) {
        // Origin-form and no Host: a forward proxy can only refuse it itself (tinyproxy and the lab
        // relay answer 400), so nothing beyond the relay is involved.
        m_stage = Stage::AwaitingRelay;
        m_socket->write("GET / HTTP/1.1\r\nUser-Agent: relayrace-map-maker\r\n\r\n");
        return;
    }
    // The first message rides behind the CONNECT head instead of waiting for the 200: then the
    // time is 2e + 2o both where connecting costs a round trip and where the relay's connect returns
    // at once (docs/map-maker.md).
    const QByteArray target = originHostPort().toUtf8();
    QByteArray out = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target +
                     "\r\nUser-Agent: relayrace-map-maker\r\n\r\n";
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
    case Stage::Idle:
    case Stage::Connecting:
    case Stage::Done:
        return;
    }
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
    case Stage::AwaitingRelay:
    case Stage::AwaitingTunnel:
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
    finish(ProbeOutcome{true, elapsedMs, QString()});
}

void RegionProbe::fail(const QString &error)
{
    finish(ProbeOutcome{false, 0.0, error});
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

QString RegionProbe::originHostPort() const
{
    const QString host = m_origin.host();
    const int port = m_origin.port(m_origin.scheme() == u"https" ? 443 : 80);
    return (host.contains(u':') ? u'[' + host + u']' : host) + u':' + QString::number(port);
}

} // namespace relayrace::map
