// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "map/mapsource.h"

#include "log/logging.h"

#include <QTimer>

#include <QCoroTask>

#include <algorithm>

namespace relayrace::map {
namespace {

using std::chrono::milliseconds;

std::string text(const QString &string)
{
    return string.toStdString();
}

std::string stamp(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate).toStdString();
}

} // namespace

QString statusName(MapStatus status)
{
    switch (status) {
    case MapStatus::Failed: return QStringLiteral("failed");
    case MapStatus::Fresh: return QStringLiteral("fresh");
    case MapStatus::Unsigned: return QStringLiteral("unsigned");
    case MapStatus::NotModified: return QStringLiteral("not-modified");
    case MapStatus::LastGoodKept: return QStringLiteral("last-good-kept");
    }
    return {};
}

MapSource::MapSource(QObject *parent)
    : QObject(parent)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
}

MapSource::~MapSource()
{
    // Fetches in flight finish now, with an error that apply() ignores: they must not outlive the
    // fetcher they run in.
    m_closing = true;
    for (const Entry &entry : std::as_const(m_entries))
        entry.fetcher->abortAll();
}

void MapSource::setTiming(const Timing &timing)
{
    m_timing = timing;
}

void MapSource::setTimeout(milliseconds timeout)
{
    m_timeout = timeout;
    for (const Entry &entry : std::as_const(m_entries))
        entry.fetcher->setTimeout(timeout);
}

void MapSource::setClock(MapFetcher::Clock clock)
{
    m_clock = clock;
    for (const Entry &entry : std::as_const(m_entries))
        entry.fetcher->setClock(clock);
}

void MapSource::setProvider(const MapSourceConfig &config)
{
    if (config.provider.isEmpty()) {
        log::get("map")->error("map source for {} has no provider id; ignored", text(config.name));
        return;
    }
    auto it = m_entries.find(config.provider);
    if (it == m_entries.end()) {
        it = m_entries.insert(config.provider, Entry{});
        it->timer = new QTimer(this);
        it->timer->setSingleShot(true);
        connect(it->timer, &QTimer::timeout, this, [this, provider = config.provider] { refresh(provider); });
        it->fetcher = new MapFetcher(this);
        it->fetcher->setTimeout(m_timeout);
        it->fetcher->setClock(m_clock);
    }
    it->state.config = config;
    it->generation = ++m_lastGeneration;
    // A fetch in flight ends now; apply() sees its stale generation and starts the new one.
    if (it->state.refreshing)
        it->fetcher->abortAll();
    else
        refresh(config.provider);
}

void MapSource::removeProvider(const QString &provider)
{
    const auto it = m_entries.find(provider);
    if (it == m_entries.end())
        return;
    QTimer *timer = it->timer;
    MapFetcher *fetcher = it->fetcher;
    m_entries.erase(it);
    delete timer;
    delete fetcher; // aborts a fetch in flight, whose result then finds no entry and is dropped
}

QStringList MapSource::providers() const
{
    QStringList list = m_entries.keys();
    list.sort();
    return list;
}

bool MapSource::refresh(const QString &provider)
{
    const auto it = m_entries.find(provider);
    if (it == m_entries.end() || it->state.refreshing)
        return false;
    it->state.refreshing = true;
    it->timer->stop();
    const quint64 generation = it->generation;
    it->inFlight = generation;
    QCoro::connect(it->fetcher->fetch(it->state.config, it->state.held), this,
                   [this, provider, generation](Result<FetchedMap> result) {
                       apply(provider, generation, std::move(result));
                   });
    return true;
}

std::optional<RouteMap> MapSource::map(const QString &provider) const
{
    const auto it = m_entries.constFind(provider);
    if (it == m_entries.constEnd() || !it->state.held)
        return std::nullopt;
    return it->state.held->map;
}

ProviderMapState MapSource::state(const QString &provider) const
{
    return m_entries.value(provider).state;
}

milliseconds MapSource::refreshDelay(const RouteMap &map) const
{
    const qint64 remainingMs = m_clock().msecsTo(map.expiresAt());
    const auto delay = milliseconds(qint64(double(std::max<qint64>(remainingMs, 0)) * m_timing.refreshFraction));
    return std::clamp(delay, m_timing.minRefresh, std::max(m_timing.minRefresh, m_timing.maxRefresh));
}

milliseconds MapSource::retryDelay(int failures) const
{
    milliseconds delay = m_timing.retryMin;
    for (int i = 1; i < failures && delay < m_timing.retryMax; ++i)
        delay *= 2;
    return std::min(delay, std::max(m_timing.retryMin, m_timing.retryMax));
}

void MapSource::schedule(Entry &entry, milliseconds delay)
{
    entry.state.nextRefreshAt = m_clock().addMSecs(delay.count());
    entry.timer->start(delay);
}

void MapSource::apply(const QString &provider, quint64 generation, Result<FetchedMap> result)
{
    if (m_closing)
        return;
    const auto it = m_entries.find(provider);
    // Not this entry's fetch: the provider was removed (and maybe added again) meanwhile.
    if (it == m_entries.end() || it->inFlight != generation)
        return;
    Entry &entry = *it;
    entry.state.refreshing = false;
    entry.inFlight = 0;
    if (entry.generation != generation) {
        refresh(provider);
        return;
    }
    const auto logger = log::get("map");
    const QDateTime now = m_clock();
    ProviderMapState &state = entry.state;
    state.attemptedAt = now;
    std::optional<RouteMap> changed;
    if (result) {
        FetchedMap &fetched = result.value();
        state.error.clear();
        state.consecutiveFailures = 0;
        state.fetchedAt = now;
        if (fetched.outcome == FetchedMap::Outcome::NotModified) {
            state.status = MapStatus::NotModified;
            logger->debug("map of {}: not modified ({})", text(provider), text(fetched.held.url.toDisplayString()));
        } else {
            if (!state.held || state.held->map != fetched.held.map)
                changed = fetched.held.map;
            state.status = fetched.held.verified ? MapStatus::Fresh : MapStatus::Unsigned;
            state.held = std::move(fetched.held);
            logger->info("map of {}: {} map generated at {} from {}", text(provider),
                         state.status == MapStatus::Fresh ? "verified" : "unsigned", stamp(state.held->map.generatedAt),
                         text(state.held->url.toDisplayString()));
        }
        schedule(entry, refreshDelay(state.held->map));
    } else {
        state.error = result.error();
        ++state.consecutiveFailures;
        if (state.held) {
            state.status = MapStatus::LastGoodKept;
            const bool expired = state.held->map.isExpired(now);
            logger->warn("map of {}: refresh failed ({}); keeping the last good map generated at {}{}", text(provider),
                         text(state.error), stamp(state.held->map.generatedAt),
                         expired ? " (expired at " + stamp(state.held->map.expiresAt()) + ")" : std::string());
        } else {
            state.status = MapStatus::Failed;
            logger->warn("map of {}: no map: {}", text(provider), text(state.error));
        }
        schedule(entry, retryDelay(state.consecutiveFailures));
    }
    const MapStatus status = state.status;
    // Slots may remove the provider: nothing of the entry is used after the first emit.
    if (changed)
        Q_EMIT mapChanged(provider, *changed);
    Q_EMIT statusChanged(provider, status);
}

} // namespace relayrace::map
