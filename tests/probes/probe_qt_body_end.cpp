// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// When does Qt's QNetworkAccessManager call a body that was cut short complete? For each way a
// response can be framed (Content-Length, chunked, close-delimited) and each way its connection can
// end early (FIN, reset), an origin on loopback (tests/support/scriptedorigin.h) sends part of a body
// and ends the connection; the probe counts how often the reply finishes with NoError, reading the
// body as it arrives (readyRead) or only at the end (finished). docs/delivery.md records a run.
//   cmake --build --preset dev --target probe_qt_body_end && build/dev/tests/probes/probe_qt_body_end [runs]

#include "../support/scriptedorigin.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

#include <cstdio>
#include <map>

using relayrace::testsupport::Script;
using relayrace::testsupport::ScriptedOrigin;
using relayrace::testsupport::ScriptedRequest;

namespace {

constexpr qint64 kBody = 1'000'000;
constexpr qint64 kCut = 200'000;

struct Case
{
    const char *name;
    Script script;
};

QByteArray chunked(const QByteArray &body, qint64 cutAt, bool endAtBoundary)
{
    // 16 KiB chunks; cut inside a chunk, or just after a chunk's CRLF (no last chunk).
    QByteArray out;
    for (qint64 at = 0; at < body.size(); at += 16384) {
        const QByteArray piece = body.mid(at, 16384);
        out += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
        if (at + piece.size() >= cutAt)
            return endAtBoundary ? out : out.first(out.size() - 1000);
    }
    return out + "0\r\n\r\n";
}

QList<Case> cases()
{
    const QByteArray body(kBody, 'x');
    const QByteArray length = "Content-Length: " + QByteArray::number(kBody);
    QList<Case> out;
    for (const Script::End end : {Script::End::Fin, Script::End::Reset}) {
        const bool rst = end == Script::End::Reset;
        out.append({rst ? "content-length, reset" : "content-length, FIN",
                    {Script::headOf("HTTP/1.1 200 OK", {length}), body, kCut, end, 50}});
        out.append({rst ? "content-length, reset at once" : "content-length, FIN at once",
                    {Script::headOf("HTTP/1.1 200 OK", {length}), body, kCut, end, 0}});
        out.append({rst ? "chunked, reset mid-chunk" : "chunked, FIN mid-chunk",
                    {Script::headOf("HTTP/1.1 200 OK", {"Transfer-Encoding: chunked"}), chunked(body, kCut, false), -1, end, 50}});
        out.append({rst ? "chunked, reset between chunks" : "chunked, FIN between chunks",
                    {Script::headOf("HTTP/1.1 200 OK", {"Transfer-Encoding: chunked"}), chunked(body, kCut, true), -1, end, 50}});
        out.append({rst ? "close-delimited, reset" : "close-delimited, FIN",
                    {Script::headOf("HTTP/1.1 200 OK", {"Connection: close"}), body, kCut, end, 50}});
        out.append({rst ? "HTTP/1.0 close-delimited, reset" : "HTTP/1.0 close-delimited, FIN",
                    {Script::headOf("HTTP/1.0 200 OK", {}), body, kCut, end, 50}});
    }
    return out;
}

struct Outcome
{
    bool noError = false;
    qint64 bytes = 0;
    QString error;
};

Outcome fetch(QNetworkAccessManager &manager, const QByteArray &url, bool streaming)
{
    QNetworkRequest request{QUrl(QString::fromLatin1(url))};
    QNetworkReply *reply = manager.get(request);
    Outcome outcome;
    if (streaming)
        QObject::connect(reply, &QNetworkReply::readyRead, reply, [&] { outcome.bytes += reply->readAll().size(); });
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(20'000, &loop, &QEventLoop::quit);
    loop.exec();
    outcome.bytes += reply->readAll().size();
    outcome.noError = reply->isFinished() && reply->error() == QNetworkReply::NoError;
    outcome.error = reply->isFinished() ? reply->errorString() : QStringLiteral("no end in 20 s");
    reply->deleteLater();
    return outcome;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int runs = argc > 1 ? std::max(1, atoi(argv[1])) : 20;
    std::printf("Qt %s, %d runs per case, body %lld bytes, cut at %lld\n", qVersion(), runs, kBody, kCut);
    std::printf("%-36s %-9s %12s %16s  %s\n", "case", "reading", "NoError", "bytes (min-max)", "errors seen");
    for (const Case &c : cases()) {
        ScriptedOrigin origin([&c](const ScriptedRequest &) { return c.script; });
        if (!origin.start())
            return 2;
        for (const bool streaming : {true, false}) {
            int noError = 0;
            qint64 least = kBody * 2;
            qint64 most = -1;
            std::map<QString, int> errors;
            for (int i = 0; i < runs; ++i) {
                QNetworkAccessManager manager; // a fresh connection each time
                const Outcome o = fetch(manager, origin.url("/o"), streaming);
                noError += o.noError ? 1 : 0;
                least = std::min(least, o.bytes);
                most = std::max(most, o.bytes);
                if (!o.noError)
                    ++errors[o.error];
            }
            QStringList seen;
            for (const auto &[text, count] : errors)
                seen.append(QStringLiteral("%1 x \"%2\"").arg(count).arg(text.section(u':', 0, 0)));
            std::printf("%-36s %-9s %6d of %-3d %7lld-%-8lld  %s\n", c.name, streaming ? "streaming" : "at end",
                        noError, runs, least, most, qPrintable(seen.join(QStringLiteral("; "))));
            std::fflush(stdout);
        }
    }
    return 0;
}
