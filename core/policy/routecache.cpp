// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "policy/routecache.h"

#include "model/raceresult.h"

#include <QSet>

#include <algorithm>
#include <tuple>
#include <utility>

namespace relayrace::policy {
namespace {

using namespace Qt::StringLiterals;
using model::RaceResult;
using model::RouteOutcome;

bool elapsed(const QDateTime &since, qint64 seconds, const QDateTime &now)
{
    return since.isValid() && since.msecsTo(now) >= seconds * 1000;
}

// When the optimal route's TTL runs out; invalid when there is no route.
QDateTime expiryOf(const Entry &entry, qint64 routeTtlS)
{
    if (entry.optimalRoute.isEmpty() || !entry.confirmedAt.isValid())
        return {};
    return entry.confirmedAt.addSecs(routeTtlS);
}

// The TTL triggers a race only when it ran out after the last race: once a race has run on an
// expired route (and failed, or it would have renewed or replaced it), T2 and N take over; otherwise
// a provider whose routes all fail would race on every request.
bool ttlDue(const Entry &entry, qint64 routeTtlS, const QDateTime &now)
{
    const QDateTime expiry = expiryOf(entry, routeTtlS);
    return expiry.isValid() && expiry <= now && expiry > entry.lastRaceAt;
}

// Precedence (docs/race-policy.md): ttl, t2, n, t1, failover, degraded, then a trigger the budget
// refused earlier.
model::Trigger dueTrigger(const Entry &entry, const map::RaceSettings &settings, const QDateTime &now)
{
    if (entry.hasRaced()) {
        if (ttlDue(entry, settings.routeTtlS, now))
            return model::Trigger::Ttl;
        if (elapsed(entry.lastRaceAt, settings.retestAfterS, now))
            return model::Trigger::T2;
        if (entry.requestsSinceRace >= settings.retestAfterRequests)
            return model::Trigger::Requests;
        if (entry.failoverOwed && !entry.validRoute(now).isEmpty())
            return model::Trigger::Failover;
        if (degradedNow(entry, settings, now))
            return model::Trigger::Degraded;
    } else {
        if (entry.requestsSinceRace >= settings.retestAfterRequests)
            return model::Trigger::Requests;
        if (elapsed(entry.periodStart, settings.firstPeriodS, now))
            return model::Trigger::T1;
    }
    return entry.pendingTrigger;
}

QMap<QString, RouteFigures> figuresOf(const model::RaceResult &result)
{
    QMap<QString, RouteFigures> figures;
    for (const model::RouteOutcome &outcome : result.routes) {
        RouteFigures f;
        f.failed = outcome.state == model::RouteOutcome::State::Failed;
        f.error = outcome.error;
        if (!f.failed) {
            const bool won = outcome.routeId == result.winner && outcome.timeToThresholdMs >= 0;
            f.projectedMs = won ? outcome.timeToThresholdMs : outcome.projectedMs;
            f.ttfbMs = outcome.ttfbMs > 0 ? outcome.ttfbMs : -1;
        }
        figures.insert(outcome.routeId, f);
    }
    return figures;
}

QString percent(double value)
{
    return QString::number(value, 'f', 1) + u'%';
}

struct Verdict
{
    bool replace = false;
    QString reason;
    double marginPct = -1;
};

// Hysteresis: a challenger that won replaces a valid incumbent only by a clear margin, so two routes
// of about the same speed do not swap on every race (each swap costs delivery its warm connection).
Verdict judge(const QString &incumbent, const model::RaceResult &result, double hysteresisPct)
{
    const model::RouteOutcome *mine = result.route(incumbent);
    if (!mine)
        return {true, QStringLiteral("incumbent not in the race"), -1};
    if (mine->state == model::RouteOutcome::State::Failed || mine->projectedMs < 0) {
        const QString why = mine->error.isEmpty() ? QString() : QString(u": "_s + mine->error);
        return {true, u"incumbent failed"_s + why, -1};
    }
    const model::RouteOutcome *winner = result.route(result.winner);
    double winnerMs = -1;
    if (winner)
        winnerMs = winner->timeToThresholdMs >= 0 ? winner->timeToThresholdMs : winner->projectedMs;
    const QString setting = u" (hysteresis "_s + QString::number(hysteresisPct) + u"%)"_s;
    if (winnerMs < 0)  // no time to compare against: no evidence the incumbent is slower
        return {false, result.winner + u" won with no time measured"_s, -1};
    const double marginPct = winnerMs > 0 ? (mine->projectedMs - winnerMs) / winnerMs * 100.0 : -1;
    const bool replace = mine->projectedMs > winnerMs * (1.0 + hysteresisPct / 100.0);
    const QString by = marginPct >= 0 ? QString(u"won by "_s + percent(marginPct)) : u"won"_s;
    const QString reason = replace ? QString(by + setting) : QString(result.winner + u' ' + by + setting);
    return {replace, reason, marginPct};
}

} // namespace

bool RouteKey::operator<(const RouteKey &other) const
{
    return std::tie(provider, edgeRegion) < std::tie(other.provider, other.edgeRegion);
}

bool Entry::isExpired(const QDateTime &now) const
{
    const QDateTime expiry = expiryOf(*this, routeTtlS);
    return expiry.isValid() && expiry <= now;
}

QString Entry::validRoute(const QDateTime &now) const
{
    return isExpired(now) ? QString() : optimalRoute;
}

RouteCache::RouteCache(int maxRacesPerMinute) : m_budget(maxRacesPerMinute) {}

Entry &RouteCache::entryFor(const RouteKey &key)
{
    auto it = m_entries.find(key);
    if (it == m_entries.end()) {
        it = m_entries.insert(key, Entry{});
        it->key = key;
    }
    return *it;
}

Decision RouteCache::onRequest(const RouteKey &key, const map::RaceSettings &settings, const QDateTime &now)
{
    Entry &e = entryFor(key);
    e.routeTtlS = settings.routeTtlS;
    if (!e.periodStart.isValid())
        e.periodStart = now;
    ++e.requestsSinceRace;

    Decision decision;
    decision.route = e.validRoute(now);
    if (e.raceInFlight)  // never two races at once for a key: this request uses the cached route
        return decision;
    decision.trigger = dueTrigger(e, settings, now);
    decision.race = decision.trigger != model::Trigger::None;
    return decision;
}

Admission RouteCache::beginRace(const RouteKey &key, model::Trigger trigger, const QDateTime &now)
{
    Entry &e = entryFor(key);
    if (e.raceInFlight)
        return Admission::InFlight;
    // A race already refused and owed, while the budget is known to be spent: one skipped race, not
    // one per request that asks again (an edge asks on every request once N is reached).
    if (e.pendingTrigger != model::Trigger::None && e.owedUntil.isValid() && now < e.owedUntil) {
        if (trigger == model::Trigger::Manual || trigger == model::Trigger::Schedule || trigger == model::Trigger::Demo)
            e.pendingTrigger = trigger; // someone asked: the owed race is theirs
        return Admission::Owed;
    }
    if (!m_budget.tryAcquire(key.provider, now)) {
        const bool owed = e.owedUntil.isValid(); // refused and counted before, not admitted since
        if (!owed) {
            ++e.racesSkippedByBudget;
            m_budget.countSkip(key.provider);
        }
        e.pendingTrigger = trigger;
        e.owedUntil = m_budget.nextAllowedAt(key.provider, now);
        return owed ? Admission::Owed : Admission::OverBudget;
    }
    e.owedUntil = {};
    e.raceInFlight = true;
    e.raceStartedAt = now;
    e.lastTrigger = trigger;
    e.pendingTrigger = model::Trigger::None;
    return Admission::Admitted;
}

void RouteCache::abandonRace(const RouteKey &key)
{
    const auto it = m_entries.find(key);
    if (it == m_entries.end() || !it->raceInFlight)
        return;
    it->raceInFlight = false;
    it->raceStartedAt = {};
    // Time and request triggers still hold by themselves; a race someone asked for has to be remembered.
    const model::Trigger asked = it->lastTrigger;
    if (asked == model::Trigger::Manual || asked == model::Trigger::Schedule || asked == model::Trigger::Demo)
        it->pendingTrigger = asked;
}

std::optional<model::RouteChange> RouteCache::finishRace(const RouteKey &key, const model::RaceResult &result,
                                                  const map::RaceSettings &settings, const QDateTime &now)
{
    Entry &e = entryFor(key);
    e.routeTtlS = settings.routeTtlS;
    e.raceInFlight = false;
    e.raceStartedAt = {};
    e.pendingTrigger = model::Trigger::None;
    // The TTL check needs the incumbent as it stood before this race renews anything.
    const QString incumbent = e.validRoute(now);
    e.lastRaceAt = now;
    e.requestsSinceRace = 0;
    e.routeFigures = figuresOf(result);
    e.failoverOwed = false;
    for (ServedFigures &served : e.served)
        served.requestsSinceRace = 0;
    // Served traffic had already measured the incumbent when it triggered this race.
    const bool servedEvidence = e.lastTrigger == model::Trigger::Failover || e.lastTrigger == model::Trigger::Degraded;

    if (!result.ok()) {
        e.lastVerdict = u"race failed, optimal route unchanged: "_s + result.error;
        return std::nullopt;
    }
    const QString &winner = result.winner;
    if (winner == incumbent || (incumbent.isEmpty() && winner == e.optimalRoute)) {
        // The same route again; an expired one is renewed: it never stopped being the best.
        e.lastVerdict = incumbent.isEmpty() ? u"expired route renewed"_s : u"confirmed"_s;
        e.challenger.clear();
        e.challengerWins = 0;
        e.confirmedAt = now;
        return std::nullopt;
    }

    model::RouteChange change;
    change.provider = key.provider;
    change.edgeRegion = key.edgeRegion;
    change.fromRoute = incumbent;
    change.toRoute = winner;
    change.at = now;
    if (incumbent.isEmpty()) {
        change.reason = e.optimalRoute.isEmpty() ? u"first race"_s
                                                 : u"route expired (was "_s + e.optimalRoute + u')';
    } else if (const model::RouteOutcome *mine = result.route(incumbent);
               mine && mine->state == model::RouteOutcome::State::Lost && mine->bytes == 0 && mine->ttfbMs < 0) {
        // The incumbent had not received a byte when the winner decided: its time is unknowable (the
        // race aborts losers at once), so no margin can be measured. Hysteresis then asks for the same
        // challenger to win kConfirmations races in a row, so a degraded incumbent cannot hide behind
        // an unmeasurable margin for ever and a single lucky race does not move the route.
        e.challengerWins = e.challenger == winner ? e.challengerWins + 1 : 1;
        e.challenger = winner;
        if (servedEvidence) {
            // The race was called by what served requests saw on the incumbent (a failover, or its
            // TTFB past the degradation bound): that is the measurement the race could not make.
            e.challengerWins = kConfirmations;
        }
        if (e.challengerWins < kConfirmations) {
            e.lastVerdict = u"kept "_s + incumbent + u": "_s + winner + u" won "_s + QString::number(e.challengerWins) +
                            u" of "_s + QString::number(kConfirmations) +
                            u" races in a row needed (the incumbent had no byte yet: margin not measurable)"_s;
            e.confirmedAt = now;
            return std::nullopt;
        }
        change.reason = servedEvidence
                            ? QString(u"the incumbent had no byte yet at the decision, and served requests had "_s +
                                      (e.lastTrigger == model::Trigger::Failover ? u"failed over away from it"_s
                                                                                : u"seen its TTFB degrade"_s))
                            : QString(u"won "_s + QString::number(kConfirmations) +
                                      u" races in a row; the incumbent had no byte yet at the decision (margin not measurable)"_s);
    } else {
        const Verdict verdict = judge(incumbent, result, settings.hysteresisPct);
        if (!verdict.replace) {
            e.lastVerdict = u"kept "_s + incumbent + u": "_s + verdict.reason;
            e.confirmedAt = now;
            return std::nullopt;
        }
        change.reason = verdict.reason;
        change.marginPct = verdict.marginPct;
    }
    e.lastVerdict = change.reason;
    e.challenger.clear();
    e.challengerWins = 0;
    e.optimalRoute = winner;
    e.chosenAt = now;
    e.confirmedAt = now;
    return change;
}

QStringList RouteCache::orderedRoutes(const RouteKey &key, const QStringList &mapOrder,
                                      const QDateTime &now) const
{
    const auto it = m_entries.constFind(key);
    const QString optimal = it == m_entries.cend() ? QString() : it->validRoute(now);
    QStringList ordered;
    if (!optimal.isEmpty() && mapOrder.contains(optimal))
        ordered.append(optimal);

    QList<std::pair<double, QString>> measured;
    QStringList unmeasured;
    QStringList failed;
    QSet<QString> seen{optimal};
    for (const QString &route : mapOrder) {
        if (seen.contains(route))
            continue;
        seen.insert(route);
        const RouteFigures *f = nullptr;
        if (it != m_entries.cend() && it->routeFigures.contains(route))
            f = &*it->routeFigures.constFind(route);
        if (f && f->failed)
            failed.append(route);
        else if (f && f->projectedMs >= 0)
            measured.append({f->projectedMs, route});
        else
            unmeasured.append(route);
    }
    std::stable_sort(measured.begin(), measured.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &m : std::as_const(measured))
        ordered.append(m.second);
    return ordered + unmeasured + failed;
}

std::optional<Entry> RouteCache::entry(const RouteKey &key) const
{
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend())
        return std::nullopt;
    return *it;
}

QList<Entry> RouteCache::entries() const
{
    return m_entries.values();
}

qint64 RouteCache::skippedByBudget(const QString &provider) const
{
    return m_budget.skipped(provider);
}

qint64 RouteCache::routeAgeMs(const RouteKey &key, const QDateTime &now) const
{
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend() || it->validRoute(now).isEmpty())
        return -1;
    return it->chosenAt.msecsTo(now);
}

QDateTime RouteCache::nextRetestAt(const RouteKey &key, const map::RaceSettings &settings) const
{
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend())
        return {};
    if (!it->hasRaced())
        return it->periodStart.isValid() ? it->periodStart.addSecs(settings.firstPeriodS) : QDateTime();
    QDateTime due = it->lastRaceAt.addSecs(settings.retestAfterS);
    const QDateTime expiry = expiryOf(*it, settings.routeTtlS);
    if (expiry.isValid() && expiry > it->lastRaceAt && expiry < due)
        due = expiry;
    return due;
}

} // namespace relayrace::policy
