// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once
// Deliveries against scripted origins (scriptedorigin.h): a delivery run to its end on the test's
// thread, with its failover events and the body it wrote. Header-only, like the rest of tests/support.

#include "labfixture.h"
#include "scriptedorigin.h"

#include "delivery/delivery.h"
#include "model/failoverevent.h"
#include "race/routeclient.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QSignalSpy>

namespace relayrace::testsupport {

struct ScriptedRun
{
    delivery::DeliveryResult result;
    QByteArray body;
    QList<model::FailoverEvent> events;
    bool finished = false;
};

// A body of n bytes that differs at every offset class (a spliced or shifted body shows).
inline QByteArray patternBody(qint64 n)
{
    QByteArray body(n, Qt::Uninitialized);
    for (qint64 i = 0; i < n; ++i)
        body[i] = char('a' + (i * 7 + i / 251) % 26);
    return body;
}

inline QByteArray sha256Of(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

// Runs request to its end (bounded by kTimeoutMs); finished false when it did not end.
inline ScriptedRun runDelivery(const delivery::DeliveryRequest &request)
{
    ScriptedRun run;
    QBuffer sink(&run.body);
    sink.open(QIODevice::WriteOnly);
    delivery::Delivery delivery(request, &sink);
    QSignalSpy finished(&delivery, &delivery::Delivery::finished);
    QObject::connect(&delivery, &delivery::Delivery::failover, &delivery,
                     [&run](const model::FailoverEvent &e) { run.events.append(e); });
    if (const Result<void> started = delivery.start(); !started) {
        run.result.error = started.error();
        return run;
    }
    run.finished = finished.wait(kTimeoutMs) || finished.size() == 1;
    if (run.finished)
        run.result = finished.first().first().value<delivery::DeliveryResult>();
    return run;
}

inline delivery::DeliveryRequest scriptedRequest(const QByteArray &url, const QList<race::RouteClient *> &routes)
{
    delivery::DeliveryRequest r;
    r.provider = QStringLiteral("scripted");
    r.url = QUrl(QString::fromLatin1(url));
    r.routes = routes;
    r.timeout = std::chrono::milliseconds(kTimeoutMs);
    return r;
}

} // namespace relayrace::testsupport
