#!/bin/sh
# `make test-asan`: the whole Apache::Test suite against the sanitizer
# build of mod_cors.
#     sh t/asan-run.sh BUILD_DIR LOG_DIR TEST_LOG [TEST.PL options and files]
# BUILD_DIR/mod_cors.so is mod_cors built with -fsanitize=address,
# undefined -shared-libasan (clang). Debian's httpd is not instrumented, so the ASan runtime
# must be loaded before anything else: BUILD_DIR/httpd, a wrapper written
# here, sets LD_PRELOAD and the sanitizer options and execs the real httpd.
# Only httpd (and the `apache2 -t` runs of t/config.t, which use the same
# binary) get the runtime; perl and the test clients do not. MOD_CORS_SO
# makes this file the module under test (CorsTest::module_under_test):
# t/00_module.t fails the run if the server mapped any other mod_cors, and
# config_check refuses to load another. Reports of
# both sanitizers go to LOG_DIR/sanitizer.PID (world-writable: the children
# run as nobody when the suite runs as root).
#
# Passes only if the suite printed "Result: PASS" and exited 0, skipped no
# test file, and there is no sanitizer report in LOG_DIR or t/logs/error_log.
set -u

build=$1 logs=$2 testlog=$3
shift 3
top=$(pwd)
httpd=${HTTPD:-/usr/sbin/apache2}
apxs=${APXS:-/usr/bin/apxs}
case $apxs in */*) ;; *) apxs=$(command -v "$apxs") ;; esac
so=$top/$build/mod_cors.so
wrapper=$top/$build/httpd

# The runtime the module was linked against (clang's shared ASan runtime,
# which also carries UBSan).
cc=${ASAN_CC:-clang}
asan=$($cc -print-file-name=libclang_rt.asan-$(uname -m).so)
if [ ! -f "$asan" ]; then
    echo "make test-asan: no ASan runtime from $cc ($asan; package libclang-rt-14-dev)" >&2
    exit 1
fi

mkdir -p t/logs
rm -rf "$logs"
mkdir -p "$logs"
chmod 1777 "$logs"
logs_abs=$(cd "$logs" && pwd)

# detect_leaks=0: httpd does not free its pools at exit (the parent kills
# its children, and memory held by APR allocators is released with the
# process), so LeakSanitizer would report httpd's design, not mod_cors;
# leaks are checked in the fuzz harnesses instead, where every input's pool
# is destroyed. halt_on_error stays 1 for ASan (the child dies, the suite
# notices); UBSan recovers, so that every report of a run is collected.
cat > "$wrapper" <<EOF
#!/bin/sh
# Written by t/asan-run.sh (make test-asan): httpd with the ASan runtime.
LD_PRELOAD="$asan\${LD_PRELOAD:+ \$LD_PRELOAD}"
ASAN_OPTIONS="log_path=$logs_abs/sanitizer:detect_leaks=0:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
UBSAN_OPTIONS="log_path=$logs_abs/sanitizer:print_stacktrace=1"
export LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS
exec "$httpd" "\$@"
EOF
chmod 755 "$wrapper"

echo "make test-asan: $so, runtime $asan, reports in $logs/"
rcfile=t/logs/make-test-asan.rc
{ MOD_CORS_SO=$so perl t/TEST.PL -apxs "$apxs" -httpd "$wrapper" "$@" 2>&1
  echo $? > "$rcfile"; } | tee "$testlog"
rc=$(cat "$rcfile" 2>/dev/null || echo 1)

pass=1
[ "$rc" -eq 0 ] || pass=0
grep -q '^Result: PASS' "$testlog" || pass=0
if grep -E '^t/\S+ \.+ skipped' "$testlog" >&2; then
    echo "make test-asan: test files were skipped (see above)" >&2
    pass=0
fi
reports=$(cat "$logs"/* t/logs/error_log 2>/dev/null |
          grep -cE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:')
tests=$(sed -n 's/^Files=\([0-9]*\), *Tests=\([0-9]*\).*/\1 files, \2 tests/p' "$testlog")
if [ "$reports" -ne 0 ]; then
    echo "make test-asan: $reports sanitizer report(s):" >&2
    grep -lE 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' \
        "$logs"/* t/logs/error_log 2>/dev/null >&2
    grep -hE -A12 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' \
        "$logs"/* t/logs/error_log 2>/dev/null | head -n 60 >&2
    pass=0
fi
if [ "$pass" -ne 1 ]; then
    echo "make test-asan: FAILED (exit $rc; output in $testlog, server log in t/logs/error_log)" >&2
    exit 1
fi
echo "make test-asan: PASS (${tests:-? tests}, 0 sanitizer reports, $(date -u '+%Y-%m-%d %H:%M UTC'))"
