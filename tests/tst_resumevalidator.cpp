// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The resume rules on their own (RFC 9110 13.1.5 If-Range, 14.4 Content-Range, 15.3.7 206), and the
// one request-header filter (7.6.1): what makes a response resumable, which answer to a Range request
// continues it, what a route is sent.
#include "delivery/resumevalidator.h"
#include "race/httpmessage.h"

#include <QTest>

using namespace relayrace;
using namespace relayrace::delivery;

namespace {

const QByteArray kDate = "Fri, 04 Dec 2026 10:00:00 GMT";
const QByteArray kTwoMinutesBefore = "Fri, 04 Dec 2026 09:58:00 GMT";
const QByteArray kThirtySecondsBefore = "Fri, 04 Dec 2026 09:59:30 GMT";

RawHeaders head(const RawHeaders &extra)
{
    RawHeaders h{{"Date", kDate}, {"Accept-Ranges", "bytes"}, {"Content-Length", "1000"}};
    h.append(extra);
    return h;
}

} // namespace

class TestResumeValidator final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void anyEtagRulesOutLastModified();
    void lastModifiedNeedsAClearlyLaterOriginDate();
    void unitsAreCaseInsensitiveAndLengthMayBeUnknown();
    void partialAnswerOnADateMayOmitLastModified();
    void partialAnswerMustBeTheSameRepresentation();
    void pastTheEndOfAnUnknownLengthIsComplete();
    void headerFilterDropsHopByHopAndAsksForIdentity();
};

void TestResumeValidator::anyEtagRulesOutLastModified()
{
    const ResumeValidator weak = resumeValidatorOf("GET", 200, head({{"ETag", "W/\"a\""}, {"Last-Modified", kTwoMinutesBefore}}), true);
    QVERIFY(!weak.resumable());
    QVERIFY(weak.lastModified.isEmpty());
    QVERIFY2(weak.whyNot.contains(QStringLiteral("weak ETag")), qPrintable(weak.whyNot));
    const ResumeValidator strong = resumeValidatorOf("GET", 200, head({{"ETag", "\"a\""}, {"Last-Modified", kTwoMinutesBefore}}), true);
    QVERIFY(strong.resumable());
    QCOMPARE(strong.ifRange(), QByteArray("\"a\""));
}

void TestResumeValidator::lastModifiedNeedsAClearlyLaterOriginDate()
{
    QVERIFY(resumeValidatorOf("GET", 200, head({{"Last-Modified", kTwoMinutesBefore}}), true).resumable());
    QCOMPARE(resumeValidatorOf("GET", 200, head({{"Last-Modified", kTwoMinutesBefore}}), true).ifRange(), kTwoMinutesBefore);
    // Less than kLastModifiedMarginS: the object may have changed within the date's resolution.
    QVERIFY(!resumeValidatorOf("GET", 200, head({{"Last-Modified", kThirtySecondsBefore}}), true).resumable());
    // A relay on a plain http route may have written the Date; a cache's Age says the same.
    const ResumeValidator relayed = resumeValidatorOf("GET", 200, head({{"Last-Modified", kTwoMinutesBefore}}), false);
    QVERIFY(!relayed.resumable());
    QVERIFY2(relayed.whyNot.contains(QStringLiteral("not written by the origin")), qPrintable(relayed.whyNot));
    QVERIFY(!resumeValidatorOf("GET", 200, head({{"Last-Modified", kTwoMinutesBefore}, {"Age", "30"}}), true).resumable());
}

void TestResumeValidator::unitsAreCaseInsensitiveAndLengthMayBeUnknown()
{
    RawHeaders h{{"ETag", "\"a\""}, {"Accept-Ranges", "Bytes"}, {"Transfer-Encoding", "chunked"}};
    const ResumeValidator v = resumeValidatorOf("GET", 200, h, true);
    QVERIFY2(v.resumable(), qPrintable(v.whyNot));
    QCOMPARE(v.totalLength, qint64(-1));
    const ResumeCheck check = checkResume(v, 400, 206, {{"ETag", "\"a\""}, {"Content-Range", "BYTES 400-999/1000"}});
    QVERIFY2(check.ok(), qPrintable(check.detail));
    QCOMPARE(check.total, qint64(1000));
}

void TestResumeValidator::partialAnswerOnADateMayOmitLastModified()
{
    const ResumeValidator v = resumeValidatorOf("GET", 200, head({{"Last-Modified", kTwoMinutesBefore}}), true);
    QVERIFY(checkResume(v, 10, 206, {{"Content-Range", "bytes 10-999/1000"}}).ok());
    QVERIFY(checkResume(v, 10, 206, {{"Content-Range", "bytes 10-999/1000"}, {"Last-Modified", kTwoMinutesBefore}}).ok());
    const ResumeCheck other = checkResume(v, 10, 206, {{"Content-Range", "bytes 10-999/1000"}, {"Last-Modified", kDate}});
    QCOMPARE(other.reason, QStringLiteral("validator_changed"));
}

void TestResumeValidator::partialAnswerMustBeTheSameRepresentation()
{
    const ResumeValidator v = resumeValidatorOf("GET", 200, head({{"ETag", "\"a\""}}), true);
    const ResumeCheck gzip = checkResume(v, 10, 206, {{"ETag", "\"a\""}, {"Content-Encoding", "gzip"}, {"Content-Range", "bytes 10-999/1000"}});
    QCOMPARE(gzip.reason, QStringLiteral("validator_changed"));
    QVERIFY2(gzip.detail.contains(QStringLiteral("Content-Encoding")), qPrintable(gzip.detail));
    const ResumeCheck wrongLength = checkResume(v, 10, 206, {{"ETag", "\"a\""}, {"Content-Range", "bytes 10-1999/2000"}});
    QCOMPARE(wrongLength.reason, QStringLiteral("protocol"));
    QVERIFY(checkResume(v, 10, 206, {{"ETag", "\"a\""}, {"Content-Encoding", "identity"}, {"Content-Range", "bytes 10-999/1000"}}).ok());
}

void TestResumeValidator::pastTheEndOfAnUnknownLengthIsComplete()
{
    const ResumeValidator v = resumeValidatorOf("GET", 200, {{"ETag", "\"a\""}, {"Accept-Ranges", "bytes"}}, true);
    const ResumeCheck end = checkResume(v, 1000, 416, {{"Content-Range", "bytes */1000"}});
    QVERIFY(end.ok());
    QVERIFY(end.complete);
    QVERIFY(!checkResume(v, 999, 416, {{"Content-Range", "bytes */1000"}}).ok()); // not where the body ended
}

void TestResumeValidator::headerFilterDropsHopByHopAndAsksForIdentity()
{
    const race::RawHeaders requested{{"Connection", "close, X-Private"}, {"X-Private", "1"}, {"Proxy-Authorization", "x"},
                                     {"Upgrade", "h2c"}, {"Host", "a"}, {"Range", "bytes=5-"}, {"If-Range", "\"a\""},
                                     {"Accept-Encoding", "br"}, {"Cookie", "k=v"}};
    const race::RawHeaders raced = race::forwardedRequestHeaders("GET", requested, false);
    QCOMPARE(raced, (race::RawHeaders{{"Cookie", "k=v"}, {"Accept-Encoding", "identity"}}));
    const race::RawHeaders served = race::forwardedRequestHeaders("GET", requested, true);
    QCOMPARE(served, (race::RawHeaders{{"Range", "bytes=5-"}, {"If-Range", "\"a\""}, {"Cookie", "k=v"},
                                       {"Accept-Encoding", "identity"}}));
    // A POST keeps the requester's encoding: nothing of it is resumed.
    QCOMPARE(race::headerValue(race::forwardedRequestHeaders("POST", requested, true), "Accept-Encoding"), QByteArray("br"));
}

QTEST_GUILESS_MAIN(TestResumeValidator)
#include "tst_resumevalidator.moc"
