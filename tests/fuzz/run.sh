#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
# Runs every fuzz target (tests/fuzz, built by the fuzz preset): first over its seed corpus and its
# regression inputs (each must pass), then fuzzing for SECONDS. A crash, a leak, an abort of a
# target's own check or a timeout fails the run and leaves the input in WORK/<target>/.
#
#   bash tests/fuzz/run.sh [-j JOBS] [-w WORK] [-s SEED] BUILD_DIR SECONDS [TARGET...]
#
# -s fixes libFuzzer's random seed: CI uses it so that a run explores the same ground every time and
# fails for a change in the code, not for the dice (the long runs, without -s, do the exploring).
#
# Prints one line per target: executions, coverage (edges), features, corpus size, result. The
# corpus each run grows stays in WORK (default: a temporary directory), never in the repository.
set -euo pipefail
jobs=1
work=""
seed=""
while getopts "j:w:s:" option; do
  case $option in
    j) jobs=$OPTARG ;;
    w) work=$OPTARG ;;
    s) seed=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -lt 2 ]; then
  echo "usage: run.sh [-j JOBS] [-w WORK] [-s SEED] BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$1
seconds=$2
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in "$here"/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
work=${work:-$(mktemp -d /tmp/relayrace-fuzz.XXXXXX)}
mkdir -p "$work"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

one() {
  local target=$1 binary="$build/tests/fuzz/fuzz_$1" dir="$work/$1"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  if [ ! -x "$binary" ]; then
    echo "$target: no $binary (cmake --preset fuzz && cmake --build --preset fuzz)" >&2
    return 1
  fi
  cp -n "$here/corpus/$target/"* "$dir/corpus/" 2>/dev/null || true
  local inputs=("$here/corpus/$target/"*)
  if [ -d "$here/regressions/$target" ]; then inputs+=("$here/regressions/$target/"*); fi
  if ! "$binary" "${inputs[@]}" > "$dir/replay.log" 2>&1; then
    echo "$target: a seed or regression input fails: $dir/replay.log" >&2
    tail -30 "$dir/replay.log" >&2
    return 1
  fi
  local result=ok
  "$binary" "$dir/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 ${seed:+-seed="$seed"} -artifact_prefix="$dir/artifacts/" > "$dir/fuzz.log" 2>&1 || result="FAILED ($dir/fuzz.log)"
  local execs cov ft corpus
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$dir/fuzz.log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$dir/fuzz.log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "$dir/corpus" -type f | wc -l)
  printf '%-14s %4ss %12s execs  cov %6s  ft %7s  corpus %6s  %s\n' "$target" "$seconds" "${execs:-?}" \
    "${cov:-?}" "${ft:-?}" "$corpus" "$result"
  if [ "$result" != ok ]; then
    # The cause and the input, in the run's own output: CI's work directory is gone after the run.
    { echo "--- $target: the failure and its input (add it to tests/fuzz/regressions/$target/)"
      grep -E '^(==[0-9]+==|SUMMARY|    #[0-9]+ .*(relayrace|tests/fuzz)|Base64:|artifact_prefix)' "$dir/fuzz.log" | head -40
    } >&2
  fi
  [ "$result" = ok ]
}

echo "fuzzing ${#targets[@]} targets, ${seconds} s each, $jobs at a time; work in $work"
failed=0
running=0
for target in "${targets[@]}"; do
  one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
  echo "fuzzing found a problem: see the logs above" >&2
  exit 1
fi
