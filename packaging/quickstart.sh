#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
# The README's quick start, one command each on a fresh Debian 12 machine:
#   bash packaging/quickstart.sh console   install what is missing, build the console (only), launch its demo
#   bash packaging/quickstart.sh test      install what is missing, build, run every test (CTest)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: bash packaging/quickstart.sh console|test" >&2; exit 2; }
[ $# -eq 1 ] || usage

bash packaging/install-deps.sh

case "$1" in
  console)
    cmake --preset release >/dev/null
    # Only what it launches: the tests are the test command's business.
    cmake --build --preset release --target relayrace-console
    exec build/release/app/relayrace-console --demo
    ;;
  test)
    cmake --preset dev >/dev/null
    cmake --build --preset dev
    ctest --preset dev
    ;;
  *) usage ;;
esac
