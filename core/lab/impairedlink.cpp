// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "lab/impairedlink.h"

#include "lab/linkconnection.h"
#include "log/logging.h"

#include <QMutexLocker>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <spdlog/spdlog.h>

namespace relayrace::lab {

ImpairedLink::ImpairedLink(QString name, QString targetHost, quint16 targetPort,
                           Impairment impairment, QObject *parent)
    : QObject(parent)
    , m_name(std::move(name))
    , m_impairment(impairment)
    , m_targetHost(std::move(targetHost))
    , m_targetPort(targetPort)
    , m_server(new QTcpServer(this))
    , m_counters(std::make_unique<LinkCounters>())
{
    connect(m_server, &QTcpServer::newConnection, this, &ImpairedLink::acceptPending);
}

ImpairedLink::~ImpairedLink()
{
    m_server->close();
    // Connections use the counters; they go before the members do.
    const auto connections = findChildren<LinkConnection *>(Qt::FindDirectChildrenOnly);
    for (LinkConnection *connection : connections) {
        connection->disconnect(this);
        delete connection;
    }
}

bool ImpairedLink::listen(quint16 port)
{
    if (m_server->isListening())
        m_server->close();
    if (!m_server->listen(QHostAddress::LocalHost, port)) {
        log::get("lab")->error("link {}: cannot listen on 127.0.0.1:{}: {}", m_name.toStdString(),
                               port, m_server->errorString().toStdString());
        return false;
    }
    m_port = m_server->serverPort();
    m_wantListening = true;
    log::get("lab")->debug("link {}: 127.0.0.1:{} -> {}:{}", m_name.toStdString(), m_port.load(),
                           targetHost().toStdString(), targetPort());
    updateListening();
    return true;
}

QString ImpairedLink::targetHost() const
{
    QMutexLocker lock(&m_mutex);
    return m_targetHost;
}

quint16 ImpairedLink::targetPort() const
{
    QMutexLocker lock(&m_mutex);
    return m_targetPort;
}

void ImpairedLink::setTarget(const QString &host, quint16 port)
{
    QMutexLocker lock(&m_mutex);
    m_targetHost = host;
    m_targetPort = port;
}

Impairment ImpairedLink::impairment() const
{
    QMutexLocker lock(&m_mutex);
    return m_impairment;
}

void ImpairedLink::setImpairment(const Impairment &impairment)
{
    if (QThread::currentThread() != thread()) {
        QMetaObject::invokeMethod(this, [this, impairment] { setImpairment(impairment); },
                                  Qt::QueuedConnection);
        return;
    }
    {
        QMutexLocker lock(&m_mutex);
        if (m_impairment == impairment)
            return;
        m_impairment = impairment;
    }
    updateListening();
    const auto connections = findChildren<LinkConnection *>(Qt::FindDirectChildrenOnly);
    for (LinkConnection *connection : connections)
        connection->setImpairment(impairment);
    log::get("lab")->debug("link {}: {}", m_name.toStdString(), describe(impairment).toStdString());
    Q_EMIT impairmentChanged(impairment);
}

LinkStats ImpairedLink::stats() const
{
    return LinkStats{m_counters->accepted.load(), m_counters->open.load(),
                     m_counters->bytesUp.load(), m_counters->bytesDown.load()};
}

void ImpairedLink::acceptPending()
{
    while (QTcpSocket *client = m_server->nextPendingConnection()) {
        m_counters->accepted.fetch_add(1);
        const int failPct = impairment().failPct;
        if (failPct > 0 && int(QRandomGenerator::global()->bounded(100)) < failPct) {
            // A flaky path: this connection is reset at once, before any byte crosses.
            resetOnClose(client);
            client->abort();
            client->deleteLater();
            continue;
        }
        auto *connection = new LinkConnection(client, targetHost(), targetPort(), impairment(),
                                              m_counters.get(), this);
        connect(connection, &LinkConnection::finished, this,
                [this, id = connection->id()](qint64 up, qint64 down, const QString &reason) {
                    Q_EMIT connectionClosed(id, up, down, reason);
                });
    }
}

void ImpairedLink::updateListening()
{
    // Refusal is a closed port: clients get ECONNREFUSED, as from a host with nothing listening.
    // QTcpServer sets SO_REUSEADDR, so the same port can be taken again afterwards.
    const bool listen = m_wantListening && !m_impairment.refuse;
    if (listen == m_server->isListening())
        return;
    if (!listen) {
        m_server->close();
        return;
    }
    if (!m_server->listen(QHostAddress::LocalHost, m_port.load()))
        log::get("lab")->error("link {}: cannot listen again on 127.0.0.1:{}: {}",
                               m_name.toStdString(), m_port.load(),
                               m_server->errorString().toStdString());
}

} // namespace relayrace::lab
