// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "log/jsonline.h"

#include <QDateTime>
#include <QLocale>

#include <cmath>

namespace relayrace::log {

JsonLine::JsonLine()
{
    m_line.reserve(384);
    m_line.append('{');
}

void JsonLine::key(QByteArrayView key)
{
    if (m_line.size() > 1)
        m_line.append(',');
    m_line.append('"').append(key).append("\":");
}

void JsonLine::appendEscapedUtf8(QByteArrayView utf8)
{
    static constexpr char kHex[] = "0123456789abcdef";
    m_line.append('"');
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        m_line.append(utf8.sliced(plainFrom, i - plainFrom));
        plainFrom = i + 1;
        switch (c) {
        case '"': m_line.append("\\\""); break;
        case '\\': m_line.append("\\\\"); break;
        case '\b': m_line.append("\\b"); break;
        case '\f': m_line.append("\\f"); break;
        case '\n': m_line.append("\\n"); break;
        case '\r': m_line.append("\\r"); break;
        case '\t': m_line.append("\\t"); break;
        default:
            m_line.append("\\u00").append(kHex[c >> 4]).append(kHex[c & 0xf]);
        }
    }
    m_line.append(utf8.sliced(plainFrom)).append('"');
}

JsonLine &JsonLine::add(QByteArrayView k, QStringView value)
{
    key(k);
    appendEscapedUtf8(value.toUtf8());
    return *this;
}

JsonLine &JsonLine::addLatin1(QByteArrayView k, QByteArrayView latin1)
{
    key(k);
    bool ascii = true;
    for (const char c : latin1)
        ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii)
        appendEscapedUtf8(latin1);
    else
        appendEscapedUtf8(QString::fromLatin1(latin1).toUtf8());
    return *this;
}

JsonLine &JsonLine::add(QByteArrayView k, qint64 value)
{
    key(k);
    m_line.append(QByteArray::number(value));
    return *this;
}

JsonLine &JsonLine::add(QByteArrayView k, double value)
{
    key(k);
    // As QJsonDocument: the shortest form that reads back the same; integral values without a point;
    // not-a-number and infinities (which JSON has no word for) as null.
    if (!std::isfinite(value))
        m_line.append("null");
    else
        m_line.append(QByteArray::number(value, 'g', QLocale::FloatingPointShortest));
    return *this;
}

JsonLine &JsonLine::add(QByteArrayView k, bool value)
{
    key(k);
    m_line.append(value ? "true" : "false");
    return *this;
}

JsonLine &JsonLine::addUtcTime(QByteArrayView k, qint64 msecsSinceEpoch)
{
    thread_local qint64 cachedSecond = -1;
    thread_local QByteArray cachedPrefix; // "2026-12-04T22:27:20."
    const qint64 second = msecsSinceEpoch >= 0 ? msecsSinceEpoch / 1000 : (msecsSinceEpoch - 999) / 1000;
    if (second != cachedSecond) {
        cachedPrefix = QDateTime::fromSecsSinceEpoch(second, Qt::UTC).toString(Qt::ISODate).toLatin1();
        cachedPrefix.chop(1); // the 'Z'
        cachedPrefix.append('.');
        cachedSecond = second;
    }
    const int ms = int(msecsSinceEpoch - second * 1000);
    key(k);
    const char millis[] = {char('0' + ms / 100), char('0' + ms / 10 % 10), char('0' + ms % 10), 'Z', '"'};
    m_line.append('"').append(cachedPrefix).append(millis, sizeof millis);
    return *this;
}

QByteArray JsonLine::finish()
{
    m_line.append('}');
    return std::move(m_line);
}

} // namespace relayrace::log
