#pragma once

#include <QElapsedTimer>
#include <QJsonArray>
#include <QList>
#include <QObject>
#include <QString>

#include <cstdio>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace relayrace::lab {

class LabHost;
struct LabEndpoints;

// The console's demo without a window: starts the demo lab and, round after round, fetches each
// provider's test object over the direct route and through every region at once, printing what each
// route took. (The race engine will take this over; until then it is a plain concurrent probe.)
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
    struct Probe
    {
        QString route;
        QNetworkAccessManager *manager = nullptr;
        QNetworkReply *reply = nullptr;
        qint64 ttfbMs = -1;
        qint64 totalMs = -1;
        qint64 bytes = 0;
        int status = 0;
        QString error;
    };
    void onLabReady(const LabEndpoints &endpoints);
    void runRound();
    void onProbeDone(Probe &probe);
    void finishRound();
    void finish(int exitCode);

    Options m_options;
    LabHost *m_host = nullptr;
    QList<std::shared_ptr<Probe>> m_probes;
    int m_providerIndex = 0;
    int m_round = 0;
    int m_pending = 0;
    QElapsedTimer m_roundClock;
    QJsonArray m_report;
    bool m_done = false;
};

} // namespace relayrace::lab
