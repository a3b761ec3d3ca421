// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "util/eventdispatcher.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

namespace relayrace {

bool preferUnixEventDispatcher(ProcessKind kind)
{
    if (qEnvironmentVariableIsSet("QT_NO_GLIB"))
        return !qEnvironmentVariableIsEmpty("QT_NO_GLIB");
    if (kind == ProcessKind::Gui && qEnvironmentVariable("QT_QPA_PLATFORMTHEME").startsWith(QStringLiteral("gtk")))
        return false;
    return qputenv("QT_NO_GLIB", QByteArrayLiteral("1"));
}

} // namespace relayrace
