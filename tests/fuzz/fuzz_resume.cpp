// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// Resume: what a first response allows (ETag, Last-Modified, Accept-Ranges, Content-Encoding) and the
// verdict on the answer to Range + If-Range (206, 200, 416 and their Content-Range). The input is
// four NUL-separated blocks: the first response (status, then "Name: value" lines), the answer to the
// Range request (the same), the offset, and "origin" when the first response's Date is the origin's.
// A verdict of "resume" must be one that splices the same bytes.

#include "delivery/resumevalidator.h"
#include "fuzzsupport.h"

#include <cstdlib>

using namespace relayrace;

namespace {

struct Head
{
    int status = 0;
    race::RawHeaders headers;
};

Head headOf(const QByteArray &block)
{
    Head head;
    const QList<QByteArray> lines = block.split('\n');
    head.status = lines.value(0).trimmed().toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines.at(i).indexOf(':');
        if (colon > 0)
            head.headers.append({lines.at(i).first(colon), lines.at(i).sliced(colon + 1)});
    }
    return head;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::quietLogs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const QList<QByteArray> blocks = input.split('\0');
    const Head first = headOf(blocks.value(0));
    const Head answer = headOf(blocks.value(1));
    const qint64 offset = blocks.value(2).trimmed().toLongLong();
    const bool dateFromOrigin = blocks.value(3) == "origin";

    for (const auto &header : answer.headers) {
        if (header.first.trimmed().compare("Content-Range", Qt::CaseInsensitive) != 0)
            continue;
        if (const auto range = delivery::parseContentRange(header.second)) {
            const bool unsatisfied = range->first == -1 && range->last == -1;
            if (!unsatisfied && (range->first < 0 || range->last < range->first))
                std::abort();
            if (!unsatisfied && range->total != -1 && range->total <= range->last)
                std::abort();
            if (unsatisfied && range->total < 0)
                std::abort();
        }
    }

    const delivery::ResumeValidator validator =
        delivery::resumeValidatorOf(QByteArrayLiteral("GET"), first.status, first.headers, dateFromOrigin);
    if (validator.resumable() && validator.ifRange().isEmpty())
        std::abort(); // resumable without anything to send in If-Range
    if (!validator.etag.isEmpty() && !validator.lastModified.isEmpty())
        std::abort(); // with an ETag, Last-Modified is never used

    if (offset < 0 || !validator.resumable())
        return 0;
    const delivery::ResumeCheck check = delivery::checkResume(validator, offset, answer.status, answer.headers);
    if (check.ok()) {
        if (check.complete && !(answer.status == 416 && check.total == offset))
            std::abort();
        if (check.skipToOffset && !(answer.status == 200 && !validator.etag.isEmpty() && check.total == validator.totalLength))
            std::abort();
        if (!check.complete && !check.skipToOffset &&
            !(answer.status == 206 && check.total > offset && (validator.totalLength < 0 || check.total == validator.totalLength)))
            std::abort();
    } else if (check.detail.isEmpty()) {
        std::abort(); // a refusal says what the route answered
    }
    const QByteArray digest = delivery::reprDigestSha256(answer.headers);
    if (!digest.isEmpty() && digest.size() != 64)
        std::abort();
    return 0;
}
