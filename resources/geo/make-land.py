#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""Makes land-110m.txt from the world-atlas npm package's land-110m.json (Natural Earth 1:110m land).

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 make-land.py package/land-110m.json land-110m.txt

Decodes the TopoJSON arcs into rings, simplifies each (Douglas-Peucker, 0.2 degree), drops rings under
0.5 square degree, cuts the rings that cross the antimeridian (Fiji, Chukotka, Wrangel Island) into
pieces on either side, and writes one ring per line as "lon,lat" pairs with one decimal.
"""
import json
import sys

TOLERANCE_DEG = 0.2
MIN_AREA_DEG2 = 0.5


def rings_of(topo):
    sx, sy = topo['transform']['scale']
    tx, ty = topo['transform']['translate']
    arcs = []
    for arc in topo['arcs']:
        x = y = 0
        points = []
        for dx, dy in arc:  # quantized, delta-encoded
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    for geometry in topo['objects']['land']['geometries']:
        polygons = geometry['arcs'] if geometry['type'] == 'MultiPolygon' else [geometry['arcs']]
        for polygon in polygons:
            for ring in polygon:
                points = []
                for index in ring:
                    arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
                    points.extend(arc if not points else arc[1:])
                yield points


def simplify(points, tolerance):
    if len(points) < 3:
        return points
    (ax, ay), (bx, by) = points[0], points[-1]
    dx, dy = bx - ax, by - ay
    norm = (dx * dx + dy * dy) ** 0.5
    best, at = -1.0, 0
    for i in range(1, len(points) - 1):
        px, py = points[i][0] - ax, points[i][1] - ay
        distance = abs(dx * py - dy * px) / norm if norm > 0 else (px * px + py * py) ** 0.5
        if distance > best:
            best, at = distance, i
    if best <= tolerance:
        return [points[0], points[-1]]
    return simplify(points[:at + 1], tolerance)[:-1] + simplify(points[at:], tolerance)


def area(ring):
    return abs(sum(ring[i][0] * ring[i - 1][1] - ring[i - 1][0] * ring[i][1] for i in range(len(ring)))) / 2


def clip(ring, keep):
    """Sutherland-Hodgman against one vertical line: keep(lon) -> (inside, line's lon)."""
    out = []
    for i in range(len(ring)):
        a, b = ring[i - 1], ring[i]
        a_in, edge = keep(a[0])
        b_in, _ = keep(b[0])
        if a_in != b_in:
            t = (edge - a[0]) / (b[0] - a[0])
            out.append((edge, a[1] + t * (b[1] - a[1])))
        if b_in:
            out.append(b)
    return out


def split_at_antimeridian(ring):
    """A ring that jumps across +-180 degrees: made continuous, then cut at +-180 (and shifted by 360)."""
    if all(abs(ring[i][0] - ring[i - 1][0]) <= 180 for i in range(len(ring))):
        return [ring]
    unwrapped = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        while lon - previous > 180:
            lon -= 360
        while previous - lon > 180:
            lon += 360
        unwrapped.append((lon, lat))
    if abs(unwrapped[-1][0] - unwrapped[0][0]) > 180:
        return [ring]  # around a pole (Antarctica): its jump runs along the world's bottom edge
    pieces = []
    for shift in (-360, 0, 360):
        piece = [(lon + shift, lat) for lon, lat in unwrapped]
        piece = clip(piece, lambda lon: (lon <= 180, 180))
        piece = clip(piece, lambda lon: (lon >= -180, -180)) if piece else piece
        if len(piece) >= 3:
            pieces.append(piece)
    return pieces


def number(value):
    text = '%.1f' % value
    text = text[:-2] if text.endswith('.0') else text
    return '0' if text == '-0' else text


def main(source, target):
    lines = ['# Natural Earth 1:110m land (public domain), via the world-atlas 2.0.2 npm package (ISC).',
             '# One closed ring per line: lon,lat pairs in degrees (WGS84), one decimal. See README.md.']
    with open(source) as f:
        topo = json.load(f)
    for ring in rings_of(topo):
        if area(ring) < MIN_AREA_DEG2:
            continue
        # Split the closed ring at its point farthest from the start, so that both halves keep their shape.
        far = max(range(len(ring)), key=lambda i: (ring[i][0] - ring[0][0]) ** 2 + (ring[i][1] - ring[0][1]) ** 2)
        ring = simplify(ring[:far + 1], TOLERANCE_DEG)[:-1] + simplify(ring[far:], TOLERANCE_DEG)
        for piece in split_at_antimeridian(ring):
            pairs = []
            for lon, lat in piece:
                pair = number(lon) + ',' + number(lat)
                if not pairs or pairs[-1] != pair:
                    pairs.append(pair)
            if len(pairs) >= 4:
                lines.append(' '.join(pairs))
    with open(target, 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
