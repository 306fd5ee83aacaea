# Area "http2": real browsers over https + HTTP/2, the deployment shape
# (config: t/conf/http2.conf.in, t/conf/http2_policy.inc; page:
# t/htdocs/http2/page/).
#
# Headless Chromium and Firefox (t/browser/driver.mjs, as for t/browser.t)
# trust the suite's test CA for real (plan ca_file: an NSS database in the
# profile; no certificate error is ignored, so the HTTP cache works as in
# production) and load https://{app,app2,evil}.example.test:PORT/ on the
# virtual host http2_tls (HTTP/2 by ALPN). The page's script calls the API
# /http2/web/ on https://api.example.test, once on http2_tls (HTTP/2) and
# once on http2_tls1 (`Protocols http/1.1`): every case must give the same
# verdict over both, the verdict the case expects, and really be carried
# by the protocol it names: the page sees Resource Timing's
# nextHopProtocol ("h2" or "http/1.1") of its own document and of every
# answer it may read, and the access log (%H) says HTTP/2.0 or HTTP/1.1
# for every request the browser sent, preflights and refused ones too.
#
# A browser that does not start fails this file; it is never skipped.
# Mutations caught: see t/README.md (a broken policy shows as a verdict
# that differs from the expected one over both protocols; t/http2.t
# compares the header bytes).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use JSON::PP ();
use File::Spec::Functions qw(catfile);
use CorsBrowser;
use Time::HiRes qw(time sleep);

my @ENGINES = qw(chromium firefox);

my $t_dir    = Apache::Test::vars('t_dir');
my $t_logs   = Apache::Test::vars('t_logs');
my $driver   = catfile($t_dir, 'browser', 'driver.mjs');
my $ca       = catfile(Apache::Test::vars('t_state'), 'tls', 'ca.pem');
my $log      = catfile($t_logs, 'http2_log');
my $h2_port  = Apache::Test::vars('http2_tls_port');
my $h1_port  = Apache::Test::vars('http2_tls1_port');

my %ORIGIN = map { $_ => "https://$_.example.test:$h2_port" } qw(app app2 evil);
my %API    = (h2 => "https://api.example.test:$h2_port",
              h1 => "https://api.example.test:$h1_port");
my %PROTO  = (h2 => ['h2', 'HTTP/2.0'], h1 => ['http/1.1', 'HTTP/1.1']);
my @HOSTS  = ((map { "$_.example.test" } sort keys %ORIGIN), 'api.example.test');

my $run = sprintf '%x%x', int time, $$;

# ---------------------------------------------------------------- the cases
# Each case runs once per protocol (h2, h1). page: key of %ORIGIN.
# steps: [name, path under /http2/, %opt (method, headers, body,
# credentials)]; every URL gets t=CASE-PROTO-ENGINE-RUN (cache cases: one
# URL for the whole chain, `key` names it). want: per step, the verdict
# (undef: refused, else [status, body prefix, X-Exposed]). log: the
# requests the server must have seen for the case's key, as "METHOD
# STATUS NOTE" in order.
my $CGI_GET = [200, 'http2 cgi: GET', 'yes'];
my @CASES = (
    {   id => 'simple', page => 'app',
        steps => [[get => 'web/cgi/x']],
        want => { get => $CGI_GET },
        log => ['GET 200 allowed'] },
    {   id => 'refused', page => 'evil',
        steps => [[get => 'web/cgi/x']],
        want => { get => undef },
        log => ['GET 200 refused-origin'] },
    {   id => 'put', page => 'app',
        steps => [[put => 'web/cgi/x', method => 'PUT', body => 'x',
                   headers => { 'X-Custom' => '1', 'Content-Type' => 'text/plain' }]],
        want => { put => [200, 'http2 cgi: PUT 1 bytes', 'yes'] },
        log => ['OPTIONS 204 preflight-allowed', 'PUT 200 allowed'] },
    {   id => 'put-refused', page => 'app',
        steps => [[put => 'web/cgi/x', method => 'PUT', body => 'x',
                   headers => { 'X-Other' => '1' }]],
        want => { put => undef },
        log => ['OPTIONS 204 refused-headers'] },
    {   id => 'cred', page => 'app',
        steps => [[get => 'web/cgi/x', credentials => 'include']],
        want => { get => $CGI_GET },
        log => ['GET 200 allowed'] },
    # `*` never goes with credentials: the browser refuses.
    {   id => 'cred-star', page => 'app',
        steps => [[get => 'star/data.txt', credentials => 'include']],
        want => { get => undef },
        log => ['GET 200 allowed'] },
    # A cacheable answer (max-age=600, Vary: Origin) read twice by app,
    # the second time from the HTTP cache (no request), then by app2 on
    # the same site (one cache partition): a new request (a revalidation),
    # allowed for app2, never app's cached answer.
    {   id => 'cache-app', page => 'app', key => 'cache',
        steps => [[first => 'web/cached.txt'], [again => 'web/cached.txt']],
        want => { first => [200, 'http2 cached data', undef],
                  again => [200, 'http2 cached data', undef] },
        log => [] },
    {   id => 'cache-app2', page => 'app2', key => 'cache',
        steps => [[other => 'web/cached.txt']],
        want => { other => [200, 'http2 cached data', undef] },
        # app2's request is a revalidation of app's entry (If-None-Match):
        # the 304 carries app2's own CORS headers, which the browser uses.
        log => ['GET 200 allowed', 'GET 304 allowed'] },
);

sub key_of {
    my ($c, $proto, $engine) = @_;
    return join '-', $c->{key} // $c->{id}, $proto, $engine, $run;
}

sub steps_for {
    my ($c, $proto, $engine) = @_;
    my $key = key_of($c, $proto, $engine);
    return map {
        my ($name, $path, %opt) = @$_;
        { name => $name, url => "$API{$proto}/http2/$path?t=$key", %opt }
    } @{ $c->{steps} };
}

sub plan_for {
    my ($engine) = @_;
    return {
        hosts => \@HOSTS,
        ca_file => $ca,
        cases => [ map { my $c = $_; map { {
            id => "$c->{id}-$_", page => "$ORIGIN{ $c->{page} }/http2/page/page.html",
            sandbox => JSON::PP::false, steps => [steps_for($c, $_, $engine)],
        } } qw(h2 h1) } @CASES ],
    };
}

# Both engines run at once (t/lib/CorsBrowser.pm): the file takes as long
# as the slower one, never longer than 75 s.
sub start_engine {
    my ($engine, $plan) = @_;
    return CorsBrowser::start($driver, $engine, $plan,
        catfile($t_logs, "http2_$engine"));
}

sub finish_engine { return CorsBrowser::finish($_[0], 75) }

# ------------------------------------------------------------------ the run
my $mark = -s $log || 0;
my $t_start = time;
my %running = map { $_ => start_engine($_, plan_for($_)) } @ENGINES;
my %results = map { $_ => finish_engine($running{$_}) } @ENGINES;

# The access log since the start, by key: "METHOD STATUS NOTE" and the
# protocol of each line, in order. Lines are written when a response
# ends: wait until every case's expected lines are there (5 s at most).
my %LOG;
my $want_lines = 0;
$want_lines += @{ $_->{log} } * 2 * @ENGINES for @CASES;
for (1 .. 50) {
    %LOG = ();
    open my $in, '<', $log or last;
    seek $in, $mark, 0;
    my $n = 0;
    while (<$in>) {
        my ($port, $method, $url, $status, $proto, $note) = split ' ';
        next unless $url =~ /[?&]t=([^&\s]+)$/;
        push @{ $LOG{$1} }, ["$method $status $note", $proto];
        $n++;
    }
    last if $n >= $want_lines;
    sleep 0.1;
}

# What the script saw, in a form that compares across protocols.
sub verdict {
    my ($r) = @_;
    return 'missing' unless $r;
    return 'refused' unless $r->{saw};
    return join ' | ', 'saw', $r->{status}, $r->{body} // '', $r->{exposed} // '-',
                       $r->{hidden} // '-';
}

my @checks;
sub check { push @checks, [@_] }

for my $engine (@ENGINES) {
    my $res = $results{$engine};
    check(ok => !$res->{error} && $res->{version}, "$engine: started and drove the browser",
          $res->{error} // '');
    for my $c (@CASES) {
        my %seen;
        for my $proto (qw(h2 h1)) {
            my $name = "$engine $c->{id} over $proto";
            my $cr = $res->{cases}{"$c->{id}-$proto"} || { steps => {}, error => 'did not run' };
            check(ok => !$cr->{error}, "$name: ran", $cr->{error} // '');
            for my $st (@{ $c->{steps} }) {
                my $s = $st->[0];
                my $r = $cr->{steps}{$s};
                my $w = $c->{want}{$s};
                $seen{$proto}{$s} = verdict($r);
                if ($w) {
                    check(ok => $r && $r->{saw}, "$name: $s: the script read the answer",
                          JSON::PP->new->canonical->encode($r // {}));
                    check(is => $r->{status}, $w->[0], "$name: $s: status $w->[0]");
                    check(like => $r->{body} // '', qr/^\Q$w->[1]\E/, "$name: $s: body");
                    check(is => $r->{exposed}, $w->[2], "$name: $s: X-Exposed as exposed");
                    check(is => $r->{hidden}, undef, "$name: $s: X-Hidden not exposed");
                    # A cache hit has no network protocol of its own.
                    if ($s eq 'again') {
                        check(is => $r->{transferSize}, 0,
                              "$name: $s: answered from the HTTP cache");
                    }
                    else {
                        check(is => $r->{protocol}, $PROTO{$proto}[0],
                              "$name: $s: carried by $PROTO{$proto}[0]");
                    }
                }
                else {
                    check(ok => $r && !$r->{saw} && $r->{errorName} eq 'TypeError',
                          "$name: $s: refused by the browser (TypeError)",
                          JSON::PP->new->canonical->encode($r // {}));
                }
                check(is => ($r // {})->{page}, 'h2', "$name: $s: the page came over h2");
            }
            if (@{ $c->{log} }) {
                my $lines = $LOG{ key_of($c, $proto, $engine) } || [];
                check(is_deeply => [map { $_->[0] } @$lines], $c->{log},
                      "$name: the requests the server saw");
                check(is_deeply => [grep { $_->[1] ne $PROTO{$proto}[1] } @$lines], [],
                      "$name: every one of them over $PROTO{$proto}[1]");
            }
        }
        check(is_deeply => $seen{h2}, $seen{h1},
              "$engine $c->{id}: the same verdicts over HTTP/2 and HTTP/1.1");
    }
}

plan tests => scalar @checks, need_module(qw(cors ssl http2));

CorsBrowser::run_checks(@checks);

for my $engine (@ENGINES) {
    my $r = $results{$engine};
    note(sprintf '%s: %s, %.1f s', $engine, $r->{version} // 'not started', $r->{seconds} // 0);
}
note(sprintf 'whole file: %.1f s', time - $t_start);
