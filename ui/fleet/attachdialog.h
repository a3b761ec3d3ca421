// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "util/result.h"

#include <QDialog>
#include <QUrl>

class QComboBox;
class QLabel;
class QLineEdit;

namespace relayrace::ui {

// "Attach to edge…": the admin URL of an edge (recent ones offered) and its bearer token, typed or
// read from a file. An empty token means: the one kept for this edge (TokenStore).
class AttachDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AttachDialog)
public:
    explicit AttachDialog(const QStringList &recentEdges, QWidget *parent = nullptr);

    // The URL as typed, checked: http or https with a host; no path is needed.
    Result<QUrl> url() const;
    QByteArray token() const;
    QLineEdit *tokenEdit() const { return m_token; }
    QComboBox *urlEdit() const { return m_url; }

private:
    void readTokenFile();
    void validate();

    QComboBox *m_url;
    QLineEdit *m_token;
    QLabel *m_problem;
};

} // namespace relayrace::ui
