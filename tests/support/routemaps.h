// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// A small valid route map for tests that fetch, open or sign maps: one region (fra) relaying through
// 127.0.0.1:3128 (nothing listens there in these tests), its only alternate.

#include "map/routemap.h"

#include <QDateTime>
#include <QUrl>

namespace relayrace::testsupport {

inline map::RouteMap testRouteMap(const QString &provider, const QDateTime &generatedAt, qint64 validForS = 3600,
                                  const QUrl &origin = QUrl(QStringLiteral("http://127.0.0.1:8080")))
{
    map::RouteMap m;
    m.provider = provider;
    m.origin = origin;
    m.generatedAt = generatedAt;
    m.validForS = validForS;
    map::Region fra;
    fra.id = QStringLiteral("fra");
    fra.name = QStringLiteral("Frankfurt");
    fra.relay = QUrl(QStringLiteral("http://127.0.0.1:3128"));
    m.regions = {fra};
    m.alternates.insert(QStringLiteral("default"), {QStringLiteral("fra")});
    return m;
}

} // namespace relayrace::testsupport
