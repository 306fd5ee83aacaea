# mod_cors build and test entry points. See README.md (make, make install,
# make test, make demo).

# bash for PIPESTATUS in `make test`.
SHELL := /bin/bash

APXS  ?= $(shell command -v apxs 2>/dev/null || echo /usr/bin/apxs)
HTTPD ?= /usr/sbin/apache2
APXS_CFLAGS = -Wc,-Wall -Wc,-Wextra $(EXTRA_APXS_CFLAGS)

# Debian packages installed by `make deps` (as root) when something is missing.
# Add whatever a new test or the demo needs here.
DEB_PACKAGES = apache2 apache2-dev libapache2-mod-perl2 libwww-perl curl \
               gcc libc6-dev

# `-port select`: Apache::Test picks a free base port (8529, 8549, ...) on
# every run, so two checkouts can run their suites at once. A number forces it.
TEST_PORT ?= select
export APXS

TEST_ARGS ?=
TEST_LOG  = t/logs/make-test.log

# `make bench` also needs these (installed by `make bench-deps` as root).
BENCH_DEB_PACKAGES = wrk valgrind python3 python3-flask python3-flask-cors \
                     gunicorn
BENCH_PYTHON ?= /usr/bin/python3
# Settings of bench/bench.py (see README "Performance"); empty: its default.
export BENCH_QUICK BENCH_DURATION BENCH_ROUNDS BENCH_CONNECTIONS \
       BENCH_CALLGRIND_N BENCH_SOAK BENCH_STRICT BENCH_CASES BENCH_SKIP \
       BENCH_OUT

.PHONY: all install clean deps test demo bench bench-deps

all: .libs/mod_cors.so

.libs/mod_cors.so: mod_cors.c
	$(APXS) -c $(APXS_CFLAGS) mod_cors.c

# Also drops cors.load and cors.conf into Debian's mods-available, where
# there is one, so that `a2enmod cors` works.
MODS_AVAILABLE ?= /etc/apache2/mods-available

install: all
	$(APXS) -i -n cors mod_cors.la
	@if [ -d "$(DESTDIR)$(MODS_AVAILABLE)" ]; then \
	    moddir=$$($(APXS) -q LIBEXECDIR); \
	    sed "s|/usr/lib/apache2/modules|$$moddir|" conf/cors.load \
	        > "$(DESTDIR)$(MODS_AVAILABLE)/cors.load"; \
	    install -m 644 conf/cors.conf "$(DESTDIR)$(MODS_AVAILABLE)/cors.conf"; \
	    echo "installed cors.load and cors.conf in $(MODS_AVAILABLE)"; \
	fi

# Install the system packages the build and the suite need, if any is missing.
# Prints what is missing: apxs, httpd, a C compiler, Apache::Test, LWP, curl.
MISSING = missing=; \
	command -v $(APXS) >/dev/null 2>&1     || missing="$$missing apxs"; \
	[ -x $(HTTPD) ]                         || missing="$$missing $(HTTPD)"; \
	command -v cc >/dev/null 2>&1          || missing="$$missing cc"; \
	perl -MApache::TestRun -e1 2>/dev/null || missing="$$missing Apache::Test"; \
	perl -MLWP::UserAgent -e1 2>/dev/null  || missing="$$missing LWP"; \
	command -v curl >/dev/null 2>&1        || missing="$$missing curl"

deps:
	@$(MISSING); \
	[ -z "$$missing" ] && exit 0; \
	echo "make deps: missing:$$missing"; \
	if [ "$$(id -u)" -ne 0 ]; then \
	    echo "make deps: not root; ask an admin to run:" >&2; \
	    echo "    apt-get install $(DEB_PACKAGES)" >&2; \
	    exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update && \
	apt-get install -y --no-install-recommends $(DEB_PACKAGES) || exit 1; \
	$(MISSING); \
	[ -z "$$missing" ] || { echo "make deps: still missing after apt-get:$$missing" >&2; exit 1; }

# Passes only if the suite printed "Result: PASS" and exited 0: Apache::Test
# exits 0 when it refuses to run, and prints "Result: NOTESTS" when every
# test was skipped. A test file skipped as a whole (missing module, ...)
# also fails the run: nothing may be skipped silently.
BENCH_MISSING = missing=; \
	command -v wrk >/dev/null 2>&1      || missing="$$missing wrk"; \
	command -v valgrind >/dev/null 2>&1 || missing="$$missing valgrind"; \
	$(BENCH_PYTHON) -c 'import flask, flask_cors, gunicorn' 2>/dev/null \
	    || missing="$$missing flask/flask_cors/gunicorn"

bench-deps: deps
	@$(BENCH_MISSING); \
	[ -z "$$missing" ] && exit 0; \
	echo "make bench-deps: missing:$$missing"; \
	if [ "$$(id -u)" -ne 0 ]; then \
	    echo "make bench-deps: not root; ask an admin to run:" >&2; \
	    echo "    apt-get install $(BENCH_DEB_PACKAGES)" >&2; \
	    exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update && \
	apt-get install -y --no-install-recommends $(BENCH_DEB_PACKAGES) || exit 1; \
	$(BENCH_MISSING); \
	[ -z "$$missing" ] || { echo "make bench-deps: still missing after apt-get:$$missing" >&2; exit 1; }

# Throughput (wrk), instructions (callgrind) and memory of mod_cors against
# httpd without it; BENCH_QUICK=1 for a one-minute smoke run. Writes
# bench/out/results.json. See README "Performance".
bench: bench-deps
	@$(MAKE) --no-print-directory all
	$(BENCH_PYTHON) bench/bench.py

test: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p t/logs
	@perl t/TEST.PL -port $(TEST_PORT) $(TEST_ARGS) 2>&1 | tee $(TEST_LOG); rc=$${PIPESTATUS[0]}; \
	if [ $$rc -ne 0 ] || ! grep -q '^Result: PASS' $(TEST_LOG); then \
	    echo "make test: FAILED (exit $$rc; output in $(TEST_LOG), server log in t/logs/error_log)" >&2; \
	    exit 1; \
	fi; \
	if grep -E '^t/\S+ \.+ skipped' $(TEST_LOG) >&2; then \
	    echo "make test: FAILED: test files were skipped (see above)" >&2; \
	    exit 1; \
	fi; \
	echo "make test: PASS"

demo: deps
	@$(MAKE) --no-print-directory all
	bash demo/run.sh

# Also stops a test server left running by an interrupted run. Apache::Test
# generates t/conf/X from t/conf/X.in, plus httpd.conf, mime.types and
# t/htdocs/index.html; all of them start with its "generated" marker line.
clean:
	-@[ -f t/conf/apache_test_config.pm ] && perl t/TEST.PL -stop-httpd >/dev/null 2>&1; true
	rm -rf .libs *.la *.lo *.slo *.o
	rm -rf bench/out bench/__pycache__
	rm -rf t/logs t/state t/TEST t/conf/apache_test_config.pm
	@find t/conf -type f -name '*.in' | sed 's/\.in$$//' | xargs -r rm -f
	@find t -type f | while read -r f; do \
	    head -n1 "$$f" | grep -q 'WARNING: this file is generated' && rm -f "$$f"; \
	done; true
