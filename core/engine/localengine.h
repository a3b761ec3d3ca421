// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/enginefront.h"
#include "engine/enginesettings.h"

#include <QList>

class QThread;

namespace relayrace::engine {

class EngineHost;

// The engine front of an engine in this process, on a thread of its own (EngineHost). Every call
// hops to the engine's thread here, once; the engine's signals come back queued to the front's
// thread. Deleting it stops the engine (its thread ends).
class LocalEngine final : public EngineFront
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalEngine)
public:
    explicit LocalEngine(EngineSettings settings, QObject *parent = nullptr);
    ~LocalEngine() override;

    void setMap(const map::RouteMap &map, const QString &trust) override;
    void removeProvider(const QString &provider) override;
    void setRaceInterval(const QString &provider, int intervalMs) override;
    void updateSettings(const EngineSettings &settings) override;
    // The thread the engine runs on (races, deliveries), for measuring its event-loop lag.
    QThread *engineThread() const;

protected:
    void submitRace(const RaceOrder &order) override;
    void submitServe(quint64 ticket, const ServeRequest &request, std::shared_ptr<ResponseStream> stream) override;
    // On a reader thread with a store of its own (one SQLite connection per thread), as the history
    // panel's worker reads; the engine's thread keeps writing meanwhile.
    void submitHistoryQuery(quint64 ticket, const HistoryQuery &query) override;

private:
    EngineHost *m_host = nullptr;
    QString m_historyPath;
    QList<QThread *> m_readers; // history queries running; waited for when the front goes
};

} // namespace relayrace::engine
