#!/usr/bin/env bash
# Log-in load and resident memory: `onetrip serve` (release, demo data, SQLite) under wrong log-ins for
# unknown users from many addresses (through a trusted proxy, so that the throttles let most of them reach
# the password check: the worst case for memory), 50 connections for the given seconds; then the same from
# one address (the throttles refuse most before any hashing). Prints resident memory before, the peak,
# and after, and how the requests were answered.
# Usage: scripts/login-load.sh [seconds]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet -p onetrip
bin="${CARGO_TARGET_DIR:-target}/release"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for() { for _ in $(seq 1 100); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

cat > "$work/onetrip.toml" <<TOML
trusted_proxies = ["127.0.0.1"]
TOML
cat > "$work/spread.lua" <<'LUA'
-- Every request a different unknown user from a different address.
counter = 0
request = function()
  counter = counter + 1
  local address = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), counter % 250 + 1)
  local body = string.format('{"username":"nobody%d","password":"wrong-password-%d"}', counter, counter)
  return wrk.format("POST", "/api/v1/sessions",
    { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = address }, body)
end
LUA
cat > "$work/one.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"admin","password":"wrong-password"}'
LUA
cat > "$work/statuses.lua" <<'LUA'
statuses = {}
response = function(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
LUA

ONETRIP_FILES_DIR="$work/files" RUST_LOG=warn "$bin/onetrip" --config "$work/onetrip.toml" serve --listen 127.0.0.1:18090 \
  --database "sqlite://$work/login.sqlite" > "$work/serve.log" 2>&1 &
pid=$!
wait_for http://127.0.0.1:18090/healthz
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status"; }
echo "rss_mb.before $(rss)"
peak=0
sample() { while kill -0 "$pid" 2>/dev/null; do r=$(rss); [ "$r" -gt "$peak" ] && peak=$r && echo "$peak" > "$work/peak"; sleep 0.2; done; }
sample & sampler=$!

for run in spread one; do
  wrk -t2 -c50 -d"${duration}s" -s "$work/$run.lua" http://127.0.0.1:18090/ > "$work/$run.txt"
  echo "== $run: $(awk '/requests in/ {print $1, "requests"}' "$work/$run.txt"), \
$(awk '/Requests\/sec/ {print $2, "per second"}' "$work/$run.txt"), \
non-2xx $(awk '/Non-2xx/ {print $NF}' "$work/$run.txt"), rss_mb.now $(rss)"
done
kill "$sampler" 2>/dev/null || true
sleep 2
echo "rss_mb.peak_sampled $(cat "$work/peak" 2>/dev/null || echo 0)"
echo "rss_mb.peak_kernel $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status")"
echo "rss_mb.after $(rss)"
# Every answer must be a refusal (422 wrong password or 429 throttled), never an error.
curl -s -o /dev/null -w 'one more log-in: %{http_code}\n' -H 'Content-Type: application/json' \
  -d '{"username":"nobody","password":"wrong-password"}' http://127.0.0.1:18090/api/v1/sessions
