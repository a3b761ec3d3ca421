// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// What the edge makes of a client's request head (the origin-form target, the headers it forwards) and
// of an origin's response head (the head the client gets).
// Regressions of the fuzz targets (tests/fuzz) live here and in the files of the parsers they found.

#include "edge/edgerequest.h"
#include "edge/edgeresponse.h"

#include <QTest>

using namespace relayrace;

class TestEdgeRequest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void forwardedQuotesTheHost_data();
    void forwardedQuotesTheHost();
    void forwardedForIsAppended();
    void originForm_data();
    void originForm();
    void repeatedSetCookieBecomesFieldLines();
};

namespace {

http::HttpHead headWithHost(const QByteArray &host)
{
    http::HttpHead head;
    head.method = "GET";
    head.target = "/";
    head.headers.append(http::HttpHeader{"Host", host});
    return head;
}

QByteArray value(const edge::Headers &headers, const QByteArray &name)
{
    for (const auto &[n, v] : headers) {
        if (n == name)
            return v;
    }
    return {};
}

} // namespace

void TestEdgeRequest::forwardedQuotesTheHost_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QByteArray>("forwarded");
    QTest::newRow("plain") << QByteArray("acme.example:8080") << QByteArray("for=192.0.2.1;host=\"acme.example:8080\";proto=http");
    // Found by fuzz_edgerequest: a '"' in Host closed the quoted string and added a parameter.
    QTest::newRow("quote") << QByteArray("a\";for=6.6.6.6;x=\"") << QByteArray("for=192.0.2.1;host=\"a\\\";for=6.6.6.6;x=\\\"\";proto=http");
    QTest::newRow("backslash") << QByteArray("a\\") << QByteArray("for=192.0.2.1;host=\"a\\\\\";proto=http");
}

void TestEdgeRequest::forwardedQuotesTheHost()
{
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, forwarded);
    QCOMPARE(value(edge::forwardedRequestHeaders(headWithHost(host), QStringLiteral("192.0.2.1")), "Forwarded"), forwarded);
}

void TestEdgeRequest::forwardedForIsAppended()
{
    http::HttpHead head = headWithHost("acme.example");
    head.headers.append(http::HttpHeader{"x-forwarded-for", "10.0.0.1"});
    const edge::Headers headers = edge::forwardedRequestHeaders(head, QStringLiteral("::1"));
    QCOMPARE(value(headers, "X-Forwarded-For"), QByteArray("10.0.0.1, ::1"));
    QCOMPARE(value(headers, "Forwarded"), QByteArray("for=\"[::1]\";host=\"acme.example\";proto=http"));
    QCOMPARE(value(headers, "Via"), QByteArray(edge::kVia));
}

void TestEdgeRequest::originForm_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("origin-form") << QByteArray("/a?b=c") << QByteArray("/a?b=c");
    QTest::newRow("absolute-form") << QByteArray("http://acme.example:81/x?y") << QByteArray("/x?y");
    QTest::newRow("no path") << QByteArray("*") << QByteArray();
}

void TestEdgeRequest::originForm()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, expected);
    QCOMPARE(edge::originFormTarget(target), expected);
}

void TestEdgeRequest::repeatedSetCookieBecomesFieldLines()
{
    // Qt hands repeated Set-Cookie fields over joined with '\n'; a bare LF went to the client inside
    // one field line (docs/security.md). Each is a line of its own; a stray CR is no line end either.
    engine::ResponseHead head;
    head.status = 200;
    head.framing = QStringLiteral("content-length");
    head.length = 0;
    head.headers = {{"Set-Cookie", "a=1; Path=/\nb=2, c=3"}, {"X-Odd", "x\ry"}};
    edge::ClientFraming framing;
    const QByteArray written = edge::clientResponseHead(head, false, true, true, &framing);
    QVERIFY2(written.contains("\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2, c=3\r\n"), written.constData());
    QVERIFY2(written.contains("\r\nX-Odd: x y\r\n"), written.constData());
    QCOMPARE(written.count('\n'), written.count("\r\n"));
    QCOMPARE(written.count('\r'), written.count("\r\n"));
}

QTEST_GUILESS_MAIN(TestEdgeRequest)
#include "tst_edgerequest.moc"
