#!/usr/bin/env bash
# Proves that the README's first command works as written, as a newcomer would run it: in a fresh clone of
# this repository, it runs the first `cargo run` line of the README's first shell block exactly as printed,
# waits for /healthz, fetches a guide page of the demo catalog, and stops the server.
# Usage: scripts/readme-first-command.sh   (CARGO_TARGET_DIR, if set, is reused for the build)
set -euo pipefail
cd "$(dirname "$0")/.."

command=$(awk '/^```sh/ { block = 1; next } /^```/ { if (block) exit } block && /^cargo run/ { print; exit }' README.md \
  | sed 's/ *#.*//')
[ -n "$command" ] || { echo "the README has no cargo run line in its first shell block" >&2; exit 1; }
echo "README's first command: $command"

clone=$(mktemp -d)
trap 'if [ -n "${server:-}" ]; then kill -- -"$server" 2>/dev/null || true; fi; rm -rf "$clone"' EXIT
git clone -q . "$clone"
cd "$clone"

# Its own process group, so that stopping it stops cargo and the server it started.
setsid bash -c "$command" > "$clone/serve.log" 2>&1 &
server=$!

# The first build of a fresh clone takes minutes; the server must answer once it is built.
for _ in $(seq 1 1800); do
  if curl -fsS http://127.0.0.1:8080/healthz > "$clone/health.json" 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the README's first command stopped before answering:" >&2
    tail -n 40 "$clone/serve.log" >&2
    exit 1
  fi
  sleep 1
done
grep -q '"status":"ok"' "$clone/health.json" || { echo "no healthy answer from /healthz" >&2; tail -n 40 "$clone/serve.log" >&2; exit 1; }
echo "healthz: $(cat "$clone/health.json")"

# A guide page of the demo catalog (企业设立登记), as a visitor would open it.
page=$(curl -fsS http://127.0.0.1:8080/matters/00013112700401)
echo "$page" | grep -q '一次性告知' || { echo "the guide page does not look like a guide page" >&2; exit 1; }
echo "guide page: $(echo "$page" | grep -o '<title>[^<]*</title>')"

kill -- -"$server"
wait "$server" 2>/dev/null || true
server=
echo "the README's first command works as written"
