// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
// The admin API's history query parameters (?since, ?until, ?limit, ?after_race, ?up_to_race and the
// failover filters), for every history endpoint: refused with the parameter named, or read into a
// query that a console sends (over a real URL) and the edge reads back as the very same query.

#include "fuzzsupport.h"
#include "wire/frontjson.h"

#include <QUrl>
#include <QUrlQuery>

#include <cstdlib>

using namespace relayrace;

namespace {

bool sameQuery(const engine::HistoryQuery &a, const engine::HistoryQuery &b)
{
    const history::FailoverQuery &f = a.failovers;
    const history::FailoverQuery &g = b.failovers;
    return a.kind == b.kind && a.provider == b.provider && a.limit == b.limit && a.from == b.from && a.to == b.to &&
           a.afterRaceId == b.afterRaceId && a.upToRaceId == b.upToRaceId && f.provider == g.provider &&
           f.route == g.route && f.reason == g.reason && f.text == g.text && f.from == g.from && f.to == g.to &&
           f.limit == g.limit;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::quietLogs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // What the edge's HTTP server hands the API: the request target's query, as a QUrl reads it. A
    // query with a broken percent-encoding ("%3&") is read by Qt's tolerant mode as if it held no
    // encoding at all (every '%' literal): a client's own fault, not a round trip to check.
    QUrl received(QStringLiteral("/api/v1/failovers"));
    received.setQuery(QString::fromLatin1(reinterpret_cast<const char *>(data), qsizetype(size)), QUrl::StrictMode);
    if (!received.isValid())
        return 0;
    const QUrlQuery parameters(received);
    for (const auto kind : {engine::HistoryQuery::Kind::RecentRaces, engine::HistoryQuery::Kind::RouteChanges,
                            engine::HistoryQuery::Kind::Failovers, engine::HistoryQuery::Kind::RouteSamples,
                            engine::HistoryQuery::Kind::Winners, engine::HistoryQuery::Kind::RaceCount}) {
        const Result<engine::HistoryQuery> query = wire::historyQueryFrom(kind, QStringLiteral("acme"), parameters);
        if (!query) {
            if (query.error().isEmpty())
                std::abort();
            continue;
        }
        // The console's side: the same query as a URL, sent, and read again by the edge.
        QUrl sent(QStringLiteral("http://127.0.0.1:1") + wire::historyPath(*query));
        sent.setQuery(wire::historyUrlQuery(*query));
        const QUrl arrived = QUrl::fromEncoded(sent.toEncoded());
        const Result<engine::HistoryQuery> again = wire::historyQueryFrom(kind, query->provider, QUrlQuery(arrived));
        if (!again || !sameQuery(*query, *again))
            std::abort();
    }
    return 0;
}
