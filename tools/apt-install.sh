#!/bin/sh
# tools/apt-install.sh TARGET PACKAGE...: the apt-get step of the Makefile's
# apt_install helper (`make deps`, `make demo`, `make bench-deps`, ...), run
# as root. Installs the packages, then puts back the system Apache's list of
# enabled modules, confs and sites as it was before:
#
# Some test dependencies enable themselves in the system Apache from their
# install scripts (libapache2-mod-perl2 runs `a2enmod perl`,
# libapache2-mod-wsgi-py3 `a2enmod wsgi`, and a php*-fpm may `a2enconf` its
# conf). The suite loads the modules it needs itself (t/TEST.PL,
# @EXTRA_MODULES) into its own server; an admin who ran `make test` expects
# the machine's Apache to serve the same configuration as before, not one
# with mod_perl in every child.
#
# - apache2 was installed before: whatever the install newly enabled is
#   disabled again, and a running Apache, which the package scripts
#   restarted with the new module, is restarted again without it.
# - apache2 came with this install: its own defaults (mpm_event, the
#   000-default site, ...) are what installing apache2 means and stay; what
#   other packages enabled (files in mods-available/conf-available that
#   apache2 does not ship) is disabled.
#
# Services the packages start (apache2, php8.2-fpm) are left to Debian's
# rules: started and enabled where systemd runs, not started where a
# policy-rc.d forbids it (containers). See t/README.md, "make deps".
set -u

target=$1
shift

say() {
    printf 'make %s: %s\n' "$target" "$*"
}

# One line per enabled item: "mod NAME", "conf NAME", "site NAME".
enabled() {
    for f in /etc/apache2/mods-enabled/*.load; do
        [ -e "$f" ] && echo "mod $(basename "$f" .load)"
    done
    for f in /etc/apache2/conf-enabled/*.conf; do
        [ -e "$f" ] && echo "conf $(basename "$f" .conf)"
    done
    for f in /etc/apache2/sites-enabled/*.conf; do
        [ -e "$f" ] && echo "site $(basename "$f" .conf)"
    done
    return 0
}

apache_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' apache2 2>/dev/null)" = installed ]
}

# The package that ships mods-available/NAME.load (or conf-available/NAME.conf,
# sites-available/NAME.conf), empty if none does.
owner() {
    case $1 in
        mod)  file=/etc/apache2/mods-available/$2.load ;;
        conf) file=/etc/apache2/conf-available/$2.conf ;;
        site) file=/etc/apache2/sites-available/$2.conf ;;
    esac
    dpkg -S "$file" 2>/dev/null | sed -n '1s/:.*//p'
}

apache_running() {
    pidfile=/run/apache2/apache2.pid
    if [ -r /etc/apache2/envvars ]; then
        pidfile=$(. /etc/apache2/envvars >/dev/null 2>&1; echo "${APACHE_PID_FILE:-$pidfile}")
    fi
    [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

had_apache=no
apache_installed && had_apache=yes
before=$(enabled)

export DEBIAN_FRONTEND=noninteractive
apt-get update || exit 1
apt-get install -y --no-install-recommends "$@" || exit 1

[ -d /etc/apache2 ] || exit 0
changed=
for item in $(enabled | tr ' ' ':'); do
    kind=${item%%:*} name=${item#*:}
    if printf '%s\n' "$before" | grep -qxF "$kind $name"; then
        continue
    fi
    pkg=$(owner "$kind" "$name")
    if [ "$had_apache" = no ] && [ "$pkg" = apache2 ]; then
        continue
    fi
    # Their own "Module perl disabled." is said below, with the reason.
    case $kind in
        mod)  a2dismod -q -f "$name" >/dev/null ;;
        conf) a2disconf -q "$name" >/dev/null ;;
        site) a2dissite -q "$name" >/dev/null ;;
    esac || exit 1
    say "disabled $kind $name in /etc/apache2 again (enabled by the install of ${pkg:-a package})"
    changed=1
done

if [ -n "$changed" ] && [ "$had_apache" = yes ] && apache_running; then
    if apache2ctl configtest >/dev/null 2>&1; then
        say "restarting the system Apache, which the install restarted with the modules above"
        invoke-rc.d apache2 restart || true
    fi
fi
exit 0
