#!/usr/bin/env bash
# Runs every libFuzzer target of a VIGIL_FUZZ build briefly from the committed seeds.
# usage: tests/fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET
# New inputs go to BUILD_DIR/fuzz-work/<target> (never into the committed corpus); a
# crash leaves its input in BUILD_DIR/fuzz-artifacts/ and fails the run.
set -euo pipefail
build=${1:?build dir}
seconds=${2:-25}
here="$(cd "$(dirname "$0")" && pwd)"
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

run() {
  local target=$1 seeds=$2
  local work="$build/fuzz-work/$target"
  mkdir -p "$work"
  echo "fuzz: $target for ${seconds}s from $seeds"
  local started=$SECONDS
  # -seed fixed: a finding in CI reproduces with the same command.
  "$build/tests/fuzz/$target" "$work" "$seeds" -seed=1 -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" 2>"$build/fuzz-$target.log" || {
    tail -n 60 "$build/fuzz-$target.log"
    echo "fuzz: $target FAILED (input in $artifacts)" >&2
    return 1
  }
  local runs
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-$target.log" | grep -o '[0-9]*$' || echo "?")
  echo "fuzz: $target ok: $runs inputs in $((SECONDS - started))s"
}

run fuzz_ingest "$here/corpus/ingest"
run fuzz_protocol "$here/corpus/protocol"
