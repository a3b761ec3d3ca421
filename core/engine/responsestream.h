// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/serverequest.h"

#include <QByteArray>
#include <QIODevice>
#include <QList>
#include <QMetaType>

#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace relayrace::engine {

// The head of a response as it goes to the requester: decided once the first body byte is on its way
// (or the response ended without one), so a route that failed before that cannot leave another
// response's head behind.
struct ResponseHead
{
    int status = 0;
    QList<std::pair<QByteArray, QByteArray>> headers; // as the origin sent them
    QString framing;   // race::framingName: content-length, chunked, close, none
    qint64 length = -1; // the body's length when the framing gives it
};

// One response on its way from the engine (the thread it lives on, where a Delivery writes it) to a
// driver on another thread (an edge's client connection), with back-pressure: it holds at most about
// capacity bytes; a Delivery reads from its route only while there is room (bytesToWrite() is what
// is held), so a slow requester slows the route instead of filling memory.
//
// Writer side (the engine's thread): the QIODevice (write), setHead(), end(). Reader side (any
// thread): head(), take(), isEnded(), result(), abandon(). The signals are emitted on the engine's
// thread; a reader on another thread gets them queued.
//
// Wake-ups are coalesced, each costing an event posted across threads: headReady, dataReady and
// ended are emitted only when the reader has read (head(), take(), isEnded()) since the last one, so
// a reader must handle all three in any of their slots (head, then data, then the end). take() wakes
// the writer (bytesWritten, from the reader's thread) only when the writer was told of a backlog
// (bytesToWrite() > 0) since the last wake, which a writer that waits for room has been; abandon()
// always wakes it.
class ResponseStream final : public QIODevice
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ResponseStream)
public:
    static constexpr qint64 kDefaultCapacity = 1024 * 1024;

    explicit ResponseStream(qint64 capacity = kDefaultCapacity);
    ~ResponseStream() override;
    // Shared by the engine and the reader; whoever lets go last, it is deleted on its own thread.
    static std::shared_ptr<ResponseStream> create(qint64 capacity = kDefaultCapacity);

    bool isSequential() const override { return true; }
    qint64 bytesToWrite() const override; // held, not taken yet; capacity once abandoned (no room)
    qint64 capacity() const { return m_capacity; }

    // Writer side.
    void setHead(const ResponseHead &head);
    void end(const ServeResult &result);

    // Reader side.
    std::optional<ResponseHead> head(); // reading: the next change is signalled again
    QByteArray take(qint64 max);
    qint64 available() const;
    bool isEnded();              // end() was called; bytes may still be available
    ServeResult result() const;
    // The requester went away: writes fail from now on, so the delivery stops (and its route's
    // connection is closed) instead of waiting for room that never comes.
    void abandon();
    bool isAbandoned() const;

Q_SIGNALS:
    void headReady();
    void dataReady();
    void ended();

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    void wakeWriter(qint64 taken);
    bool readerToWakeLocked(); // under m_mutex: true when this change must be signalled

    const qint64 m_capacity;
    mutable std::mutex m_mutex;
    std::optional<ResponseHead> m_head;
    QByteArray m_buffer;
    qint64 m_taken = 0; // of m_buffer's front, not yet compacted
    bool m_ended = false;
    bool m_abandoned = false;
    bool m_readerWoken = false;        // a signal is on its way and the reader has not read since
    mutable bool m_writerSawBacklog = false; // bytesToWrite() said > 0 since the last wake
    ServeResult m_result;
};

} // namespace relayrace::engine

Q_DECLARE_METATYPE(relayrace::engine::ResponseHead)
