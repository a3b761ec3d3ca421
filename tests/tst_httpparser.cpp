// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The HTTP/1.x parser over http_parser: what it refuses and how it frames bodies. Regressions of the
// fuzz targets (tests/fuzz/regressions) that concern the parser itself.

#include "http/httpparser.h"

#include <QTest>

using namespace relayrace;

class TestHttpParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nulInAHeaderValueIsRefused();
    void bodilessResponsesIgnoreContentLength_data();
    void bodilessResponsesIgnoreContentLength();
};

namespace {

// The messages parsed from bytes (pipelined: resumed after each), their heads and bodies.
struct Parsed
{
    QList<http::HttpHead> heads;
    QList<QByteArray> bodies;
    http::HttpParser::Error error = http::HttpParser::Error::None;
    QString errorString;
};

Parsed parse(http::HttpParser::Kind kind, QByteArrayView bytes)
{
    Parsed out;
    http::HttpParser parser(kind);
    parser.onHead = [&](const http::HttpHead &head) {
        out.heads.append(head);
        out.bodies.append(QByteArray());
    };
    parser.onBody = [&](QByteArrayView data) { out.bodies.last().append(data); };
    while (!bytes.isEmpty() && parser.error() == http::HttpParser::Error::None) {
        bytes = bytes.sliced(parser.feed(bytes));
        if (!parser.isPaused())
            break;
        parser.resume();
    }
    out.error = parser.error();
    out.errorString = parser.errorString();
    return out;
}

} // namespace

void TestHttpParser::nulInAHeaderValueIsRefused()
{
    // Found by fuzz_edgerequest: http_parser refuses a NUL inside a value, but takes one first in it
    // (right after the colon), and the edge forwarded it to the origin.
    for (const QByteArray &value : {QByteArray("1\0 2", 4), QByteArray("\0CONNECT 2", 10)}) {
        const QByteArray request = QByteArray("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For:") + value + "\r\n\r\n";
        const Parsed p = parse(http::HttpParser::Kind::Request, request);
        QCOMPARE(p.error, http::HttpParser::Error::Malformed);
        QVERIFY(!p.errorString.isEmpty());
        QVERIFY(p.heads.isEmpty());
    }
    const Parsed first = parse(http::HttpParser::Kind::Request, QByteArray("GET / HTTP/1.1\r\nX-A:\0b\r\n\r\n", 26));
    QVERIFY2(first.errorString.contains(QStringLiteral("NUL")), qPrintable(first.errorString));
}

void TestHttpParser::bodilessResponsesIgnoreContentLength_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("304") << 304;
    QTest::newRow("204") << 204;
}

void TestHttpParser::bodilessResponsesIgnoreContentLength()
{
    // Found by fuzz_httpresponse: a 304's Content-Length (the representation's) was read as its body,
    // which swallowed the next response on a kept-alive connection.
    QFETCH(int, status);
    const QByteArray bytes = "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Length: 11\r\n\r\n"
                             "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    const Parsed p = parse(http::HttpParser::Kind::Response, bytes);
    QCOMPARE(p.error, http::HttpParser::Error::None);
    QCOMPARE(p.heads.size(), 2);
    QCOMPARE(p.heads.at(0).status, status);
    QCOMPARE(p.bodies.at(0), QByteArray());
    QCOMPARE(p.heads.at(1).status, 200);
    QCOMPARE(p.bodies.at(1), QByteArray("hello"));
}

QTEST_GUILESS_MAIN(TestHttpParser)
#include "tst_httpparser.moc"
