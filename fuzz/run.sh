#!/bin/sh
# Runs each libFuzzer harness for FUZZ_SECONDS; used by `make fuzz`.
#     sh fuzz/run.sh BUILD_DIR HARNESS...
# For each NAME: the seeds fuzz/corpus/NAME are copied into the working
# corpus BUILD_DIR/corpus/NAME (kept between runs, not in git), then
# BUILD_DIR/fuzz_NAME runs on it with fuzz/cors.dict. Findings (crash-*,
# leak-*, timeout-*, oom-*) land in BUILD_DIR/findings/NAME/. Exits 1 if any
# harness found anything; prints executions and coverage per harness and
# writes them to BUILD_DIR/summary.txt.
set -u

build=$1
shift
seconds=${FUZZ_SECONDS:-120}
timeout=${FUZZ_TIMEOUT:-25}
top=$(cd "$(dirname "$0")/.." && pwd)
summary=$build/summary.txt
failed=

# Leak detection stays on in the harnesses (every input's pool is
# destroyed), unlike in httpd (see t/asan-run.sh).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
command -v llvm-symbolizer >/dev/null 2>&1 &&
    export ASAN_SYMBOLIZER_PATH="$(command -v llvm-symbolizer)"

printf '%-8s %8s %12s %10s %6s %6s %s\n' harness seconds executions exec/s \
    cov corpus findings > "$summary.tmp"
for name in "$@"; do
    bin=$build/fuzz_$name
    corpus=$build/corpus/$name
    findings=$build/findings/$name
    log=$build/fuzz_$name.log
    rm -rf "$findings"
    mkdir -p "$corpus" "$findings"
    cp "$top/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null
    echo "== fuzz_$name: $seconds s (log: $log)"
    start=$(date +%s)
    "$bin" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 \
        -dict="$top/fuzz/cors.dict" -print_final_stats=1 \
        -artifact_prefix="$findings/" "$corpus" > "$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | sed 's/cov: //')
    size=$(ls "$corpus" | wc -l)
    found=$(ls "$findings" | wc -l)
    if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
        failed="$failed $name"
        echo "fuzz_$name: FINDING (exit $rc); last lines of $log:" >&2
        grep -E 'invariant failed|\*\*\* |ERROR|SUMMARY|runtime error' "$log" \
            | head -n 20 >&2
        echo "    reproduce: $bin $findings/<file>" >&2
    fi
    printf '%-8s %8s %12s %10s %6s %6s %s\n' "$name" "$took" "${execs:-?}" \
        "${rate:-?}" "${cov:-?}" "$size" "$found" | tee -a "$summary.tmp"
done
mv "$summary.tmp" "$summary"
echo
cat "$summary"
if [ -n "$failed" ]; then
    echo "make fuzz: FAILED:$failed (findings in $build/findings/)" >&2
    exit 1
fi
echo "make fuzz: PASS ($(date -u '+%Y-%m-%d %H:%M UTC'), $seconds s per harness)"
