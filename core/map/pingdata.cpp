// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/pingdata.h"

#include <QHash>
#include <QStringList>

#include <cmath>

namespace relayrace::map {
namespace {

// A minute is not a round trip any network has; a larger value is a unit mistake (s vs ms, us).
constexpr double kMaxRttMs = 60000.0;

QString unquoted(QString field)
{
    field = field.trimmed();
    if (field.size() >= 2 && field.startsWith(u'"') && field.endsWith(u'"'))
        field = field.mid(1, field.size() - 2).replace(QStringLiteral("\"\""), QStringLiteral("\""));
    return field;
}

// Empty on success, else the problem with the field.
QString readRtt(const QString &name, const QString &text, double *value)
{
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || !std::isfinite(v))
        return QStringLiteral("%1 '%2' is not a number").arg(name, text);
    if (v < 0.0)
        return QStringLiteral("%1 %2 is negative").arg(name, text);
    if (v > kMaxRttMs)
        return QStringLiteral("%1 %2 is over %3 ms; expected milliseconds").arg(name, text).arg(kMaxRttMs);
    *value = v;
    return QString();
}

} // namespace

Result<QList<PingRecord>> parsePingData(const QByteArray &csv)
{
    QString text = QString::fromUtf8(csv);
    if (text.startsWith(QChar(0xfeff)))
        text.remove(0, 1);
    const QStringList lines = text.split(u'\n');
    QList<PingRecord> records;
    QHash<QString, int> firstLine;
    bool seenData = false;
    for (int i = 0; i < lines.size(); ++i) {
        const int lineNo = i + 1;
        const QString line = lines.at(i).trimmed(); // also drops the \r of CRLF files
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const QStringList fields = line.split(u',');
        const auto fail = [lineNo](const QString &problem) {
            return makeError(QStringLiteral("line %1: %2").arg(lineNo).arg(problem));
        };
        if (!seenData && unquoted(fields.first()).compare(u"region", Qt::CaseInsensitive) == 0) {
            seenData = true; // the header
            continue;
        }
        seenData = true;
        if (fields.size() < 2 || fields.size() > 3)
            return fail(QStringLiteral("expected region,rtt_ms[,edge_rtt_ms], got %1 field%2")
                            .arg(fields.size()).arg(fields.size() == 1 ? QString() : QStringLiteral("s")));
        PingRecord record;
        record.line = lineNo;
        record.regionId = unquoted(fields.at(0));
        if (record.regionId.isEmpty())
            return fail(QStringLiteral("region is empty"));
        if (const QString problem = readRtt(QStringLiteral("rtt_ms"), unquoted(fields.at(1)), &record.rttMs);
            !problem.isEmpty())
            return fail(problem);
        if (fields.size() == 3 && !unquoted(fields.at(2)).isEmpty()) {
            double edge = 0.0;
            if (const QString problem = readRtt(QStringLiteral("edge_rtt_ms"), unquoted(fields.at(2)), &edge);
                !problem.isEmpty())
                return fail(problem);
            record.edgeRttMs = edge;
        }
        if (const auto it = firstLine.constFind(record.regionId); it != firstLine.constEnd())
            return fail(QStringLiteral("region '%1' listed twice (first on line %2)").arg(record.regionId).arg(*it));
        firstLine.insert(record.regionId, lineNo);
        records.append(record);
    }
    if (records.isEmpty())
        return makeError(QStringLiteral("no ping data (expected lines of region,rtt_ms)"));
    return records;
}

} // namespace relayrace::map
