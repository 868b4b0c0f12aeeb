#!/usr/bin/env bash
# Instructions per frame of vigil-engine, deterministic where this shared machine's times are
# not (BENCHMARKS.md): the engine runs under callgrind as vigil-bench's engine pipeline, once
# with 4 000 and once with 20 000 frames; the difference over 16 000 is the marginal cost of
# a frame in every thread (start-up cancels out). User-space only: system calls and waiting
# for a core are not in it, so compare it with vigil-bench's us/frame, not instead of it.
#   tools/vigil-bench/instructions.sh [ENGINE] [PATIENTS]    (BUILD, default build)
set -euo pipefail
BUILD=${BUILD:-build}
engine=$(realpath "${1:-$BUILD/alarms/vigil-engine}")
patients=${2:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
total() {
  local frames=$1
  cat > "$work/engine.sh" <<EOT
#!/bin/bash
exec valgrind --tool=callgrind --callgrind-out-file=$work/out-$frames $engine "\$@"
EOT
  chmod +x "$work/engine.sh"
  "$BUILD/tools/vigil-bench" --patients "$patients" --frames "$frames" --rounds 1 --loads 1 --load-seconds 0.01 \
    --drain-ms 3000 --pipelines engine --engine "$work/engine.sh" > "$work/bench-$frames.txt"
  sleep 1  # callgrind writes its file as the engine exits
  callgrind_annotate "$work/out-$frames" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
small=$(total 4000)
large=$(total 20000)
echo "$(( (large - small) / 16000 )) instructions per frame ($patients patients, callgrind, all threads): $engine"
