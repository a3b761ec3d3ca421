// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "map/mapfetcher.h"

#include <QDialog>

class QLineEdit;

namespace relayrace::ui {

// "Fetch a map by name": the DNS name (TXT "v=rr1 url=<URL>"), the nameserver to ask (empty: the
// system's), and the provider's public key (PEM file; empty: take the map unsigned).
class FetchMapDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FetchMapDialog)
public:
    explicit FetchMapDialog(QWidget *parent = nullptr);

    // The source to fetch from, or why the form does not make one.
    Result<map::MapSourceConfig> config() const;

private:
    QLineEdit *m_name;
    QLineEdit *m_nameserver;
    QLineEdit *m_keyFile;
};

} // namespace relayrace::ui
