#!/usr/bin/env bash
# `make bench`: the standard set of BENCHMARKS.md in under 5 minutes on 2 cores. Every set
# measures raw ZeroMQ in the same run as the engine; read ratios, not absolute figures.
#   BUILD (default build)  BEFORE_ENGINE: another vigil-engine build to compare with, in the same rounds
set -euo pipefail
BUILD=${BUILD:-build}
bench=$BUILD/tools/vigil-bench
out=${BENCH_OUT:-$BUILD/bench}
mkdir -p "$out"
before=()
pipelines=relay,direct,engine,journal
if [ -n "${BEFORE_ENGINE:-}" ]; then
  before=(--before-engine "$BEFORE_ENGINE")
  pipelines=relay,direct,engine,journal,before-engine,before-journal
fi

echo "== the core alone (Google Benchmark; items_per_second is frames or calls per second on one core)"
"$BUILD/tools/vigil-microbench" --benchmark_min_time=0.1 | tee "$out/micro.txt"

echo "== tcp loopback, 1000 patients, 5 interleaved rounds"
"$bench" --label "tcp 1000p" --patients 1000 --frames 40000 --rounds 5 --load-seconds 0.3 --drain-ms 3000 \
  --pipelines "$pipelines" "${before[@]}" | tee "$out/tcp-1000.jsonl"

echo "== scale: 100, 10000 and 100000 patients (cost per frame, bytes per patient)"
# At least two frames per patient: the second round is the steady state, not patients being created.
for patients in 100 10000 100000; do
  frames=$((patients * 2 > 60000 ? patients * 2 : 60000))
  "$bench" --label "scale ${patients}p" --patients "$patients" --frames "$frames" --rounds 1 --loads 10 \
    --load-seconds 0.5 --drain-ms 3000 --pipelines relay,engine | tee "$out/scale-$patients.jsonl"
done

echo "== ipc, and CURVE on tcp"
"$bench" --label "ipc 1000p" --transport ipc --frames 50000 --rounds 1 --loads 10 --load-seconds 0.5 \
  --drain-ms 3000 --pipelines relay,direct,engine | tee "$out/ipc-1000.jsonl"
"$bench" --label "tcp+curve 1000p" --curve --frames 50000 --rounds 1 --loads 10 --load-seconds 0.5 \
  --drain-ms 3000 --pipelines relay,direct,engine | tee "$out/curve-1000.jsonl"

echo "== vigil-replay --engine-inline: the core fed from a recording in-process (no sockets)"
# A labelled ward of 100 patients for 2 h (vigil-scenario; deterministic, ~870 000 messages):
# the rate is of the engine's work alone, the file is read before the clock starts.
"$BUILD/tools/vigil-scenario" --out "$out/ward-100.vrec" --labels "$out/ward-100.labels.json" --patients 100 --hours 2
for round in 1 2 3; do
  "$BUILD/tools/vigil-replay" "$out/ward-100.vrec" --engine-inline --out "$out/ward-100.alarms.jsonl" 2>&1 |
    grep -o '[0-9]* messages/s' | sed "s/^/round $round: /"
done | tee "$out/replay-inline.txt"
rm -f "$out/ward-100.vrec"
