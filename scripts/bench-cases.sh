#!/usr/bin/env bash
# Onetrip's case benchmarks (issue 3), rerunnable by anyone:
#   - submitting cases through POST /api/v1/cases with one small PDF material: cases/second and p99, next to
#     the raw durable single-row insert rate of the same database measured in the same run;
#   - with CASES accepted cases in the database: a reviewer's inbox, the case page and the supervision page;
#   - the hall (issue 4): call-next with 120 windows over 500 waiting tickets, and the delay from a call to
#     DISPLAYS connected wall displays (20 calls).
# Usage: scripts/bench-cases.sh [seconds] [clients] [cases] [displays]
#   Runs on SQLite; also on PostgreSQL when ONETRIP_BENCH_DATABASE_URL=postgres://… is set (a fresh schema
#   is made there and dropped afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
clients="${2:-8}"
cases="${3:-1000000}"
displays="${4:-200}"
cargo build --release --quiet -p onetrip-bench
bin="${CARGO_TARGET_DIR:-target}/release/onetrip-bench"
databases=(sqlite)
if [ -n "${ONETRIP_BENCH_DATABASE_URL:-}" ]; then databases+=("$ONETRIP_BENCH_DATABASE_URL"); fi
for database in "${databases[@]}"; do
  name=${database%%:*}
  echo "== submitting cases on $name: $clients clients for ${seconds}s"
  RUST_LOG=warn "$bin" cases-submit "$database" "$seconds" "$clients"
  echo "== $cases cases on $name: inbox, case page, supervision page"
  RUST_LOG=warn "$bin" cases-scale "$database" "$cases"
  echo "== calling on $name: 120 windows, 500 waiting, ${seconds}s"
  RUST_LOG=warn "$bin" hall-calls "$database" "$seconds"
  echo "== $displays displays on $name, 20 calls"
  RUST_LOG=warn "$bin" hall-display "$database" "$displays" 20
done
