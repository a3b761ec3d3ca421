// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "engine/responsestream.h"

namespace relayrace::engine {

ResponseStream::ResponseStream(qint64 capacity) : m_capacity(std::max<qint64>(capacity, 4096))
{
    QIODevice::open(QIODevice::WriteOnly | QIODevice::Unbuffered);
}

ResponseStream::~ResponseStream() = default;

std::shared_ptr<ResponseStream> ResponseStream::create(qint64 capacity)
{
    return std::shared_ptr<ResponseStream>(new ResponseStream(capacity), [](ResponseStream *s) { s->deleteLater(); });
}

qint64 ResponseStream::bytesToWrite() const
{
    const std::lock_guard lock(m_mutex);
    const qint64 held = m_abandoned ? m_capacity : m_buffer.size() - m_taken;
    m_writerSawBacklog = m_writerSawBacklog || held > 0;
    return held;
}

bool ResponseStream::readerToWakeLocked()
{
    if (m_readerWoken)
        return false; // the reader reads everything when the signal on its way arrives
    m_readerWoken = true;
    return true;
}

void ResponseStream::setHead(const ResponseHead &head)
{
    {
        const std::lock_guard lock(m_mutex);
        if (m_head)
            return;
        m_head = head;
        if (!readerToWakeLocked())
            return;
    }
    Q_EMIT headReady();
}

void ResponseStream::end(const ServeResult &result)
{
    {
        const std::lock_guard lock(m_mutex);
        if (m_ended)
            return;
        m_ended = true;
        m_result = result;
        if (!readerToWakeLocked())
            return;
    }
    Q_EMIT ended();
}

std::optional<ResponseHead> ResponseStream::head()
{
    const std::lock_guard lock(m_mutex);
    m_readerWoken = false;
    return m_head;
}

QByteArray ResponseStream::take(qint64 max)
{
    QByteArray out;
    bool wake = false;
    {
        const std::lock_guard lock(m_mutex);
        m_readerWoken = false;
        const qint64 n = std::min<qint64>(max, m_buffer.size() - m_taken);
        if (n <= 0)
            return {};
        wake = m_writerSawBacklog;
        m_writerSawBacklog = false;
        out = m_buffer.mid(m_taken, n);
        m_taken += n;
        if (m_taken == m_buffer.size()) {
            m_buffer.clear();
            m_taken = 0;
        } else if (m_taken > m_capacity) {
            m_buffer.remove(0, m_taken); // compact now and then, not on every take
            m_taken = 0;
        }
    }
    if (wake)
        wakeWriter(out.size());
    return out;
}

qint64 ResponseStream::available() const
{
    const std::lock_guard lock(m_mutex);
    return m_buffer.size() - m_taken;
}

bool ResponseStream::isEnded()
{
    const std::lock_guard lock(m_mutex);
    m_readerWoken = false;
    return m_ended;
}

ServeResult ResponseStream::result() const
{
    const std::lock_guard lock(m_mutex);
    return m_result;
}

void ResponseStream::abandon()
{
    {
        const std::lock_guard lock(m_mutex);
        m_abandoned = true;
        m_buffer.clear();
        m_taken = 0;
    }
    wakeWriter(0);
}

bool ResponseStream::isAbandoned() const
{
    const std::lock_guard lock(m_mutex);
    return m_abandoned;
}

void ResponseStream::wakeWriter(qint64 taken)
{
    // From the reader's thread: the writer's slot is queued to its own thread (one event, not two).
    Q_EMIT bytesWritten(taken);
}

qint64 ResponseStream::readData(char *, qint64)
{
    return -1; // the reader uses take()
}

qint64 ResponseStream::writeData(const char *data, qint64 size)
{
    {
        const std::lock_guard lock(m_mutex);
        if (m_abandoned) {
            setErrorString(QStringLiteral("the requester went away"));
            return -1;
        }
        m_buffer.append(data, size);
        if (!readerToWakeLocked())
            return size;
    }
    Q_EMIT dataReady();
    return size;
}

} // namespace relayrace::engine
