// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QIODevice>
#include <QMutex>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace relayrace::delivery {

// A request body that streams from a client (the edge's thread) to the route sending it (the
// engine's thread) with its length known up front: bounded by back-pressure, never held whole. The
// writer stops reading its client while buffered() is at or above kHighWater and is woken when the
// reader takes it below kLowWater; the reader is woken when bytes arrive, at the end, or on failure.
// Wake-ups are queued calls to a registered object on its own thread, so each side runs its code on
// its own thread; registration is under the lock, so an object that unregisters (in its destructor)
// is never posted to afterwards.
class RequestBodyPipe final
{
    Q_DISABLE_COPY_MOVE(RequestBodyPipe)
public:
    static constexpr qsizetype kHighWater = 1024 * 1024;
    static constexpr qsizetype kLowWater = 256 * 1024;

    explicit RequestBodyPipe(qint64 length) : m_length(length) {}

    qint64 length() const { return m_length; }

    // Writer side.
    void write(const char *data, qsizetype size);
    void finish();                      // the whole body was written
    void fail(const QString &why);      // the client went away or stalled: the upload must fail
    void setWriter(QObject *context, std::function<void()> wake);
    // The writer's check before it reads more from its client; re-arms its wake-up.
    qsizetype bufferedForWriter();
    qsizetype buffered() const;

    // Reader side.
    QByteArray take(qint64 maxSize);
    qint64 taken() const;               // bytes the reader has taken so far (0: none left the edge)
    bool atEnd() const;                 // finished and all taken
    QString failure() const;            // non-empty once failed
    void setReader(QObject *context, std::function<void()> wake);
    void clearReader(QObject *context); // only when it is still the registered one

private:
    static void post(QObject *context, const std::function<void()> &wake, bool *pending);

    const qint64 m_length;
    mutable QMutex m_mutex;
    QByteArray m_buffer;
    qint64 m_taken = 0;
    bool m_finished = false;
    QString m_failure;
    QObject *m_reader = nullptr;
    std::function<void()> m_readerWake;
    bool m_readerPending = false;
    QObject *m_writer = nullptr;
    std::function<void()> m_writerWake;
    bool m_writerPending = false;
};

// The reader side as the sequential device Qt uploads from (QNetworkRequest's
// DoNotBufferUploadDataAttribute with a Content-Length): data when it has some, an error (-1) when the
// client failed; never rewound, so Qt cannot send it twice.
class StreamedBody final : public QIODevice
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StreamedBody)
public:
    explicit StreamedBody(std::shared_ptr<RequestBodyPipe> pipe, QObject *parent = nullptr);
    ~StreamedBody() override;

    bool isSequential() const override { return true; }
    bool reset() override { return false; }
    qint64 bytesAvailable() const override;
    bool atEnd() const override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    std::shared_ptr<RequestBodyPipe> m_pipe;
};

} // namespace relayrace::delivery
