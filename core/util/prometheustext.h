// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <utility>

namespace relayrace::util {

// The Prometheus text exposition format, version 0.0.4 (what /metrics answers): a family's # HELP and
// # TYPE lines, then its samples, `name{label="value",...} value`. Label values are escaped (\\, \",
// \n) and HELP text too (\\, \n); values are written as Go's ParseFloat reads them (+Inf, NaN).
// Names and label names are the caller's literals, never user input. `promtool check metrics`
// passes on what it writes (tst_edgeadmin).
class PrometheusText final
{
public:
    using Labels = QList<std::pair<QByteArrayView, QString>>;

    static constexpr QByteArrayView kContentType = "text/plain; version=0.0.4; charset=utf-8";

    void family(QByteArrayView name, QByteArrayView type, QByteArrayView help);
    void sample(QByteArrayView name, const Labels &labels, double value);
    // A histogram's samples: cumulative bucket counts (one per upper bound, +Inf added), _sum, _count.
    void histogram(QByteArrayView name, const Labels &labels, const QList<double> &upperBounds,
                   const QList<qint64> &bucketCounts, double sum);

    const QByteArray &text() const { return m_text; }

private:
    void appendValue(double value);
    void appendLabels(const Labels &labels, QByteArrayView extraName = {}, QByteArrayView extraValue = {});

    QByteArray m_text;
};

// One histogram's state: observations counted into buckets of fixed upper bounds (seconds, say), and
// their sum; rendered by PrometheusText::histogram.
class Histogram final
{
public:
    explicit Histogram(const QList<double> *upperBounds) : m_bounds(upperBounds), m_buckets(upperBounds->size() + 1, 0) {}

    void observe(double value);
    void render(PrometheusText &out, QByteArrayView name, const PrometheusText::Labels &labels) const;
    qint64 count() const;

private:
    const QList<double> *m_bounds;  // the family's: outlives every histogram of it
    QList<qint64> m_buckets;        // not cumulative; the last counts what is above every bound
    double m_sum = 0;
};

} // namespace relayrace::util
