// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "engine/enginehost.h"

#include "util/threadcrypto.h"

#include <QThread>

namespace relayrace::engine {

EngineHost::EngineHost(EngineSettings settings, QObject *parent)
    : QObject(parent), m_thread(new QThread(this)), m_engine(new RaceEngine(std::move(settings)))
{
    m_thread->setObjectName(QStringLiteral("relayrace-engine"));
    m_engine->moveToThread(m_thread);
    // Last on the engine's thread (map signatures use OpenSSL there): see threadcrypto.h.
    connect(m_thread, &QThread::finished, m_thread, [] { releaseThreadCrypto(); }, Qt::DirectConnection);
    m_thread->start();
    QMetaObject::invokeMethod(m_engine, &RaceEngine::initialize, Qt::QueuedConnection);
}

EngineHost::~EngineHost()
{
    // Once, at shutdown: the engine's objects (sockets, timers, the SQL connection) must go on the
    // thread that owns them.
    QMetaObject::invokeMethod(m_engine, [engine = m_engine] { delete engine; }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
}

} // namespace relayrace::engine
