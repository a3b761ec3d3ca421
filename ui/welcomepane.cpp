// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "welcomepane.h"

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace relayrace::ui {

WelcomePane::WelcomePane(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("welcomePane"));
    auto *title = new QLabel(tr("<h2>relayrace</h2><p>Keeps the fastest route from this edge to each "
                                "provider's origin: the direct route or through a relay region.</p>"),
                             this);
    title->setWordWrap(true);
    auto *demo = new QPushButton(tr("Start the demo"), this);
    demo->setObjectName(QStringLiteral("startDemoButton"));
    demo->setToolTip(tr("Start a lab network on this machine (origins, relay regions, impaired links)"));
    connect(demo, &QPushButton::clicked, this, &WelcomePane::startDemoRequested);
    auto *open = new QPushButton(tr("Open a map…"), this);
    open->setObjectName(QStringLiteral("openMapButton"));
    open->setToolTip(tr("Load a provider's route map file (JSON)"));
    connect(open, &QPushButton::clicked, this, &WelcomePane::openMapRequested);
    auto *fetch = new QPushButton(tr("Fetch a map by name…"), this);
    fetch->setObjectName(QStringLiteral("fetchMapButton"));
    fetch->setToolTip(tr("Look the map up by its DNS name (TXT record) and fetch it"));
    connect(fetch, &QPushButton::clicked, this, &WelcomePane::fetchMapRequested);
    auto *layout = new QVBoxLayout(this);
    layout->addStretch();
    layout->addWidget(title, 0, Qt::AlignHCenter);
    layout->addWidget(demo, 0, Qt::AlignHCenter);
    layout->addWidget(open, 0, Qt::AlignHCenter);
    layout->addWidget(fetch, 0, Qt::AlignHCenter);
    layout->addStretch();
}

} // namespace relayrace::ui
