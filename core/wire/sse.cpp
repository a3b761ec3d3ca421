// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "wire/sse.h"

#include <QJsonDocument>

namespace relayrace::wire {

QByteArray sseFrame(QByteArrayView name, const QJsonObject &data)
{
    QByteArray frame;
    const QByteArray json = QJsonDocument(data).toJson(QJsonDocument::Compact);
    frame.reserve(name.size() + json.size() + 16);
    frame.append("event: ").append(name).append("\ndata: ").append(json).append("\n\n");
    return frame;
}

QByteArray sseComment(QByteArrayView text)
{
    return QByteArray(": ").append(text).append("\n\n");
}

QList<SseEvent> SseParser::feed(QByteArrayView bytes)
{
    QList<SseEvent> out;
    qsizetype at = 0;
    if (m_lastWasCr && !bytes.isEmpty() && bytes.front() == '\n')
        at = 1;
    m_lastWasCr = false;
    while (!failed() && at < bytes.size()) {
        qsizetype end = at;
        while (end < bytes.size() && bytes[end] != '\n' && bytes[end] != '\r' && bytes[end] != '\0')
            ++end;
        if (end == bytes.size()) {
            m_buffer.append(bytes.sliced(at));
            if (m_frameBytes + m_buffer.size() > m_max)
                m_error = QStringLiteral("event stream: a frame longer than %1 bytes").arg(m_max);
            break;
        }
        if (bytes[end] == '\0') {
            m_error = QStringLiteral("event stream: a NUL byte");
            break;
        }
        m_buffer.append(bytes.sliced(at, end - at));
        if (m_frameBytes + m_buffer.size() > m_max) {
            m_error = QStringLiteral("event stream: a frame longer than %1 bytes").arg(m_max);
            break;
        }
        const QByteArray complete = std::exchange(m_buffer, QByteArray());
        line(complete, out);
        at = end + 1;
        if (bytes[end] == '\r') {
            if (at < bytes.size() && bytes[at] == '\n')
                ++at;
            else if (at == bytes.size())
                m_lastWasCr = true;
        }
    }
    return out;
}

void SseParser::line(QByteArrayView line, QList<SseEvent> &out)
{
    if (line.isEmpty()) {
        if (m_hasData)
            out.append(SseEvent{m_name.isEmpty() ? QByteArray("message") : m_name, m_data});
        m_name.clear();
        m_data.clear();
        m_hasData = false;
        m_frameBytes = 0;
        return;
    }
    m_frameBytes += line.size() + 1;
    if (line.front() == ':')
        return;
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView field = colon < 0 ? line : line.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);
    if (field == "event") {
        m_name = value.toByteArray();
    } else if (field == "data") {
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value);
        m_hasData = true;
    }
    // "id", "retry" and unknown fields: nothing this reader needs.
}

} // namespace relayrace::wire
