// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include "map/mapfetcher.h"
#include "map/routemap.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QString>

#include <chrono>
#include <optional>

class QTimer;

namespace relayrace::map {

// Where a provider's map stands. "Failed" is also the state before the first attempt has finished
// (no map yet, no error yet).
enum class MapStatus {
    Failed,        // never had a map: the error says why
    Fresh,         // the last fetch brought a map whose signature was verified
    Unsigned,      // the last fetch brought a map; no public key is configured, so nothing was verified
    NotModified,   // the last refresh got 304: the held map is still the current one
    LastGoodKept,  // the last refresh failed (error); the last good map stays in use
};
QString statusName(MapStatus status); // "failed", "fresh", "unsigned", "not-modified", "last-good-kept"

struct ProviderMapState
{
    MapSourceConfig config;
    std::optional<HeldMap> held; // the last good map; never a partly checked one
    MapStatus status = MapStatus::Failed;
    QString error;               // the last attempt's error ("<stage>: ..."); empty after a success
    QDateTime fetchedAt;         // when the held map was last fetched or confirmed by a 304
    QDateTime attemptedAt;       // when the last attempt finished
    QDateTime nextRefreshAt;     // when the next attempt is scheduled
    int consecutiveFailures = 0;
    bool refreshing = false;
};

// The engine's route maps: per provider, the last good map and its status. Fetches each provider's
// map when added, refreshes it before it expires (conditional GET), retries failures with bounded
// exponential backoff, and on any failure keeps the last good map and says so (status, warn log).
class MapSource final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MapSource)

public:
    struct Timing
    {
        // A map is refreshed when this fraction of its remaining validity has passed (for a map
        // fetched as it is generated: at 80% of valid_for_s), within [minRefresh, maxRefresh].
        double refreshFraction = 0.8;
        std::chrono::milliseconds minRefresh{std::chrono::seconds(10)};
        std::chrono::milliseconds maxRefresh{std::chrono::hours(24)};
        // After the k-th failure in a row: retryMin * 2^(k-1), at most retryMax.
        std::chrono::milliseconds retryMin{std::chrono::seconds(5)};
        std::chrono::milliseconds retryMax{std::chrono::minutes(5)};
    };

    explicit MapSource(QObject *parent = nullptr);
    ~MapSource() override;

    void setTiming(const Timing &timing);
    Timing timing() const { return m_timing; }
    // Bounds each DNS lookup and HTTP transfer of a fetch.
    void setTimeout(std::chrono::milliseconds timeout);
    // "Now" for expiry and scheduling. Default: the system clock (UTC).
    void setClock(MapFetcher::Clock clock);

    // Adds a provider (config.provider, which must not be empty), or reconfigures one (its last good map is kept until the new source gives
    // one), and fetches at once. A fetch in flight for the old configuration is aborted.
    void setProvider(const MapSourceConfig &config);
    void removeProvider(const QString &provider);
    QStringList providers() const;

    // Fetches now unless a fetch is already in flight (then false; also false for unknown providers).
    bool refresh(const QString &provider);

    // The last good map; nullopt when there never was one.
    std::optional<RouteMap> map(const QString &provider) const;
    // A copy of the provider's state; a default one for unknown providers.
    ProviderMapState state(const QString &provider) const;

Q_SIGNALS:
    // A new map was applied (never a partly checked one; not on 304 or when the bytes are the same).
    void mapChanged(const QString &provider, const relayrace::map::RouteMap &map);
    // After every finished attempt, even when the status is the same as before (the error, the
    // fetch time and the next refresh change).
    void statusChanged(const QString &provider, relayrace::map::MapStatus status);

private:
    struct Entry
    {
        ProviderMapState state;
        QTimer *timer = nullptr;
        MapFetcher *fetcher = nullptr; // one per provider: reconfiguring aborts only its fetch
        quint64 generation = 0; // new for each setProvider: results of older fetches are stale
        quint64 inFlight = 0;   // the generation the fetch in flight was started for; 0: none
    };

    void apply(const QString &provider, quint64 generation, Result<FetchedMap> result);
    void schedule(Entry &entry, std::chrono::milliseconds delay);
    std::chrono::milliseconds refreshDelay(const RouteMap &map) const;
    std::chrono::milliseconds retryDelay(int failures) const;

    MapFetcher::Clock m_clock;
    std::chrono::milliseconds m_timeout{10000};
    Timing m_timing;
    QHash<QString, Entry> m_entries;
    quint64 m_lastGeneration = 0;
    bool m_closing = false;
};

} // namespace relayrace::map
