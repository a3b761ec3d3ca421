// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "engine/localengine.h"

#include "engine/enginehost.h"
#include "engine/enginerequest.h"
#include "engine/raceengine.h"
#include "history/historystore.h"
#include "util/discarddevice.h"

#include <QThread>

#include <memory>

namespace relayrace::engine {

namespace {

HistoryAnswer answer(history::HistoryStore &store, const HistoryQuery &query)
{
    HistoryAnswer a;
    a.kind = query.kind;
    switch (query.kind) {
    case HistoryQuery::Kind::RecentRaces:
        if (auto races = store.recentRaces(query.provider, query.limit))
            a.races = std::move(races).value();
        else
            a.error = races.error();
        break;
    case HistoryQuery::Kind::RouteChanges:
        if (auto changes = store.routeChanges(query.provider, query.from, query.to))
            a.routeChanges = std::move(changes).value();
        else
            a.error = changes.error();
        break;
    case HistoryQuery::Kind::Failovers:
        if (auto events = store.failovers(query.failovers))
            a.failovers = std::move(events).value();
        else
            a.error = events.error();
        break;
    case HistoryQuery::Kind::RouteSamples:
        if (auto samples = store.routeSamples(query.provider, query.from, query.to, query.afterRaceId))
            a.routeSamples = std::move(samples).value();
        else
            a.error = samples.error();
        break;
    case HistoryQuery::Kind::Winners:
        if (auto winners = store.winnerTimeline(query.provider, query.from, query.to, query.afterRaceId))
            a.winners = std::move(winners).value();
        else
            a.error = winners.error();
        break;
    case HistoryQuery::Kind::RaceCount:
        if (auto count = store.raceCount(query.provider, query.from, query.to, query.upToRaceId))
            a.count = *count;
        else
            a.error = count.error();
        break;
    }
    return a;
}

} // namespace

LocalEngine::LocalEngine(EngineSettings settings, QObject *parent)
    : EngineFront(parent), m_historyPath(settings.historyPath)
{
    qRegisterMetaType<HistoryAnswer>();
    m_host = new EngineHost(std::move(settings), this);
    RaceEngine *engine = m_host->engine();
    // Queued: the engine's thread emits; the front's thread receives (and keeps its mirror).
    constexpr auto queued = Qt::QueuedConnection;
    connect(engine, &RaceEngine::raceStarted, this, &EngineFront::raceStarted, queued);
    connect(engine, &RaceEngine::routeProgress, this, &EngineFront::routeProgress, queued);
    connect(engine, &RaceEngine::raceFinished, this, &EngineFront::raceFinished, queued);
    connect(engine, &RaceEngine::raceRefused, this, &EngineFront::raceRefused, queued);
    connect(engine, &RaceEngine::raceQueued, this, &EngineFront::raceQueued, queued);
    connect(engine, &RaceEngine::routeChanged, this, &EngineFront::routeChanged, queued);
    connect(engine, &RaceEngine::failover, this, &EngineFront::failover, queued);
    connect(engine, &RaceEngine::providerChanged, this, &EngineFront::providerChanged, queued);
    connect(engine, &RaceEngine::mapChanged, this, &EngineFront::mapChanged, queued);
    connect(engine, &RaceEngine::providerRemoved, this, &EngineFront::providerRemoved, queued);
    connect(engine, &RaceEngine::statusChanged, this, &EngineFront::statusChanged, queued);
}

LocalEngine::~LocalEngine()
{
    // Bounded reads of a store of their own: let them end. Then m_host (a child) stops the engine.
    for (QThread *reader : std::as_const(m_readers))
        reader->wait();
    qDeleteAll(m_readers);
}

void LocalEngine::setMap(const map::RouteMap &map, const QString &trust)
{
    RaceEngine *engine = m_host->engine();
    QMetaObject::invokeMethod(engine, [engine, map, trust] { engine->setMap(map, trust); }, Qt::QueuedConnection);
}

void LocalEngine::removeProvider(const QString &provider)
{
    RaceEngine *engine = m_host->engine();
    QMetaObject::invokeMethod(engine, [engine, provider] { engine->removeProvider(provider); }, Qt::QueuedConnection);
}

QThread *LocalEngine::engineThread() const
{
    return m_host->engine()->thread();
}

void LocalEngine::setRaceInterval(const QString &provider, int intervalMs)
{
    RaceEngine *engine = m_host->engine();
    QMetaObject::invokeMethod(engine, [engine, provider, intervalMs] { engine->setRaceInterval(provider, intervalMs); },
                              Qt::QueuedConnection);
}

void LocalEngine::updateSettings(const EngineSettings &settings)
{
    RaceEngine *engine = m_host->engine();
    QMetaObject::invokeMethod(engine, [engine, settings] { engine->updateSettings(settings); }, Qt::QueuedConnection);
}

void LocalEngine::submitRace(const RaceOrder &order)
{
    RaceEngine *engine = m_host->engine();
    QMetaObject::invokeMethod(engine, [engine, order] { engine->raceNow(order); }, Qt::QueuedConnection);
}

void LocalEngine::submitServe(quint64 ticket, const ServeRequest &request, std::shared_ptr<ResponseStream> stream)
{
    RaceEngine *engine = m_host->engine();
    if (stream)
        stream->moveToThread(engine->thread()); // from the caller's thread, which it is on until now
    // The result comes back to this (front) object on its thread; QPointer-free: a queued call to a
    // deleted receiver is dropped by Qt, and the engine goes before its front.
    QMetaObject::invokeMethod(engine, [this, engine, ticket, request, stream] {
        QIODevice *sink = stream ? static_cast<QIODevice *>(stream.get()) : new DiscardDevice(engine);
        EngineRequest *served = engine->serve(request, sink);
        if (stream) {
            // Ended on the engine's thread, before served() reaches the front; the request keeps the
            // stream alive until then.
            connect(served, &EngineRequest::finished, served, [stream](const ServeResult &result) { stream->end(result); });
        }
        connect(served, &EngineRequest::finished, this, [this, ticket, sink, owned = !stream](const ServeResult &result) {
            if (owned)
                sink->deleteLater();
            Q_EMIT this->served(ticket, result);
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
}

void LocalEngine::submitHistoryQuery(quint64 ticket, const HistoryQuery &query)
{
    if (m_historyPath.isEmpty()) {
        HistoryAnswer none;
        none.ticket = ticket;
        none.kind = query.kind;
        none.error = QStringLiteral("this engine keeps no history");
        QMetaObject::invokeMethod(this, [this, none] { Q_EMIT historyAnswered(none); }, Qt::QueuedConnection);
        return;
    }
    auto result = std::make_shared<HistoryAnswer>();
    QThread *reader = QThread::create([result, path = m_historyPath, query] {
        auto store = history::HistoryStore::open(path);
        if (!store) {
            result->kind = query.kind;
            result->error = store.error();
            return;
        }
        *result = answer(**store, query);
    });
    reader->setObjectName(QStringLiteral("history query"));
    m_readers.append(reader);
    connect(reader, &QThread::finished, this, [this, reader, result, ticket] {
        m_readers.removeAll(reader);
        reader->deleteLater();
        result->ticket = ticket;
        Q_EMIT historyAnswered(*result);
    });
    reader->start();
}

} // namespace relayrace::engine
