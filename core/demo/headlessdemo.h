// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QString>

#include <cstdio>
#include <memory>

namespace relayrace::engine {
class EngineFront;
struct RaceStart;
struct RaceRefusal;
}
namespace relayrace::lab {
class LabHost;
struct LabEndpoints;
}
namespace relayrace::model {
struct RaceResult;
struct RouteChange;
}

namespace relayrace::demo {

// The console's demo without a window: starts the demo lab, loads each provider's map into a race
// engine (through its front, as every driver does) and, round after round, races every provider's
// test object over the direct route and every region at once,
// printing each race and every change of optimal route.
class HeadlessDemo final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeadlessDemo)
public:
    struct Options
    {
        int rounds = 3;
        bool json = false;
        std::FILE *out = stdout;
    };
    explicit HeadlessDemo(Options options, QObject *parent = nullptr);
    ~HeadlessDemo() override;

    void start();
    // Stops early (Ctrl-C): prints what was measured so far, then finishes.
    void interrupt();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void onLabReady(const lab::LabEndpoints &endpoints);
    void runRound();
    void onRaceStarted(const engine::RaceStart &start);
    void onRaceRefused(const engine::RaceRefusal &refusal);
    void onRaceFinished(quint64 raceId, const model::RaceResult &result);
    void roundDoneIfSettled();
    void onRouteChanged(const model::RouteChange &change);
    void finish(int exitCode);
    QJsonObject marginSummary() const; // the races' margin kinds and wasted bytes vs the bound

    Options m_options;
    lab::LabHost *m_host = nullptr;
    std::unique_ptr<engine::EngineFront> m_engine;
    QStringList m_providers;
    QSet<quint64> m_pendingOrders; // this round's race orders not started (or refused) yet
    QSet<quint64> m_pendingRaces;  // this round's races not finished yet
    int m_startedThisRound = 0;
    int m_round = 0;
    QJsonArray m_races;
    QJsonArray m_changes;
    bool m_done = false;
};

} // namespace relayrace::demo
