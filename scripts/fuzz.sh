#!/usr/bin/env bash
# fuzz.sh — run every libFuzzer harness (tests/fuzz) for N seconds, one after
# the other, and print executions per target.
#
#   scripts/fuzz.sh [-b BUILD_DIR] [-j JOBS] [-n] [SECONDS] [TARGET...]
#
# BUILD_DIR (default build-fuzz) is configured and built if needed with
#   CC=clang CXX=clang++ cmake -DHTX_FUZZ=ON
# SECONDS defaults to 600 (the issue asks for 10 minutes per target outside CI).
# JOBS (default 1) targets run at the same time; -n uses the harnesses as
# built (no configure/build step).  Corpora grow in
# BUILD_DIR/tests/fuzz/corpus/<target>; crash inputs land in
# BUILD_DIR/tests/fuzz/artifacts/ and logs in BUILD_DIR/tests/fuzz/logs/.
# Exit status: 0 no crash, 1 a target crashed or failed (see its log), 2 usage.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
jobs=1
build_first=1
while getopts "b:j:nh" opt; do
  case "$opt" in
    b) build="$(realpath -m "$OPTARG")" ;;
    j) jobs="$OPTARG" ;;
    n) build_first=0 ;;
    h) sed -n '2,14p' "$0"; exit 0 ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
seconds=600
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then seconds="$1"; shift; fi
all=(fuzz_run_cfg fuzz_overrides fuzz_model_cfg fuzz_dram_spec fuzz_power_spec fuzz_checkpoint
     fuzz_tokenizer fuzz_hf_config fuzz_mem_trace fuzz_sweep_spec fuzz_trace)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (known: ${all[*]})" >&2; exit 2; }
done
if ! [[ "$jobs" =~ ^[1-9][0-9]*$ ]]; then echo "fuzz.sh: -j expects a positive integer, got '$jobs'" >&2; exit 2; fi

if (( build_first )); then
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DHTX_FUZZ=ON >/dev/null
  fi
  cmake --build "$build" -j2 --target htx_fuzz >/dev/null
fi

fz="$build/tests/fuzz"
mkdir -p "$fz/logs" "$fz/artifacts"
run_one() {
  local t="$1"
  mkdir -p "$fz/corpus/$t"
  (cd "$root" && LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp" "$fz/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -close_fd_mask=3 \
      -print_final_stats=1 -artifact_prefix="$fz/artifacts/$t-" "$fz/corpus/$t" "$fz/seeds/$t") \
      >"$fz/logs/$t.log" 2>&1
}

status=0
printf '%-18s %8s %12s %10s %8s  %s\n' target seconds executions exec/s corpus result
i=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" & pids+=("$!")
  i=$((i + 1))
  if (( i % jobs == 0 )); then wait "${pids[@]}" || true; pids=(); fi
done
wait "${pids[@]}" 2>/dev/null || true
for t in "${targets[@]}"; do
  log="$fz/logs/$t.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$fz/corpus/$t" -type f | wc -l)
  if grep -q -E '^(==[0-9]+==ERROR|SUMMARY: |.*runtime error:)|deadly signal|Test unit written' "$log"; then
    result="CRASH (see $log)"; status=1
  elif [[ -z "$execs" ]]; then
    result="FAILED (no final stats, see $log)"; status=1
  else
    result=ok
  fi
  printf '%-18s %8s %12s %10s %8s  %s\n' "$t" "$seconds" "${execs:--}" "${rate:--}" "$corpus" "$result"
done
exit $status
