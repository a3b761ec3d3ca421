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
    auto *layout = new QVBoxLayout(this);
    layout->addStretch();
    layout->addWidget(title, 0, Qt::AlignHCenter);
    layout->addWidget(demo, 0, Qt::AlignHCenter);
    layout->addStretch();
}

} // namespace relayrace::ui
