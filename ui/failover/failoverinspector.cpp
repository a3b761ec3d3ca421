// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "failoverinspector.h"

#include "failoverfilterproxy.h"
#include "delivery/failoverlogfile.h"
#include "failovermodel.h"
#include "util/csv.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace relayrace::ui {

namespace {

QString countText(int count, const QString &one, const QString &many)
{
    return QStringLiteral("%1 %2").arg(count).arg(count == 1 ? one : many);
}

void addChoice(QComboBox *combo, const QString &value)
{
    if (value.isEmpty() || combo->findData(value) >= 0)
        return;
    int at = 1; // after "All ..."
    while (at < combo->count() && combo->itemData(at).toString() < value)
        ++at;
    combo->insertItem(at, value, value);
}

QComboBox *filterCombo(QWidget *parent, const QString &objectName, const QString &all, const QString &toolTip)
{
    auto *combo = new QComboBox(parent);
    combo->setObjectName(objectName);
    combo->addItem(all, QString());
    combo->setToolTip(toolTip);
    combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    return combo;
}

} // namespace

FailoverInspector::FailoverInspector(QWidget *parent)
    : QWidget(parent)
    , m_model(new FailoverModel(this))
    , m_proxy(new FailoverFilterProxy(this))
    , m_status(new QLabel(this))
    , m_view(new QTableView(this))
    , m_detail(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("failoverInspector"));
    m_proxy->setSourceModel(m_model);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    buildFilterBar(layout);

    m_view->setObjectName(QStringLiteral("failoverView"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(FailoverModel::TimeColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_detail->setObjectName(QStringLiteral("failoverDetail"));
    m_detail->setReadOnly(true);
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setPlaceholderText(tr("Select a failover to see the whole event."));
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("failoverSplitter"));
    splitter->addWidget(m_view);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);
    m_status->setObjectName(QStringLiteral("failoverStatus"));
    m_status->setWordWrap(true);
    m_status->setText(tr("Live failover events."));
    layout->addWidget(m_status);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &FailoverInspector::showDetail);
    // A reset drops the current row without a currentRowChanged: the detail must not outlive it.
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &FailoverInspector::showDetail);
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { addChoices(first, last); });
    connect(m_model, &QAbstractItemModel::modelReset, this, &FailoverInspector::resetChoices);
}

void FailoverInspector::buildFilterBar(QVBoxLayout *layout)
{
    auto *bar = new QHBoxLayout;
    m_providers = filterCombo(this, QStringLiteral("providerFilter"), tr("All providers"), tr("Only this provider's failovers"));
    m_routes = filterCombo(this, QStringLiteral("routeFilter"), tr("All routes"), tr("Only failovers from or to this route"));
    m_reasons = filterCombo(this, QStringLiteral("reasonFilter"), tr("All reasons"), tr("Only failovers for this reason"));
    connect(m_providers, &QComboBox::currentIndexChanged, this, [this] { m_proxy->setProvider(m_providers->currentData().toString()); });
    connect(m_routes, &QComboBox::currentIndexChanged, this, [this] { m_proxy->setRoute(m_routes->currentData().toString()); });
    connect(m_reasons, &QComboBox::currentIndexChanged, this, [this] { m_proxy->setReason(m_reasons->currentData().toString()); });

    m_timeRange = new QComboBox(this);
    m_timeRange->setObjectName(QStringLiteral("timeRangeFilter"));
    m_timeRange->setToolTip(tr("Only failovers in this time range (a relative range counts back from when it is chosen)"));
    m_timeRange->addItem(tr("All time"), 0);
    m_timeRange->addItem(tr("Last 15 minutes"), 15 * 60);
    m_timeRange->addItem(tr("Last hour"), 3600);
    m_timeRange->addItem(tr("Last 24 hours"), 24 * 3600);
    m_timeRange->addItem(tr("Custom range"), -1);
    m_from = new QDateTimeEdit(this);
    m_from->setObjectName(QStringLiteral("fromTimeFilter"));
    m_to = new QDateTimeEdit(this);
    m_to->setObjectName(QStringLiteral("toTimeFilter"));
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        edit->setCalendarPopup(true);
        edit->setEnabled(false);
        edit->setToolTip(tr("Local time; both ends included"));
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, &FailoverInspector::applyTimeRange);
    }
    connect(m_timeRange, &QComboBox::currentIndexChanged, this, [this] {
        const bool custom = m_timeRange->currentData().toInt() < 0;
        if (custom && !m_model->events().isEmpty()) {
            // Start from the span of the events shown, so the custom range first matches them all.
            const auto [first, last] = std::minmax_element(m_model->events().cbegin(), m_model->events().cend(),
                                                           [](const auto &a, const auto &b) { return a.at < b.at; });
            const QSignalBlocker blockFrom(m_from);
            const QSignalBlocker blockTo(m_to);
            m_from->setDateTime(first->at.toLocalTime());
            m_to->setDateTime(last->at.toLocalTime());
        }
        m_from->setEnabled(custom);
        m_to->setEnabled(custom);
        applyTimeRange();
    });

    m_text = new QLineEdit(this);
    m_text->setObjectName(QStringLiteral("textFilter"));
    m_text->setPlaceholderText(tr("Search request, route, reason, detail…"));
    m_text->setClearButtonEnabled(true);
    m_text->setToolTip(tr("Only failovers with this text in any field (any case)"));
    connect(m_text, &QLineEdit::textChanged, m_proxy, &FailoverFilterProxy::setText);

    auto *exportButton = new QPushButton(tr("Export CSV…"), this);
    exportButton->setObjectName(QStringLiteral("exportCsvButton"));
    exportButton->setToolTip(tr("Write the failovers shown (filtered, in table order) to a CSV file"));
    connect(exportButton, &QPushButton::clicked, this, &FailoverInspector::chooseExportPath);
    auto *openButton = new QPushButton(tr("Open log file…"), this);
    openButton->setObjectName(QStringLiteral("openLogButton"));
    openButton->setToolTip(tr("Inspect a failover log (JSON lines) written by this or another edge"));
    connect(openButton, &QPushButton::clicked, this, &FailoverInspector::chooseLogFile);
    m_liveButton = new QPushButton(tr("Show live events"), this);
    m_liveButton->setObjectName(QStringLiteral("showLiveButton"));
    m_liveButton->setVisible(false);
    connect(m_liveButton, &QPushButton::clicked, this, &FailoverInspector::showLiveEvents);

    bar->addWidget(m_providers);
    bar->addWidget(m_routes);
    bar->addWidget(m_reasons);
    bar->addWidget(m_timeRange);
    bar->addWidget(m_from);
    bar->addWidget(m_to);
    bar->addWidget(m_text, 1);
    bar->addWidget(exportButton);
    bar->addWidget(openButton);
    bar->addWidget(m_liveButton);
    layout->addLayout(bar);
}

void FailoverInspector::addChoices(int first, int last)
{
    for (int row = first; row <= last; ++row) {
        const model::FailoverEvent &event = m_model->event(row);
        addChoice(m_providers, event.provider);
        addChoice(m_routes, event.fromRoute);
        addChoice(m_routes, event.toRoute);
        addChoice(m_reasons, event.reason);
    }
}

void FailoverInspector::resetChoices()
{
    // Keep a chosen value when the new events have it too; otherwise fall back to "All".
    for (QComboBox *combo : {m_providers, m_routes, m_reasons}) {
        const QSignalBlocker blocker(combo);
        while (combo->count() > 1)
            combo->removeItem(combo->count() - 1);
    }
    const QString provider = m_proxy->provider();
    const QString route = m_proxy->route();
    const QString reason = m_proxy->reason();
    if (m_model->rowCount() > 0)
        addChoices(0, m_model->rowCount() - 1);
    const auto select = [](QComboBox *combo, const QString &value) {
        const int at = combo->findData(value);
        combo->setCurrentIndex(at < 0 ? 0 : at);
    };
    select(m_providers, provider);
    select(m_routes, route);
    select(m_reasons, reason);
    // The proxy follows the combos even where the index stayed (no change signal then).
    m_proxy->setProvider(m_providers->currentData().toString());
    m_proxy->setRoute(m_routes->currentData().toString());
    m_proxy->setReason(m_reasons->currentData().toString());
}

void FailoverInspector::applyTimeRange()
{
    const int range = m_timeRange->currentData().toInt();
    if (range > 0)
        m_proxy->setTimeRange(QDateTime::currentDateTimeUtc().addSecs(-range), {});
    else if (range < 0)
        m_proxy->setTimeRange(m_from->dateTime().toUTC(), m_to->dateTime().toUTC().addMSecs(999));
    else
        m_proxy->setTimeRange({}, {});
}

void FailoverInspector::showDetail()
{
    const QModelIndex current = m_proxy->mapToSource(m_view->currentIndex());
    if (!current.isValid()) {
        m_detail->clear();
        return;
    }
    const QJsonDocument document(model::toJson(m_model->event(current.row())));
    m_detail->setPlainText(QString::fromUtf8(document.toJson(QJsonDocument::Indented)));
}

void FailoverInspector::addEvent(const model::FailoverEvent &event)
{
    m_live.append(event);
    if (!showingFile())
        m_model->addEvent(event);
}

void FailoverInspector::setEvents(const QList<model::FailoverEvent> &events)
{
    m_live = events;
    if (!showingFile())
        m_model->setEvents(m_live);
}

void FailoverInspector::showLiveEvents()
{
    m_file.clear();
    m_liveButton->setVisible(false);
    m_model->setEvents(m_live);
    m_status->setText(tr("Live failover events."));
}

bool FailoverInspector::exportCsv(const QString &path)
{
    QString csv = QStringLiteral("at,provider,request,from_route,to_route,reason,detail,bytes_delivered,"
                                 "resume_offset,recover_ms,outcome\r\n");
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const model::FailoverEvent &e = m_model->event(m_proxy->mapToSource(m_proxy->index(row, 0)).row());
        const QStringList fields{
            e.at.isValid() ? e.at.toUTC().toString(Qt::ISODateWithMs) : QString(),
            e.provider,
            e.request,
            e.fromRoute,
            e.toRoute,
            e.reason,
            e.detail,
            QString::number(e.bytesDelivered),
            e.resumeOffset < 0 ? QString() : QString::number(e.resumeOffset),
            e.recoverMs < 0 ? QString() : QString::number(e.recoverMs, 'g', QLocale::FloatingPointShortest),
            model::outcomeName(e.outcome),
        };
        QStringList quoted;
        for (const QString &field : fields)
            quoted.append(csvField(field));
        csv += quoted.join(u',') + QStringLiteral("\r\n");
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(csv.toUtf8()) < 0 || !file.commit()) {
        m_status->setText(tr("Could not write %1: %2").arg(path, file.errorString()));
        return false;
    }
    m_status->setText(tr("Exported %1 to %2.").arg(countText(m_proxy->rowCount(), tr("failover"), tr("failovers")), path));
    return true;
}

Result<int> FailoverInspector::openLogFile(const QString &path)
{
    auto log = delivery::FailoverLogFile::read(path);
    if (!log) {
        m_status->setText(tr("Could not open the failover log: %1").arg(log.error()));
        return makeError(log.error());
    }
    const int count = int(log->events.size());
    m_file = path;
    m_liveButton->setVisible(true);
    m_model->setEvents(std::move(log.value().events));
    QString text = tr("%1 (from a file): %2").arg(QFileInfo(path).fileName(), countText(count, tr("failover"), tr("failovers")));
    if (log->malformedLines > 0) {
        text += tr("; %1 skipped (%2)")
                    .arg(countText(log->malformedLines, tr("malformed line"), tr("malformed lines")),
                         log->problems.join(QStringLiteral("; ")));
    }
    m_status->setText(text + u'.');
    return count;
}

void FailoverInspector::chooseExportPath()
{
    // Not the static getter: it would spin a nested event loop on the GUI thread.
    auto *dialog = new QFileDialog(this, tr("Export failover events as CSV"), QString(), tr("CSV files (*.csv)"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("csv"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) { exportCsv(path); });
    dialog->open();
}

void FailoverInspector::chooseLogFile()
{
    auto *dialog = new QFileDialog(this, tr("Open a failover log"), QString(),
                                   tr("Failover logs (*.jsonl *.jsonl.* *.json);;All files (*)"));
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) { (void)openLogFile(path); });
    dialog->open();
}

} // namespace relayrace::ui
