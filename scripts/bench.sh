#!/usr/bin/env bash
# Onetrip's benchmarks, rerunnable by anyone on Linux with 2+ cores:
#   - calendar: due-date computations per second (one core);
#   - search: p50/p99 over a generated catalog of 100,000 matters (in-process);
#   - the guide page under load: 64 connections on loopback, server pinned to core 0, load (wrk) on core 1,
#     compared with a minimal axum "hello" handler measured the same way in the same run;
#   - resident memory of `onetrip serve` with the demo data, after the load.
# Usage: scripts/bench.sh [seconds-per-load-run]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet -p onetrip -p onetrip-bench
bin="${CARGO_TARGET_DIR:-target}/release"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

wait_for() { for _ in $(seq 1 100); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

# wrk prints requests/s and the latency distribution; keep the two figures we report.
load() {
  # Every browser sends Accept-Encoding; the load does too, for the guide page and the baseline alike.
  taskset -c 1 wrk -t1 -c64 -d"${duration}s" --latency -H 'Accept-Encoding: gzip, deflate, br' "$1" > "$work/wrk.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  local errors
  errors=$(awk '/Non-2xx|Socket errors/' "$work/wrk.txt")
  [ -z "$errors" ] || { echo "load run had errors: $errors" >&2; cat "$work/wrk.txt" >&2; exit 1; }
  echo "$rps $p99"
}

echo "== calendar (core 0)"
taskset -c 0 "$bin/onetrip-bench" calendar
echo "== search over 100,000 generated matters (core 0)"
taskset -c 0 "$bin/onetrip-bench" search

echo "== guide page vs minimal axum handler: 64 connections, 3 alternating rounds of ${duration}s, servers on core 0, wrk on core 1"
ONETRIP_LOG_FORMAT=json RUST_LOG=warn taskset -c 0 "$bin/onetrip" serve --listen 127.0.0.1:18080 \
  --database "sqlite://$work/bench.sqlite" > "$work/serve.log" 2>&1 &
serve_pid=$!
taskset -c 0 "$bin/onetrip-bench" hello 127.0.0.1:18081 &
hello_pid=$!
wait_for http://127.0.0.1:18080/healthz
wait_for http://127.0.0.1:18081/
guide=http://127.0.0.1:18080/matters/00013112700401
curl -fsS "$guide" -o /dev/null
: > "$work/guide.txt"; : > "$work/hello.txt"
for round in 1 2 3; do
  load "$guide" >> "$work/guide.txt"
  load http://127.0.0.1:18081/ >> "$work/hello.txt"
  echo "round $round: guide $(tail -n 1 "$work/guide.txt"), hello $(tail -n 1 "$work/hello.txt")"
done
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$serve_pid/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$serve_pid/status")
median() { sort -g | awk '{ values[NR] = $1 } END { print values[int((NR + 1) / 2)] }'; }
guide_rps=$(cut -d' ' -f1 "$work/guide.txt" | median)
hello_rps=$(cut -d' ' -f1 "$work/hello.txt" | median)
guide_p99=$(cut -d' ' -f2 "$work/guide.txt" | sed 's/ms$//' | median)
hello_p99=$(cut -d' ' -f2 "$work/hello.txt" | sed 's/ms$//' | median)

echo "guide.requests_per_second $guide_rps (median of 3)"
echo "guide.p99_ms $guide_p99"
echo "hello.requests_per_second $hello_rps (median of 3)"
echo "hello.p99_ms $hello_p99"
awk -v g="$guide_rps" -v h="$hello_rps" 'BEGIN { printf "guide.ratio_to_hello %.2f\n", g / h }'
echo "serve.rss_mb $((rss_kb / 1024)) (peak $((hwm_kb / 1024)))"
