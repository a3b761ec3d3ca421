// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "attachdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace relayrace::ui {

AttachDialog::AttachDialog(const QStringList &recentEdges, QWidget *parent)
    : QDialog(parent), m_url(new QComboBox(this)), m_token(new QLineEdit(this)), m_problem(new QLabel(this))
{
    setObjectName(QStringLiteral("attachDialog"));
    setWindowTitle(tr("Attach to edge"));
    m_url->setObjectName(QStringLiteral("edgeUrl"));
    m_url->setEditable(true);
    m_url->addItems(recentEdges);
    m_url->setCurrentText(recentEdges.isEmpty() ? QStringLiteral("http://127.0.0.1:9901") : recentEdges.first());
    m_url->setMinimumWidth(320);
    m_url->setToolTip(tr("The edge's admin listener (admin.listen in its config)"));
    m_token->setObjectName(QStringLiteral("edgeToken"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("empty: the token kept for this edge"));
    auto *fromFile = new QPushButton(tr("From file…"), this);
    fromFile->setObjectName(QStringLiteral("tokenFromFile"));
    connect(fromFile, &QPushButton::clicked, this, &AttachDialog::readTokenFile);
    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(fromFile);
    m_problem->setObjectName(QStringLiteral("attachProblem"));
    m_problem->setStyleSheet(QStringLiteral("color: #b00020"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Attach"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_url, &QComboBox::currentTextChanged, this, &AttachDialog::validate);
    auto *form = new QFormLayout(this);
    form->addRow(tr("Admin &URL:"), m_url);
    form->addRow(tr("&Token:"), tokenRow);
    form->addRow(m_problem);
    form->addRow(buttons);
    validate();
}

Result<QUrl> AttachDialog::url() const
{
    const QString text = m_url->currentText().trimmed();
    const QUrl url = QUrl::fromUserInput(text);
    if (text.isEmpty() || !url.isValid() || url.host().isEmpty())
        return makeError(tr("'%1' is not a URL with a host").arg(text));
    if (url.scheme() != u"http" && url.scheme() != u"https")
        return makeError(tr("'%1': the admin API speaks http or https").arg(text));
    return url.adjusted(QUrl::StripTrailingSlash);
}

QByteArray AttachDialog::token() const
{
    return m_token->text().trimmed().toUtf8();
}

void AttachDialog::readTokenFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Token file"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_problem->setText(tr("%1: %2").arg(path, file.errorString()));
        return;
    }
    m_token->setText(QString::fromUtf8(file.read(4096).trimmed()));
}

void AttachDialog::validate()
{
    const Result<QUrl> checked = url();
    m_problem->setText(checked ? QString() : checked.error());
    if (auto *ok = findChild<QDialogButtonBox *>())
        ok->button(QDialogButtonBox::Ok)->setEnabled(bool(checked));
}

} // namespace relayrace::ui
