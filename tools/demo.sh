#!/usr/bin/env bash
# The demo ward: an engine, six simulated ketamine patients, the web nurse station and the
# terminal station, until Ctrl-C. Engine and gateway logs go to $BUILD/demo/ so the station owns the screen.
set -euo pipefail

build=${BUILD:-build}
speed=${DEMO_SPEED:-30}
logs="$build/demo"
mkdir -p "$logs"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "demo stopped. The beds and their scenarios were:"
  cat "$logs/gateway.out" 2>/dev/null || true
  echo "logs in $logs/"
  [ -n "${station_url:-}" ] && echo "the web nurse station was at $station_url"
}
trap cleanup EXIT INT TERM

# The simulator runs its 4 h session $speed times faster than real time and stamps frames
# with simulated time, so the engine takes its time from the data (stream clock).
# Each demo is a new ward: a fresh journal, which the engine keeps while it runs (kill -9
# it and start it again with the same --journal to see it carry on).
rm -f "$logs"/vigil.db*
"$build/alarms/vigil-engine" --clock stream --journal "$logs/vigil.db" >"$logs/engine.out" 2>"$logs/engine.log" &
pids+=($!)
"$build/streamer/vigil-gateway" --simulate 6 --speed "$speed" >"$logs/gateway.out" 2>"$logs/gateway.log" &
pids+=($!)

# The web nurse station, on loopback (DEMO_STATION_LISTEN to move it, still loopback).
"$build/tools/vigil-station" --listen "${DEMO_STATION_LISTEN:-127.0.0.1:8080}" \
  >"$logs/station.out" 2>"$logs/station.log" &
pids+=($!)
station_url=""
for _ in $(seq 100); do
  station_url=$(grep -o 'http://[^ ]*' "$logs/station.out" 2>/dev/null || true)
  [ -n "$station_url" ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || break
  sleep 0.1
done
if [ -n "$station_url" ]; then
  echo
  echo "  Web nurse station: open $station_url in a browser on this machine"
  echo "  (click 'SOUND OFF' once to let the page sound the alarms)"
  echo
else
  echo "vigil-station did not start; see $logs/station.log" >&2
fi
if [ -t 0 ]; then
  read -r -t 15 -p "Press Enter for the terminal station (it takes this screen)... " || true
fi

"$build/tools/vigil-console" --connect tcp://127.0.0.1:7402 --control tcp://127.0.0.1:7403
