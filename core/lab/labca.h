// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QByteArray>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>

namespace relayrace::lab {

// A throw-away certificate authority for the lab: a self-signed CA and one server certificate it
// signed for localhost and 127.0.0.1, both EC P-256 (Qt's TLS backend takes EC and RSA keys, not
// Ed25519). Valid from an hour ago (clock skew) to two days ahead. Generated in-process with the
// OpenSSL 3 API, so tests never shell out and nothing is written to disk unless asked.
class LabCa final
{
public:
    static Result<LabCa> generate(const QString &organization = QStringLiteral("relayrace lab"));

    QSslCertificate caCertificate() const { return m_caCertificate; }
    QSslCertificate serverCertificate() const { return m_serverCertificate; }
    QSslKey serverKey() const { return m_serverKey; }
    QByteArray caPem() const { return m_caCertificate.toPem(); }

    // Writes the CA certificate as PEM, for tools that take --ca-file (curl, the CLI, tinyproxy
    // tests). Overwrites the file.
    Result<void> writeCaPem(const QString &path) const;

private:
    LabCa() = default;

    QSslCertificate m_caCertificate;
    QSslCertificate m_serverCertificate;
    QSslKey m_serverKey;
};

} // namespace relayrace::lab
