# Area "browser_protect": CorsProtect and CorsTimingAllowOrigin judged by
# real browsers (config: t/conf/browser_protect.conf.in).
#
# Headless Chromium and Firefox (t/browser/driver.mjs, as for t/browser.t)
# load t/htdocs/protect/page.html from pages on another site than the API
# (app.other.test: trusted, evil.other.test: not), from a page on the API's
# own site (x.example.test, not trusted) and from the API's own origin, and
# do what a page can do to an API that changes state: submit a form (a
# navigation: no CORS at all), fetch() in no-cors and cors mode, open a
# WebSocket; and read Resource Timing. The judges:
#   - what the browser reports (the navigation's status, the script's
#     verdict, the WebSocket's events, the timing entry);
#   - the API's access log (what the browser sent, Sec-Fetch-Site, status,
#     mod_cors's note);
#   - the side effect the API's CGI leaves for every request it handles
#     (t/logs/protect_effects): a refused write must leave none;
#   - the WebSocket backend's own log (t/logs/protect_ws_log): a refused
#     handshake must never reach it, not even as a TCP connection.
# A browser or the backend that does not start fails this file; it is never
# skipped. Where the engines differ, the expectation says so per engine.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use JSON::PP ();
use File::Spec::Functions qw(catfile);
use CorsBrowser;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

my @ENGINES = qw(chromium firefox);

my $t_dir     = Apache::Test::vars('t_dir');
my $t_logs    = Apache::Test::vars('t_logs');
my $driver    = catfile($t_dir, 'browser', 'driver.mjs');
my $ws_script = catfile($t_dir, 'browser', 'ws_echo.py');
my $api_log   = catfile($t_logs, 'protect_api_log');
my $effects   = catfile($t_logs, 'protect_effects');
my $ws_log    = catfile($t_logs, 'protect_ws_log');
my $tls_port   = Apache::Test::vars('protect_tls_port');
my $plain_port = Apache::Test::vars('protect_plain_port');

# Page origins. Over https (the virtual host protect_tls; browsers send
# Sec-Fetch-* headers only to potentially trustworthy URLs): app and evil
# are on another site (other.test) than the API (example.test), so the
# browsers send Sec-Fetch-Site: cross-site; x is on the API's site
# (same-site); same is the API's own origin (same-origin). Over plain http
# (protect_plain): no Sec-Fetch-Site at all, and CorsProtect compares the
# Origin with the Host header: evil-http is another origin, plain is the
# API's own.
my %ORIGIN = (
    app         => "https://app.other.test:$tls_port",
    evil        => "https://evil.other.test:$tls_port",
    x           => "https://x.example.test:$tls_port",
    same        => "https://api.example.test:$tls_port",
    'evil-http' => "http://evil.other.test:$plain_port",
    plain       => "http://plain.example.test:$plain_port",
);
my %API = (
    api   => "https://api.example.test:$tls_port",
    plain => "http://plain.example.test:$plain_port",
);
my @HOSTS = qw(app.other.test evil.other.test x.example.test api.example.test plain.example.test);

# A tag unique to this run, in every URL: the logs tell runs and engines apart.
my $run = sprintf '%x%x', int time, $$;

our ($ENGINE, $CASE, $CASE_ID, %STEP);

my $TEXT = { 'Content-Type' => 'text/plain' };
my $JSON_TYPE = { 'Content-Type' => 'application/json' };

# ---------------------------------------------------------------- the cases
#   step: [name, api, path under /protect/ (query allowed), %opt]
#   api: form (a form submission, handled by the driver), fetch, nocors,
#        ws (path under ws://), timing; see t/htdocs/protect/protect.js
#   %opt: method, headers, body, fields (form), message (ws)
my @CASES = (
    # A form POST from an untrusted page on another site: the browser sends
    # it with no CORS at all; CorsProtect refuses it before the CGI runs.
    {   id => 'form-untrusted', page => 'evil',
        steps => [[post => form => 'api/form', method => 'POST', fields => { amount => 100 }]],
        expect => sub {
            navigated('post', 403);
            sent('post', 'POST 403 cross-site refused-cross-origin');
            effects('post', 0);
        },
    },
    # GET never changes state (rule 1): the same page's form GET reaches it.
    {   id => 'form-get-untrusted', page => 'evil',
        steps => [[get => form => 'api/form-get', method => 'GET']],
        expect => sub {
            navigated('get', 200);
            sent('get', 'GET 200 cross-site no-origin');
            effects('get', 1);
        },
    },
    # fetch() in no-cors mode: the script never sees the answer anyway (an
    # opaque response either way); the point is that the handler never ran.
    {   id => 'nocors-untrusted', page => 'evil',
        steps => [[post => nocors => 'api/nocors', method => 'POST', headers => $TEXT, body => 'amount=100']],
        expect => sub {
            opaque('post');
            sent('post', 'POST 403 cross-site refused-cross-origin');
            effects('post', 0);
        },
    },
    # A CORS POST that needs no preflight (text/plain): without CorsProtect
    # the handler would run and only the answer be hidden from the script.
    {   id => 'cors-untrusted', page => 'evil',
        steps => [[post => fetch => 'api/simple', method => 'POST', headers => $TEXT, body => 'amount=100']],
        expect => sub {
            refused('post');
            sent('post', 'POST 403 cross-site refused-cross-origin');
            effects('post', 0);
        },
    },
    # The trusted page: a CORS POST with a preflight, read by the script.
    {   id => 'cors-trusted', page => 'app',
        steps => [[post => fetch => 'api/cors', method => 'POST', headers => $JSON_TYPE, body => '{"n":1}']],
        expect => sub {
            saw('post', 200);
            body_is('post', method => 'POST', origin => $ORIGIN{app}, body => '{"n":1}',
                fetch_site => 'cross-site');
            sent('post', 'OPTIONS 204 cross-site preflight-allowed', 'POST 200 cross-site allowed');
            effects('post', 1);
        },
    },
    # The trusted page's form POST: a cross-site write from an allowed origin.
    {   id => 'form-trusted', page => 'app',
        steps => [[post => form => 'api/form-app', method => 'POST', fields => { amount => 1 }]],
        expect => sub {
            navigated('post', 200, '"handled":true');
            sent('post', 'POST 200 cross-site allowed');
            effects('post', 1);
        },
    },
    # Same site is not same origin: x.example.test is not in CorsOrigins.
    {   id => 'form-same-site', page => 'x',
        steps => [[post => form => 'api/form-x', method => 'POST', fields => { amount => 100 }]],
        expect => sub {
            navigated('post', 403);
            sent('post', 'POST 403 same-site refused-cross-origin');
            effects('post', 0);
        },
    },
    # The API's own page: its form POST and its fetch() POST go through.
    {   id => 'same-origin', page => 'same',
        steps => [
            [form  => form  => 'api/form-same', method => 'POST', fields => { amount => 1 }],
            [fetch => fetch => 'api/fetch-same', method => 'POST', headers => $JSON_TYPE, body => '{}'],
        ],
        expect => sub {
            navigated('form', 200, '"fetch_site":"same-origin"');
            saw('fetch', 200);
            body_is('fetch', method => 'POST', fetch_site => 'same-origin');
            # The Origin (the API's own) is not in CorsOrigins: no CORS
            # headers, which a same-origin page does not need.
            sent('form', 'POST 200 same-origin refused-origin');
            sent('fetch', 'POST 200 same-origin refused-origin');
            effects($_, 1) for qw(form fetch);
        },
    },
    # Plain http (no Sec-Fetch-Site, as from browsers that do not send it):
    # the untrusted page's form POST is refused because its Origin is not
    # the Host header; the API's own page (Origin == Host) gets through.
    {   id => 'plain-untrusted', page => 'evil-http',
        steps => [[post => form => 'api/plain-evil', method => 'POST', fields => { amount => 100 }, api_host => 'plain']],
        expect => sub {
            navigated('post', 403);
            sent('post', 'POST 403 - refused-cross-origin');
            effects('post', 0);
        },
    },
    {   id => 'plain-same-origin', page => 'plain',
        steps => [[post => form => 'api/plain-same', method => 'POST', fields => { amount => 1 }, api_host => 'plain']],
        expect => sub {
            navigated('post', 200, '"fetch_site":null');
            sent('post', 'POST 200 - refused-origin');
            effects('post', 1);
        },
    },
    # WebSocket handshakes (a GET with Upgrade: websocket; no CORS): the
    # untrusted page's is refused before mod_proxy opens a connection.
    # ENGINES DIFFER: Chromium sends no Sec-Fetch-* headers with a WebSocket
    # handshake, even to wss (so CorsProtect judges its Origin against the
    # Host header and the policy: rule 3); Firefox sends Sec-Fetch-Site
    # (and Sec-Fetch-Mode: websocket). Both are refused.
    {   id => 'ws-untrusted', page => 'evil',
        steps => [[ws => ws => 'ws/evil', message => 'evil']],
        expect => sub {
            my $e = shift;
            my $r = result('ws');
            is_($r->{opened} ? 'opened' : 'not opened', 'not opened', 'ws: the socket never opened');
            is_($r->{closeCode}, 1006, 'ws: closed abnormally (1006)');
            ok_(scalar(grep { $_ eq 'error' } @{ $r->{events} || [] }), 'ws: an error event')
                or note_('events: ' . join ' ', @{ $r->{events} || [] });
            sent('ws', by_engine($e,
                chromium => 'GET 403 - refused-websocket',
                firefox  => 'GET 403 cross-site refused-websocket'));
            backend('ws', handshakes => 0, messages => 0);
        },
    },
    {   id => 'ws-trusted', page => 'app',
        steps => [[ws => ws => 'ws/app', message => 'hello']],
        expect => sub {
            my $e = shift;
            my $r = result('ws');
            ok_($r->{opened}, 'ws: the socket opened');
            is_($r->{echoed}, "hello-$e", 'ws: the backend echoed the message');
            is_($r->{closeCode}, 1000, 'ws: closed normally (1000)');
            # No decision note (`-`): mod_proxy_http sends the 101 with
            # ap_send_interim_response() and then tunnels, so the response
            # never passes mod_cors's output filter (WebSocket has no CORS:
            # nothing is missing for the browser).
            sent('ws', by_engine($e,
                chromium => 'GET 101 - -',
                firefox  => 'GET 101 cross-site -'));
            backend('ws', handshakes => 1, messages => 1);
        },
    },
    # Resource Timing: the trusted page fetches the same file from a section
    # with CorsTimingAllowOrigin On and from one with Off. Without
    # Timing-Allow-Origin the browser zeroes the detailed timestamps.
    {   id => 'timing', page => 'app',
        steps => [
            [on  => timing => 'tao/on/data.txt'],
            [off => timing => 'tao/off/data.txt'],
        ],
        expect => sub {
            saw($_, 200) for qw(on off);
            my ($on, $off) = map { result($_)->{entry} || {} } qw(on off);
            for my $f (qw(requestStart responseStart connectStart transferSize)) {
                ok_(($on->{$f} // 0) > 0, "on: $f is not zero (" . ($on->{$f} // 'no entry') . ')');
                is_($off->{$f}, 0, "off: $f is zero");
            }
            is_($on->{nextHopProtocol}, 'http/1.1', 'on: nextHopProtocol is http/1.1');
            is_($off->{nextHopProtocol}, '', 'off: nextHopProtocol is empty');
            ok_(($on->{responseEnd} // 0) > 0 && ($off->{responseEnd} // 0) > 0,
                'both: responseEnd (never hidden) is there: the entries exist');
            # Not checked, ENGINES DIFFER: without Timing-Allow-Origin Firefox
            # still gives a CORS response's encodedBodySize, Chromium 0.
            sent('on', 'GET 200 cross-site allowed');
            sent('off', 'GET 200 cross-site allowed');
        },
    },
);

# ---------------------------------------------------- helpers for `expect`
my @CHECKS;
my %LOG;        # "path?query" -> ["METHOD STATUS SITE NOTE", ...]
my %EFFECT;     # "path?query" -> number of lines the CGI appended
my %WS;         # backend path -> {handshakes, messages}, plus connects

sub check { push @CHECKS, [@_[0 .. $#_ - 1], "$ENGINE: $CASE_ID: $_[-1]"] }
sub ok_        { check(ok        => $_[0] ? 1 : 0, $_[1]); $_[0] }
sub is_        { check(is        => @_) }
sub like_      { check(like      => @_) }
sub is_deeply_ { check(is_deeply => @_) }
sub note_      { push @{ $CHECKS[-1] }, $_[0] }

sub result { $CASE->{steps}{ $_[0] } || {} }

sub body {
    my $r = result($_[0]);
    return {} unless $r->{saw} && defined $r->{body};
    return eval { JSON::PP::decode_json($r->{body}) } || {};
}

sub body_is {
    my ($s, %want) = @_;
    my $b = body($s);
    is_($b->{$_}, $want{$_}, "$s: server got $_ '$want{$_}'") for sort keys %want;
}

# The script saw the response, with this status.
sub saw {
    my ($s, $status) = @_;
    my $r = result($s);
    is_($r->{saw} ? 'saw the response' : 'refused: ' . ($r->{error} // 'no result'),
        'saw the response', "$s: script saw the response");
    is_($r->{status}, $status, "$s: status $status");
}

# fetch() rejected with a network error (TypeError).
sub refused {
    my ($s) = @_;
    my $r = result($s);
    is_($r->{saw} ? "saw status $r->{status}" : $r->{errorName} // 'no result',
        'TypeError', "$s: browser refused the response");
}

# A no-cors fetch: an opaque response, status 0, whatever the server said.
sub opaque {
    my ($s) = @_;
    my $r = result($s);
    is_(join(' ', $r->{saw} ? ('saw', $r->{type}, $r->{status}) : ('refused', $r->{errorName} // '')),
        'saw opaque 0', "$s: script got an opaque response (status 0)");
}

# The form's navigation ended on the API with this status, and the new
# page shows $text (default: httpd's Forbidden page for 403, else anything).
sub navigated {
    my ($s, $status, $text) = @_;
    $text //= $status == 403 ? 'Forbidden' : '';
    my $r = result($s);
    ok_($r->{navigated}, "$s: the form navigated") or note_($r->{error} // 'no result');
    is_($r->{status}, $status, "$s: navigation status $status");
    is_($r->{url}, $STEP{$s}{url}, "$s: the tab is at the form's action");
    like_($r->{text} // '', length $text ? qr/\Q$text\E/ : qr/./,
        "$s: the page shows " . (length $text ? $text : 'an answer'));
}

# The API's access log for the step's URL, in order.
sub sent {
    my ($s, @want) = @_;
    is_deeply_($LOG{ $STEP{$s}{uri} } || [], \@want, "$s: access log: @want");
}

# How many times the CGI ran for the step's URL (its side effect).
sub effects {
    my ($s, $n) = @_;
    is_($EFFECT{ $STEP{$s}{uri} } // 0, $n,
        "$s: the handler " . ($n ? "ran $n time(s)" : 'never ran') . ' (side effect)');
}

# A per-engine expectation, where the engines really differ (each use says
# why): by_engine($engine, chromium => X, firefox => Y).
sub by_engine {
    my ($engine, %want) = @_;
    die "by_engine: no expectation for $engine\n" unless exists $want{$engine};
    return $want{$engine};
}

# What the WebSocket backend saw for the step's URL.
sub backend {
    my ($s, %want) = @_;
    (my $path = $STEP{$s}{uri}) =~ s{^/protect/ws}{};
    for my $k (sort keys %want) {
        is_($WS{$path}{$k} // 0, $want{$k}, "$s: backend saw $want{$k} $k");
    }
}

# ------------------------------------------------------------------ running

# The steps of a case for one engine: uri (path and query, the logs' key)
# and url (absolute). A form GET carries its query as fields: a browser
# replaces the action's query with the form's fields.
sub steps_for {
    my ($c, $engine) = @_;
    my @steps;
    for my $st (@{ $c->{steps} }) {
        my ($name, $api, $path, %opt) = @$st;
        my ($p, $q) = split /\?/, $path, 2;
        my $uri = "/protect/$p?run=$engine-$run" . (defined $q ? "&$q" : '');
        my $base = $API{ delete $opt{api_host} // 'api' };
        $base =~ s/^http/ws/ if $api eq 'ws';
        $opt{message} .= "-$engine" if defined $opt{message};
        if ($api eq 'form' && ($opt{method} // '') eq 'GET') {
            die "form GET: fields come from the query\n" if $opt{fields} || defined $q;
            $opt{fields} = { run => "$engine-$run" };
        }
        push @steps, { name => $name, api => $api, %opt, uri => $uri, url => "$base$uri" };
    }
    return @steps;
}

sub plan_for {
    my ($engine) = @_;
    return {
        hosts => \@HOSTS,
        cases => [ map { {
            id => $_->{id}, page => "$ORIGIN{ $_->{page} }/protect/page.html",
            sandbox => JSON::PP::false, steps => [steps_for($_, $engine)],
        } } @CASES ],
        insecure_certs => JSON::PP::true,
    };
}

# Runs the driver for one engine (t/lib/CorsBrowser.pm), never longer
# than 60 s.
sub run_engine {
    my ($engine, $plan) = @_;
    return CorsBrowser::run($driver, $engine, $plan,
        catfile($t_logs, "protect_$engine"), 60);
}

# ---------------------------------------------------- the WebSocket backend
# Its port is the one the generated config's `Define PROTECT_WS_PORT` names.
sub ws_port {
    my $conf = catfile(Apache::Test::vars('t_conf'), 'browser_protect.conf');
    open my $in, '<', $conf or return undef;
    while (<$in>) { return $1 if /^\s*Define\s+PROTECT_WS_PORT\s+(\d+)/ }
    return undef;
}

my $ws_pid;
sub stop_backend {
    return unless $ws_pid;
    kill TERM => $ws_pid;
    for (1 .. 50) {
        last if waitpid($ws_pid, WNOHANG) == $ws_pid;
        sleep 0.1;
    }
    if (kill 0 => $ws_pid) {
        kill KILL => $ws_pid;
        waitpid $ws_pid, 0;
    }
    undef $ws_pid;
}
END { local $?; stop_backend() }
$SIG{$_} = sub { stop_backend(); exit 1 } for qw(INT TERM HUP);

# Starts ws_echo.py; returns undef when it listens, else why not.
sub start_backend {
    my $port = ws_port() or return 'no PROTECT_WS_PORT in t/conf/browser_protect.conf';
    my $ready = catfile($t_logs, 'protect_ws.ready');
    my $out   = catfile($t_logs, 'protect_ws_backend.out');
    unlink $ready;
    $ws_pid = fork // die "fork: $!";
    if (!$ws_pid) {
        open STDOUT, '>', $out or die "$out: $!";
        open STDERR, '>&', \*STDOUT or die "stderr: $!";
        exec('/usr/bin/python3', $ws_script, $port, $ws_log, $ready)
            or print "exec python3: $!\n";
        POSIX::_exit(127);
    }
    for (1 .. 100) {
        return undef if -s $ready;
        last if waitpid($ws_pid, WNOHANG) == $ws_pid;
        sleep 0.1;
    }
    my $why = "the WebSocket backend (port $port) did not start:\n"
        . do { local $/; open my $in, '<', $out; <$in> // '' };
    stop_backend();
    return $why;
}

# ------------------------------------------------------------------ the run

# The CGI runs as the server's user: the side-effect file must be writable.
unless (-e $effects) { open my $fh, '>>', $effects or die "$effects: $!" }
chmod 0666, $effects;
unlink $ws_log;

my %mark = map { $_ => (-s $_ || 0) } $api_log, $effects;
my $t_start = time;
my $backend_error = start_backend();
my %results;
$results{$_} = run_engine($_, plan_for($_)) for @ENGINES;
stop_backend();

sub lines_since {
    my ($file) = @_;
    open my $in, '<', $file or return ();
    seek $in, $mark{$file} // 0, 0;
    return map { chomp; $_ } <$in>;
}
for (lines_since($api_log)) {
    my ($method, $uri, $status, $site, $note) = split ' ';
    push @{ $LOG{$uri} }, "$method $status $site $note";
}
for (lines_since($effects)) {
    my (undef, $uri) = split ' ';
    $EFFECT{$uri}++;
}
my @ws_lines = do { open my $in, '<', $ws_log; $in ? map { chomp; $_ } <$in> : () };
for (@ws_lines) {
    $WS{connects}++ if /^connect /;
    $WS{$1}{handshakes}++ if /^handshake (\S+)/;
    $WS{$1}{messages}++ if /^message (\S+)/;
}

for my $engine (@ENGINES) {
    local $ENGINE = $engine;
    my $res = $results{$engine};
    local $CASE_ID = 'browser';
    ok_(!$res->{error} && $res->{version}, 'started and drove the browser')
        or note_($res->{error} // '');
    for my $c (@CASES) {
        local $CASE_ID = $c->{id};
        local $CASE = $res->{cases}{ $c->{id} } || { steps => {}, error => 'case did not run' };
        local %STEP = map { $_->{name} => $_ } steps_for($c, $engine);
        ok_(!$CASE->{error}, 'case ran') or note_($CASE->{error});
        $c->{expect}->($engine);
    }
}


plan tests => @CHECKS + 3, need_module(qw(cors proxy proxy_http ssl));

ok !$backend_error, 'the WebSocket backend started' or diag $backend_error;
# Every TCP connection the backend accepted was a handshake of the trusted
# page: one per engine, none from the untrusted page.
is $WS{connects} // 0, scalar @ENGINES, 'backend: one connection per engine, no other'
    or diag join "\n", @ws_lines;
is scalar(grep { /^handshake .* origin=\Q$ORIGIN{app}\E$/ } @ws_lines), scalar @ENGINES,
    "backend: every handshake came from $ORIGIN{app}";

CorsBrowser::run_checks(@CHECKS);

for my $engine (@ENGINES) {
    my $r = $results{$engine};
    note(sprintf '%s: %s, %.1f s', $engine, $r->{version} // 'not started', $r->{seconds} // 0);
}
note(sprintf 'whole file: %.1f s', time - $t_start);
