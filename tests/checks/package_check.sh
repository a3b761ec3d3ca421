#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
# Builds the .deb from a release build tree, unpacks it into a scratch root (dpkg -x), runs both
# binaries' --version from there and validates the desktop entry and AppStream metadata.
set -euo pipefail
build=${1:?usage: package_check.sh BUILD_DIR}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build"/relayrace_*.deb | head -1)
echo "package: $deb"
dpkg-deb --field "$deb" Package Version Depends
dpkg-deb --field "$deb" Depends | grep -q libqt6sql6-sqlite || { echo "Depends lacks the Qt SQLite plugin" >&2; exit 1; }
dpkg -x "$deb" "$scratch"
for f in usr/bin/relayrace usr/bin/relayrace-console \
         usr/share/applications/io.github.relayrace.console.desktop \
         usr/share/metainfo/io.github.relayrace.console.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/relayrace.svg; do
  [ -e "$scratch/$f" ] || { echo "missing in package: $f" >&2; exit 1; }
done
"$scratch/usr/bin/relayrace" --version
QT_QPA_PLATFORM=offscreen "$scratch/usr/bin/relayrace-console" --version
desktop-file-validate "$scratch/usr/share/applications/io.github.relayrace.console.desktop"
appstreamcli validate --no-net --pedantic "$scratch/usr/share/metainfo/io.github.relayrace.console.metainfo.xml" \
  || appstreamcli validate --no-net "$scratch/usr/share/metainfo/io.github.relayrace.console.metainfo.xml"
echo "package check: ok"
