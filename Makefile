# mod_cors build and test entry points. See README.md (make, make install,
# make test, make demo) and docs/testing.md (make test-asan, make fuzz,
# make soak, make bench).

# bash for PIPESTATUS in `make test`.
SHELL := /bin/bash

APXS  ?= $(shell command -v apxs 2>/dev/null || echo /usr/bin/apxs)
HTTPD ?= /usr/sbin/apache2
APXS_CFLAGS = -Wc,-Wall -Wc,-Wextra $(EXTRA_APXS_CFLAGS)
# mod_cors.c runs its regexes through PCRE2's JIT when httpd itself uses
# PCRE2 (httpd 2.4.53 and later; apxs says so), linked with the library it
# calls rather than counting on httpd having loaded it. With an httpd on
# PCRE1 it stays on ap_regexec().
# pkg-config gives the flags where libpcre2-dev has its .pc file.
PCRE2_CFLAGS = $(if $(findstring pcre2,$(shell $(APXS) -q PCRE_LIBS 2>/dev/null)),-DCORS_HAVE_PCRE2)
PCRE2_LIBS   = $(if $(PCRE2_CFLAGS),$(or $(shell pkg-config --libs libpcre2-8 2>/dev/null),-lpcre2-8))

# The link flags apxs adds to every module (its LDFLAGS), less any -L that
# names a file: Debian's httpd was configured with the PCRE2 library file as
# its PCRE location, so apxs -q LDFLAGS has
# -L/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0, a search folder that is not
# a folder. Only when there is such a -L is apxs given the cleaned LDFLAGS
# (apxs -S); otherwise it uses its own.
APXS_LDFLAGS_ALL = $(subst ;;, ,$(shell $(APXS) -q LDFLAGS NOTEST_LDFLAGS SH_LDFLAGS 2>/dev/null))
APXS_LDFLAGS_BAD = $(foreach f,$(filter -L%,$(APXS_LDFLAGS_ALL)),$(if $(wildcard $(f:-L%=%)),$(if $(wildcard $(f:-L%=%)/.),,$(f))))
APXS_LDFLAGS_FIX = $(if $(APXS_LDFLAGS_BAD),-S LDFLAGS="$(strip $(filter-out $(APXS_LDFLAGS_BAD),$(APXS_LDFLAGS_ALL)))")

# The version has one source: the first entry of debian/changelog. The
# module logs its upstream part at startup (LogLevel info), the package
# carries all of it. sed when dpkg-dev is not installed. A Debian version
# holds no blank or quote, so it can be quoted as a C string: once for
# the shell of apxs (which runs the compiler through one), once for ours.
DEB_VERSION := $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null \
                 || sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null)
CORS_VERSION := $(shell echo '$(DEB_VERSION)' | sed 's/^[0-9]*://; s/-[^-]*$$//')
APXS_VERSION_CFLAGS = $(if $(CORS_VERSION),'-DCORS_VERSION=\"$(CORS_VERSION)\"')
CC_VERSION_CFLAGS   = $(if $(CORS_VERSION),'-DCORS_VERSION="$(CORS_VERSION)"')

# Debian packages installed by `make deps` (as root) when something is missing.
# Add whatever a new test or the demo needs here.
DEB_PACKAGES = apache2 apache2-dev libapache2-mod-perl2 libwww-perl curl \
               gcc libc6-dev chromium firefox-esr wrk openssl python3-websockets \
               nghttp2-client libnss3-tools \
               php-fpm libapache2-mod-wsgi-py3 python3-flask python3-flask-cors
# Node.js and npm for t/browser.t's driver, each installed only where it
# is missing: a Node.js from elsewhere, such as NodeSource's nodejs, which
# bundles npm, conflicts with Debian's npm package.
NODE_PACKAGES = $$(command -v node >/dev/null 2>&1 || echo nodejs) \
                $$(command -v npm >/dev/null 2>&1 || echo npm)

# t/browser.t's npm modules (puppeteer-core), as pinned by the lock file.
# npm ci writes node_modules/.package-lock.json; its date says when.
BROWSER_MODULES = t/browser/node_modules/.package-lock.json
DEPS_PACKAGES = $(DEB_PACKAGES) $(NODE_PACKAGES)

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
# Settings of bench/bench.py (see docs/performance.md); empty: its default.
export BENCH_QUICK BENCH_DURATION BENCH_ROUNDS BENCH_CONNECTIONS \
       BENCH_CALLGRIND_N BENCH_SOAK BENCH_STRICT BENCH_CASES BENCH_SKIP \
       BENCH_OUT

.PHONY: all install clean deps deps-packages test demo demo-deps fuzz fuzz-deps \
        fuzz-build test-asan asan-build soak bench bench-deps deb deb-deps \
        test-deb test-deb-deps

# mod_cors.c is the glue; the cors_*.c files are its parts, sharing
# cors_private.h (see the comment at the top of each).
CORS_SOURCES = mod_cors.c cors_config.c cors_policy.c cors_engine.c \
               cors_stats.c cors_dump.c
CORS_DEPS    = $(CORS_SOURCES) cors_private.h $(wildcard debian/changelog)

# The empty recipe keeps make from saying "Nothing to be done for 'all'"
# when `make test` or `make demo` builds a module that is up to date.
all: .libs/mod_cors.so
	@:

.libs/mod_cors.so: $(CORS_DEPS)
	LTFLAGS=--silent $(APXS) -c $(APXS_LDFLAGS_FIX) $(APXS_CFLAGS) $(PCRE2_CFLAGS) $(APXS_VERSION_CFLAGS) $(CORS_SOURCES) $(PCRE2_LIBS)

# Also drops cors.load and cors.conf into Debian's mods-available, where
# there is one, so that `a2enmod cors` works.
MODS_AVAILABLE ?= /etc/apache2/mods-available

# The module is copied with install(1) rather than `apxs -i`: apxs -i runs
# libtool --mode=install, which prints libtool's "Libraries have been
# installed in ..." banner (advice about linking against shared libraries,
# meaningless for a module) and ignores DESTDIR. The result is the same
# file in apxs's LIBEXECDIR, mode 644.
install: all
	@moddir=$$($(APXS) -q LIBEXECDIR) && [ -n "$$moddir" ] || \
	    { echo "make install: apxs -q LIBEXECDIR gave no module folder" >&2; exit 1; }; \
	install -d "$(DESTDIR)$$moddir" && \
	install -m 644 .libs/mod_cors.so "$(DESTDIR)$$moddir/mod_cors.so" && \
	echo "installed $(DESTDIR)$$moddir/mod_cors.so"
	@set -e; if [ -d "$(DESTDIR)$(MODS_AVAILABLE)" ]; then \
	    moddir=$$($(APXS) -q LIBEXECDIR); \
	    sed "s|/usr/lib/apache2/modules|$$moddir|" conf/cors.load \
	        > "$(DESTDIR)$(MODS_AVAILABLE)/cors.load"; \
	    install -m 644 conf/cors.conf "$(DESTDIR)$(MODS_AVAILABLE)/cors.conf"; \
	    echo "installed cors.load and cors.conf in $(DESTDIR)$(MODS_AVAILABLE)"; \
	fi

# $(call apt_install,NAME,CHECK,PACKAGES): run the shell snippet in the
# variable named CHECK, which lists in $$missing what is not there; if
# anything is, install the packages in the variable named PACKAGES with
# apt-get as root (tools/apt-install.sh, which also disables again what the
# packages' install scripts enabled in the system Apache, such as mod_perl),
# or print the apt-get line and fail as another user.
# Names, not values, because a check may hold commas.
define apt_install
@$($(2)); \
[ -z "$$missing" ] && exit 0; \
echo "make $(1): missing:$$missing"; \
if [ "$$(id -u)" -ne 0 ]; then \
    echo "make $(1): not root; ask an admin to run:" >&2; \
    echo "    apt-get install $($(3))" >&2; \
    exit 1; \
fi; \
sh tools/apt-install.sh $(1) $($(3)) || exit 1; \
$($(2)); \
[ -z "$$missing" ] || { echo "make $(1): still missing after apt-get:$$missing" >&2; exit 1; }
endef

# Install the system packages the build and the suite need, if any is missing,
# then the npm modules of the browser tests.
# Prints what is missing: apxs, httpd, a C compiler, Apache::Test, LWP, curl,
# the two browsers t/browser.t drives (Debian's, never a downloaded build),
# node and npm, wrk (t/ops_counters.t's load), openssl (the certificate of
# t/browser_protect.t's https virtual host, made by t/TEST.PL) and Debian's
# python3 with python3-websockets (t/browser_protect.t's WebSocket backend),
# nghttp (nghttp2-client: t/http2.t's concurrent HTTP/2 streams) and certutil
# (libnss3-tools: t/browser_http2.t's Firefox trusts the suite's test CA
# through a certificate database in its profile),
# php-fpm (t/php_fpm.t starts its own pool; Debian names the binary
# php-fpmX.Y), mod_wsgi, Flask and Flask-CORS (t/wsgi_*.t).
MISSING = missing=; \
	command -v $(APXS) >/dev/null 2>&1     || missing="$$missing apxs"; \
	[ -x $(HTTPD) ]                         || missing="$$missing $(HTTPD)"; \
	command -v cc >/dev/null 2>&1          || missing="$$missing cc"; \
	perl -MApache::TestRun -e1 2>/dev/null || missing="$$missing Apache::Test"; \
	perl -MLWP::UserAgent -e1 2>/dev/null  || missing="$$missing LWP"; \
	command -v curl >/dev/null 2>&1        || missing="$$missing curl"; \
	command -v wrk >/dev/null 2>&1         || missing="$$missing wrk"; \
	command -v openssl >/dev/null 2>&1     || missing="$$missing openssl"; \
	command -v nghttp >/dev/null 2>&1      || missing="$$missing nghttp"; \
	command -v certutil >/dev/null 2>&1    || missing="$$missing certutil"; \
	/usr/bin/python3 -c 'import websockets' 2>/dev/null \
	                                        || missing="$$missing python3-websockets"; \
	ls /usr/sbin/php-fpm[0-9]* >/dev/null 2>&1 || missing="$$missing php-fpm"; \
	[ -e "$$($(APXS) -q LIBEXECDIR 2>/dev/null)/mod_wsgi.so" ] \
	                                        || missing="$$missing mod_wsgi"; \
	/usr/bin/python3 -c 'import flask, flask_cors' 2>/dev/null \
	                                        || missing="$$missing python3-flask/python3-flask-cors"; \
	[ -x /usr/bin/chromium ]                || missing="$$missing chromium"; \
	[ -x /usr/bin/firefox-esr ]             || missing="$$missing firefox-esr"; \
	command -v node >/dev/null 2>&1        || missing="$$missing node"; \
	command -v npm >/dev/null 2>&1         || missing="$$missing npm"

deps: deps-packages $(BROWSER_MODULES)

deps-packages:
	$(call apt_install,deps,MISSING,DEPS_PACKAGES)

# No install scripts and no browser download: the tests use Debian's browsers.
$(BROWSER_MODULES): t/browser/package.json t/browser/package-lock.json | deps-packages
	cd t/browser && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier
	@touch $@

BENCH_MISSING = missing=; \
	command -v wrk >/dev/null 2>&1      || missing="$$missing wrk"; \
	command -v valgrind >/dev/null 2>&1 || missing="$$missing valgrind"; \
	$(BENCH_PYTHON) -c 'import flask, flask_cors, gunicorn' 2>/dev/null \
	    || missing="$$missing flask/flask_cors/gunicorn"

bench-deps: deps-packages
	$(call apt_install,bench-deps,BENCH_MISSING,BENCH_DEB_PACKAGES)

# Throughput (wrk), instructions (callgrind) and memory of mod_cors against
# httpd without it; BENCH_QUICK=1 for a one-minute smoke run. Writes
# bench/out/results.json. See docs/performance.md.
bench: bench-deps
	@$(MAKE) --no-print-directory all
	$(BENCH_PYTHON) bench/bench.py

# Passes only if the suite printed "Result: PASS" and exited 0: Apache::Test
# exits 0 when it refuses to run, and prints "Result: NOTESTS" when every
# test was skipped. A test file skipped as a whole (missing module, ...)
# also fails the run: nothing may be skipped silently.
# Core files of a crashed httpd are allowed here (TEST_ULIMIT), where
# Apache::Test would re-run itself under `ulimit -c unlimited` and print
# that command line.
TEST_ULIMIT = ulimit -c unlimited 2>/dev/null || ulimit -c "$$(ulimit -H -c)"; \
	export APACHE_TEST_ULIMIT_SET=1
test: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p t/logs
	@$(TEST_ULIMIT); \
	perl t/TEST.PL -port $(TEST_PORT) $(TEST_ARGS) 2>&1 | tee $(TEST_LOG); rc=$${PIPESTATUS[0]}; \
	if [ $$rc -ne 0 ] || ! grep -q '^Result: PASS' $(TEST_LOG); then \
	    echo "make test: FAILED (exit $$rc; output in $(TEST_LOG), server log in t/logs/error_log)" >&2; \
	    exit 1; \
	fi; \
	if grep -E '^t/\S+ \.+ skipped' $(TEST_LOG) >&2; then \
	    echo "make test: FAILED: test files were skipped (see above)" >&2; \
	    exit 1; \
	fi; \
	echo "make test: PASS"

# The demo needs httpd, apxs and a compiler, and curl for the requests it
# tells you to send; nothing of the test toolchain: no browser, no Node.js,
# no mod_perl (whose install script would enable it in the system's Apache).
DEMO_PACKAGES = apache2 apache2-dev gcc libc6-dev curl
DEMO_MISSING = missing=; \
	command -v $(APXS) >/dev/null 2>&1 || missing="$$missing apxs"; \
	[ -x $(HTTPD) ]                     || missing="$$missing $(HTTPD)"; \
	command -v cc >/dev/null 2>&1      || missing="$$missing cc"; \
	command -v curl >/dev/null 2>&1    || missing="$$missing curl"

demo-deps:
	$(call apt_install,demo,DEMO_MISSING,DEMO_PACKAGES)

demo: demo-deps
	@$(MAKE) --no-print-directory all
	bash demo/run.sh

# ---------------------------------------------------------------- fuzzing
# `make fuzz`: libFuzzer harnesses (fuzz/fuzz_*.c) built with clang and
# AddressSanitizer + UndefinedBehaviorSanitizer, each run for FUZZ_SECONDS
# over its checked-in seeds (fuzz/corpus/NAME) plus the corpus earlier runs
# grew (fuzz/build/corpus/NAME, not in git). Fails on any finding: a crash,
# a sanitizer report, a broken invariant, a leak, a timeout. See
# docs/reliability.md, "Fuzzing".
FUZZ_SECONDS   ?= 120
FUZZ_TIMEOUT   ?= 25
FUZZ_HARNESSES ?= origin acrh decide diff
FUZZ_CC        ?= clang
FUZZ_BUILD      = fuzz/build
FUZZ_PACKAGES   = clang libclang-rt-14-dev llvm libpcre2-dev apache2-dev
FUZZ_CFLAGS     = -g -O1 -fno-omit-frame-pointer \
                  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                  -Wall -Wextra -Werror -Wno-comment -Wno-unused-function \
                  -Wno-missing-field-initializers -Wno-null-pointer-subtraction \
                  -I$$($(APXS) -q INCLUDEDIR) $$(apr-1-config --includes --cppflags) \
                  -DCORS_HAVE_PCRE2
FUZZ_LIBS       = $$(apr-1-config --link-ld) -lpcre2-8

FUZZ_MISSING = missing=; \
	command -v $(FUZZ_CC) >/dev/null 2>&1 || missing="$$missing $(FUZZ_CC)"; \
	command -v apr-1-config >/dev/null 2>&1 && command -v $(APXS) >/dev/null 2>&1 \
	    || missing="$$missing apr-1-config/apxs"; \
	[ -f /usr/include/pcre2.h ] || missing="$$missing pcre2.h"; \
	command -v llvm-symbolizer >/dev/null 2>&1 || missing="$$missing llvm-symbolizer"; \
	if [ -z "$$missing" ]; then \
	    printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' \
	        > /tmp/mod_cors-fuzz-probe.$$$$.c; \
	    $(FUZZ_CC) -fsanitize=fuzzer,address,undefined /tmp/mod_cors-fuzz-probe.$$$$.c \
	        -o /tmp/mod_cors-fuzz-probe.$$$$ >/dev/null 2>&1 || missing="$$missing libFuzzer-runtime"; \
	    rm -f /tmp/mod_cors-fuzz-probe.$$$$.c /tmp/mod_cors-fuzz-probe.$$$$; \
	fi

fuzz-deps:
	$(call apt_install,fuzz-deps,FUZZ_MISSING,FUZZ_PACKAGES)

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/harness.h fuzz/reference.h $(CORS_DEPS)
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $< -o $@ $(FUZZ_LIBS)

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz_%)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) \
	    sh fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_HARNESSES)

# ------------------------------------------------------------- sanitizers
# `make test-asan`: the whole Apache::Test suite against mod_cors built with
# AddressSanitizer + UndefinedBehaviorSanitizer (clang, in build/asan/, so
# the normal .libs/mod_cors.so is left alone), loaded into Debian's httpd
# with the ASan runtime preloaded by a wrapper script (only httpd gets it,
# not perl). Passes only with "Result: PASS" and zero sanitizer reports.
# clang rather than gcc: its one runtime carries both sanitizers and honours
# log_path for both (gcc's separate libubsan sends ASan reports to stderr).
# See docs/reliability.md, "Sanitizers".
ASAN_CC    = clang
ASAN_BUILD = build/asan
ASAN_LOGS  = t/logs/asan
ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -shared-libasan
ASAN_TEST_LOG = t/logs/make-test-asan.log

# Compiled and linked by clang directly: apxs's libtool would link with gcc
# and pull in gcc's runtime.
$(ASAN_BUILD)/mod_cors.so: $(CORS_DEPS)
	@mkdir -p $(ASAN_BUILD)
	$(ASAN_CC) -shared -fPIC -g -O1 -Wall -Wextra \
	    -Wno-missing-field-initializers -Wno-null-pointer-subtraction \
	    $(ASAN_FLAGS) -I$$($(APXS) -q INCLUDEDIR) \
	    $$(apr-1-config --includes --cppflags) $(PCRE2_CFLAGS) $(CC_VERSION_CFLAGS) \
	    $(CORS_SOURCES) -o $@ \
	    $(PCRE2_LIBS)

asan-build: $(ASAN_BUILD)/mod_cors.so

test-asan: deps fuzz-deps
	@$(MAKE) --no-print-directory asan-build
	@$(TEST_ULIMIT); \
	ASAN_CC=$(ASAN_CC) sh t/asan-run.sh $(ASAN_BUILD) $(ASAN_LOGS) \
	    $(ASAN_TEST_LOG) -port $(TEST_PORT) $(TEST_ARGS)

# `make soak`: a private httpd (event MPM) under wrk's mixed traffic with
# graceful restarts; see soak/soak.py. SOAK_SECONDS sets the length; the
# other knobs (SOAK_RESTART_EVERY, SOAK_CONNECTIONS, ...) are read from the
# environment by soak.py. Installs wrk (and python3) like `make deps`.
SOAK_SECONDS ?= 120
SOAK_PACKAGES = wrk python3
SOAK_MISSING = missing=; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	[ -x /usr/bin/python3 ]        || missing="$$missing python3"

soak: deps
	@$(MAKE) --no-print-directory all
	$(call apt_install,soak,SOAK_MISSING,SOAK_PACKAGES)
	SOAK_SECONDS=$(SOAK_SECONDS) HTTPD=$(HTTPD) /usr/bin/python3 soak/soak.py

# ---------------------------------------------------------- the package
# `make deb`: the Debian package libapache2-mod-cors, built the Debian
# way (debian/: debhelper, dh_apache2) in build/deb/ from an orig tarball
# of the tree's files (tracked and untracked-but-not-ignored, as they are
# on disk: what you test is what gets packaged) without debian/, which
# goes into the source package's debian.tar.xz, then checked by lintian
# (its default profile; any error or warning fails). Leaves
# build/libapache2-mod-cors_VERSION_ARCH.deb; the source package, the
# .changes and the -dbgsym package stay in build/deb/. See
# docs/packaging.md.
DEB_PACKAGE = libapache2-mod-cors
DEB_ARCH   := $(shell dpkg --print-architecture 2>/dev/null)
DEB_BUILD   = build/deb
DEB_FILE    = build/$(DEB_PACKAGE)_$(DEB_VERSION)_$(DEB_ARCH).deb
DEB_SRCDIR  = $(DEB_BUILD)/$(DEB_PACKAGE)-$(CORS_VERSION)
DEB_ORIG    = $(DEB_BUILD)/$(DEB_PACKAGE)_$(CORS_VERSION).orig.tar.xz
DEB_CHANGES = $(DEB_BUILD)/$(DEB_PACKAGE)_$(DEB_VERSION)_$(DEB_ARCH).changes
# Rebuilt when a file of the tree changes.
DEB_INPUTS := $(wildcard $(shell git ls-files 2>/dev/null) debian/* debian/*/*)
# The tree's files, NUL-separated, for the orig tarball.
DEB_TREE_FILES = if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    git ls-files -z --cached --others --exclude-standard \
	    | perl -0ne 'chomp; print "$$_\0" if -f'; \
	else \
	    find . \( -name .git -o -name .libs -o -path ./build -o -path ./fuzz/build \
	               -o -path ./t/logs -o -path ./t/state -o -path ./bench/out \
	               -o -name node_modules \) -prune -o -type f \
	           ! -name '*.o' ! -name '*.lo' ! -name '*.slo' ! -name '*.la' \
	           -printf '%P\0'; \
	fi

# What dpkg-buildpackage needs (build-essential: dpkg-checkbuilddeps
# asks for it) and lintian, by Debian package name.
DEB_BUILD_PACKAGES = build-essential debhelper dpkg-dev fakeroot lintian \
                     apache2-dev libpcre2-dev xz-utils
# $(call dpkg_missing,PACKAGES): a check (see apt_install) that lists the
# Debian packages of the list that are not installed.
dpkg_missing = missing=; \
	for p in $(1); do \
	    dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null | grep -qx installed \
	        || missing="$$missing $$p"; \
	done
DEB_MISSING = $(call dpkg_missing,$(DEB_BUILD_PACKAGES))

deb-deps:
	$(call apt_install,deb,DEB_MISSING,DEB_BUILD_PACKAGES)

deb: deb-deps
	@$(MAKE) --no-print-directory $(DEB_FILE)

$(DEB_FILE): $(DEB_INPUTS)
	@[ -n "$(CORS_VERSION)" ] || { echo "make deb: no version in debian/changelog" >&2; exit 1; }
	rm -rf $(DEB_BUILD) $(wildcard build/$(DEB_PACKAGE)_*.deb)
	mkdir -p $(DEB_BUILD)
	@echo "make deb: $(DEB_ORIG) from the tree's files"
	@set -o pipefail; $(DEB_TREE_FILES) | perl -0ne 'print unless m{^debian/}' \
	| LC_ALL=C tar --create --null --files-from=- \
	    --sort=name --mtime=@$$(dpkg-parsechangelog -S Timestamp) \
	    --owner=0 --group=0 --numeric-owner \
	    --transform='s,^,$(DEB_PACKAGE)-$(CORS_VERSION)/,S' | xz -6 > $(DEB_ORIG)
	tar -xf $(DEB_ORIG) -C $(DEB_BUILD)
	@set -o pipefail; $(DEB_TREE_FILES) | perl -0ne 'print if m{^debian/}' \
	| tar --create --null --files-from=- | tar -x -C $(DEB_SRCDIR)
	cd $(DEB_SRCDIR) && dpkg-buildpackage --no-sign
	@echo "make deb: lintian $(DEB_CHANGES)"
	lintian --fail-on error,warning $(DEB_CHANGES)
	cp $(DEB_BUILD)/$(notdir $(DEB_FILE)) $@
	@echo "make deb: built $@ (lintian: no errors, no warnings)"

# `make test-deb` (root only): installs the package into this machine's
# Apache with apt-get, runs debian/tests/module against it, purges it and
# checks that nothing is left; /etc/apache2 and the apache2 service end
# as they were, also after a failure (see debian/test-deb). Refuses to
# run over an installed libapache2-mod-cors or a mod_cors installed by
# hand (make install).
TEST_DEB_PACKAGES = apache2 curl perl
TEST_DEB_MISSING = $(call dpkg_missing,$(TEST_DEB_PACKAGES))

test-deb-deps:
	@[ "$$(id -u)" -eq 0 ] || { echo "make test-deb: must run as root: it installs and purges $(DEB_PACKAGE) in this machine's Apache" >&2; exit 1; }
	$(call apt_install,test-deb,TEST_DEB_MISSING,TEST_DEB_PACKAGES)

test-deb: test-deb-deps deb
	sh debian/test-deb $(DEB_FILE)

# Also stops a test server left running by an interrupted run. Apache::Test
# generates t/conf/X from t/conf/X.in, plus httpd.conf, mime.types and
# t/htdocs/index.html; all of them start with its "generated" marker line.
clean:
	-@[ -f t/conf/apache_test_config.pm ] && perl t/TEST.PL -stop-httpd >/dev/null 2>&1; true
	rm -rf .libs *.la *.lo *.slo *.o build fuzz/build
	rm -rf bench/out bench/__pycache__
	rm -rf t/logs t/state t/TEST t/conf/apache_test_config.pm
	rm -rf t/browser/node_modules
	@find t/conf -type f -name '*.in' | sed 's/\.in$$//' | xargs -r rm -f
	@find t -type f | while read -r f; do \
	    head -n1 "$$f" | grep -q 'WARNING: this file is generated' && rm -f "$$f"; \
	done; true
