// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#include "ui/race/racereplay.h"

#include "ui/race/liveracemodel.h"

#include <QVariantAnimation>

#include <algorithm>
#include <cmath>

namespace relayrace::ui {

RaceReplay::RaceReplay(LiveRaceModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model)
    , m_animation(new QVariantAnimation(this))
{
    m_animation->setEasingCurve(QEasingCurve::Linear);
    connect(m_animation, &QVariantAnimation::valueChanged, this, &RaceReplay::onValue);
    connect(m_animation, &QVariantAnimation::finished, this, &RaceReplay::onFinished);
}

RaceReplay::~RaceReplay()
{
    m_animation->disconnect(this);
    if (m_model && m_animation->state() != QAbstractAnimation::Stopped)
        m_model->setReplayTime(m_raceId, -1);
}

int RaceReplay::durationFor(double raceEndMs)
{
    const double slowed = std::max(0.0, raceEndMs) * kSlowdown;
    return int(std::clamp(std::ceil(slowed), double(kMinDurationMs), double(kMaxDurationMs)));
}

bool RaceReplay::start(quint64 raceId)
{
    if (!m_model || !m_model->isFinished(raceId))
        return false;
    stop();
    m_raceId = raceId;
    m_endMs = m_model->lanes(raceId).endMs;
    m_lastMs = 0;
    const int duration = durationFor(m_endMs);
    m_model->setReplayTime(raceId, 0);
    m_animation->setStartValue(0.0);
    m_animation->setEndValue(m_endMs);
    m_animation->setDuration(duration);
    m_animation->start();
    Q_EMIT started(raceId, duration);
    return true;
}

void RaceReplay::stop()
{
    if (m_animation->state() == QAbstractAnimation::Stopped)
        return;
    m_animation->blockSignals(true);
    m_animation->stop();
    m_animation->blockSignals(false);
    if (m_model)
        m_model->setReplayTime(m_raceId, -1);
}

bool RaceReplay::isRunning() const
{
    return m_animation->state() == QAbstractAnimation::Running;
}

void RaceReplay::onValue(const QVariant &value)
{
    if (m_animation->state() != QAbstractAnimation::Running)
        return; // setStartValue/setEndValue announce values too
    m_lastMs = value.toDouble();
    if (m_model)
        m_model->setReplayTime(m_raceId, m_lastMs);
    Q_EMIT frame(m_raceId, m_lastMs);
}

void RaceReplay::onFinished()
{
    // The end, shown as the final picture (the same drawing, without the cursor).
    m_lastMs = m_endMs;
    if (m_model) {
        m_model->setReplayTime(m_raceId, m_endMs);
        m_model->setReplayTime(m_raceId, -1);
    }
    Q_EMIT frame(m_raceId, m_endMs);
    Q_EMIT finished(m_raceId);
}

} // namespace relayrace::ui
