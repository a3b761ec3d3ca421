#include "headlessdemo.h"

#include "lab/lab.h"
#include "log/logging.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QSslConfiguration>

namespace relayrace::lab {

HeadlessDemo::HeadlessDemo(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
}

HeadlessDemo::~HeadlessDemo()
{
    m_done = true;
    for (const auto &probe : std::as_const(m_probes))
        if (probe->reply)
            probe->reply->abort();
}

void HeadlessDemo::start()
{
    auto topology = demoTopology();
    if (!topology) {
        std::fprintf(stderr, "relayrace demo: %s\n", qUtf8Printable(topology.error()));
        finish(1);
        return;
    }
    m_host = new LabHost(std::move(topology).value(), this);
    connect(m_host, &LabHost::ready, this, &HeadlessDemo::onLabReady);
    connect(m_host, &LabHost::failed, this, [this](const QString &error) {
        std::fprintf(stderr, "relayrace demo: the demo lab did not start: %s\n", qUtf8Printable(error));
        finish(1);
    });
    m_host->start();
}

void HeadlessDemo::onLabReady(const LabEndpoints &endpoints)
{
    if (!m_options.json)
        std::fprintf(m_options.out, "demo lab up on 127.0.0.1: %lld providers, %lld regions, %lld links\n",
                     qlonglong(endpoints.providers.size()), qlonglong(endpoints.regions.size()),
                     qlonglong(endpoints.links.size()));
    runRound();
}

void HeadlessDemo::runRound()
{
    const LabEndpoints &endpoints = m_host->endpoints();
    if (m_round >= m_options.rounds) {
        m_round = 0;
        ++m_providerIndex;
    }
    if (m_providerIndex >= endpoints.providers.size()) {
        finish(0);
        return;
    }
    const LabEndpoints::Provider &provider = endpoints.providers.at(m_providerIndex);
    if (m_round == 0 && !m_options.json)
        std::fprintf(m_options.out, "\nprovider %s (%s): origin %s, test object %s\n",
                     qUtf8Printable(provider.place.id), qUtf8Printable(provider.place.name),
                     qUtf8Printable(provider.url.toString()), qUtf8Printable(provider.testObject));

    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    if (!endpoints.caFile.isEmpty())
        tls.addCaCertificates(endpoints.caFile);
    QUrl url = provider.url;
    url.setPath(provider.testObject);

    auto addProbe = [&](const QString &route, const QNetworkProxy &proxy) {
        auto probe = std::make_shared<Probe>();
        probe->route = route;
        // One manager per route: Qt 6.4 has no per-request proxy and pools connections per manager.
        probe->manager = new QNetworkAccessManager(this);
        probe->manager->setProxy(proxy);
        m_probes.append(probe);
    };
    if (m_probes.isEmpty() || m_round == 0) {
        for (const auto &probe : std::as_const(m_probes))
            probe->manager->deleteLater();
        m_probes.clear();
        addProbe(QStringLiteral("direct"), QNetworkProxy(QNetworkProxy::NoProxy));
        for (const LabEndpoints::Region &region : endpoints.regions)
            addProbe(QStringLiteral("via:") + region.place.id,
                     QNetworkProxy(QNetworkProxy::HttpProxy, region.relayUrl.host(), quint16(region.relayUrl.port())));
    }
    m_pending = int(m_probes.size());
    m_roundClock.start();
    for (const auto &probe : std::as_const(m_probes)) {
        probe->ttfbMs = probe->totalMs = -1;
        probe->bytes = 0;
        probe->status = 0;
        probe->error.clear();
        QNetworkRequest request(url);
        request.setSslConfiguration(tls);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        request.setTransferTimeout(15000);
        probe->reply = probe->manager->get(request);
        QNetworkReply *reply = probe->reply;
        Probe *raw = probe.get();
        connect(reply, &QNetworkReply::readyRead, this, [this, raw, reply] {
            if (raw->ttfbMs < 0)
                raw->ttfbMs = m_roundClock.elapsed();
            raw->bytes += reply->readAll().size();
        });
        connect(reply, &QNetworkReply::finished, this, [this, raw, reply] {
            raw->reply = nullptr;
            reply->deleteLater();
            if (m_done)
                return;
            raw->bytes += reply->readAll().size();
            raw->totalMs = m_roundClock.elapsed();
            raw->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (reply->error() != QNetworkReply::NoError)
                raw->error = reply->errorString();
            onProbeDone(*raw);
        });
    }
}

void HeadlessDemo::onProbeDone(Probe &)
{
    if (--m_pending == 0)
        finishRound();
}

void HeadlessDemo::finishRound()
{
    const LabEndpoints::Provider &provider = m_host->endpoints().providers.at(m_providerIndex);
    const Probe *fastest = nullptr;
    QJsonArray routes;
    if (!m_options.json)
        std::fprintf(m_options.out, "  round %d  %-10s %8s %9s %8s %6s\n", m_round + 1, "route", "ttfb_ms",
                     "total_ms", "bytes", "status");
    for (const auto &probe : std::as_const(m_probes)) {
        const bool ok = probe->error.isEmpty() && probe->status == 200;
        if (ok && (!fastest || probe->totalMs < fastest->totalMs))
            fastest = probe.get();
        routes.append(QJsonObject{{QStringLiteral("id"), probe->route}, {QStringLiteral("ttfb_ms"), probe->ttfbMs},
                                  {QStringLiteral("total_ms"), probe->totalMs},
                                  {QStringLiteral("bytes"), probe->bytes}, {QStringLiteral("status"), probe->status},
                                  {QStringLiteral("error"), probe->error}});
        if (!m_options.json)
            std::fprintf(m_options.out, "           %-10s %8lld %9lld %8lld %6d %s\n", qUtf8Printable(probe->route),
                         probe->ttfbMs, probe->totalMs, probe->bytes, probe->status, qUtf8Printable(probe->error));
    }
    if (!m_options.json)
        std::fprintf(m_options.out, "           fastest: %s\n", fastest ? qUtf8Printable(fastest->route) : "none (every route failed)");
    m_report.append(QJsonObject{{QStringLiteral("provider"), provider.place.id}, {QStringLiteral("round"), m_round + 1},
                                {QStringLiteral("fastest"), fastest ? fastest->route : QString()},
                                {QStringLiteral("routes"), routes}});
    std::fflush(m_options.out);
    ++m_round;
    if (!m_done)
        runRound();
}

void HeadlessDemo::interrupt()
{
    if (!m_options.json)
        std::fprintf(m_options.out, "\ninterrupted: stopping the demo\n");
    finish(0);
}

void HeadlessDemo::finish(int exitCode)
{
    if (m_done)
        return;
    m_done = true;
    for (const auto &probe : std::as_const(m_probes))
        if (probe->reply)
            probe->reply->abort();
    if (m_options.json)
        std::fprintf(m_options.out, "%s\n", QJsonDocument(QJsonObject{{QStringLiteral("rounds"), m_report}}).toJson(QJsonDocument::Compact).constData());
    std::fflush(m_options.out);
    Q_EMIT finished(exitCode);
}

} // namespace relayrace::lab
