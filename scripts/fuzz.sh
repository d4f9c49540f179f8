#!/usr/bin/env bash
# Coverage-guided fuzzing of cortexview's parsers with libFuzzer, on stable Rust.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds fuzz/ (its own workspace: the root `cargo test` never builds it) with SanitizerCoverage
# through stable rustc flags (`-Cpasses=sancov-module` and the sancov `-Cllvm-args`; no
# `-Zsanitizer`, so no nightly), then runs each target for SECONDS_PER_TARGET (default 60) on
# one core, niced, starting from its committed seed corpus fuzz/corpus/<target>/ (new inputs go
# to fuzz/.work/corpus/<target>/, not into the repository). Crashes, timeouts and out-of-memory
# inputs land in fuzz/.work/artifacts/<target>/; minimise one with
#   fuzz/target/x86_64-unknown-linux-gnu/release/<target> -minimize_crash=1 -runs=10000 FILE
# and commit it under fuzz/regressions/<target>/, where tests/fuzz_regressions.rs replays it.
# A summary per target (executions, coverage, findings) is written to fuzz/.work/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

SECONDS_PER_TARGET="${1:-60}"
shift || true
ALL_TARGETS=(config types_csv node_sets selection swc morphology_h5 spikes_h5 spikes_csv report_h5)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
# The flags cargo-fuzz passes for `--sanitizer none`, all stable. `--target` keeps them off
# build scripts and proc macros.
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
--cfg fuzzing -Cdebug-assertions -Coverflow-checks"
nice cargo build --release --target "$TRIPLE" --bins

WORK=.work
mkdir -p "$WORK"
SUMMARY="$WORK/summary.txt"
: >"$SUMMARY"
for target in "${TARGETS[@]}"; do
  bin="target/$TRIPLE/release/$target"
  corpus="$WORK/corpus/$target"
  artifacts="$WORK/artifacts/$target"
  mkdir -p "$corpus" "$artifacts" "corpus/$target"
  log="$WORK/$target.log"
  echo "fuzzing $target for ${SECONDS_PER_TARGET}s"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a blow-up. Crashes do not
  # stop the run (-fork keeps going after one), so each target gets its full time.
  set +e
  nice "$bin" "$corpus" "corpus/$target" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
  set -e
  # Fork mode's status lines: "#EXECS: cov: N ft: N corp: N exec/s: N oom/timeout/crash: a/b/c ..."
  status=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
  execs=$(echo "$status" | sed -nE 's/^#([0-9]+):.*/\1/p')
  cov=$(echo "$status" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')
  ft=$(echo "$status" | sed -nE 's/.* ft: ([0-9]+).*/\1/p')
  faults=$(echo "$status" | sed -nE 's#.*oom/timeout/crash: ([0-9/]+).*#\1#p')
  found=$(find "$artifacts" -type f | wc -l)
  line="$target: ${execs:-0} executions, cov ${cov:-?} ft ${ft:-?}, corpus $(find "$corpus" -type f | wc -l), oom/timeout/crash ${faults:-?}, artifacts ${found}"
  echo "$line" | tee -a "$SUMMARY"
done
