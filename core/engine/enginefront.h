// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/enginesettings.h"
#include "engine/historyanswer.h"
#include "engine/providersnapshot.h"
#include "engine/racestart.h"
#include "engine/responsestream.h"
#include "engine/serverequest.h"
#include "map/routemap.h"
#include "model/failoverevent.h"
#include "model/raceresult.h"
#include "model/routechange.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>
#include <optional>

namespace relayrace::engine {

// The one interface every driver of an engine uses: the console, the CLI commands, the demo, and
// (to come) the edge listener, the admin API and a console attached to a remote edge. Calls are made
// on the front's thread and return at once; what they cause arrives as signals of value types. No
// pointer into the engine crosses it, so the same interface can be implemented over the network.
//
// The front keeps a mirror of what the engine said last (providers, their maps and snapshots, the
// engine's status), fed by its own signals: the one place a driver reads the engine's state from.
class EngineFront : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineFront)
public:
    explicit EngineFront(QObject *parent = nullptr);
    ~EngineFront() override;

    // Requests. A map replaces the provider's earlier one (trust: how it was obtained, shown as is).
    virtual void setMap(const map::RouteMap &map, const QString &trust) = 0;
    virtual void removeProvider(const QString &provider) = 0;
    // Returns the order's id (also set in order.orderId), echoed by raceStarted, raceQueued and
    // raceRefused. The trigger says who asked (manual, demo, ...).
    quint64 raceNow(RaceOrder order);
    // The test object every interval (0 stops); an empty provider: every provider, and those to come.
    virtual void setRaceInterval(const QString &provider, int intervalMs) = 0;
    // The settings a running engine takes (RaceEngine::updateSettings); an edge's are its config's.
    virtual void updateSettings(const EngineSettings &settings) = 0;
    // Serves a request through the route cache, races and failover like a client's. Without a
    // stream the body is counted and dropped (load and probes: the demo's users); with one, the
    // response's head and body go to it as they arrive, with back-pressure, and it ends with the
    // result (ResponseStream; it is moved to the engine's thread). Returns a ticket that served()
    // echoes.
    quint64 serve(const ServeRequest &request, std::shared_ptr<ResponseStream> stream = {});
    // Asks the engine's history (races, route changes, failovers). Always answered later, never
    // inside the call, off the caller's thread (a local front reads the store on a reader thread of
    // its own, a remote one would ask the edge): historyAnswered() with the returned ticket.
    quint64 queryHistory(const HistoryQuery &query);

    // The mirror (the front's thread).
    QStringList providers() const;
    std::optional<map::RouteMap> routeMap(const QString &provider) const;
    ProviderSnapshot snapshot(const QString &provider) const;
    EngineStatus status() const { return m_status; }

Q_SIGNALS:
    void raceStarted(const relayrace::engine::RaceStart &start);
    void routeProgress(quint64 raceId, const QString &routeId, qint64 bytes, qint64 thresholdBytes);
    void raceFinished(quint64 raceId, const relayrace::model::RaceResult &result);
    void raceRefused(const relayrace::engine::RaceRefusal &refusal);
    void raceQueued(quint64 orderId, const QString &provider, int position);
    void routeChanged(const relayrace::model::RouteChange &change);
    void failover(const relayrace::model::FailoverEvent &event);
    void providerChanged(const relayrace::engine::ProviderSnapshot &snapshot);
    void mapChanged(const relayrace::map::RouteMap &map);
    void providerRemoved(const QString &provider);
    void statusChanged(const relayrace::engine::EngineStatus &status);
    void served(quint64 ticket, const relayrace::engine::ServeResult &result);
    void historyAnswered(const relayrace::engine::HistoryAnswer &answer);

protected:
    virtual void submitRace(const RaceOrder &order) = 0;
    virtual void submitServe(quint64 ticket, const ServeRequest &request, std::shared_ptr<ResponseStream> stream) = 0;
    virtual void submitHistoryQuery(quint64 ticket, const HistoryQuery &query) = 0;

private:
    QHash<QString, map::RouteMap> m_maps;
    QHash<QString, ProviderSnapshot> m_snapshots;
    EngineStatus m_status;
    std::atomic<quint64> m_nextOrder{1};
    std::atomic<quint64> m_nextTicket{1};
};

} // namespace relayrace::engine
