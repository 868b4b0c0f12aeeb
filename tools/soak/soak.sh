#!/usr/bin/env bash
# Soak: a simulated ward's whole session fed to the real vigil-engine in SEGMENTS parts,
# with a garbage stream running alongside each part and the engine killed with SIGKILL
# after each part and restarted on the same journal. At the end the journal's alarm log
# must hold exactly the alarm starts that an uninterrupted, garbage-free inline run of the
# same recording gives (same ids).
#
#   tools/soak/soak.sh [BEDS] [SEGMENTS] [GARBAGE_PER_SEGMENT]      (after `make build`)
set -euo pipefail
beds=${1:-6}
segments=${2:-5}
garbage=${3:-4000}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d /tmp/vigil-soak.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
ingest="ipc://$work/ingest" alerts="ipc://$work/alerts" control="ipc://$work/control"
say() { echo "soak: $*" >&2; }

# 1. The ward, recorded from the gateway's own output.
"$build/tools/vigil-record" --connect "ipc://$work/gateway" --out "$work/ward.vrec" 2>"$work/record.log" &
recorder=$!
"$build/streamer/vigil-gateway" --simulate "$beds" --speed 5000 --seed 11 --bind "ipc://$work/gateway" \
  >"$work/gateway.out" 2>"$work/gateway.log"
kill -INT $recorder && wait $recorder || true
python3 "$root/tools/soak/recording.py" split "$work/ward.vrec" "$segments" "$work/part" >"$work/parts.txt"
frames=$(paste -sd+ "$work/parts.txt" | bc)
say "recorded $frames messages from $beds beds; $segments parts"

# 2. What an uninterrupted, clean run gives.
"$build/tools/vigil-replay" "$work/ward.vrec" --engine-inline --out "$work/expected.jsonl" 2>"$work/inline.log"
expected_starts=$(grep -c '"phase":"PHASE_START"' "$work/expected.jsonl" || true)

# 3. Parts with garbage alongside, a SIGKILL after each.
python3 "$root/tools/soak/recording.py" garbage "$work/ward.vrec" "$garbage" 1 "$work/garbage.vrec"
accepted_target=0
restarts=0
refused=0  # garbage that reached the engine and was refused, summed over the engine's runs
for part in $(seq 0 $((segments - 1))); do
  "$build/alarms/vigil-engine" --clock stream --journal "$work/vigil.db" --ingest "$ingest" --alerts "$alerts" \
    --control "$control" >"$work/engine-$part.out" 2>"$work/engine-$part.log" &
  engine=$!
  until grep -q listening "$work/engine-$part.out" 2>/dev/null; do
    kill -0 $engine 2>/dev/null || { say "engine died: $(cat "$work/engine-$part.log")"; exit 1; }
    sleep 0.05
  done
  "$build/tools/vigil-replay" "$work/garbage.vrec" --connect "$ingest" --max 2>>"$work/garbage.log" &
  noise=$!
  "$build/tools/vigil-replay" "$work/part$part.vrec" --connect "$ingest" --max 2>>"$work/replay.log"
  wait $noise
  accepted_target=$((accepted_target + $(sed -n "$((part + 1))p" "$work/parts.txt")))
  # Kill only once every frame of this part was taken and journaled: what the soak checks
  # is recovery, not the frames a dead engine never received.
  for _ in $(seq 1 200); do
    stats=$("$build/alarms/vigil-engine" --stats "$control" 2>/dev/null || true)
    accepted=$(awk '$1 == "ingest.accepted" {print $2}' <<<"$stats")
    queued=$(awk '$1 == "journal.rows_queued" {print $2}' <<<"$stats")
    written=$(awk '$1 == "journal.rows_written" {print $2}' <<<"$stats")
    [ "${accepted:-0}" -ge "$accepted_target" ] && [ "${written:-0}" -ge "${queued:-1}" ] && break
    sleep 0.05
  done
  messages=$(awk '$1 == "ingest.messages" {print $2}' <<<"$stats")
  refused=$((refused + ${messages:-0} - ${accepted:-0}))
  say "part $part: accepted ${accepted:-?} of $accepted_target, journal rows written ${written:-?} of ${queued:-?}"
  if [ $part -lt $((segments - 1)) ]; then
    kill -KILL $engine; wait $engine 2>/dev/null || true
    restarts=$((restarts + 1))
  fi
done
final_stats=$("$build/alarms/vigil-engine" --stats "$control")
kill -TERM $engine; wait $engine || true

# 4. What the journal saw, against what was expected.
seen=$(mktemp) want=$(mktemp)
for patient in $(awk '{print $1}' "$work/gateway.out"); do
  "$build/alarms/vigil-engine" --history "$patient" --journal "$work/vigil.db" | awk '$3 == "START" {print $NF}'
done | sort >"$seen"
grep '"phase":"PHASE_START"' "$work/expected.jsonl" | sed 's/.*"alert_id":"\([^"]*\)".*/\1/' | sort >"$want"
missing=$(comm -23 "$want" "$seen" | wc -l)
extra=$(comm -13 "$want" "$seen" | wc -l)
counter() { awk -v name="$1" '$1 == name {print $2}' <<<"$final_stats"; }
say "messages: $frames valid + $((garbage * segments)) garbage; engine restarts (SIGKILL): $restarts"
say "ingest: accepted $(counter ingest.accepted); garbage refused and counted $refused (the rest had topics" \
  "no engine subscribes to: ZeroMQ filters them at the publisher); last run: undecodable" \
  "$(counter ingest.undecodable), mis-addressed $(counter ingest.address_mismatch), unknown topic" \
  "$(counter ingest.unknown_topic), refused by the guard $(counter ingest.refused_by_guard)"
say "alarm starts: expected $expected_starts, seen in the journal $(wc -l <"$seen"), missing $missing, extra $extra"
say "work files in $work"
[ "$missing" -eq 0 ] && [ "$extra" -eq 0 ]
