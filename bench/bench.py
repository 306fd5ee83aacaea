#!/usr/bin/python3
"""make bench: what mod_cors costs, against httpd without CORS.

Starts private httpd instances on loopback (the same /usr/sbin/apache2, the
same event-MPM settings, no access log; each differs only in its CORS
set-up, see bench/conf/), plus Flask-CORS behind gunicorn for reference,
and measures:

  throughput   wrk against each case, the cases in alternation for several
               rounds; medians, and each case's ratio to the baseline of the
               same round (a noisy machine slows every case alike);
  instructions callgrind on httpd -X: instructions per request (the whole
               request on a keep-alive connection), and the module's own
               instructions (its functions and the library calls they make);
  memory       the children's resident memory before and after a long mixed
               run against mod_cors.

Prints a table with PASS/MISS per target of issue 4 and writes all figures
to bench/out/results.json. Exit status 0, unless BENCH_STRICT=1 and a
deterministic (instruction or memory) target is missed.

Settings (environment; the Makefile passes its variables of the same name):
  BENCH_QUICK=1         a smoke run of about a minute
  BENCH_DURATION        seconds per case and round (default 5, quick 1)
  BENCH_ROUNDS          rounds (default 5, quick 1)
  BENCH_CONNECTIONS     wrk connections (default 32)
  BENCH_CALLGRIND_N     requests per callgrind measurement (default 200,
                        quick 20)
  BENCH_SOAK            requests of the memory soak (default 1000000,
                        quick 20000)
  BENCH_CASES           comma-separated case ids to run (default: all)
  BENCH_SKIP            comma-separated parts to skip: wrk, callgrind, soak
  BENCH_STRICT=1        exit 1 when a deterministic target is missed
  BENCH_OUT             output folder (default bench/out)
  MOD_CORS, HTTPD, MODDIR   the module, the httpd binary, its module folder
"""

import json
import os
import platform
import pwd
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def env(name, default, quick_default=None):
    value = os.environ.get(name, "")
    if value == "":
        return quick_default if QUICK and quick_default is not None \
            else default
    return type(default)(value)


QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
DURATION = env("BENCH_DURATION", 5.0, 1.0)
ROUNDS = env("BENCH_ROUNDS", 5, 1)
CONNECTIONS = env("BENCH_CONNECTIONS", 32)
CG_N = env("BENCH_CALLGRIND_N", 200, 20)
CG_WARMUP = 10
SOAK = env("BENCH_SOAK", 1000000, 20000)
STRICT = os.environ.get("BENCH_STRICT", "") not in ("", "0")
SKIP = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
ONLY = set(filter(None, os.environ.get("BENCH_CASES", "").split(",")))
OUT = os.environ.get("BENCH_OUT") or os.path.join(HERE, "out")
MOD_CORS = os.path.abspath(os.environ.get("MOD_CORS")
                           or os.path.join(TOP, ".libs", "mod_cors.so"))
HTTPD = os.environ.get("HTTPD") or "/usr/sbin/apache2"
MODDIR = os.environ.get("MODDIR") or "/usr/lib/apache2/modules"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable

ORIGIN = "https://app.example.com"
LAST_OF_10K = "https://app09999.example.net"
REGEX3_ORIGIN = "https://shop-eu.partner.example.org"

# Browser-like headers, as Chrome sends them on a cross-origin fetch().
BROWSER = [
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                   "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
    ("Accept", "application/json, text/plain, */*"),
    ("Accept-Language", "en-US,en;q=0.9,de;q=0.8"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Sec-Fetch-Dest", "empty"),
    ("Sec-Fetch-Mode", "cors"),
    ("Sec-Fetch-Site", "cross-site"),
    ("Connection", "keep-alive"),
]
PATH = "/data.json"
BODY = b'{"id":42,"name":"widget","tags":["a","b"],"price":9.99}\n'


def adversarial_acrh(size=8192):
    """An Access-Control-Request-Headers value of exactly `size` bytes, every
    name allowed by CorsAllowHeaders *: runs of one-letter names, empty items
    (many commas), white space around commas, mixed case (so every byte is
    lower-cased), and long names."""
    parts = []
    i = 0
    while sum(len(p) for p in parts) < size:
        k = i % 4
        if k == 0:
            parts.append(",".join("abcdefghijklmnopqrstuvwxyz"[j % 26]
                                  for j in range(i, i + 60)) + ",")
        elif k == 1:
            parts.append(",,, ,\t,, , ,,,,")
        elif k == 2:
            parts.append(" X-Custom-Header-Number-%04d , " % i)
        else:
            parts.append("X-" + "Long-Header-Name-" * 12 + "%d," % i)
        i += 1
    value = "".join(parts)[:size]
    # No trailing white space (httpd strips it) and a name at the end.
    value = value[:-3].rstrip(" \t,") + ",zz"
    value = value + "y" * (size - len(value))
    assert len(value) == size
    return value


def request(method, origin, extra=()):
    headers = [("Origin", origin)] if origin else []
    headers += BROWSER + [("Referer", (origin or ORIGIN) + "/")]
    if method == "OPTIONS":
        headers = [(k, "*/*" if k == "Accept" else v) for k, v in headers]
    return {"method": method, "path": PATH, "headers": headers + list(extra)}


PREFLIGHT = [("Access-Control-Request-Method", "PUT"),
             ("Access-Control-Request-Headers",
              "content-type,x-requested-with")]
ADVERSARIAL = [("Access-Control-Request-Method", "PUT"),
               ("Access-Control-Request-Headers", adversarial_acrh())]

# id, description, instance, request, what the answer must carry
CASES = [
    ("1", "baseline: static file, no CORS", "baseline",
     request("GET", ORIGIN), {"status": 200, "acao": None}),
    ("2", "mod_cors, 1 exact origin", "cors1",
     request("GET", ORIGIN), {"status": 200, "acao": ORIGIN}),
    ("3", "mod_cors, 10,000 origins, the last", "cors10k",
     request("GET", LAST_OF_10K), {"status": 200, "acao": LAST_OF_10K}),
    ("4", "mod_cors, *.domain + 3 regexes", "pattern",
     request("GET", REGEX3_ORIGIN), {"status": 200, "acao": REGEX3_ORIGIN}),
    ("5", "mod_headers+SetEnvIf recipe", "recipe",
     request("GET", ORIGIN), {"status": 200, "acao": ORIGIN}),
    ("6", "preflight, mod_cors", "cors1",
     request("OPTIONS", ORIGIN, PREFLIGHT), {"status": 204, "acao": ORIGIN}),
    ("6r", "same OPTIONS, httpd alone", "baseline",
     request("OPTIONS", ORIGIN, PREFLIGHT), {"status": 200, "acao": None}),
    ("7", "8 KiB ACRH preflight, mod_cors", "cors1",
     request("OPTIONS", ORIGIN, ADVERSARIAL),
     {"status": 204, "acao": ORIGIN}),
    ("7r", "same OPTIONS, httpd alone", "baseline",
     request("OPTIONS", ORIGIN, ADVERSARIAL), {"status": 200, "acao": None}),
    ("8", "Flask-CORS on gunicorn", "flask",
     request("GET", ORIGIN), {"status": 200, "acao": ORIGIN}),
    ("9", "(2) with CorsProtect On, GET", "protect",
     request("GET", ORIGIN), {"status": 200, "acao": ORIGIN}),
    # A POST to the static file (httpd serves it as for a GET).
    ("10", "(2) with CorsProtect On, POST", "protect",
     request("POST", ORIGIN), {"status": 200, "acao": ORIGIN}),
    ("10r", "same POST, without CorsProtect", "cors1",
     request("POST", ORIGIN), {"status": 200, "acao": ORIGIN}),
]
if ONLY:
    CASES = [c for c in CASES if c[0] in ONLY or c[0] == "1"]
CASE = {c[0]: c for c in CASES}

# The soak mixes what the module does: actual requests (list, pattern,
# regex), a preflight and the adversarial preflight.
SOAK_REQUESTS = [request("GET", LAST_OF_10K),
                 request("GET", REGEX3_ORIGIN),
                 request("GET", "https://a.b.example.com"),
                 request("GET", "https://evil.example"),
                 request("OPTIONS", ORIGIN, PREFLIGHT),
                 request("OPTIONS", ORIGIN, ADVERSARIAL)]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def die(msg):
    log("make bench: error: " + msg)
    sys.exit(2)


# ---------------------------------------------------------------------------
# Set-up


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(template, values):
    with open(os.path.join(HERE, "conf", template)) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, v)
    left = re.search(r"@[A-Z0-9_]+@", text)
    if left:
        die("%s: unknown placeholder %s" % (template, left.group(0)))
    return text


def terminate(proc, timeout):
    """SIGTERM, then SIGKILL if the process is still there after timeout
    seconds."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Bench:
    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="mod_cors-bench-")
        os.chmod(self.work, 0o755)
        self.root = os.geteuid() == 0
        os.makedirs(os.path.join(self.work, "htdocs"))
        with open(os.path.join(self.work, "htdocs", "data.json"), "wb") as f:
            f.write(BODY)
        with open(os.path.join(self.work, "origins10k.conf"), "w") as f:
            for line in range(100):
                f.write("CorsOrigins " + " ".join(
                    "https://app%05d.example.net" % (line * 100 + i)
                    for i in range(100)) + "\n")
        self.reqdir = os.path.join(self.work, "requests")
        os.makedirs(self.reqdir)
        self.procs = {}
        self.ports = {}
        self.crashes = []

    def conf(self, name, port, tag=None):
        """Write TAG.conf (default: NAME.conf) for instance NAME."""
        tag = tag or name
        if self.root:
            usergroup = "User nobody\nGroup nogroup"
        else:
            usergroup = "# not root: the children run as %s" % \
                pwd.getpwuid(os.geteuid()).pw_name
        values = {"WORKDIR": self.work, "PORT": str(port), "NAME": tag,
                  "MODDIR": MODDIR, "USERGROUP": usergroup,
                  "LOADCORS": "" if name in ("baseline", "recipe")
                  else 'LoadModule cors_module "%s"' % MOD_CORS}
        os.makedirs(os.path.join(self.work, "run-" + tag), exist_ok=True)
        if self.root:
            shutil.chown(os.path.join(self.work, "run-" + tag), "nobody")
        path = os.path.join(self.work, tag + ".conf")
        with open(path, "w") as f:
            f.write(fill("httpd.conf.in", values))
        with open(os.path.join(self.work, tag + ".cors.conf"), "w") as f:
            f.write(fill(name + ".conf.in", values))
        return path

    def start(self, name, tag=None):
        """Start instance NAME (its conf/NAME.conf.in), known as TAG."""
        tag = tag or name
        port = free_port()
        if name == "flask":
            cmd = [PYTHON, "-m", "gunicorn", "--workers", "2",
                   "--worker-class", "gthread", "--threads", "8",
                   "--bind", "127.0.0.1:%d" % port, "--chdir", HERE,
                   "--error-logfile",
                   os.path.join(self.work, "flask.error_log"),
                   "flask_app:app"]
            e = dict(os.environ, BENCH_DOCROOT=os.path.join(self.work,
                                                            "htdocs"))
            proc = subprocess.Popen(cmd, env=e, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        else:
            conf = self.conf(name, port, tag)
            check = subprocess.run([HTTPD, "-t", "-f", conf],
                                   capture_output=True, text=True)
            if check.returncode:
                die("%s: apache2 -t failed:\n%s" % (name, check.stdout
                                                    + check.stderr))
            proc = subprocess.Popen([HTTPD, "-f", conf, "-DFOREGROUND"],
                                    stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        wait_port(port, proc, 30, tag)
        self.procs[tag] = proc
        self.ports[tag] = port
        return port

    def stop(self, name):
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            terminate(proc, 30)
        try:
            with open(os.path.join(self.work, name + ".error_log")) as f:
                for line in f:
                    if "exit signal" in line or "AH00052" in line:
                        self.crashes.append("%s: %s" % (name, line.strip()))
        except OSError:
            pass

    def stop_all(self):
        for name in list(self.procs):
            self.stop(name)

    def reqfile(self, req, key):
        path = os.path.join(self.reqdir, key + ".req")
        with open(path, "w") as f:
            f.write("%s %s\n" % (req["method"], req["path"]))
            for k, v in req["headers"]:
                f.write("%s: %s\n" % (k, v))
        return path


def wait_port(port, proc, timeout, name):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            die("%s exited at startup (status %s)" % (name, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    die("%s: nothing listens on port %d after %ds" % (name, port, timeout))


# ---------------------------------------------------------------------------
# A minimal HTTP/1.1 client: one keep-alive connection, exact request bytes.


def raw(req, port):
    lines = ["%s %s HTTP/1.1" % (req["method"], req["path"]),
             "Host: 127.0.0.1:%d" % port]
    lines += ["%s: %s" % kv for kv in req["headers"]]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), 120)
        self.buf = b""

    def send(self, data, head=False):
        self.sock.sendall(data)
        while b"\r\n\r\n" not in self.buf:
            self.recv()
        header, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = [tuple(x.strip() for x in ln.split(":", 1))
                   for ln in lines[1:]]
        length = 0
        for k, v in headers:
            if k.lower() == "content-length":
                length = int(v)
        if head or status in (204, 304):
            length = 0
        while len(self.buf) < length:
            self.recv()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self.buf += chunk

    def close(self):
        self.sock.close()


def check_answer(case, port):
    cid, desc, _, req, want = case
    c = Client(port)
    status, headers, _ = c.send(raw(req, port))
    c.close()
    acao = [v for k, v in headers
            if k.lower() == "access-control-allow-origin"]
    vary = ",".join(v for k, v in headers if k.lower() == "vary")
    problems = []
    if status != want["status"]:
        problems.append("status %d, expected %d" % (status, want["status"]))
    if want["acao"] is None and acao:
        problems.append("unexpected Access-Control-Allow-Origin %s" % acao)
    if want["acao"] is not None and acao != [want["acao"]]:
        problems.append("Access-Control-Allow-Origin %s, expected %s"
                        % (acao, want["acao"]))
    # Flask-CORS sends no Vary for a one-origin list: not checked there.
    if want["acao"] and "origin" not in vary.lower() \
            and req["method"] == "GET" and case[2] != "flask":
        problems.append("no Vary: Origin")
    if problems:
        die("case %s (%s): %s" % (cid, desc, "; ".join(problems)))
    return status, headers


# ---------------------------------------------------------------------------
# Throughput


def run_wrk(port, reqfiles, duration):
    cmd = ["wrk", "-t1", "-c%d" % CONNECTIONS, "-d%gs" % duration,
           "-s", os.path.join(HERE, "wrk.lua"),
           "http://127.0.0.1:%d%s" % (port, PATH)]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         env=dict(os.environ, BENCH_REQS=":".join(reqfiles)),
                         timeout=duration + 60)
    text = out.stdout + out.stderr
    m = re.search(r"Requests/sec:\s*([\d.]+)", text)
    n = re.search(r"(\d+) requests in", text)
    if out.returncode or not m or not n:
        die("wrk failed:\n" + text)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockerr = re.search(r"Socket errors: (.*)", text)
    return {"rps": float(m.group(1)), "requests": int(n.group(1)),
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": sockerr.group(1) if sockerr else None}


def throughput(b):
    runs = {c[0]: [] for c in CASES}
    ratios = {c[0]: [] for c in CASES}
    for r in range(ROUNDS):
        # Each round starts one case later, so no case always follows the
        # same one.
        order = CASES[r % len(CASES):] + CASES[:r % len(CASES)]
        this = {}
        for case in order:
            cid, _, inst, req, _ = case
            res = run_wrk(b.ports[inst], [b.reqfile(req, "case" + cid)],
                          DURATION)
            if res["non2xx"]:
                die("case %s: %d error responses under load"
                    % (cid, res["non2xx"]))
            this[cid] = res["rps"]
            runs[cid].append(res)
        for cid in this:
            ratios[cid].append(this[cid] / this["1"])
        log("round %d/%d: %s" % (r + 1, ROUNDS, "  ".join(
            "%s=%.0f" % (cid, this[cid]) for cid, *_ in CASES)))
    return {cid: {"rps": [x["rps"] for x in runs[cid]],
                  "median_rps": statistics.median(x["rps"]
                                                  for x in runs[cid]),
                  "ratio_per_round": ratios[cid],
                  "median_ratio": statistics.median(ratios[cid])}
            for cid in runs}


# ---------------------------------------------------------------------------
# Instructions: callgrind on httpd -X


def parse_callgrind(path):
    """Self cost per (object, function) and every call with its inclusive
    cost, from a callgrind output file (name compression handled)."""
    names = {"ob": {}, "fl": {}, "fn": {}}
    selfcost = {}
    calls = []
    ob = fn = None
    cob = cfn = None
    in_call = False
    total = None

    def name(kind, value):
        m = re.match(r"\((\d+)\)(?: (.*))?$", value)
        if m:
            if m.group(2) is not None:
                names[kind][m.group(1)] = m.group(2)
            value = names[kind][m.group(1)]
        # Callgrind names a function on a recursion cycle f'2, f'3...
        return re.sub(r"'\d+$", "", value) if kind == "fn" else value

    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                fields = line.split()
                cost = int(fields[1]) if len(fields) > 1 else 0
                if in_call:
                    calls.append(((ob, fn), (cob or ob, cfn), cost))
                    in_call = False
                    cob = cfn = None
                else:
                    selfcost[(ob, fn)] = selfcost.get((ob, fn), 0) + cost
                continue
            key, _, value = line.partition("=")
            if key == "ob":
                ob = name("ob", value)
            elif key == "fn":
                fn = name("fn", value)
                cob = cfn = None
            elif key == "cob":
                cob = name("ob", value)
            elif key == "cfn":
                cfn = name("fn", value)
            elif key in ("fl", "fi", "fe", "cfi", "cfl"):
                name("fl", value)
            elif key == "calls":
                in_call = True
            elif line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
    if total is None:
        total = sum(selfcost.values())
    return {"total": total, "self": selfcost, "calls": calls}


def own_cost(prof, objects, exclude=("ap_pass_brigade",)):
    """What the code in `objects` costs: the self cost of its functions,
    plus the inclusive cost of the calls they make into other objects
    (APR, httpd, libc, PCRE: work done on their behalf), except the hand-on
    to the next filter (ap_pass_brigade, the rest of the response), minus
    the callbacks those library calls make back into `objects` (counted in
    both). Returns (total, {function: cost})."""
    def ours(o):
        return o is not None and any(o.endswith(x) for x in objects)
    per_fn = {}
    for (o, f), c in prof["self"].items():
        if ours(o):
            per_fn[f] = per_fn.get(f, 0) + c
    called = set()
    for (co, cf), (eo, ef), c in prof["calls"]:
        if ours(co) and not ours(eo) and ef not in exclude:
            per_fn[cf] = per_fn.get(cf, 0) + c
            called.add((eo, ef))
    for caller, (eo, ef), c in prof["calls"]:
        if caller in called and ours(eo):
            per_fn[ef] = per_fn.get(ef, 0) - c
    return sum(per_fn.values()), per_fn


def callgrind_run(b, inst, req, count, tag):
    port = free_port()
    conf = b.conf(inst, port, tag)
    out = os.path.join(b.cgdir, "callgrind.%s.out" % tag)
    # Callgrind creates the file at start (as root, when root) and writes it
    # at exit, when httpd runs as nobody: create it for nobody first.
    open(out, "w").close()
    if b.root:
        shutil.chown(out, "nobody")
    cmd = ["valgrind", "--tool=callgrind", "--vgdb=no",
           "--collect-atstart=no",
           "--toggle-collect=ap_run_process_connection",
           "--callgrind-out-file=" + out, HTTPD, "-X", "-f", conf]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=open(out + ".log", "w"))
    try:
        wait_port(port, proc, 300, "callgrind " + tag)
        data = raw(req, port)
        c = Client(port)
        for _ in range(CG_WARMUP + count):
            c.send(data)
        c.close()
    finally:
        terminate(proc, 300)
    return out


def instructions(b):
    """Per request = (run with 2N requests - run with N) / N, each run
    counting only inside ap_run_process_connection: what start-up, warm-up
    and the idle event loop cost cancels out."""
    b.cgdir = os.path.join(b.work, "callgrind")
    os.makedirs(b.cgdir)
    os.chmod(b.cgdir, 0o1777)    # the -X process writes it as nobody
    jobs = []
    for cid, _, inst, req, _ in CASES:
        if inst == "flask":
            continue
        for k in (1, 2):
            jobs.append((cid, k, inst, req))
    files = {}
    # Two at a time: valgrind runs one thread; counts do not depend on it.
    running = []
    import concurrent.futures as cf
    with cf.ThreadPoolExecutor(2) as ex:
        for cid, k, inst, req in jobs:
            running.append(((cid, k), ex.submit(
                callgrind_run, b, inst, req, k * CG_N,
                "case%s.%dN" % (cid, k))))
        for key, fut in running:
            files[key] = fut.result()
    res = {}
    for cid, *_ in CASES:
        if (cid, 1) not in files:
            continue
        p1 = parse_callgrind(files[(cid, 1)])
        p2 = parse_callgrind(files[(cid, 2)])
        so = (os.path.basename(MOD_CORS),)
        cors1, fn1 = own_cost(p1, so)
        cors2, fn2 = own_cost(p2, so)
        rec1, _ = own_cost(p1, ("mod_headers.so", "mod_setenvif.so"))
        rec2, _ = own_cost(p2, ("mod_headers.so", "mod_setenvif.so"))
        res[cid] = {
            "total": (p2["total"] - p1["total"]) / CG_N,
            "mod_cors": (cors2 - cors1) / CG_N,
            "headers_setenvif": (rec2 - rec1) / CG_N,
            "mod_cors_functions": {
                f: (fn2.get(f, 0) - fn1.get(f, 0)) / CG_N
                for f in set(fn1) | set(fn2)
                if fn2.get(f, 0) - fn1.get(f, 0)},
        }
        log("callgrind case %s: %.0f instructions/request, mod_cors %.0f"
            % (cid, res[cid]["total"], res[cid]["mod_cors"]))
    keep = os.path.join(OUT, "callgrind")
    shutil.rmtree(keep, ignore_errors=True)
    shutil.copytree(b.cgdir, keep)
    return res


# ---------------------------------------------------------------------------
# Memory


def children_rss(parent):
    kids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != parent:
                continue
            with open("/proc/%s/status" % pid) as f:
                rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
            kids.append((int(pid), rss))
        except (OSError, AttributeError, IndexError, ValueError):
            continue
    return sorted(kids)


def soak(b, inst, tag):
    """SOAK requests against one instance, after a warm-up of a tenth as
    many: each of the 64 worker threads grows its pools to what a request
    needs the first few times it serves one, which is not growth. The
    children's RSS is sampled after every wrk run of the soak."""
    b.start(inst, tag)
    parent = b.procs[tag].pid
    port = b.ports[tag]
    files = [b.reqfile(r, "soak%d" % i) for i, r in enumerate(SOAK_REQUESTS)]
    chunk = 2 if QUICK else 10
    at_start = children_rss(parent)
    warm = 0
    while warm < SOAK / 10:
        warm += run_wrk(port, files, chunk)["requests"]
    after_warmup = children_rss(parent)
    done = 0
    series = []
    deadline = time.time() + 900
    while done < SOAK and time.time() < deadline:
        res = run_wrk(port, files, chunk)
        if res["non2xx"]:
            die("soak: %d error responses" % res["non2xx"])
        done += res["requests"]
        series.append((done, sum(r for _, r in children_rss(parent))))
    after = children_rss(parent)
    b.stop(tag)
    kb0 = sum(r for _, r in after_warmup)
    kb1 = sum(r for _, r in after)
    log("soak %s: %d requests after %d of warm-up; children RSS %d KiB, "
        "then %d KiB" % (tag, done, warm, kb0, kb1))
    # Growth over the second half of the soak, when every thread has long
    # reached its working size.
    half = next(((n, kb) for n, kb in series if n >= done / 2),
                (0, kb0))
    return {"requests": done, "half_requests": half[0],
            "growth_kib_second_half": kb1 - half[1], "warmup_requests": warm,
            "rss_kib_at_start": at_start,
            "rss_kib_after_warmup": after_warmup, "rss_kib_after": after,
            "rss_kib_series": series,
            "total_kib_at_start": sum(r for _, r in at_start),
            "total_kib_after_warmup": kb0, "total_kib_after": kb1,
            "growth_kib": kb1 - kb0,
            "same_children": [p for p, _ in after_warmup]
            == [p for p, _ in after]}


# ---------------------------------------------------------------------------
# Report


def targets(res):
    t = []
    cg = res.get("instructions")
    tp = res.get("throughput")
    mem = res.get("memory")

    def add(name, ok, figure, deterministic=True):
        t.append({"target": name, "met": bool(ok), "figure": figure,
                  "deterministic": deterministic})

    if cg and "1" in cg:
        base = cg["1"]["total"]
        if "2" in cg:
            add("(2) module's own instructions < 1% of a baseline request",
                cg["2"]["mod_cors"] < 0.01 * base,
                "%.0f = %.2f%%" % (cg["2"]["mod_cors"],
                                   100 * cg["2"]["mod_cors"] / base))
        if "4" in cg:
            add("(4) module's own instructions < 3% of a baseline request",
                cg["4"]["mod_cors"] < 0.03 * base,
                "%.0f = %.2f%%" % (cg["4"]["mod_cors"],
                                   100 * cg["4"]["mod_cors"] / base))
        if "2" in cg and "9" in cg:
            d = cg["9"]["mod_cors"] - cg["2"]["mod_cors"]
            add("(9) CorsProtect On costs a GET at most 100 instructions "
                "more than (2)", d <= 100, "%+.0f" % d)
        if "10" in cg and "10r" in cg:
            d = cg["10"]["mod_cors"] - cg["10r"]["mod_cors"]
            add("(10) CorsProtect On, a POST from the allowed origin: "
                "reported", True, "%+.0f instructions (%.0f vs %.0f)"
                % (d, cg["10"]["mod_cors"], cg["10r"]["mod_cors"]))
        if "2" in cg and "3" in cg:
            d = cg["3"]["mod_cors"] - cg["2"]["mod_cors"]
            add("(3) costs at most 0.2% of a baseline request more than (2)",
                d <= 0.002 * base, "%+.0f = %+.3f%%" % (d, 100 * d / base))
        if "6" in cg and "6r" in cg:
            add("(6) preflight <= httpd's own answer to the same OPTIONS",
                cg["6"]["total"] <= cg["6r"]["total"],
                "%.0f vs %.0f (%.3fx)" % (cg["6"]["total"], cg["6r"]["total"],
                                          cg["6"]["total"]
                                          / cg["6r"]["total"]))
        if "7" in cg and "7r" in cg:
            add("(7) 8 KiB ACRH preflight <= 1.10x httpd alone",
                cg["7"]["total"] <= 1.10 * cg["7r"]["total"],
                "%.0f vs %.0f (%.3fx)" % (cg["7"]["total"], cg["7r"]["total"],
                                          cg["7"]["total"]
                                          / cg["7r"]["total"]))
        if "2" in cg and "5" in cg:
            recipe = cg["5"]["headers_setenvif"] - cg["1"]["headers_setenvif"]
            add("mod_cors (2) cheaper than the recipe (5): own instructions",
                cg["2"]["mod_cors"] < recipe,
                "%.0f vs %.0f" % (cg["2"]["mod_cors"], recipe))
            add("mod_cors (2) cheaper than the recipe (5): whole request",
                cg["2"]["total"] < cg["5"]["total"],
                "%.0f vs %.0f" % (cg["2"]["total"], cg["5"]["total"]))
    if tp:
        for cid in ("2", "3", "4"):
            if cid in tp:
                r = tp[cid]["median_ratio"]
                add("(%s) throughput >= 0.97 of baseline" % cid, r >= 0.97,
                    "%.3f" % r, deterministic=False)
        if "2" in tp and "5" in tp:
            add("mod_cors (2) faster than the recipe (5): throughput",
                tp["2"]["median_ratio"] >= tp["5"]["median_ratio"],
                "%.3f vs %.3f" % (tp["2"]["median_ratio"],
                                  tp["5"]["median_ratio"]),
                deterministic=False)
    if mem:
        # httpd's own allocators grow under this traffic too, in steps, as
        # more of the 64 threads happen to serve the largest requests
        # (each thread keeps up to MaxMemFree of free pool memory), with
        # or without mod_cors, until every thread has. A leak grows with
        # the requests instead: the target is no more than 1% growth over
        # the second half of the soak (the figures without mod_cors are
        # shown for comparison).
        base = res.get("memory_baseline")
        fig = ("%+d KiB since the warm-up (%d -> %d KiB), %+d over the last "
               "%d requests" % (mem["growth_kib"],
                                mem["total_kib_after_warmup"],
                                mem["total_kib_after"],
                                mem["growth_kib_second_half"],
                                mem["requests"] - mem["half_requests"]))
        if base:
            fig += "; httpd without mod_cors: %+d KiB (%+d over the last " \
                   "%d)" % (base["growth_kib"], base["growth_kib_second_half"],
                            base["requests"] - base["half_requests"])
        add("no memory growth over %d requests" % mem["requests"],
            mem["growth_kib_second_half"] <= 0.01 * mem["total_kib_after"]
            and mem["same_children"], fig)
    return t


def report(res):
    cg = res.get("instructions") or {}
    tp = res.get("throughput") or {}
    base = cg.get("1", {}).get("total")
    print()
    print("mod_cors benchmark, %s, %s, %s" % (res["date"], res["cpu"],
                                               res["httpd"]))
    print("wrk: %d rounds x %gs per case, %d connections; callgrind: %d "
          "requests per run" % (ROUNDS, DURATION, CONNECTIONS, CG_N))
    print()
    head = "%-3s %-34s %10s %6s %9s %9s %8s" % (
        "", "case", "req/s", "ratio", "instr/req", "mod_cors", "% base")
    print(head)
    print("-" * len(head))
    for cid, desc, *_ in CASES:
        t = tp.get(cid)
        c = cg.get(cid)
        own = None
        if c:
            own = c["mod_cors"] if CASE[cid][2] not in ("baseline", "recipe") \
                else (c["headers_setenvif"] - cg["1"]["headers_setenvif"]
                      if cid == "5" else None)
        print("%-3s %-34s %10s %6s %9s %9s %8s" % (
            cid, desc,
            "%.0f" % t["median_rps"] if t else "-",
            "%.3f" % t["median_ratio"] if t else "-",
            "%.0f" % c["total"] if c else "-",
            "%.0f" % own if own is not None else "-",
            "%.2f%%" % (100 * own / base) if own is not None and base
            else "-"))
    print()
    print("req/s: median over the rounds; ratio: median of each round's "
          "ratio to case 1")
    print("instr/req: callgrind, the whole request; mod_cors: the module's "
          "own instructions")
    print("(case 5: mod_headers + mod_setenvif, less what they cost in case "
          "1); % base: of case 1's instr/req")
    for key, what in (("memory", "mod_cors"),
                      ("memory_baseline", "httpd without mod_cors")):
        mem = res.get(key)
        if mem:
            print()
            print("memory, %s: %d requests; children RSS %d KiB at start, "
                  "%d after warm-up, %d after (%+d KiB; %+d over the last "
                  "%d requests)"
                  % (what, mem["requests"], mem["total_kib_at_start"],
                     mem["total_kib_after_warmup"], mem["total_kib_after"],
                     mem["growth_kib"], mem["growth_kib_second_half"],
                     mem["requests"] - mem["half_requests"]))
    print()
    for t in res["targets"]:
        print("%-4s %s: %s" % ("PASS" if t["met"] else "MISS", t["target"],
                               t["figure"]))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        # Print the report of an earlier run again (targets recomputed).
        with open(sys.argv[2]) as f:
            res = json.load(f)
        res["targets"] = targets(res)
        report(res)
        return 0
    if not os.path.exists(MOD_CORS):
        die("%s not found: run make first" % MOD_CORS)
    for tool in ("wrk", "valgrind"):
        if not shutil.which(tool):
            die("%s not found: run make bench-deps" % tool)
    os.makedirs(OUT, exist_ok=True)
    started = time.time()
    version = subprocess.run([HTTPD, "-v"], capture_output=True,
                             text=True).stdout
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1)
    except (OSError, AttributeError):
        pass
    res = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "cpu": "%s, %d cores" % (cpu, os.cpu_count()),
           "httpd": re.search(r"Apache/\S+", version).group(0),
           "settings": {"quick": QUICK, "duration": DURATION,
                        "rounds": ROUNDS, "connections": CONNECTIONS,
                        "callgrind_n": CG_N, "soak": SOAK},
           "cases": {c[0]: {"description": c[1], "instance": c[2],
                            "method": c[3]["method"]} for c in CASES}}
    b = Bench()
    try:
        for inst in dict.fromkeys(c[2] for c in CASES):
            b.start(inst)
        for case in CASES:
            check_answer(case, b.ports[case[2]])
        if "wrk" not in SKIP:
            res["throughput"] = throughput(b)
        b.stop_all()
        if "callgrind" not in SKIP:
            res["instructions"] = instructions(b)
        if "soak" not in SKIP:
            res["memory"] = soak(b, "soak", "soak")
            # The same traffic to httpd without mod_cors, for comparison:
            # what httpd's own allocators do with it.
            res["memory_baseline"] = soak(b, "baseline", "soakbase")
    finally:
        b.stop_all()
        if os.environ.get("BENCH_KEEP"):
            log("kept " + b.work)
        else:
            shutil.rmtree(b.work, ignore_errors=True)
    res["crashes"] = b.crashes
    for line in b.crashes:
        log("make bench: a child crashed: " + line)
    res["seconds"] = round(time.time() - started)
    res["targets"] = targets(res)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    report(res)
    print("\nresults: %s (%ds)" % (os.path.join(OUT, "results.json"),
                                   res["seconds"]))
    missed = [t for t in res["targets"] if not t["met"] and t["deterministic"]]
    return 1 if STRICT and missed else 0


if __name__ == "__main__":
    sys.exit(main())
