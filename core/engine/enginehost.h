// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "engine/raceengine.h"

#include <QObject>

class QThread;

namespace relayrace::engine {

// Runs a RaceEngine on a thread of its own (the GUI thread never waits on it). Talk to the engine
// with queued calls (QMetaObject::invokeMethod) and its queued signals; engine() is for connecting
// and invoking only, never for calling its methods directly from another thread.
class EngineHost final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineHost)
public:
    explicit EngineHost(EngineSettings settings, QObject *parent = nullptr);
    // Deletes the engine on its own thread, then stops the thread (this waits for both).
    ~EngineHost() override;

    RaceEngine *engine() const { return m_engine; }

private:
    QThread *m_thread;
    RaceEngine *m_engine;
};

} // namespace relayrace::engine
