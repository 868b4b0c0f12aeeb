#!/usr/bin/env bash
# The recovery benchmark of issue 15: journals equal to 1, 7 and 30 days of a 20-bed ward,
# before (every input, a restart replays them all) and after (snapshots every 5 minutes,
# inputs pruned), and the real vigil-engine's time from start to its first heartbeat on
# each (median of RUNS; the 30-day full replay once, it takes minutes).
#   tools/journal-bench.sh [BUILD_DIR]      DAYS="1 7 30" RUNS=3 BENCH_DIR=/tmp/vigil-journal-bench
set -euo pipefail
build=${1:-build}
bench="$build/alarms/vigil-journal-bench"
engine="$build/alarms/vigil-engine"
dir=${BENCH_DIR:-/tmp/vigil-journal-bench}
runs=${RUNS:-3}
mkdir -p "$dir"
[[ -x $bench && -x $engine ]] || { echo "build vigil-journal-bench and vigil-engine first" >&2; exit 2; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

restarts() {  # journal, runs -> median ms to the first heartbeat
  for _ in $(seq "$2"); do "$bench" --restart "$engine" --journal "$1" 2>/dev/null || echo failed; done | median
}

printf '%-5s %14s %14s %18s %18s\n' days before_bytes after_bytes before_restart_ms after_restart_ms
for days in ${DAYS:-1 7 30}; do
  "$bench" --make "$days" --before "$dir/before-$days.db" --after "$dir/after-$days.db" >&2
  before_runs=$runs
  [[ $days -ge 30 ]] && before_runs=1
  before_ms=$(restarts "$dir/before-$days.db" "$before_runs")
  after_ms=$(restarts "$dir/after-$days.db" "$runs")
  printf '%-5s %14s %14s %18s %18s\n' "$days" "$(stat -c %s "$dir/before-$days.db")" \
    "$(stat -c %s "$dir/after-$days.db")" "$before_ms" "$after_ms"
done
