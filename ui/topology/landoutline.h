// SPDX-FileCopyrightText: 2026 relayrace maintainers
// SPDX-License-Identifier: MIT
#pragma once

#include <QPainterPath>
#include <QPalette>
#include <QRectF>

class QPainter;

namespace relayrace::ui {

// The world's land (Natural Earth 1:110m, resources/geo/land-110m.txt) in the topology's projection:
// read and projected once, on first use, then kept. Empty when the resource is missing.
const QPainterPath &landOutline();

// The topology's background: sea, graticule (the equator and the prime meridian stronger) and land,
// subdued, in the palette's tones (light or dark alike). `world` is the scene rectangle.
void drawMapBackground(QPainter *painter, const QRectF &rect, const QRectF &world, const QPalette &palette);

} // namespace relayrace::ui
