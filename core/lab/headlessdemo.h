#pragma once

#include <QJsonArray>
#include <QObject>
#include <QSet>
#include <QString>

#include <cstdio>
#include <memory>

namespace relayrace::race {
class RaceEngine;
struct RaceResult;
}
namespace relayrace::policy {
struct RouteChange;
}

namespace relayrace::lab {

class LabHost;
struct LabEndpoints;

// The console's demo without a window: starts the demo lab, loads each provider's map into a race
// engine and, round after round, races every provider's test object over the direct route and every
// region at once, printing each race and every change of optimal route.
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
    void onLabReady(const LabEndpoints &endpoints);
    void runRound();
    void onRaceFinished(const race::RaceResult &result);
    void onRouteChanged(const policy::RouteChange &change);
    void finish(int exitCode);

    Options m_options;
    LabHost *m_host = nullptr;
    std::unique_ptr<race::RaceEngine> m_engine;
    QStringList m_providers;
    QSet<quint64> m_pending;
    int m_round = 0;
    QJsonArray m_races;
    QJsonArray m_changes;
    bool m_done = false;
};

} // namespace relayrace::lab
