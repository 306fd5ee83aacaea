#!/usr/bin/python3
"""make soak: mod_cors under mixed load with graceful restarts.

Starts a private httpd (event MPM, the module built in .libs, its own
ServerRoot in a temporary folder) from soak/httpd.conf.in, drives it with
wrk and soak/mixed.lua for SOAK_SECONDS, sends `apache2 -k graceful` every
SOAK_RESTART_EVERY seconds, samples the children's memory, and passes only
if no child crashed, every response had the expected status and exactly
the expected CORS headers, no connection failed, and memory did not grow.

Environment: SOAK_SECONDS (120), SOAK_RESTART_EVERY (20), SOAK_CONNECTIONS
(16), SOAK_THREADS (2), SOAK_PORT (a free one), SOAK_WARMUP (8),
SOAK_MEM_TOLERANCE_PCT (10), SOAK_MEM_TOLERANCE_KB (2048),
SOAK_RESTART_LOSS_MS (50, traffic a restart may lose), SOAK_LOSS_PPM
(20, requests per million lost without restarts), HTTPD
(/usr/sbin/apache2), WRK (wrk), SOAK_KEEP=1 keeps the temporary folder.
"""

import base64
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


SECONDS = env_int("SOAK_SECONDS", 120)
RESTART_EVERY = env_int("SOAK_RESTART_EVERY", 20)
CONNECTIONS = env_int("SOAK_CONNECTIONS", 16)
THREADS = env_int("SOAK_THREADS", 2)
WARMUP = env_int("SOAK_WARMUP", 8)
TOL_PCT = env_int("SOAK_MEM_TOLERANCE_PCT", 10)
TOL_KB = env_int("SOAK_MEM_TOLERANCE_KB", 2048)
RESTART_LOSS_MS = env_int("SOAK_RESTART_LOSS_MS", 50)
LOSS_PPM = env_int("SOAK_LOSS_PPM", 20)


def restart_loss_max(fig, restarts):
    """Requests the run may lose: RESTART_LOSS_MS of traffic per graceful
    restart, at the rate of this run, plus LOSS_PPM per million requests
    for the connections httpd closes itself after answering a malformed
    request (400, 431), which race with wrk's next write."""
    rate = fig["responses"] / (fig["duration_us"] / 1e6 or 1)
    return (int(rate * RESTART_LOSS_MS / 1000.0) * restarts
            + int(fig["responses"] * LOSS_PPM / 1e6))


HTTPD = os.environ.get("HTTPD") or "/usr/sbin/apache2"
WRK = os.environ.get("WRK") or "wrk"
CORS_SO = os.path.join(TOP, ".libs", "mod_cors.so")
MODDIR = "/usr/lib/apache2/modules"

# Error log lines that mean a child died or the parent saw a fatal error.
CRASH = re.compile(r"exit signal|Segmentation fault|AH00052|AH00060|"
                   r"core dumped|AH00059|AH02324|Aborted", re.I)


def log(msg):
    print("soak: " + msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def apxs_moddir():
    try:
        out = subprocess.run(["apxs", "-q", "LIBEXECDIR"], capture_output=True,
                             text=True, check=True).stdout.strip()
        return out or MODDIR
    except (OSError, subprocess.CalledProcessError):
        return MODDIR


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def make_root(port):
    root = tempfile.mkdtemp(prefix="mod_cors-soak-")
    os.chmod(root, 0o755)
    for d in ("htdocs", "htdocs/api", "htdocs/api/private", "htdocs/pub",
              "htdocs/ht"):
        os.mkdir(os.path.join(root, d), 0o755)
        os.chmod(os.path.join(root, d), 0o755)
    body = "soak data\n" * 20
    for d in ("api", "api/private", "pub", "ht"):
        write(os.path.join(root, "htdocs", d, "data.txt"), body)
    write(os.path.join(root, "htdocs/ht/.htaccess"),
          "Cors On\nCorsOrigins https://ht.example.com\n"
          "CorsExposeHeaders X-Ht\n")
    sha = base64.b64encode(hashlib.sha1(b"soak-pass").digest()).decode()
    write(os.path.join(root, "htpasswd"), "soak:{SHA}%s\n" % sha)
    user = ""
    if os.geteuid() == 0:
        user = "User nobody\nGroup nogroup"
    with open(os.path.join(HERE, "httpd.conf.in")) as f:
        conf = f.read()
    for key, value in (("ROOT", root), ("PORT", str(port)),
                       ("MODDIR", apxs_moddir()), ("CORS_SO", CORS_SO),
                       ("USER", user)):
        conf = conf.replace("@%s@" % key, value)
    write(os.path.join(root, "httpd.conf"), conf)
    return root


def httpd(root, *args):
    return subprocess.run([HTTPD, "-d", root, "-f",
                           os.path.join(root, "httpd.conf")] + list(args),
                          capture_output=True, text=True)


def read_pid(root, timeout=10):
    path = os.path.join(root, "httpd.pid")
    end = time.time() + timeout
    while time.time() < end:
        try:
            with open(path) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            time.sleep(0.1)
    return None


def proc_status(pid):
    """(ppid, rss_kb, start_ticks) of a process, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    m = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(fields[1]), int(m.group(1)) if m else 0, int(fields[19])


def uptime_ticks():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) * os.sysconf("SC_CLK_TCK")


def children(parent, since_ticks):
    """{pid: rss_kb} of the parent's children started after since_ticks:
    the current generation (children of an older one may still be
    finishing their last requests after a graceful restart)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = proc_status(int(name))
        if st and st[0] == parent and st[2] >= since_ticks:
            out[int(name)] = st[1]
    return out


def sample(parent, since_ticks, label):
    kids = children(parent, since_ticks)
    parent_rss = (proc_status(parent) or (0, 0, 0))[1]
    s = {"label": label, "t": time.time(), "n": len(kids),
         "sum": sum(kids.values()), "max": max(kids.values() or [0]),
         "parent": parent_rss}
    log("memory %-14s children %d, RSS sum %d kB, max %d kB, parent %d kB"
        % (label, s["n"], s["sum"], s["max"], s["parent"]))
    return s


def sanity(port):
    """One allowed request before the load: the policy is in force."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/data.txt?k=get_ok",
                 headers={"Origin": "https://app.example.com"})
    res = conn.getresponse()
    res.read()
    acao = res.getheader("Access-Control-Allow-Origin")
    conn.close()
    return res.status == 200 and acao == "https://app.example.com"


def within(before, after):
    allowed = max(before * TOL_PCT / 100.0, TOL_KB)
    return after - before <= allowed, allowed


def main():
    if not os.path.exists(CORS_SO):
        sys.exit("soak: %s not found; run make first" % CORS_SO)
    if shutil.which(WRK) is None:
        sys.exit("soak: wrk not found (apt-get install wrk)")
    if SECONDS < 2 * WARMUP + 4:
        sys.exit("soak: SOAK_SECONDS must be at least %d" % (2 * WARMUP + 4))
    port = env_int("SOAK_PORT", 0) or free_port()
    root = make_root(port)
    errlog = os.path.join(root, "error_log")
    log("ServerRoot %s, port %d, %d s, graceful restart every %d s, "
        "wrk -t%d -c%d" % (root, port, SECONDS, RESTART_EVERY, THREADS,
                           CONNECTIONS))
    failures = []
    wrk = None
    parent = None
    completed = False
    try:
        r = httpd(root, "-t")
        if r.returncode != 0:
            sys.exit("soak: config check failed:\n" + r.stdout + r.stderr)
        r = httpd(root, "-k", "start")
        parent = read_pid(root)
        if r.returncode != 0 or not parent:
            sys.exit("soak: httpd did not start:\n" + r.stdout + r.stderr
                     + open(errlog).read())
        time.sleep(0.5)
        if not sanity(port):
            sys.exit("soak: the allowed origin got no grant before the load")

        start = time.time()
        gen_ticks = uptime_ticks() - 1e9  # first generation: any child
        wrk = subprocess.Popen(
            [WRK, "-t%d" % THREADS, "-c%d" % CONNECTIONS, "-d%ds" % SECONDS,
             "--timeout", "10s", "-s", os.path.join(HERE, "mixed.lua"),
             "http://127.0.0.1:%d/" % port],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def at(offset):
            delay = start + offset - time.time()
            if delay > 0:
                time.sleep(delay)

        generations = []   # [warm sample, late sample] per generation
        restarts = 0
        offsets = list(range(RESTART_EVERY, SECONDS - WARMUP - 2,
                             RESTART_EVERY)) if RESTART_EVERY > 0 else []
        gen_start = 0
        for off in offsets + [SECONDS - 2]:
            at(gen_start + WARMUP)
            warm = sample(parent, gen_ticks, "gen %d warm" % len(generations))
            at(off)
            late = sample(parent, gen_ticks, "gen %d late" % len(generations))
            generations.append((warm, late))
            if off == SECONDS - 2:
                break
            gen_ticks = uptime_ticks()
            r = httpd(root, "-k", "graceful")
            if r.returncode != 0:
                failures.append("graceful restart %d failed: %s"
                                % (restarts + 1, r.stdout + r.stderr))
                break
            gen_start = off
            # The restart is survived when the same parent has a new
            # generation of children.
            deadline = time.time() + 10
            while time.time() < deadline and not children(parent, gen_ticks):
                time.sleep(0.1)
            if read_pid(root, 1) == parent and children(parent, gen_ticks):
                restarts += 1
                log("graceful restart %d at %d s: new children %s"
                    % (restarts, off,
                       sorted(children(parent, gen_ticks))))
            else:
                failures.append("no new generation after graceful restart %d"
                                % (restarts + 1))
                break
        out, _ = wrk.communicate(timeout=SECONDS + 60)
        wrk = None
        parent_alive = read_pid(root, 1) == parent
        if not parent_alive:
            failures.append("the httpd parent process is gone")
        completed = True
    finally:
        if wrk:
            wrk.kill()
            wrk.wait()
        if parent:
            httpd(root, "-k", "stop")
            for _ in range(100):
                if proc_status(parent) is None:
                    break
                time.sleep(0.1)
        # Interrupted or failed to start: no verdict, remove the folder.
        if not completed and not os.environ.get("SOAK_KEEP"):
            shutil.rmtree(root, ignore_errors=True)

    # ---- verdict
    with open(errlog, errors="replace") as f:
        errtext = f.read()
    crashes = [l for l in errtext.splitlines() if CRASH.search(l)]
    others = [l for l in errtext.splitlines()
              if re.search(r"\[(\w+:)?(warn|error|crit|alert|emerg)\]", l)
              and not CRASH.search(l)]
    m = re.search(r"^SOAK responses=(\d+) bad_status=(\d+) bad_headers=(\d+) "
                  r"bad_kind=(\d+) requests=(\d+) connect_errors=(\d+) "
                  r"read_errors=(\d+) write_errors=(\d+) timeouts=(\d+) "
                  r"duration_us=(\d+)", out, re.M)
    if not m:
        print(out)
        failures.append("no result line from wrk")
        fig = None
    else:
        fig = dict(zip(("responses", "bad_status", "bad_headers", "bad_kind",
                        "requests", "connect", "read", "write", "timeout",
                        "duration_us"), map(int, m.groups())))
    kinds = re.findall(r"^SOAK_KIND (\S+) (\d+)$", out, re.M)
    fail_samples = out.split("SOAK_FAILURES\n", 1)[1] if "SOAK_FAILURES" in out else ""

    if crashes:
        failures.append("%d crash line(s) in the error log" % len(crashes))
    if fig:
        for key in ("bad_status", "bad_headers", "bad_kind"):
            if fig[key]:
                failures.append("%s: %d responses" % (key, fig[key]))
        # A graceful restart makes the old children close their idle
        # keep-alive connections; a request wrk sends on one at that
        # moment meets the close (the keep-alive race of RFC 9112 9.6, which
        # browsers answer by retrying and wrk counts as a read error), and
        # a connection opened while the old child still holds the listener
        # can be accepted and closed unanswered too, again and again until
        # the child is gone, as wrk reconnects at once. So the loss grows
        # with the request rate: seen here, 11 to 41 such errors per
        # restart at 15,000 requests a second, 300 at 36,000 (8 ms of
        # traffic). A restart may cost SOAK_RESTART_LOSS_MS (50) of
        # traffic at the run's own rate. Runs without restarts lose a few
        # too (10 in 1.1 million at 38,000 a second), where httpd closes a
        # connection after a 400 or 431 as wrk writes the next request:
        # SOAK_LOSS_PPM (20 per million) covers those. Connect errors and
        # timeouts never are tolerated. A lost request is never a wrong
        # answer: every response that arrived was checked.
        race_max = restart_loss_max(fig, restarts)
        race = fig["read"] + fig["write"]
        if fig["connect"] or fig["timeout"] or race > race_max:
            failures.append("socket errors: connect %d, read %d, write %d, "
                            "timeout %d (read + write tolerated up to %d: "
                            "%d ms of traffic x %d restarts + %d ppm)"
                            % (fig["connect"], fig["read"], fig["write"],
                               fig["timeout"], race_max, RESTART_LOSS_MS,
                               restarts, LOSS_PPM))
        if fig["responses"] == 0:
            failures.append("no responses")
    unseen = [k for k, n in kinds if int(n) == 0]
    if unseen:
        failures.append("kinds never answered: " + " ".join(unseen))

    # Memory. Graceful restarts replace the children, so RSS is compared
    # within each generation (warm-up sample vs the last one before the
    # next restart: growth under load is a per-request leak), across
    # generations at the same phase (first vs last warm sample: growth
    # that survives restarts) and for the parent (first vs last).
    mem_lines = []
    for i, (warm, late) in enumerate(generations):
        ok, allowed = within(warm["sum"], late["sum"])
        mem_lines.append("gen %d: %d -> %d kB (%+d, allowed +%d)"
                         % (i, warm["sum"], late["sum"],
                            late["sum"] - warm["sum"], allowed))
        if not ok:
            failures.append("children's memory grew in generation %d: %d -> "
                            "%d kB" % (i, warm["sum"], late["sum"]))
    if generations:
        first, last = generations[0][0], generations[-1][0]
        ok, allowed = within(first["sum"], last["sum"])
        if not ok:
            failures.append("children's warm RSS grew across restarts: %d -> "
                            "%d kB" % (first["sum"], last["sum"]))
        ok, allowed = within(generations[0][0]["parent"],
                             generations[-1][1]["parent"])
        if not ok:
            failures.append("parent RSS grew: %d -> %d kB"
                            % (generations[0][0]["parent"],
                               generations[-1][1]["parent"]))

    # ---- figures
    print()
    print("=== make soak: figures ===")
    if fig:
        secs = fig["duration_us"] / 1e6
        print("duration:          %.1f s, wrk -t%d -c%d, event MPM"
              % (secs, THREADS, CONNECTIONS))
        print("requests served:   %d (%.0f/s), every one checked: "
              "bad status %d, bad CORS headers %d, unknown kind %d"
              % (fig["responses"], fig["responses"] / secs, fig["bad_status"],
                 fig["bad_headers"], fig["bad_kind"]))
        print("socket errors:     connect %d, read %d, write %d, timeout %d "
              "(%.1f per restart; read + write allowed up to %d: "
              "connections closed by graceful restarts)"
              % (fig["connect"], fig["read"], fig["write"], fig["timeout"],
                 (fig["read"] + fig["write"]) / float(restarts or 1),
                 restart_loss_max(fig, restarts)))
    print("restarts survived: %d graceful (every %d s)"
          % (restarts, RESTART_EVERY))
    print("child crashes:     %d line(s) in the error log" % len(crashes))
    print("other warnings:    %d error_log line(s) at warn or above"
          % len(others))
    if generations:
        print("memory at start:   children %d kB (%d children, max %d kB), "
              "parent %d kB" % (generations[0][0]["sum"], generations[0][0]["n"],
                                generations[0][0]["max"],
                                generations[0][0]["parent"]))
        print("memory at end:     children %d kB (%d children, max %d kB), "
              "parent %d kB" % (generations[-1][1]["sum"],
                                generations[-1][1]["n"],
                                generations[-1][1]["max"],
                                generations[-1][1]["parent"]))
        print("per generation:    " + "; ".join(mem_lines))
    print("responses by kind: " + ", ".join("%s %s" % kv for kv in kinds))
    for l in crashes[:10] + others[:10]:
        print("  error_log: " + l[:300])
    if fail_samples:
        print("first mismatches:\n" + fail_samples[:2000])
    if os.environ.get("SOAK_KEEP"):
        print("kept %s" % root)
    else:
        shutil.rmtree(root, ignore_errors=True)
    if failures:
        for f in failures:
            print("make soak: FAILED: " + f)
        return 1
    print("make soak: PASS")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    sys.exit(main())
