#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
# The layering of core/ (docs/architecture.md): reads the `#include "<folder>/..."` lines of
# core/<folder>/*.h and *.cpp, prints which core folders each folder includes, and fails when
#   - the folders include each other in a cycle, or
#   - a folder includes a folder that its relayrace_layer(... DEPENDS ...) line in core/CMakeLists.txt
#     does not list, directly or through the folders it lists (an upward or sideways include).
# An include without a folder prefix ("lab.h") that names a file beside the includer counts as the
# includer's own folder; one that does not is an outside header and is skipped, as are prefixed
# includes whose first component is neither a core folder nor ui/, app/ or tests/.
#
# Usage: bash tests/checks/core_layers.sh [--dot]
#   --dot  print the include graph as Graphviz instead of text (the checks still run; exit status alike)
set -euo pipefail

dot=false
case "${1:-}" in
  "") ;;
  --dot) dot=true ;;
  -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "core_layers.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
cmakelists=core/CMakeLists.txt
[[ -f $cmakelists ]] || { echo "core_layers.sh: $root/$cmakelists not found" >&2; exit 2; }

# --- the declared layers: relayrace_layer(<folder> [DEPENDS ...] [LIBS ...] [PRIVATE_LIBS ...]) ------
# Calls may span lines; comments are dropped first. Order of declaration = bottom to top.
calls=$(sed 's/#.*//' "$cmakelists" | tr '\n' ' ' | grep -oE '(^|[^[:alnum:]_])relayrace_layer[[:space:]]*\([^)]*\)' \
        | sed -E 's/^[^r]*relayrace_layer[[:space:]]*\(//; s/\)$//') || true
[[ -n $calls ]] || { echo "core_layers.sh: no relayrace_layer(...) call in $cmakelists" >&2; exit 2; }

declare -a layers=()       # declaration order
declare -A declared=()     # folder -> 1
declare -A depends=()      # folder -> its DEPENDS, space-separated
while read -r -a words; do
  [[ ${#words[@]} -gt 0 ]] || continue
  folder=${words[0]} section="" deps=""
  for w in "${words[@]:1}"; do
    case $w in
      DEPENDS|LIBS|PRIVATE_LIBS) section=$w ;;
      *) [[ $section == DEPENDS ]] && deps+="$w " ;;
    esac
  done
  if [[ -n ${declared[$folder]:-} ]]; then
    echo "core_layers.sh: $cmakelists declares the layer '$folder' twice" >&2; exit 1
  fi
  layers+=("$folder"); declared[$folder]=1; depends[$folder]=${deps% }
done <<<"$calls"

failures=0
fail() { echo "VIOLATION: $*" >&2; failures=$((failures + 1)); }

# Every DEPENDS entry is a layer declared before (below) it; every core folder with sources is a layer.
declare -A position=()
for i in "${!layers[@]}"; do position[${layers[$i]}]=$i; done
for folder in "${layers[@]}"; do
  [[ -d core/$folder ]] || fail "$cmakelists: relayrace_layer($folder): there is no folder core/$folder"
  for d in ${depends[$folder]}; do
    if [[ -z ${declared[$d]:-} ]]; then
      fail "$cmakelists: relayrace_layer($folder DEPENDS ... $d): '$d' is not a layer"
    elif (( position[$d] >= position[$folder] )); then
      fail "$cmakelists: relayrace_layer($folder DEPENDS ... $d): '$d' is declared after '$folder', not below it"
    fi
  done
done
shopt -s nullglob
for dir in core/*/; do
  folder=$(basename "$dir")
  sources=("$dir"*.h "$dir"*.cpp)
  if [[ ${#sources[@]} -gt 0 && -z ${declared[$folder]:-} ]]; then
    fail "core/$folder has sources but no relayrace_layer($folder ...) line in $cmakelists"
  fi
done

# What each layer may include: itself and the transitive closure of its DEPENDS.
declare -A allowed=()
closure() { # closure <folder>: echo the folders below it, transitively
  local seen=" " todo=(${depends[$1]}) d
  while [[ ${#todo[@]} -gt 0 ]]; do
    d=${todo[0]}; todo=("${todo[@]:1}")
    [[ $seen == *" $d "* ]] && continue
    seen+="$d "
    todo+=(${depends[$d]:-})
  done
  echo "$seen"
}
for folder in "${layers[@]}"; do allowed[$folder]=$(closure "$folder"); done

# --- the includes ----------------------------------------------------------------------------------
declare -A edges=()        # folder -> the folders it includes (direct), space-separated, unique
for folder in "${layers[@]}"; do
  [[ -d core/$folder ]] || continue
  files=(core/"$folder"/*.h core/"$folder"/*.cpp)
  [[ ${#files[@]} -gt 0 ]] || continue
  hits=$(grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]+"' "${files[@]}") || true
  [[ -n $hits ]] || continue
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
    [[ $text =~ \"([^\"]+)\" ]] || continue
    include=${BASH_REMATCH[1]}
    path=$include
    while [[ $path == ./* || $path == ../* ]]; do path=${path#./}; path=${path#../}; done
    if [[ $path != */* ]]; then
      [[ -e core/$folder/$path ]] || continue      # an outside header ("http_parser.h")
      target=$folder
    else
      target=${path%%/*}
      if [[ -z ${declared[$target]:-} ]]; then
        case $target in
          ui|app|tests) fail "$file:$line: #include \"$include\": core/$folder includes $target/, which sits above the core" ;;
        esac
        continue
      fi
    fi
    [[ $target == "$folder" ]] && continue
    [[ " ${edges[$folder]:-} " == *" $target "* ]] || edges[$folder]+="$target "
    if [[ ${allowed[$folder]} != *" $target "* ]]; then
      may=$(echo ${allowed[$folder]})
      fail "$file:$line: #include \"$include\": layer '$folder' may not include '$target' (relayrace_layer($folder DEPENDS ${depends[$folder]:-}) reaches: ${may:-nothing})"
    fi
  done <<<"$hits"
done

# --- the graph --------------------------------------------------------------------------------------
sorted() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }
if $dot; then
  echo "digraph core_layers {"
  echo "  rankdir=BT; node [shape=box, fontname=\"monospace\"];"
  for folder in "${layers[@]}"; do
    echo "  \"$folder\";"
    for d in $(sorted "${edges[$folder]:-}"); do echo "  \"$folder\" -> \"$d\";"; done
  done
  echo "}"
else
  echo "core include graph (folder -> the core folders its files include), bottom to top:"
  for folder in "${layers[@]}"; do
    deps=$(sorted "${edges[$folder]:-}")
    echo "$folder -> ${deps:--}"
  done
fi

# No cycle: tsort reports "input contains a loop" with the folders on it.
pairs=""
for folder in "${layers[@]}"; do
  pairs+="$folder $folder"$'\n'
  for d in ${edges[$folder]:-}; do pairs+="$folder $d"$'\n'; done  # folder includes d
done
if ! tsort_err=$(tsort <<<"$pairs" 2>&1 >/dev/null); then
  # One "input contains a loop:" header per loop, then its folders: "a -> b -> a; c -> d -> c".
  loops=$(awk '/input contains a loop/ { if (l != "") print l " -> " f; l = ""; next }
               sub(/^tsort: /, "") { if (l == "") { l = $0; f = $0 } else l = l " -> " $0 }
               END { if (l != "") print l " -> " f }' <<<"$tsort_err" | paste -sd';' | sed 's/;/; /g')
  fail "the core folders include each other in a cycle: ${loops:-$tsort_err}"
fi

if (( failures > 0 )); then
  echo "core_layers: FAILED ($failures violation(s); layers and what each may use: docs/architecture.md)" >&2
  exit 1
fi
$dot || echo "core_layers: ok (${#layers[@]} layers, no cycle, every include within its layer's DEPENDS)"
