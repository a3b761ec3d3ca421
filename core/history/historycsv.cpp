// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "history/historycsv.h"

#include "history/historystore.h"
#include "util/csv.h"

#include <QSaveFile>
#include <QStringList>

namespace relayrace::history {

Result<qint64> exportRouteSamplesCsv(const QString &storePath, const QString &provider, const QDateTime &from,
                                     const QDateTime &to, const QString &outPath)
{
    auto store = HistoryStore::open(storePath);
    if (!store)
        return makeError(store.error());
    const auto samples = (*store)->routeSamples(provider, from, to);
    if (!samples)
        return makeError(samples.error());
    QSaveFile file(outPath);
    if (!file.open(QIODevice::WriteOnly))
        return makeError(QStringLiteral("%1: %2").arg(outPath, file.errorString()));
    const auto ms = [](double v) { return v < 0 ? QString() : QString::number(v, 'f', 1); };
    QByteArray out("time,provider,route,state,connect_ms,ttfb_ms,time_to_threshold_ms,bytes,winner\n");
    for (const RouteSample &s : *samples) {
        const QStringList fields{s.at.toUTC().toString(Qt::ISODateWithMs), provider, s.routeId, model::stateName(s.state),
                                 ms(s.connectMs), ms(s.ttfbMs), ms(s.timeToThresholdMs), QString::number(s.bytes),
                                 s.winner ? QStringLiteral("1") : QStringLiteral("0")};
        QStringList quoted;
        for (const QString &field : fields)
            quoted.append(csvField(field));
        out += quoted.join(u',').toUtf8() + '\n';
        if (out.size() >= 1 << 20) {
            if (file.write(out) != out.size())
                return makeError(QStringLiteral("%1: %2").arg(outPath, file.errorString()));
            out.clear();
        }
    }
    if (file.write(out) != out.size() || !file.commit())
        return makeError(QStringLiteral("%1: %2").arg(outPath, file.errorString()));
    return qint64(samples->size());
}

} // namespace relayrace::history
