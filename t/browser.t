# Area "browser": real browsers as the judge (config: t/conf/browser.conf.in).
#
# Headless Chromium and Firefox (Debian's /usr/bin/chromium and
# /usr/bin/firefox-esr, driven by t/browser/driver.mjs through puppeteer-core)
# load t/htdocs/browser/page.html from one origin and call the API of another
# origin, guarded by mod_cors. For every call this file asserts the browser's
# verdict (did the script see the response, or get a network error), and
# where it matters the status, the body and which response headers the
# script could read. The API's access log shows what the browser really sent:
# preflights, and requests whose answer the script was refused.
#
# A browser that is missing or does not start fails this file; it is never
# skipped. Where the two engines behave differently, the expectation says so
# per engine, with the reason.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use File::Spec::Functions qw(catfile);
use CorsBrowser;
use Time::HiRes qw(time sleep);

my @ENGINES = qw(chromium firefox);

my $t_dir     = Apache::Test::vars('t_dir');
my $t_logs    = Apache::Test::vars('t_logs');
my $driver    = catfile($t_dir, 'browser', 'driver.mjs');
my $api_log   = catfile($t_logs, 'browser_api_log');
my $page_port = Apache::Test::vars('browser_page_port');
my $api_port  = Apache::Test::vars('browser_api_port');

# Origins of the page (all served by the browser_page vhost) and of the API.
my %ORIGIN = map { $_ => "http://$_.example.test:$page_port" }
    qw(app other evil x.pat pat re-42 re-x);
my $APP    = $ORIGIN{app};
my $API    = "http://api.example.test:$api_port";
my $API_IP = "http://127.0.0.1:$api_port";    # the API by address (by_ip => 1)
my @HOSTS  = ((map { "$_.example.test" } sort keys %ORIGIN), 'api.example.test');

# Every API URL carries a tag unique to this engine and run, so that the
# access log tells each engine's requests apart and no cache (HTTP or
# preflight) from an earlier run can answer for this one.
my $run = sprintf '%x%x', int time, $$;

# The engine and case whose results the `expect` subs below are checking.
# %STEP: the case's steps by name, as sent to the driver (steps_for).
our ($ENGINE, $CASE, $CASE_ID, %STEP);

my $BASIC = 'Basic ' . encode_base64('browser:s3cret', '');
my $JSON_TYPE = { 'Content-Type' => 'application/json' };

# --------------------------------------------------------------- the cases
# Each case: id, page origin (key of %ORIGIN), optional sandbox (run the
# calls in an <iframe sandbox="allow-scripts">, origin "null"), optional
# after => [case, ms] (start no earlier than ms after that case ended),
# steps (calls, run in order), and expect: a sub that checks one engine's
# results (see the helpers below it).
#   step: [name, api (fetch|xhr), path under /browser/ (query allowed), %opt]
#   %opt: method, headers, body, credentials (omit|same-origin|include)
my @CASES = (
    # Runs first so that maxage-reuse, last, finds its preflights older than
    # the browsers' 5 s default preflight cache.
    {   id => 'maxage-prime', page => 'app',
        steps => [
            [put600  => fetch => 'api/maxage/x',   method => 'PUT', headers => { 'X-Pf-A' => '1' }],
            [putdflt => fetch => 'api/nomaxage/x', method => 'PUT', headers => { 'X-Pf-A' => '1' }],
        ],
        expect => sub {
            saw($_, 200) for qw(put600 putdflt);
        },
    },
    # ENGINES DIFFER: the same Max-Age call twice, to the API addressed as
    # 127.0.0.1 instead of by name. Chromium reuses the cached preflight;
    # Firefox (153 ESR) sends a new preflight every time for an IP-address
    # host, which is why every other case calls the API by host name.
    {   id => 'maxage-ip', page => 'app',
        steps => [
            [one => fetch => 'api/maxage/ip', method => 'PUT', headers => { 'X-Pf-A' => '1' }, by_ip => 1],
            [two => fetch => 'api/maxage/ip', method => 'PUT', headers => { 'X-Pf-A' => '1' }, by_ip => 1],
        ],
        expect => sub {
            my $e = shift;
            saw($_, 200) for qw(one two);
            sent('two', by_engine($e,
                chromium => ['OPTIONS 204', 'PUT 200', 'PUT 200'],
                firefox  => ['OPTIONS 204', 'PUT 200', 'OPTIONS 204', 'PUT 200']));
        },
    },
    {   id => 'get-allowed', page => 'app',
        steps => [
            [fetch => fetch => 'api/open/get-f'],
            [xhr   => xhr   => 'api/open/get-x'],
        ],
        expect => sub {
            for my $s (qw(fetch xhr)) {
                saw($s, 200);
                body_is($s, method => 'GET', origin => $APP);
                sent($s, 'GET 200');    # simple request: no preflight
            }
        },
    },
    {   id => 'get-refused', page => 'evil',
        steps => [
            [fetch => fetch => 'api/open/get-evil-f'],
            [xhr   => xhr   => 'api/open/get-evil-x'],
        ],
        expect => sub {
            for my $s (qw(fetch xhr)) {
                refused($s);
                # The browser sent the request; only the answer was hidden.
                sent($s, 'GET 200');
            }
        },
    },
    {   id => 'post-json', page => 'app',
        steps => [
            [fetch => fetch => 'api/open/post', method => 'POST',
                headers => $JSON_TYPE, body => '{"n":1}'],
        ],
        expect => sub {
            saw('fetch', 200);
            body_is('fetch', method => 'POST', body => '{"n":1}', type => 'application/json');
            sent('fetch', 'OPTIONS 204', 'POST 200');
        },
    },
    {   id => 'put-delete', page => 'app',
        steps => [
            [put    => fetch  => 'api/open/put',   method => 'PUT', body => 'text'],
            [putxhr => xhr    => 'api/open/put-x', method => 'PUT', body => 'text'],
            [delete => fetch  => 'api/open/del',   method => 'DELETE'],
        ],
        expect => sub {
            for my $s (qw(put putxhr)) {
                saw($s, 200);
                body_is($s, method => 'PUT', body => 'text');
                sent($s, 'OPTIONS 204', 'PUT 200');
            }
            saw('delete', 200);
            body_is('delete', method => 'DELETE');
            sent('delete', 'OPTIONS 204', 'DELETE 200');
        },
    },
    # fetch() upper-cases only DELETE GET HEAD OPTIONS POST PUT: `patch`
    # stays lower case, and the default CorsMethods (PATCH) does not allow it.
    {   id => 'patch-lower', page => 'app',
        steps => [
            [default => fetch => 'api/open/patch',  method => 'patch', body => 'p'],
            [listed  => fetch => 'api/patch/patch', method => 'patch', body => 'p'],
        ],
        expect => sub {
            refused('default');
            sent('default', 'OPTIONS 204');    # the actual request never left
            saw('listed', 200);
            body_is('listed', method => 'patch', body => 'p');
            sent('listed', 'OPTIONS 204', 'patch 200');
        },
    },
    {   id => 'request-headers', page => 'app',
        steps => [
            [allowed => fetch => 'api/hdr/ok', headers => { 'X-Allowed' => 'yes' }],
            [denied  => fetch => 'api/hdr/no', headers => { 'X-Denied' => 'yes' }],
        ],
        expect => sub {
            saw('allowed', 200);
            is_(body('allowed')->{x}{'x-allowed'}, 'yes', 'allowed: server got X-Allowed');
            sent('allowed', 'OPTIONS 204', 'GET 200');
            refused('denied');
            sent('denied', 'OPTIONS 204');
        },
    },
    # CorsAllowHeaders *: any header but Authorization (Fetch standard).
    {   id => 'authorization-star', page => 'app',
        steps => [
            [authz  => fetch => 'api/star/authz',  headers => { Authorization => 'Bearer t0ken' }],
            [custom => fetch => 'api/star/custom', headers => { 'X-Anything' => '1' }],
        ],
        expect => sub {
            refused('authz');
            sent('authz', 'OPTIONS 204');
            saw('custom', 200);
            sent('custom', 'OPTIONS 204', 'GET 200');
        },
    },
    # A cookie set by the API, sent back with credentials: "include".
    {   id => 'credentials', page => 'app',
        steps => [
            [login  => fetch => 'api/cred/login?cookie=SESSION', credentials => 'include'],
            [whoami => fetch => 'api/cred/whoami',   credentials => 'include'],
            [xhr    => xhr   => 'api/cred/whoami-x', credentials => 'include'],
            [omit   => fetch => 'api/cred/whoami-o', credentials => 'omit'],
            # An allowed origin, but no CorsSupportsCredentials: no
            # Access-Control-Allow-Credentials, so the answer is refused.
            [nocred => fetch => 'api/open/cred',     credentials => 'include'],
        ],
        expect => sub {
            my $e = shift;
            saw($_, 200) for qw(login whoami xhr omit);
            is_(body($_)->{cookie}, "bt_session=c$e", "$_: the API's cookie came back")
                for qw(whoami xhr);
            is_(body('omit')->{cookie}, undef, 'omit: no cookie sent');
            refused('nocred');
            sent('nocred', 'GET 200');
        },
    },
    # CorsSendWildcard: `*`, which the browser refuses when credentials are
    # included; the same call without them is allowed.
    {   id => 'credentials-wildcard', page => 'app',
        steps => [
            [include => fetch => 'api/public/cred', credentials => 'include'],
            [xhr     => xhr   => 'api/public/cred-x', credentials => 'include'],
            [omit    => fetch => 'api/public/anon', credentials => 'omit'],
        ],
        expect => sub {
            refused($_) for qw(include xhr);
            sent($_, 'GET 200') for qw(include xhr);
            saw('omit', 200);
        },
    },
    {   id => 'expose-headers', page => 'app',
        steps => [
            [fetch => fetch => 'api/expose/f'],
            [xhr   => xhr   => 'api/expose/x'],
        ],
        expect => sub {
            for my $s (qw(fetch xhr)) {
                saw($s, 200);
                my $h = result($s)->{headers} || [];
                ok_(scalar(grep { $_ eq 'x-exposed' } @$h), "$s: X-Exposed listed as readable");
                ok_(!(grep { $_ eq 'x-hidden' } @$h), "$s: X-Hidden not listed");
                ok_(scalar(grep { $_ eq 'content-type' } @$h), "$s: Content-Type (safelisted) readable");
                is_(result($s)->{exposed}, 'exposed-value', "$s: X-Exposed value read");
                is_(result($s)->{hidden}, undef, "$s: X-Hidden reads as null");
            }
        },
    },
    # Basic auth: the 401 is readable; a preflight for a call with
    # Authorization is answered before authentication and the call succeeds.
    {   id => 'basic-auth', page => 'app',
        steps => [
            [unauth => fetch => 'api/auth/x'],
            [put    => fetch => 'api/auth/put', method => 'PUT',
                headers => { Authorization => $BASIC, %$JSON_TYPE }, body => '{}'],
        ],
        expect => sub {
            saw('unauth', 401);
            sent('unauth', 'GET 401');
            saw('put', 200);
            body_is('put', method => 'PUT', remote_user => 'browser');
            sent('put', 'OPTIONS 204', 'PUT 200');
        },
    },
    {   id => 'error-status', page => 'app',
        steps => [
            [missing => fetch => 'static/missing.txt'],
            [failed  => fetch => 'api/open/fail?status=500'],
        ],
        expect => sub {
            saw('missing', 404);
            saw('failed', 500);
            body_is('failed', method => 'GET');
        },
    },
    {   id => 'subdomain-pattern', page => 'x.pat',
        steps => [[fetch => fetch => 'api/pattern/ok']],
        expect => sub {
            saw('fetch', 200);
            body_is('fetch', origin => $ORIGIN{'x.pat'});
        },
    },
    # *.pat.example.test needs a label before pat.example.test.
    {   id => 'subdomain-pattern-bare', page => 'pat',
        steps => [[fetch => fetch => 'api/pattern/bare']],
        expect => sub { refused('fetch'); sent('fetch', 'GET 200') },
    },
    {   id => 'regex', page => 're-42',
        steps => [[fetch => fetch => 'api/regex/ok']],
        expect => sub {
            saw('fetch', 200);
            body_is('fetch', origin => $ORIGIN{'re-42'});
        },
    },
    {   id => 'regex-nomatch', page => 're-x',
        steps => [[fetch => fetch => 'api/regex/no']],
        expect => sub { refused('fetch'); sent('fetch', 'GET 200') },
    },
    # A sandboxed iframe's calls carry Origin: null. Allowed only where
    # `null` is listed: not by a list without it, nor by the echoed `*`.
    # Static `*` (CorsSendWildcard) answers `*` whatever the origin, and
    # browsers accept that for `null` too.
    {   id => 'null-origin', page => 'app', sandbox => 1,
        steps => [
            [listed   => fetch => 'api/null/ok'],
            [listedx  => xhr   => 'api/null/ok-x'],
            [unlisted => fetch => 'api/open/null'],
            [star     => fetch => 'api/any/null'],
            [static   => fetch => 'api/public/null'],
        ],
        expect => sub {
            for my $s (qw(listed listedx static)) {
                saw($s, 200);
                body_is($s, origin => 'null');
            }
            for my $s (qw(unlisted star)) {
                refused($s);
                sent($s, 'GET 200');
            }
        },
    },
    # The browser's HTTP cache: a cacheable answer (max-age=600) for app is
    # reused for app, but not for other (Vary: Origin): the second origin's
    # call reaches the server and gets its own answer.
    {   id => 'vary-app', page => 'app',
        steps => [
            [first => fetch => 'api/open/cached?cache=600'],
            [again => fetch => 'api/open/cached?cache=600'],
        ],
        expect => sub {
            saw($_, 200) for qw(first again);
            is_(body('again')->{served_at}, body('first')->{served_at},
                'again: answered from the HTTP cache (same body)');
        },
    },
    {   id => 'vary-other', page => 'other',
        steps => [[other => fetch => 'api/open/cached?cache=600']],
        expect => sub {
            saw('other', 200);
            body_is('other', origin => $ORIGIN{other});
            # Two requests in all: app's first call and other's.
            sent('other', 'GET 200', 'GET 200');
        },
    },
    # The backend sets Access-Control-Allow-Origin: http://backend.example.test
    # itself; mod_cors replaces it, and the browser accepts the one value left.
    {   id => 'proxied-backend', page => 'app',
        steps => [
            [fetch => fetch => 'api/proxy/f'],
            [xhr   => xhr   => 'api/proxy/x'],
        ],
        expect => sub {
            for my $s (qw(fetch xhr)) {
                saw($s, 200);
                like_(body($s)->{uri} // '', qr{^/browser/backend/}, "$s: answered by the backend");
            }
        },
    },
    # Last: more than 5 s (the browsers' default preflight cache) after
    # maxage-prime. With CorsMaxAge 600 the same call needs no new preflight,
    # a new header does; without Max-Age the preflight has expired.
    {   id => 'maxage-reuse', page => 'app', after => ['maxage-prime', 6000],
        steps => [
            [same    => fetch => 'api/maxage/x',   method => 'PUT', headers => { 'X-Pf-A' => '1' }],
            [changed => fetch => 'api/maxage/x',   method => 'PUT', headers => { 'X-Pf-B' => '1' }],
            [dflt    => fetch => 'api/nomaxage/x', method => 'PUT', headers => { 'X-Pf-A' => '1' }],
        ],
        expect => sub {
            saw($_, 200) for qw(same changed dflt);
            ok_(($CASE->{waitedMs} // 0) >= 6000, 'ran at least 6 s after maxage-prime');
            # prime's PUT (with preflight), same (none), changed (new one).
            sent('same', 'OPTIONS 204', 'PUT 200', 'PUT 200', 'OPTIONS 204', 'PUT 200');
            # prime's PUT and dflt's, each with a preflight.
            sent('dflt', 'OPTIONS 204', 'PUT 200', 'OPTIONS 204', 'PUT 200');
        },
    },
);

# ---------------------------------------------------- helpers for `expect`
# They check the current engine's current case ($ENGINE, $CASE) and queue
# the assertion in @CHECKS, named "engine: case: ...".
my @CHECKS;
my %LOG;    # "path?query" -> ["METHOD STATUS", ...] from the API's access log

sub check { push @CHECKS, [@_[0 .. $#_ - 1], "$ENGINE: $CASE_ID: $_[-1]"] }
sub ok_        { check(ok        => $_[0] ? 1 : 0, $_[1]) }
sub is_        { check(is        => @_) }
sub like_      { check(like      => @_) }
sub is_deeply_ { check(is_deeply => @_) }

sub result { $CASE->{steps}{$_[0]} || {} }

# The step's response body as JSON (the CGI's echo), {} if none.
sub body {
    my $r = result($_[0]);
    return {} unless $r->{saw} && defined $r->{body};
    return eval { JSON::PP::decode_json($r->{body}) } || {};
}

# The script saw the response, with this status.
sub saw {
    my ($s, $status) = @_;
    my $r = result($s);
    is_($r->{saw} ? 'saw the response' : 'refused: ' . ($r->{error} // 'no result'),
        'saw the response', "$s: script saw the response");
    is_($r->{status}, $status, "$s: status $status");
}

# The browser refused the call with a network error (a TypeError for
# fetch(), an error event for XMLHttpRequest), not a timeout.
sub refused {
    my ($s) = @_;
    my $r = result($s);
    is_($r->{saw} ? "saw status $r->{status}" : $r->{errorName} // 'no result',
        $STEP{$s}{api} eq 'xhr' ? 'error' : 'TypeError', "$s: browser refused the response");
}

# A per-engine expectation, where the engines really differ (each use says
# why): by_engine($engine, chromium => X, firefox => Y).
sub by_engine {
    my ($engine, %want) = @_;
    die "by_engine: no expectation for $engine\n" unless exists $want{$engine};
    return $want{$engine};
}

sub body_is {
    my ($s, %want) = @_;
    my $b = body($s);
    is_($b->{$_}, $want{$_}, "$s: server got $_ '$want{$_}'") for sort keys %want;
}

# What the access log shows for the step's URL, in order: a list, or one
# array ref (from by_engine).
sub sent {
    my ($s, @want) = @_;
    @want = @{ $want[0] } if @want == 1 && ref $want[0];
    is_deeply_($LOG{ $STEP{$s}{uri} } || [], \@want, "$s: requests sent: @want");
}

# ------------------------------------------------------------------ running

# A case's steps for one engine, as the driver takes them, each with `uri`
# (path and query, the access log's key) and `url` (absolute). The query
# starts with this engine's run tag; SESSION in a path becomes a cookie
# value of this engine's.
sub steps_for {
    my ($c, $engine) = @_;
    my @steps;
    for my $st (@{ $c->{steps} }) {
        my ($name, $api, $path, %opt) = @$st;
        $path =~ s/SESSION/c$engine/;
        my ($p, $q) = split /\?/, $path, 2;
        my $uri = "/browser/$p?run=$engine-$run" . (defined $q ? "&$q" : '');
        my $base = delete $opt{by_ip} ? $API_IP : $API;
        push @steps, { name => $name, api => $api, %opt, uri => $uri, url => "$base$uri" };
    }
    return @steps;
}

# The plan for one engine (see t/browser/driver.mjs).
sub plan_for {
    my ($engine) = @_;
    my @cases;
    for my $c (@CASES) {
        push @cases, {
            id => $c->{id}, page => "$ORIGIN{$c->{page}}/page.html",
            sandbox => $c->{sandbox} ? JSON::PP::true : JSON::PP::false,
            ($c->{after} ? (after => { case => $c->{after}[0], ms => $c->{after}[1] }) : ()),
            steps => [steps_for($c, $engine)],
        };
    }
    return { hosts => \@HOSTS, cases => \@cases };
}

# Runs the driver for one engine (t/lib/CorsBrowser.pm), never longer
# than 150 s.
sub run_engine {
    my ($engine, $plan) = @_;
    return CorsBrowser::run($driver, $engine, $plan,
        catfile($t_logs, "browser_$engine"), 150);
}

my $log_mark = -s $api_log || 0;
my %results;
$results{$_} = run_engine($_, plan_for($_)) for @ENGINES;

# The API's access log since this file started: "METHOD /path?query STATUS origin".
if (open my $in, '<', $api_log) {
    seek $in, $log_mark, 0;
    while (my $line = <$in>) {
        my ($method, $uri, $status) = split ' ', $line;
        push @{ $LOG{$uri} }, "$method $status";
    }
}

for my $engine (@ENGINES) {
    local $ENGINE = $engine;
    my $res = $results{$engine};
    local $CASE_ID = 'browser';
    ok_(!$res->{error} && $res->{version}, 'started and drove the browser');
    push @{ $CHECKS[-1] }, $res->{error} if $res->{error};
    for my $c (@CASES) {
        local $CASE_ID = $c->{id};
        local $CASE = $res->{cases}{ $c->{id} } || { steps => {}, error => 'case did not run' };
        local %STEP = map { $_->{name} => $_ } steps_for($c, $engine);
        ok_(!$CASE->{error}, 'case ran');
        push @{ $CHECKS[-1] }, $CASE->{error} if $CASE->{error};
        $c->{expect}->($engine);
    }
}

# The same proxied answer seen by a plain HTTP client: one ACAO line.
my $proxied = cors_request(GET => "http://localhost:$api_port/browser/api/proxy/lwp", $APP);
my @acao = header_values($proxied, $ACAO);

plan tests => @CHECKS + 1, need_module(qw(cors proxy proxy_http headers auth_basic));

CorsBrowser::run_checks(@CHECKS);
is_deeply \@acao, [$APP], 'proxied backend, plain HTTP: exactly one ACAO, the page origin';

for my $engine (@ENGINES) {
    my $r = $results{$engine};
    note(sprintf '%s: %s, %.1f s', $engine, $r->{version} // 'not started', $r->{seconds} // 0);
}
