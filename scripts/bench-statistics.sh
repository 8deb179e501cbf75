#!/usr/bin/env bash
# The accountability pages (issue 11) with millions of cases in the database: the statistics dashboard, the
# monthly report, the department scorecards, the staff evaluation and the public disclosure, with their JSON
# endpoints, for last month and this month. See crates/bench/src/statistics.rs for what is loaded.
# Usage: scripts/bench-statistics.sh [cases] [months]   (defaults: 10000000 cases over 60 months)
#   Runs on SQLite; also on PostgreSQL when ONETRIP_BENCH_DATABASE_URL=postgres://… is set (a fresh schema
#   is made there and dropped afterwards). Ten million cases take about 8 GB of disk per database.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-10000000}"
months="${2:-60}"
cargo build --release --quiet -p onetrip-bench
bin="${CARGO_TARGET_DIR:-target}/release/onetrip-bench"
databases=(sqlite)
if [ -n "${ONETRIP_BENCH_DATABASE_URL:-}" ]; then databases+=("$ONETRIP_BENCH_DATABASE_URL"); fi
for database in "${databases[@]}"; do
  echo "== $cases cases over $months months on ${database%%:*}"
  RUST_LOG=warn "$bin" statistics-scale "$database" "$cases" "$months"
done
