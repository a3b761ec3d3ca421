#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
# Installs every build, runtime and test dependency of relayrace from Debian 12's archive.
# Idempotent: when every package is present it changes nothing and does not touch the network.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config file dpkg-dev
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev qt6-httpserver-dev
  libqt6sql6-sqlite qcoro-qt6-dev libspdlog-dev libfmt-dev libssl-dev libgl-dev libqt6opengl6-dev libhttp-parser-dev
  libjemalloc-dev qtkeychain-qt6-dev
  # runtime
  qt6-qpa-plugins libqt6svg6 fonts-dejavu-core
  # tests: real peers on loopback
  openssl curl tinyproxy squid dnsmasq-base nginx-light wrk xvfb xauth graphviz prometheus
  appstream desktop-file-utils sqlite3 procps haproxy gnuplot-nox
  # fuzzing (tests/fuzz): clang 14 and its libFuzzer, ASan and UBSan runtimes
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "relayrace: all ${#PACKAGES[@]} dependencies are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "relayrace: missing packages (${missing[*]}) and not root; run this script as root" >&2
    exit 1
  fi
fi

echo "relayrace: installing ${#missing[@]} missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Services in the packages (nginx, tinyproxy, squid) are started by the tests themselves on free ports;
# keep the packages' own system services from starting on install where no init manages them.
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
