#!/usr/bin/env bash
# Memory over a long mixed load: `onetrip serve` (release, SQLite, demo data) under 32 connections of guide
# pages, searches, progress look-ups (from many addresses through a trusted proxy), calendar answers and
# applications with a scanned file through the API, for the given minutes. Resident memory is sampled every
# 10 seconds into soak-rss.csv (seconds, megabytes) in the current folder; the summary compares the first
# minute after warm-up with the last.
# Usage: scripts/soak.sh [minutes] [binary]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-30}"
bin="${2:-}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
if [ -z "$bin" ]; then
  cargo build --release --quiet -p onetrip
  bin="${CARGO_TARGET_DIR:-target}/release/onetrip"
fi
out="$PWD/soak-rss.csv"
work=$(mktemp -d)
cp "$bin" "$work/onetrip"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for() { for _ in $(seq 1 100); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

printf 'trusted_proxies = ["127.0.0.1"]\n' > "$work/onetrip.toml"
db="sqlite://$work/soak.sqlite"
export ONETRIP_FILES_DIR="$work/files"
echo "window-password-2026" | "$work/onetrip" --config "$work/onetrip.toml" --database "$db" \
  user create --username window --display-name 窗口 --roles window_staff --password-stdin >/dev/null
RUST_LOG=warn "$work/onetrip" --config "$work/onetrip.toml" --database "$db" serve --listen 127.0.0.1:18095 \
  > "$work/serve.log" 2>&1 &
pid=$!
wait_for http://127.0.0.1:18095/healthz
token=$(curl -fsS -H 'Content-Type: application/json' -d '{"username":"window","password":"window-password-2026"}' \
  http://127.0.0.1:18095/api/v1/sessions | sed 's/.*"token":"\([^"]*\)".*/\1/')
pdf=$(printf '%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n' | base64 -w0)

cat > "$work/mixed.lua" <<LUA
-- One request in 500 is an application with a file, one in ten a progress look-up; the rest are reads.
local token = "$token"
local pdf = "$pdf"
local reads = {
  "/matters/00013112700401", "/search?q=%E5%BC%80%E5%85%AC%E5%8F%B8", "/search?q=%E7%A4%BE%E4%BF%9D",
  "/", "/matters", "/api/v1/calendar/due?start=2026-12-01T09:30:00%2B08:00&working_days=5",
}
counter = 0
request = function()
  counter = counter + 1
  local address = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), counter % 250 + 1)
  if counter % 500 == 0 then
    local body = string.format('{"matter_code":"00013112700401","applicant":{"kind":"natural_person",'
      .. '"id_number":"11010519491231002X","name":"张三","phone":"13912345678"},"supplied":["provided"],'
      .. '"attachments":[{"material":0,"name":"scan-%d.pdf","content_base64":"%s"}]}', counter, pdf)
    return wrk.format("POST", "/api/v1/cases", { ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token, ["X-Forwarded-For"] = address }, body)
  elseif counter % 10 == 5 then
    return wrk.format("GET", string.format("/api/v1/progress?number=20261201-%06d-0&last_four=1234", counter % 999999 + 1),
      { ["X-Forwarded-For"] = address })
  end
  return wrk.format("GET", reads[counter % #reads + 1], { ["Accept-Encoding"] = "gzip", ["X-Forwarded-For"] = address })
end
LUA

echo "seconds,rss_mb" > "$out"
start=$(date +%s)
( while kill -0 "$pid" 2>/dev/null; do
    echo "$(( $(date +%s) - start )),$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")" >> "$out"
    sleep 10
  done ) &
wrk -t2 -c32 -d"${minutes}m" -s "$work/mixed.lua" http://127.0.0.1:18095/ > "$work/wrk.txt"
sleep 1
cat "$work/wrk.txt"
kill -0 "$pid" || { echo "the server died" >&2; cat "$work/serve.log" >&2; exit 1; }
# Warm-up: the caches (SQLite's pages, rendered pages) fill over the first minutes. The baseline is minute 10
# to 11 for runs of 20 minutes or more (minute 2 to 3 for shorter ones); growth is the mean of the last minute
# against it, per minute between them.
awk -F, -v minutes="$minutes" 'NR > 1 { t = $1; r = $2; times[NR] = t; rss[NR] = r; total = NR }
  END {
    from = (minutes >= 20) ? 600 : 120
    for (i = 2; i <= total; i++) if (times[i] >= from && times[i] < from + 60) { a += rss[i]; n++ }
    for (i = total; i > 1 && times[i] > times[total] - 60; i--) { b += rss[i]; m++ }
    printf "rss_mb.start %.1f\nrss_mb.baseline_after_warmup %.1f\nrss_mb.last_minute %.1f\n", rss[2], a / n, b / m
    printf "rss_mb.growth_per_minute_after_warmup %.3f\n", (b / m - a / n) / ((times[total] - 30 - from - 30) / 60)
  }' "$out"
