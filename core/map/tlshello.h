// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

namespace relayrace::map {

// A TLS ClientHello (TLS 1.3 and 1.2 offered) any TLS server answers within one round trip with its
// ServerHello or an alert: the first message a map maker's probe sends to an https origin.
QByteArray tlsClientHello(const QString &serverName);

} // namespace relayrace::map
