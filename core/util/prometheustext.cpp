// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "util/prometheustext.h"

#include <algorithm>
#include <numeric>

#include <QLocale>

#include <cmath>

namespace relayrace::util {

void PrometheusText::family(QByteArrayView name, QByteArrayView type, QByteArrayView help)
{
    QByteArray escaped = help.toByteArray();
    escaped.replace('\\', "\\\\").replace('\n', "\\n");
    m_text.append("# HELP ").append(name).append(' ').append(escaped).append('\n');
    m_text.append("# TYPE ").append(name).append(' ').append(type).append('\n');
}

void PrometheusText::appendValue(double value)
{
    if (std::isnan(value))
        m_text.append("NaN");
    else if (std::isinf(value))
        m_text.append(value > 0 ? "+Inf" : "-Inf");
    else
        m_text.append(QByteArray::number(value, 'g', QLocale::FloatingPointShortest));
}

void PrometheusText::appendLabels(const Labels &labels, QByteArrayView extraName, QByteArrayView extraValue)
{
    if (labels.isEmpty() && extraName.isEmpty())
        return;
    m_text.append('{');
    bool first = true;
    for (const auto &[name, value] : labels) {
        if (!first)
            m_text.append(',');
        first = false;
        QByteArray escaped = value.toUtf8();
        escaped.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        m_text.append(name).append("=\"").append(escaped).append('"');
    }
    if (!extraName.isEmpty())
        m_text.append(first ? "" : ",").append(extraName).append("=\"").append(extraValue).append('"');
    m_text.append('}');
}

void PrometheusText::sample(QByteArrayView name, const Labels &labels, double value)
{
    m_text.append(name);
    appendLabels(labels);
    m_text.append(' ');
    appendValue(value);
    m_text.append('\n');
}

void PrometheusText::histogram(QByteArrayView name, const Labels &labels, const QList<double> &upperBounds,
                               const QList<qint64> &bucketCounts, double sum)
{
    const QByteArray base = name.toByteArray();
    qint64 count = 0;
    for (qsizetype i = 0; i <= upperBounds.size(); ++i) {
        count = i < bucketCounts.size() ? bucketCounts.at(i) : count;
        const QByteArray le = i < upperBounds.size()
                                  ? QByteArray::number(upperBounds.at(i), 'g', QLocale::FloatingPointShortest)
                                  : QByteArray("+Inf");
        m_text.append(base).append("_bucket");
        appendLabels(labels, "le", le);
        m_text.append(' ').append(QByteArray::number(count)).append('\n');
    }
    m_text.append(base).append("_sum");
    appendLabels(labels);
    m_text.append(' ');
    appendValue(sum);
    m_text.append('\n').append(base).append("_count");
    appendLabels(labels);
    m_text.append(' ').append(QByteArray::number(count)).append('\n');
}

void Histogram::observe(double value)
{
    value = std::max(value, 0.0);
    const auto bound = std::lower_bound(m_bounds->cbegin(), m_bounds->cend(), value);
    ++m_buckets[bound - m_bounds->cbegin()];
    m_sum += value;
}

qint64 Histogram::count() const
{
    return std::accumulate(m_buckets.cbegin(), m_buckets.cend(), qint64(0));
}

void Histogram::render(PrometheusText &out, QByteArrayView name, const PrometheusText::Labels &labels) const
{
    QList<qint64> cumulative;
    cumulative.reserve(m_buckets.size());
    qint64 running = 0;
    for (const qint64 n : m_buckets)
        cumulative.append(running += n);
    out.histogram(name, labels, *m_bounds, cumulative, m_sum);
}

} // namespace relayrace::util
