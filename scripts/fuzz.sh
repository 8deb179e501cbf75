#!/usr/bin/env bash
# Runs every coverage-guided fuzz target of fuzz/ (libFuzzer through cargo fuzz) for a bounded time each and
# stops at the first crash, which libFuzzer saves under fuzz/artifacts/<target>/. The corpus grows in
# fuzz/corpus/<target>/ (not kept in the repository).
# Usage: scripts/fuzz.sh [seconds-per-target] [target…]
# Needs cargo-fuzz (cargo install cargo-fuzz). The machine's stable toolchain builds the sanitizer flags with
# RUSTC_BOOTSTRAP=1, as here; with a nightly toolchain that is not needed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/onetrip-fuzz-target}"
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "== $target: ${seconds}s"
  cargo fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=4096 2>&1 \
    | grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs|==[0-9]+==|SUMMARY|.*panicked)' || true
  # cargo fuzz exits non-zero on a crash; the pipe above hides it, so look for the artifact.
  if compgen -G "artifacts/$target/crash-*" > /dev/null; then
    echo "$target crashed: $(ls artifacts/"$target"/crash-* | head -n 1)" >&2
    exit 1
  fi
done
echo "every target ran ${seconds}s without a crash"
