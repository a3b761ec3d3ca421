#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
# The CLI contract every script relies on: --version, --help listing each command, each command's own
# --help, exit 2 with a clear message on unknown options and commands.
set -u
cli=$1 console=$2
fail=0
check() { # check <expected-exit> <description> <grep-pattern-or-empty> <stream:out|err> -- command...
  local want=$1 what=$2 pattern=$3 stream=$4; shift 5
  local out err rc
  out=$("$@" 2>/tmp/cli_contract_err.$$); rc=$?; err=$(cat /tmp/cli_contract_err.$$)
  local text=$out; [ "$stream" = err ] && text=$err
  if [ "$rc" -ne "$want" ]; then echo "FAIL: $what: exit $rc, expected $want"; fail=1; return; fi
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" <<<"$text"; then
    echo "FAIL: $what: output does not match /$pattern/:"; echo "$text" | head -5; fail=1; return
  fi
  echo "ok: $what"
}
check 0 "relayrace --version" '^relayrace [0-9]+\.[0-9]+\.[0-9]+$' out -- "$cli" --version
check 0 "relayrace --help lists commands" 'demo' out -- "$cli" --help
commands=$("$cli" --help | awk '/^Commands:/{on=1;next} on && /^  [a-z]/{print $1}')
[ -n "$commands" ] || { echo "FAIL: no commands listed"; fail=1; }
for c in $commands; do
  check 0 "relayrace $c --help" "Usage: .*relayrace $c" out -- "$cli" "$c" --help
  check 2 "relayrace $c --no-such-option" "Unknown option 'no-such-option'" err -- "$cli" "$c" --no-such-option
done
subcommands=$("$cli" map --help | awk '/^Subcommands:/{on=1;next} on && /^  [a-z]/{print $1}')
for c in $subcommands; do
  check 0 "relayrace map $c --help" "Usage: .*relayrace map $c" out -- "$cli" map "$c" --help
  check 2 "relayrace map $c --no-such-option" "Unknown option 'no-such-option'" err -- "$cli" map "$c" --no-such-option
done
check 2 "relayrace map frobnicate" "unknown map subcommand 'frobnicate'" err -- "$cli" map frobnicate
check 2 "relayrace with no command" 'Usage: relayrace' err -- "$cli"
check 2 "relayrace --bogus" "unknown option '--bogus'" err -- "$cli" --bogus
check 2 "relayrace frobnicate" "unknown command 'frobnicate'" err -- "$cli" frobnicate
check 2 "relayrace lab --log-level loud" "unknown log level 'loud'" err -- "$cli" lab --log-level loud
check 0 "relayrace-console --version" '^relayrace-console [0-9]+\.[0-9]+\.[0-9]+$' out -- "$console" --version
check 0 "relayrace-console --help" '--demo' out -- "$console" --help
check 2 "relayrace-console --bogus" "Unknown option 'bogus'" err -- "$console" --bogus
# With no display it says how to run this very executable (a source build is not on the PATH).
check 1 "relayrace-console with no display names its own path" "try '.*/relayrace-console --demo'" err -- \
  env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$console"
rm -f /tmp/cli_contract_err.$$
[ $fail -eq 0 ] && echo "cli contract: all checks passed"
exit $fail
