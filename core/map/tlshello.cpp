// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/tlshello.h"

#include <QHostAddress>
#include <QRandomGenerator>

namespace relayrace::map {
namespace {

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

} // namespace relayrace::map
