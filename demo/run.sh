#!/bin/bash
# demo/run.sh: start the mod_cors demo ("make demo" runs it after the build).
#
# Starts a private Apache httpd in the foreground on localhost, with its own
# ServerRoot in a temporary folder (nothing is written to /etc/apache2):
#   port DEMO_API_PORT  (default 8081): a small API under a CORS policy
#   port DEMO_PAGE_PORT (default 8082): a page (another origin) whose script
#                                       calls the API and shows what the
#                                       browser allowed
# Ctrl-C stops the server and removes the temporary folder.
#
# Environment:
#   DEMO_API_PORT, DEMO_PAGE_PORT  the two ports
#   DEMO_LISTEN                    address to listen on (default 127.0.0.1)
#   DEMO_HOST                      host name the browser uses (default
#                                  localhost), e.g. DEMO_LISTEN=0.0.0.0
#                                  DEMO_HOST=myvm.example to browse from
#                                  another machine
#   MOD_CORS                       the module (default .libs/mod_cors.so)
#   APXS, HTTPD, MODDIR            apxs, the httpd binary, Debian's module folder

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

api_port=${DEMO_API_PORT:-8081}
page_port=${DEMO_PAGE_PORT:-8082}
listen=${DEMO_LISTEN:-127.0.0.1}
host=${DEMO_HOST:-localhost}
mod_cors=${MOD_CORS:-$top/.libs/mod_cors.so}
apxs=${APXS:-apxs}

die() {
    printf 'make demo: error: %s\n' "$*" >&2
    exit 1
}

apxs_q() {
    "$apxs" -q "$1" 2>/dev/null
}

if [ -z "${HTTPD:-}" ]; then
    sbindir=$(apxs_q SBINDIR)
    target=$(apxs_q TARGET)
    HTTPD=${sbindir:-/usr/sbin}/${target:-apache2}
fi
moddir=${MODDIR:-$(apxs_q LIBEXECDIR)}
moddir=${moddir:-/usr/lib/apache2/modules}

# ---- checks ---------------------------------------------------------------

[ -x "$HTTPD" ] || die "no Apache httpd at $HTTPD (apt-get install apache2, or set HTTPD)"
case $mod_cors in /*) ;; *) mod_cors=$PWD/$mod_cors ;; esac
[ -f "$mod_cors" ] || die "$mod_cors not found: build the module first (make)"
for m in mpm_event authz_core authn_core auth_basic authn_file authz_user \
         mime dir alias headers setenvif cgid; do
    [ -f "$moddir/mod_$m.so" ] ||
        die "$moddir/mod_$m.so not found (apt-get install apache2, or set MODDIR)"
done
for p in "$api_port" "$page_port"; do
    case $p in
        ''|*[!0-9]*) die "port '$p' is not a number" ;;
    esac
    if [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then
        die "port $p is out of range"
    fi
done
[ "$api_port" != "$page_port" ] ||
    die "the API and the page need two different ports (both are $api_port)"
case $host in
    ''|*[!A-Za-z0-9.-]*) die "DEMO_HOST '$host' is not a host name" ;;
esac
case $listen in
    ''|*[!0-9.]*) die "DEMO_LISTEN '$listen' is not an IPv4 address" ;;
esac
extra_origin=
case $host in
    localhost|127.0.0.1) ;;
    *) extra_origin=" http://$host:$page_port" ;;
esac

# A port is taken if something accepts connections on it or ss lists a
# listener on it.
port_taken() {
    if command -v ss >/dev/null 2>&1 &&
       [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; then
        return 0
    fi
    (exec 3<>"/dev/tcp/$listen/$1") 2>/dev/null
}
for p in "$api_port" "$page_port"; do
    if port_taken "$p"; then
        die "port $p is already in use; pick two free ports, for example:
    DEMO_API_PORT=9081 DEMO_PAGE_PORT=9082 make demo"
    fi
done

# ---- the private ServerRoot ----------------------------------------------

root=$(mktemp -d "${TMPDIR:-/tmp}/mod_cors-demo.XXXXXX") ||
    die "cannot create a temporary folder"
pid=
tailpid=

# shellcheck disable=SC2317  # called through trap
cleanup() {
    # Ignored, not reset: a second Ctrl-C while httpd stops (an impatient
    # user, or a terminal that sends it twice) would otherwise kill this
    # script before the rm and leave the temporary folder behind.
    trap '' INT TERM HUP
    trap - EXIT
    if [ -n "$tailpid" ]; then
        kill "$tailpid" 2>/dev/null
    fi
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$root"
}
trap cleanup EXIT
trap 'printf "\nStopping the demo server.\n"; exit 0' INT TERM HUP

if [ "$(id -u)" = 0 ]; then
    # httpd refuses to run its children as root: use Debian's www-data.
    if id www-data >/dev/null 2>&1; then
        user=www-data group=www-data
    else
        user=nobody group=$(id -gn nobody 2>/dev/null || echo nogroup)
    fi
else
    user=$(id -un) group=$(id -gn)
fi

mkdir -p "$root/conf" "$root/htdocs" "$root/logs" "$root/run" || exit 1
cp -R "$here/api" "$here/page" "$root/htdocs/" || exit 1
cp "$here/htpasswd" "$here/mime.types" "$root/conf/" || exit 1

subst() {
    sed -e "s|@ROOT@|$root|g" \
        -e "s|@MODDIR@|$moddir|g" \
        -e "s|@MOD_CORS@|$mod_cors|g" \
        -e "s|@LISTEN@|$listen|g" \
        -e "s|@API_PORT@|$api_port|g" \
        -e "s|@EXTRA_ORIGIN@|$extra_origin|g" \
        -e "s|@PAGE_PORT@|$page_port|g" \
        -e "s|@USER@|$user|g" \
        -e "s|@GROUP@|$group|g" \
        "$1" > "$2"
}
subst "$top/conf/demo.conf" "$root/conf/httpd.conf" || exit 1
for f in index.html demo.js; do
    subst "$here/page/$f" "$root/htdocs/page/$f" || exit 1
done
chmod 755 "$root" "$root/htdocs/api/item.cgi"
chmod -R a+rX "$root/htdocs" "$root/conf"

# ---- start ----------------------------------------------------------------

if ! out=$("$HTTPD" -d "$root" -f "$root/conf/httpd.conf" -t 2>&1); then
    printf '%s\n' "$out" >&2
    die "the demo configuration does not load (see above)"
fi

"$HTTPD" -d "$root" -f "$root/conf/httpd.conf" -DFOREGROUND &
pid=$!

# Wait until both ports answer (at most 10 s).
up=
for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/$listen/$api_port") 2>/dev/null &&
       (exec 3<>"/dev/tcp/$listen/$page_port") 2>/dev/null; then
        up=1
        break
    fi
    sleep 0.2
done
if [ -z "$up" ]; then
    die "the demo server did not start (see the messages above)"
fi

api=http://$host:$api_port
page=http://$host:$page_port

cat <<EOF

========================================================================
mod_cors demo is running. Ctrl-C stops it.

  The page (origin $page):   $page/
  The API  (origin $api):   $api/api/

Open the page in a browser: its table shows which cross-origin calls the
browser allowed. mod_cors's decisions are logged below (LogLevel cors:debug).
(The start-up warning about an unencrypted origin with credentials is
expected: the demo trusts http://localhost. Use https:// origins in
production.)

A preflight that is granted:
  curl -si -X OPTIONS $api/api/item.cgi \\
       -H 'Origin: $page' \\
       -H 'Access-Control-Request-Method: PUT' \\
       -H 'Access-Control-Request-Headers: content-type'

A preflight that is refused (header not allowed, no Access-Control-* answer):
  curl -si -X OPTIONS $api/api/hello.json \\
       -H 'Origin: $page' \\
       -H 'Access-Control-Request-Method: GET' \\
       -H 'Access-Control-Request-Headers: x-not-allowed'

A simple request:
  curl -si $api/api/hello.json -H 'Origin: $page'

Server root: $root (removed on exit)
  configuration conf/httpd.conf, logs in logs/ (error.log follows)
========================================================================

EOF

tail -n +1 -f "$root/logs/error.log" &
tailpid=$!

wait "$pid"
status=$?
pid=
exit "$status"
