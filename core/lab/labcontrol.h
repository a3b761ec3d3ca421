// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QHostAddress>
#include <QObject>

#include <memory>

class QHttpServer;
class QTcpServer;

namespace relayrace::lab {

class Lab;

// `relayrace lab --control ADDR:PORT` (docs/lab-topology.md): the lab's links over HTTP, for scripts
// that change a running lab's impairments mid-run (the peer comparison's scenarios):
//   GET /links             {"links": [{"id", "port", "target_port", "impairment": {...}}]}
//   GET /links/{id}        one link
//   PUT /links/{id}        the link's whole impairment, as a topology link's fields (latency_ms,
//                          jitter_ms, bandwidth_bps, stall_after_bytes, reset_after_bytes, fail_pct,
//                          refuse, blackhole); absent fields are clean. 200 with the link as applied
// Errors are JSON {"error"}: 400 naming the field, 404 for an unknown link. Loopback only by design:
// no token (a lab is a test bed on 127.0.0.1).
class LabControl final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LabControl)
public:
    explicit LabControl(Lab *lab, QObject *parent = nullptr);
    ~LabControl() override;

    Result<quint16> listen(const QHostAddress &address, quint16 port);

private:
    Lab *m_lab;
    std::unique_ptr<QHttpServer> m_http;
};

} // namespace relayrace::lab
