// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "mapexport.h"

#include <QStringList>

#include <algorithm>

namespace relayrace::map {
namespace {

// A DOT quoted string. Backslash sequences mean something in labels (\n, \l, \N...), so a literal
// backslash is doubled; control characters (a name may carry any) become spaces.
QString quoted(const QString &text)
{
    QString out;
    out.reserve(text.size() + 2);
    out += u'"';
    for (const QChar c : text) {
        if (c == u'"' || c == u'\\')
            out += u'\\';
        out += c.category() == QChar::Other_Control ? QChar(u' ') : c;
    }
    out += u'"';
    return out;
}

// Several label lines: each quoted on its own, joined by DOT's centred line break.
QString label(const QStringList &lines)
{
    QStringList parts;
    for (const QString &line : lines)
        parts.append(quoted(line).mid(1).chopped(1));
    return u'"' + parts.join(QStringLiteral("\\n")) + u'"';
}

QString ordinal(qsizetype n)
{
    const qsizetype lastTwo = n % 100;
    const char *suffix = "th";
    if (lastTwo < 11 || lastTwo > 13) {
        switch (n % 10) {
        case 1: suffix = "st"; break;
        case 2: suffix = "nd"; break;
        case 3: suffix = "rd"; break;
        default: break;
        }
    }
    return QString::number(n) + QLatin1String(suffix);
}

QString ms(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest) + QStringLiteral(" ms");
}

} // namespace

QByteArray routeMapToDot(const RouteMap &map)
{
    // Prefixed node ids keep an edge region, a region and the origin apart whatever they are called.
    const QString originNode = quoted(QStringLiteral("origin"));
    const auto regionNode = [](const QString &id) { return quoted(QStringLiteral("region:") + id); };
    const auto edgeNode = [](const QString &key) { return quoted(QStringLiteral("edge:") + key); };

    QString dot;
    dot += QStringLiteral("digraph %1 {\n").arg(quoted(QStringLiteral("relayrace-map ") + map.provider));
    dot += QStringLiteral("    graph [rankdir=LR, labelloc=t, label=%1];\n")
               .arg(label({QStringLiteral("provider %1").arg(map.provider),
                           QStringLiteral("generated %1").arg(map.generatedAt.toUTC().toString(Qt::ISODate))}));
    dot += QStringLiteral("    node [shape=box, style=rounded];\n");

    QStringList edgeKeys = map.alternates.keys();
    const bool singleEdge = edgeKeys.isEmpty();
    if (singleEdge)
        edgeKeys.append(QString());
    for (const QString &key : edgeKeys) {
        const QStringList lines = singleEdge ? QStringList{QStringLiteral("edge")}
                                  : key == u"default" ? QStringList{QStringLiteral("edge"), QStringLiteral("(default: any other)")}
                                                      : QStringList{QStringLiteral("edge"), key};
        dot += QStringLiteral("    %1 [shape=house, style=solid, label=%2];\n")
                   .arg(singleEdge ? quoted(QStringLiteral("edge")) : edgeNode(key), label(lines));
    }
    for (const Region &region : map.regions) {
        QStringList lines{region.id};
        if (!region.name.isEmpty())
            lines.append(region.name);
        lines.append(region.relay.toString());
        dot += QStringLiteral("    %1 [label=%2%3];\n")
                   .arg(regionNode(region.id), label(lines),
                        region.wellConnected ? QString() : QStringLiteral(", style=\"rounded,dashed\", color=gray"));
    }
    dot += QStringLiteral("    %1 [shape=doubleoctagon, style=solid, label=%2];\n")
               .arg(originNode, label({QStringLiteral("origin"), map.origin.toString()}));

    for (const QString &key : edgeKeys) {
        const QString from = singleEdge ? quoted(QStringLiteral("edge")) : edgeNode(key);
        const QStringList order = map.alternates.value(key);
        for (qsizetype i = 0; i < order.size(); ++i) {
            // The first choice drawn thickest, so the order reads without the labels too.
            const qsizetype width = std::max<qsizetype>(1, 3 - i);
            dot += QStringLiteral("    %1 -> %2 [label=%3, penwidth=%4];\n")
                       .arg(from, regionNode(order.at(i)), quoted(ordinal(i + 1)))
                       .arg(width);
        }
        if (map.direct)
            dot += QStringLiteral("    %1 -> %2 [label=\"direct\", style=dashed];\n").arg(from, originNode);
    }
    for (const Region &region : map.regions) {
        dot += QStringLiteral("    %1 -> %2").arg(regionNode(region.id), originNode);
        if (region.rttToOriginMs)
            dot += QStringLiteral(" [label=%1]").arg(quoted(ms(*region.rttToOriginMs)));
        dot += QStringLiteral(";\n");
    }
    dot += QStringLiteral("}\n");
    return dot.toUtf8();
}

} // namespace relayrace::map
