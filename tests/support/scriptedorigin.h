// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// An origin that misbehaves exactly as told, for the cases no packaged server does on purpose: a body
// without Content-Length closed by FIN or by a reset (SO_LINGER 0), a chunked body cut mid-chunk, a
// Content-Length that is never reached, an undated 503. Raw POSIX sockets on a thread of its own
// (one thread per connection), so the way a connection ends is the kernel's, not Qt's.
//
// Each request is answered by the handler with a Script: the bytes of the response head, the body,
// how many body bytes to send (cutAt) and how the connection ends. Every request head is recorded
// (for tests that check what a client sent). Header-only, like the rest of tests/support.

#include <QByteArray>
#include <QList>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace relayrace::testsupport {

struct ScriptedRequest
{
    QByteArray method;
    QByteArray target;
    QByteArray head; // the whole request head, CRLFs included

    // The first value of a header, by case-insensitive name; empty when absent.
    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.first(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
};

struct Script
{
    enum class End { KeepAlive, Fin, Reset };
    QByteArray head;      // status line and headers, without the blank line; empty: no answer
    QByteArray body;
    qint64 cutAt = -1;    // send only this many body bytes (-1: all of them)
    End end = End::Fin;
    int pauseBeforeEndMs = 0;  // let the client read what was sent before the connection ends
    int pauseBeforeHeadMs = 0; // an origin that thinks before it answers

    // A head with these lines: "HTTP/1.1 200 OK" + each line.
    static QByteArray headOf(const QByteArray &statusLine, const QList<QByteArray> &lines)
    {
        QByteArray head = statusLine;
        for (const QByteArray &line : lines)
            head += "\r\n" + line;
        return head;
    }
};

class ScriptedOrigin final
{
public:
    using Handler = std::function<Script(const ScriptedRequest &)>;

    explicit ScriptedOrigin(Handler handler) : m_handler(std::move(handler)) {}
    ScriptedOrigin(const ScriptedOrigin &) = delete;
    ScriptedOrigin &operator=(const ScriptedOrigin &) = delete;
    ~ScriptedOrigin() { stop(); }

    // Listens on 127.0.0.1 (a free port); false when it cannot.
    bool start()
    {
        m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m_listener < 0)
            return false;
        const int one = 1;
        ::setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(m_listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
            ::listen(m_listener, 64) != 0 ||
            ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&address), &length) != 0)
            return false;
        m_port = ntohs(address.sin_port);
        m_acceptor = std::thread([this] { acceptLoop(); });
        return true;
    }

    void stop()
    {
        m_stopping = true;
        if (m_acceptor.joinable())
            m_acceptor.join();
        std::vector<std::thread> connections;
        {
            const std::lock_guard lock(m_mutex);
            connections.swap(m_connections);
        }
        for (std::thread &t : connections)
            t.join();
        if (m_listener >= 0)
            ::close(m_listener);
        m_listener = -1;
    }

    quint16 port() const { return m_port; }
    QByteArray url(const QByteArray &path) const
    {
        return "http://127.0.0.1:" + QByteArray::number(m_port) + path;
    }
    QList<ScriptedRequest> requests() const
    {
        const std::lock_guard lock(m_mutex);
        return m_requests;
    }

private:
    void acceptLoop()
    {
        while (!m_stopping) {
            pollfd p{m_listener, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            const int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            const std::lock_guard lock(m_mutex);
            m_connections.emplace_back([this, fd] { serve(fd); });
        }
    }

    // Reads one request head (and discards a Content-Length body); false when the peer closed.
    bool readRequest(int fd, QByteArray &buffer, ScriptedRequest &request)
    {
        qsizetype end = -1;
        while ((end = buffer.indexOf("\r\n\r\n")) < 0) {
            pollfd p{fd, POLLIN, 0};
            if (m_stopping)
                return false;
            if (::poll(&p, 1, 50) <= 0)
                continue;
            char chunk[16384];
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0)
                return false;
            buffer.append(chunk, n);
        }
        request.head = buffer.first(end + 4);
        buffer.remove(0, end + 4);
        const QList<QByteArray> words = request.head.first(request.head.indexOf("\r\n")).split(' ');
        request.method = words.value(0);
        request.target = words.value(1);
        const qint64 bodyLength = request.header("Content-Length").toLongLong();
        while (buffer.size() < bodyLength) {
            char chunk[16384];
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0)
                return false;
            buffer.append(chunk, n);
        }
        buffer.remove(0, bodyLength);
        return true;
    }

    static bool sendAll(int fd, const char *data, qint64 size)
    {
        while (size > 0) {
            const ssize_t n = ::send(fd, data, size_t(size), MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            data += n;
            size -= n;
        }
        return true;
    }

    void serve(int fd)
    {
        QByteArray buffer;
        ScriptedRequest request;
        Script script;
        while (readRequest(fd, buffer, request)) {
            {
                const std::lock_guard lock(m_mutex);
                m_requests.append(request);
            }
            script = m_handler(request);
            if (script.pauseBeforeHeadMs > 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(script.pauseBeforeHeadMs));
            const qint64 bodyBytes = script.cutAt < 0 ? script.body.size() : std::min<qint64>(script.cutAt, script.body.size());
            // An empty head answers nothing at all (the connection then ends as told).
            const QByteArray head = script.head.isEmpty() ? QByteArray() : script.head + "\r\n\r\n";
            if (!sendAll(fd, head.constData(), head.size()) ||
                (request.method != "HEAD" && !sendAll(fd, script.body.constData(), bodyBytes)))
                break;
            if (script.end != Script::End::KeepAlive)
                break;
        }
        if (script.pauseBeforeEndMs > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(script.pauseBeforeEndMs));
        if (script.end == Script::End::Reset) {
            const linger hard{1, 0}; // close() sends RST: the connection ends with an error
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        } else {
            ::shutdown(fd, SHUT_WR); // FIN: the clean end of a close-delimited body
            char sink[4096];
            pollfd p{fd, POLLIN, 0};
            while (::poll(&p, 1, 200) > 0 && ::recv(fd, sink, sizeof sink, 0) > 0) {
            }
        }
        ::close(fd);
    }

    Handler m_handler;
    int m_listener = -1;
    quint16 m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::thread m_acceptor;
    mutable std::mutex m_mutex;
    std::vector<std::thread> m_connections;
    QList<ScriptedRequest> m_requests;
};

} // namespace relayrace::testsupport
