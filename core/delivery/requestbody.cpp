// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "delivery/requestbody.h"

#include <QMutexLocker>

#include <cstring>

namespace relayrace::delivery {

void RequestBodyPipe::post(QObject *context, const std::function<void()> &wake, bool *pending)
{
    // Called under the lock: context is registered, hence alive, while the call is posted.
    if (!context || !wake || *pending)
        return;
    *pending = true;
    QMetaObject::invokeMethod(context, wake, Qt::QueuedConnection);
}

void RequestBodyPipe::write(const char *data, qsizetype size)
{
    QMutexLocker lock(&m_mutex);
    if (m_finished || !m_failure.isEmpty() || size <= 0)
        return;
    m_buffer.append(data, size);
    post(m_reader, m_readerWake, &m_readerPending);
}

void RequestBodyPipe::finish()
{
    QMutexLocker lock(&m_mutex);
    m_finished = true;
    post(m_reader, m_readerWake, &m_readerPending);
}

void RequestBodyPipe::fail(const QString &why)
{
    QMutexLocker lock(&m_mutex);
    if (m_finished && m_buffer.isEmpty())
        return; // all of it was taken already
    if (m_failure.isEmpty())
        m_failure = why;
    post(m_reader, m_readerWake, &m_readerPending);
}

void RequestBodyPipe::setWriter(QObject *context, std::function<void()> wake)
{
    QMutexLocker lock(&m_mutex);
    m_writer = context;
    m_writerWake = std::move(wake);
    m_writerPending = false;
}

qsizetype RequestBodyPipe::bufferedForWriter()
{
    QMutexLocker lock(&m_mutex);
    m_writerPending = false;
    return m_buffer.size();
}

qsizetype RequestBodyPipe::buffered() const
{
    QMutexLocker lock(&m_mutex);
    return m_buffer.size();
}

QByteArray RequestBodyPipe::take(qint64 maxSize)
{
    QMutexLocker lock(&m_mutex);
    m_readerPending = false; // the reader is reading: the next write wakes it again
    const qsizetype n = qsizetype(std::min<qint64>(maxSize, m_buffer.size()));
    const qsizetype before = m_buffer.size();
    QByteArray out = m_buffer.left(n);
    m_buffer.remove(0, n);
    m_taken += n;
    if (before >= kLowWater && m_buffer.size() < kLowWater)
        post(m_writer, m_writerWake, &m_writerPending);
    return out;
}

qint64 RequestBodyPipe::taken() const
{
    QMutexLocker lock(&m_mutex);
    return m_taken;
}

bool RequestBodyPipe::atEnd() const
{
    QMutexLocker lock(&m_mutex);
    return m_finished && m_buffer.isEmpty();
}

QString RequestBodyPipe::failure() const
{
    QMutexLocker lock(&m_mutex);
    return m_failure;
}

void RequestBodyPipe::setReader(QObject *context, std::function<void()> wake)
{
    QMutexLocker lock(&m_mutex);
    m_reader = context;
    m_readerWake = std::move(wake);
    m_readerPending = false;
    if (context && (!m_buffer.isEmpty() || m_finished || !m_failure.isEmpty()))
        post(m_reader, m_readerWake, &m_readerPending);
}

void RequestBodyPipe::clearReader(QObject *context)
{
    QMutexLocker lock(&m_mutex);
    if (m_reader == context) {
        m_reader = nullptr;
        m_readerWake = {};
    }
}

StreamedBody::StreamedBody(std::shared_ptr<RequestBodyPipe> pipe, QObject *parent)
    : QIODevice(parent), m_pipe(std::move(pipe))
{
    open(QIODevice::ReadOnly);
    m_pipe->setReader(this, [this] { Q_EMIT readyRead(); });
}

StreamedBody::~StreamedBody()
{
    m_pipe->clearReader(this);
}

qint64 StreamedBody::bytesAvailable() const
{
    return m_pipe->buffered() + QIODevice::bytesAvailable();
}

bool StreamedBody::atEnd() const
{
    return m_pipe->atEnd() && QIODevice::bytesAvailable() == 0;
}

qint64 StreamedBody::readData(char *data, qint64 maxSize)
{
    if (!m_pipe->failure().isEmpty()) {
        setErrorString(m_pipe->failure());
        return -1;
    }
    const QByteArray chunk = m_pipe->take(maxSize);
    if (chunk.isEmpty())
        return m_pipe->atEnd() ? -1 : 0;
    std::memcpy(data, chunk.constData(), size_t(chunk.size()));
    return chunk.size();
}

qint64 StreamedBody::writeData(const char *, qint64)
{
    return -1;
}

} // namespace relayrace::delivery
