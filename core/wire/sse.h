// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace relayrace::wire {

// Server-Sent Events (the WHATWG HTML standard, "Server-sent events"): what an edge's
// /api/v1/events sends, one frame per engine front signal.
struct SseEvent
{
    QByteArray name;    // "message" when the frame named none
    QByteArray data;    // the data lines, joined by '\n'
};

// One frame: "event: <name>\ndata: <compact JSON>\n\n" (compact JSON holds no newline).
QByteArray sseFrame(QByteArrayView name, const QJsonObject &data);
// A comment frame (": <text>\n\n"): a heartbeat that keeps idle connections and their peers honest.
QByteArray sseComment(QByteArrayView text);

// Reads a stream of frames in whatever pieces it arrives: lines end in LF, CRLF or CR; comments,
// "id" and "retry" are skipped; a frame is dispatched at its blank line when it has data. A frame
// longer than maxEventBytes is an error and the parser reads nothing more (the stream is broken or
// hostile); so is a NUL byte.
class SseParser final
{
public:
    static constexpr qsizetype kDefaultMaxEventBytes = 16 * 1024 * 1024;
    explicit SseParser(qsizetype maxEventBytes = kDefaultMaxEventBytes) : m_max(maxEventBytes) {}

    QList<SseEvent> feed(QByteArrayView bytes);
    bool failed() const { return !m_error.isEmpty(); }
    const QString &error() const { return m_error; }

private:
    void line(QByteArrayView line, QList<SseEvent> &out);

    qsizetype m_max;
    QByteArray m_buffer;        // an unfinished line
    bool m_lastWasCr = false;   // the previous piece ended in CR: a LF first in this one belongs to it
    QByteArray m_name;
    QByteArray m_data;
    bool m_hasData = false;
    qsizetype m_frameBytes = 0;
    QString m_error;
};

} // namespace relayrace::wire
