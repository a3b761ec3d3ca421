#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
# The console's screenshots for the README and docs, from a real X server (Xvfb, 1280x800 windows):
# the light palette, a dark palette, and a device pixel ratio of 2 (tests/tst_consoleshots.cpp).
#   bash tests/tools/console-screenshots.sh [BUILD_DIR (build/dev)] [OUT_DIR (docs/screenshots)]
set -euo pipefail
build=${1:-build/dev}
out=$(realpath -m "${2:-docs/screenshots}")
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
shoot() { # shoot [VAR=value...]
  env -u QT_QPA_PLATFORM RELAYRACE_SHOTS_DIR="$out" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
    XDG_STATE_HOME="$scratch/state" "$@" \
    xvfb-run -a -s "-screen 0 2600x1700x24" "$build/tests/tst_consoleshots" 2>&1 | grep -E "saved|FAIL|Totals"
}
shoot
shoot RELAYRACE_SHOTS_PALETTE=dark
shoot QT_SCALE_FACTOR=2
