# Area "http2": the same CORS answers over HTTP/1.1 and HTTP/2
# (config: t/conf/http2.conf.in and t/conf/http2_policy.inc).
#
# Every case is sent in five ways, each a fresh curl process (curl 7.88,
# with nghttp2):
#   h1       HTTP/1.1, cleartext          (the reference)
#   h2c      HTTP/2 with prior knowledge, cleartext
#   upgrade  HTTP/1.1 with `Upgrade: h2c`: httpd switches to HTTP/2 in the
#            handler phase, for a request without a body that gets that
#            far; the others stay HTTP/1.1 (the case says which)
#   tls1     HTTP/1.1 over TLS (ALPN http/1.1), trusting the suite's CA
#   tls2     HTTP/2 over TLS (ALPN h2)
# and must give, in every way: the case's status and its exact set of
# Access-Control-*, Vary and Timing-Allow-Origin lines (compared with
# names in lower case: HTTP/2 sends them so), the same body as HTTP/1.1 on
# the same virtual host, the protocol the way promises, exactly one access
# log line carrying a mod_cors note (the case's decision), and the handler
# run or not as the case says. Then the counters of both virtual hosts must
# have grown by exactly one decision per request.
#
# Last, CorsProtect on a shared HTTP/2 connection (nghttp, several
# concurrent streams): a refused write with a body larger than the flow
# control window gets its 403 and a RST_STREAM NO_ERROR (RFC 9113 8.1:
# "stop sending, no error"), never a GOAWAY; the other streams finish
# with their full bodies, and the connection still serves requests after
# it (HTTP/1.1 closes the connection after a refusal; HTTP/2 streams never
# close the connection).
#
# Mutations caught (see t/README.md): request header names compared with
# case (Origin, Access-Control-Request-*), a refusal that tears down the
# HTTP/2 connection (the main connection aborted), the 101 of an h2c
# Upgrade judged and counted besides its HTTP/2 stream 1, mod_cors
# skipping HTTP/2 requests, a count missing.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsOps qw(parse_prometheus metrics_counts);
use File::Spec::Functions qw(catfile);
use File::Path qw(make_path remove_tree);
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes qw(time sleep);

my $clear_port = Apache::Test::vars('http2_clear_port');
my $tls_port   = Apache::Test::vars('http2_tls_port');
my $t_logs     = Apache::Test::vars('t_logs');
my $ca         = catfile(Apache::Test::vars('t_state'), 'tls', 'ca.pem');
my $log        = catfile($t_logs, 'http2_log');
my $side       = catfile($t_logs, 'http2_side');
my $tmp        = catfile($t_logs, 'http2_tmp');

my $CLEAR = "http://localhost:$clear_port";
my $TLS   = "https://localhost:$tls_port";

# The ways: base URL, curl options, the protocol curl must report.
my %WAY = (
    h1      => { base => $CLEAR, opts => ['--http1.1'], ref => 'h1' },
    h2c     => { base => $CLEAR, opts => ['--http2-prior-knowledge'], ref => 'h1' },
    upgrade => { base => $CLEAR, opts => ['--http2'], ref => 'h1' },
    tls1    => { base => $TLS, opts => ['--http1.1', '--cacert', $ca], ref => 'tls1' },
    tls2    => { base => $TLS, opts => ['--http2', '--cacert', $ca], ref => 'tls1' },
);
my @WAYS = qw(h1 h2c upgrade tls1 tls2);

my $run = sprintf '%x%x', int time, $$;
my $APP  = 'https://app.example';
my $EVIL = 'https://evil.example';
my $BASIC = 'Basic ' . encode_base64('h2user:h2pass', '');
my $BODY = "payload=" . ('b' x 100);

# ---------------------------------------------------------------- the cases
# id, method, path (under /http2/), headers (array: name, value; the value
# SELF is the requesting origin itself), body, and what every way must
# give: status, ac (the sorted "name: value" lines of Access-Control-*,
# Vary and Timing-Allow-Origin, names in lower case), decision (the note),
# ran (the CGI ran: 1, did not: 0; only for k= paths), up (the `Upgrade:
# h2c` way ends on HTTP/2: only a request without a body that reaches the
# handler phase).
my $ALLOW_APP = ["access-control-allow-credentials: true",
                 "access-control-allow-origin: $APP",
                 "access-control-expose-headers: X-Exposed",
                 "vary: Origin"];
my @CASES = (
    { id => 'get-allowed', method => 'GET', path => 'api/data.txt',
      headers => [Origin => $APP],
      status => 200, ac => $ALLOW_APP, decision => 'allowed', up => 1 },
    { id => 'get-regex', method => 'GET', path => 'api/data.txt',
      headers => [Origin => 'https://app2.example.test:8443'],
      status => 200, decision => 'allowed', up => 1,
      ac => ["access-control-allow-credentials: true",
             "access-control-allow-origin: https://app2.example.test:8443",
             "access-control-expose-headers: X-Exposed", "vary: Origin"] },
    { id => 'get-refused', method => 'GET', path => 'api/data.txt',
      headers => [Origin => $EVIL],
      status => 200, ac => ['vary: Origin'], decision => 'refused-origin', up => 1 },
    { id => 'get-no-origin', method => 'GET', path => 'api/data.txt',
      headers => [],
      status => 200, ac => ['vary: Origin'], decision => 'no-origin', up => 1 },
    { id => 'get-cookie', method => 'GET', path => 'api/cgi/x',
      headers => [Origin => $APP, Cookie => 'session=1'],
      status => 200, ac => $ALLOW_APP, decision => 'allowed', up => 1 },
    { id => 'head', method => 'HEAD', path => 'api/data.txt',
      headers => [Origin => $APP],
      status => 200, ac => $ALLOW_APP, decision => 'allowed', up => 1 },
    { id => 'post-allowed', method => 'POST', path => 'api/cgi/x', body => $BODY,
      headers => [Origin => $APP, 'Content-Type' => 'text/plain'],
      status => 200, ac => $ALLOW_APP, decision => 'allowed', up => 0, ran => 1 },
    { id => 'put-refused', method => 'PUT', path => 'api/cgi/x', body => $BODY,
      headers => [Origin => $EVIL, 'X-Custom' => '1'],
      status => 200, ac => ['vary: Origin'], decision => 'refused-origin', up => 0,
      ran => 1 },
    { id => 'preflight-allowed', method => 'OPTIONS', path => 'api/cgi/x',
      headers => [Origin => $APP, 'Access-Control-Request-Method' => 'PUT',
                  'Access-Control-Request-Headers' => 'x-custom, content-type'],
      status => 204, decision => 'preflight-allowed', up => 0, ran => 0,
      ac => ["access-control-allow-credentials: true",
             "access-control-allow-headers: x-custom, content-type",
             "access-control-allow-methods: GET, POST, PUT",
             "access-control-allow-origin: $APP",
             "access-control-max-age: 600", "vary: Origin"] },
    { id => 'preflight-method', method => 'OPTIONS', path => 'api/cgi/x',
      headers => [Origin => $APP, 'Access-Control-Request-Method' => 'DELETE'],
      status => 204, ac => ['vary: Origin'], decision => 'refused-method', up => 0,
      ran => 0 },
    { id => 'preflight-header', method => 'OPTIONS', path => 'api/cgi/x',
      headers => [Origin => $APP, 'Access-Control-Request-Method' => 'PUT',
                  'Access-Control-Request-Headers' => 'x-other'],
      status => 204, ac => ['vary: Origin'], decision => 'refused-headers', up => 0,
      ran => 0 },
    { id => 'preflight-origin', method => 'OPTIONS', path => 'api/data.txt',
      headers => [Origin => $EVIL, 'Access-Control-Request-Method' => 'PUT'],
      status => 204, ac => ['vary: Origin'], decision => 'refused-origin', up => 0 },
    # OPTIONS without Access-Control-Request-Method: no preflight, the CGI
    # answers it.
    { id => 'options-plain', method => 'OPTIONS', path => 'api/cgi/x',
      headers => [Origin => $APP],
      status => 200, ac => $ALLOW_APP, decision => 'allowed', up => 1, ran => 1 },
    { id => 'missing-404', method => 'GET', path => 'api/missing.txt',
      headers => [Origin => $APP],
      status => 404, ac => $ALLOW_APP, decision => 'allowed', up => 1 },
    { id => 'errdoc-404', method => 'GET', path => 'errdoc/missing.txt',
      headers => [Origin => $APP],
      status => 404, decision => 'allowed', up => 1,
      ac => ["access-control-allow-origin: $APP",
             "access-control-expose-headers: X-Exposed", "vary: Origin"] },
    { id => 'cgi-500', method => 'GET', path => 'api/cgi/x?status=500',
      headers => [Origin => $APP],
      status => 500, ac => $ALLOW_APP, decision => 'allowed', up => 1, ran => 1 },
    { id => 'cgi-fail', method => 'GET', path => 'api/cgi/x?fail',
      headers => [Origin => $APP],
      status => 500, ac => $ALLOW_APP, decision => 'allowed', up => 1 },
    { id => 'auth-401', method => 'GET', path => 'auth/data.txt',
      headers => [Origin => $APP],
      status => 401, decision => 'allowed', up => 0,
      ac => ["access-control-allow-credentials: true",
             "access-control-allow-origin: $APP", "vary: Origin"] },
    { id => 'auth-ok', method => 'GET', path => 'auth/data.txt',
      headers => [Origin => $APP, Authorization => $BASIC],
      status => 200, decision => 'allowed', up => 1,
      ac => ["access-control-allow-credentials: true",
             "access-control-allow-origin: $APP", "vary: Origin"] },
    { id => 'auth-preflight', method => 'OPTIONS', path => 'auth/data.txt',
      headers => [Origin => $APP, 'Access-Control-Request-Method' => 'GET'],
      status => 204, decision => 'preflight-allowed', up => 0,
      ac => ["access-control-allow-credentials: true",
             "access-control-allow-methods: GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE",
             "access-control-allow-origin: $APP", "vary: Origin"] },
    # No body here: curl 7.88 takes the RST_STREAM NO_ERROR that follows
    # a complete response to a request whose body is still coming for an
    # error (exit 92), which RFC 9113 8.1 says it must not; refusals with
    # a body are sent with nghttp below.
    { id => 'protect-refused', method => 'POST', path => 'protect/cgi/x',
      headers => [Origin => $EVIL, 'Sec-Fetch-Site' => 'cross-site'],
      status => 403, ac => ['vary: Origin'], decision => 'refused-cross-origin',
      up => 0, ran => 0 },
    { id => 'protect-allowed', method => 'POST', path => 'protect/cgi/x', body => $BODY,
      headers => [Origin => $APP, 'Sec-Fetch-Site' => 'cross-site'],
      status => 200, decision => 'allowed', up => 0, ran => 1,
      ac => ["access-control-allow-origin: $APP", "vary: Origin"] },
    # No Sec-Fetch-Site: the Origin against the Host, which HTTP/2 sends
    # as :authority. Same origin passes (the origin is the way's own).
    { id => 'protect-same-host', method => 'DELETE', path => 'protect/cgi/x',
      headers => [Origin => 'SELF'],
      status => 200, ac => ['vary: Origin'], decision => 'refused-origin', up => 1,
      ran => 1 },
    { id => 'protect-other-host', method => 'DELETE', path => 'protect/cgi/x',
      headers => [Origin => 'http://localhost:1'],
      status => 403, ac => ['vary: Origin'], decision => 'refused-cross-origin',
      up => 0, ran => 0 },
    # Report-only: nothing refused or added; the notes say what would be.
    { id => 'ro-get', method => 'GET', path => 'ro/data.txt',
      headers => [Origin => $APP],
      status => 200, ac => [], decision => 'allowed', up => 1 },
    { id => 'ro-write', method => 'POST', path => 'ro/cgi/x', body => $BODY,
      headers => [Origin => $EVIL, 'Sec-Fetch-Site' => 'cross-site'],
      status => 200, ac => [], decision => 'refused-cross-origin', up => 0, ran => 1 },
    # Header names in any case. HTTP/2 sends them in lower case (curl
    # lower-cases these over h2, and mod_http2 of httpd 2.4 camel-cases
    # them again into headers_in); HTTP/1.1 passes them to the module as
    # the client wrote them: these catch a module that depends on case.
    { id => 'get-lower', method => 'GET', path => 'api/data.txt',
      headers => [origin => $APP, cookie => 'a=1'],
      status => 200, ac => $ALLOW_APP, decision => 'allowed', up => 1 },
    { id => 'preflight-lower', method => 'OPTIONS', path => 'api/data.txt',
      headers => [origin => $APP, 'access-control-request-method' => 'PUT',
                  'access-control-request-headers' => 'X-Custom'],
      status => 204, decision => 'preflight-allowed', up => 0,
      ac => ["access-control-allow-credentials: true",
             "access-control-allow-headers: x-custom",
             "access-control-allow-methods: GET, POST, PUT",
             "access-control-allow-origin: $APP",
             "access-control-max-age: 600", "vary: Origin"] },
    { id => 'preflight-upper', method => 'OPTIONS', path => 'api/data.txt',
      headers => [ORIGIN => $APP, 'ACCESS-CONTROL-REQUEST-METHOD' => 'PUT',
                  'ACCESS-CONTROL-REQUEST-HEADERS' => 'x-other'],
      status => 204, ac => ['vary: Origin'], decision => 'refused-headers', up => 0 },
    { id => 'protect-lower', method => 'POST', path => 'protect/cgi/x',
      headers => [origin => $EVIL, 'sec-fetch-site' => 'cross-site'],
      status => 403, ac => ['vary: Origin'], decision => 'refused-cross-origin',
      up => 0, ran => 0 },
    { id => 'star', method => 'GET', path => 'star/data.txt',
      headers => [Origin => $EVIL],
      status => 200, ac => ['access-control-allow-origin: *'], decision => 'allowed',
      up => 1 },
    { id => 'star-no-origin', method => 'GET', path => 'star/data.txt',
      headers => [],
      status => 200, ac => ['access-control-allow-origin: *'], decision => 'no-origin',
      up => 1 },
);

# ------------------------------------------------------------------ helpers

# Runs a command without a shell; returns (exit status, stdout).
sub run_cmd {
    my @cmd = @_;
    my $pid = open(my $from, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT;
        exec @cmd or print "exec $cmd[0]: $!\n";
        POSIX::_exit(127);
    }
    my $out = do { local $/; <$from> // '' };
    close $from;
    return ($?, $out);
}

sub slurp {
    my ($file) = @_;
    open my $in, '<', $file or return undef;
    local $/;
    my $text = <$in>;
    return $text // '';
}

# One request with curl. Returns {version, status, headers => [[n, v]...],
# body, connects, rc, out}; the headers are those of the last response
# (after a 101, the HTTP/2 one).
my $n = 0;
sub curl {
    my ($way, $method, $url, $headers, $body, @more) = @_;
    my $w = $WAY{$way};
    my ($hfile, $bfile, $dfile) = map { catfile($tmp, "r$n.$_") } qw(head body data);
    $n++;
    my @cmd = ('curl', '-s', '-S', '--max-time', '20', @{ $w->{opts} },
               '-D', $hfile, '-o', $bfile,
               '-w', '%{http_version} %{http_code} %{num_connects}');
    push @cmd, $method eq 'HEAD' ? ('-I') : ('-X', $method);
    my @h = @$headers;
    while (my ($k, $v) = splice @h, 0, 2) {
        push @cmd, '-H', "$k: $v";
    }
    if (defined $body) {
        open my $fh, '>', $dfile or die "$dfile: $!";
        print $fh $body;
        close $fh;
        push @cmd, '--data-binary', "\@$dfile";
    }
    push @cmd, @more, $url;
    my ($rc, $out) = run_cmd(@cmd);
    # curl -I writes the headers where the body would go: a HEAD has none.
    my %r = (rc => $rc, out => $out, headers => [],
             body => $method eq 'HEAD' ? '' : slurp($bfile) // '');
    @r{qw(version status connects)} = split ' ', $out;
    my @blocks = split /\r?\n\r?\n/, slurp($hfile) // '';
    my $last = $blocks[-1] // '';
    for my $line (split /\r?\n/, $last) {
        push @{ $r{headers} }, [$1, $2] if $line =~ /^([^:\s]+):\s*(.*?)\s*$/;
    }
    return \%r;
}

# The Access-Control-*, Vary and Timing-Allow-Origin lines, names in lower
# case, sorted.
sub ac_lines {
    my ($r) = @_;
    return [sort map { lc($_->[0]) . ": $_->[1]" }
            grep { $_->[0] =~ /^(?:access-control-|vary$|timing-allow-origin$)/i }
            @{ $r->{headers} }];
}

sub header_of {
    my ($r, $name) = @_;
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $r->{headers} };
    return join ', ', @v;
}

# The access log lines whose query carries t=KEY, waiting up to 5 s for
# at least $min of them: [port, method, url, status, protocol, cors,
# origin].
sub log_lines {
    my ($key, $min) = @_;
    my @lines;
    for (1 .. 50) {
        @lines = map { [split ' '] } grep { /[?&]t=\Q$key\E(?:&|\s)/ }
                 split /\n/, slurp($log) // '';
        last if @lines >= $min;
        sleep 0.1;
    }
    return @lines;
}

sub metrics {
    my $out = {};
    for my $base ($CLEAR, $TLS) {
        my $r = curl($base eq $CLEAR ? 'h1' : 'tls1', 'GET', "$base/http2/metrics", []);
        my $c = metrics_counts(parse_prometheus($r->{body}));
        $out->{$_} = $c->{$_} for keys %$c;
    }
    return $out;
}

sub side_ran {
    my ($key) = @_;
    return -e catfile($side, $key) ? 1 : 0;
}

# ------------------------------------------------------------------ the plan
my $per_case = 10;
my $concurrent = 2 * 18 + 2 * 2;
plan tests => @CASES * @WAYS * $per_case + 5 + $concurrent;

remove_tree($tmp);
make_path($tmp);
remove_tree($side);
make_path($side);
chmod 01777, $side;   # the CGI runs as nobody under root

my ($ok_curl) = run_cmd('curl', '--version');
ok(!$ok_curl, 'curl runs');
my ($ok_nghttp) = run_cmd('nghttp', '--version');
ok(!$ok_nghttp, 'nghttp runs');

my $before = metrics();
my %want_count;    # "port decision" => N
my %ref;           # "case way" => response

for my $c (@CASES) {
    for my $way (@WAYS) {
        my $w = $WAY{$way};
        my $key = "$c->{id}-$way-$run";
        my $sep = $c->{path} =~ /\?/ ? '&' : '?';
        my $url = "$w->{base}/http2/$c->{path}${sep}t=$key&k=$key";
        my @headers = map { $_ eq 'SELF' ? $w->{base} : $_ } @{ $c->{headers} };
        my $r = curl($way, $c->{method}, $url, \@headers, $c->{body});
        $ref{"$c->{id} $way"} = $r;
        my $name = "$c->{id} over $way";
        my $proto = $way =~ /^(?:h1|tls1)$/ ? '1.1'
                  : $way eq 'upgrade' && !$c->{up} ? '1.1' : '2';

        is($r->{rc}, 0, "$name: curl succeeded") or diag $r->{out};
        is($r->{version}, $proto, "$name: answered over HTTP/$proto");
        is($r->{status}, $c->{status}, "$name: status $c->{status}");
        is_deeply(ac_lines($r), [sort @{ $c->{ac} }], "$name: CORS and Vary lines")
            or diag explain ac_lines($r);
        # Same body as HTTP/1.1 on the same virtual host (error pages
        # name the port); none for HEAD.
        my $ref = $ref{"$c->{id} $w->{ref}"};
        is($r->{body}, $ref->{body}, "$name: body as over HTTP/1.1");
        is(header_of($r, 'X-Exposed'), header_of($ref, 'X-Exposed'),
           "$name: the handler's own headers as over HTTP/1.1");
        ok(!grep({ lc $_->[0] eq 'connection' } @{ $r->{headers} }) || $proto eq '1.1',
           "$name: no Connection header over HTTP/2");

        # Exactly one logged response with a mod_cors note: after an
        # Upgrade, httpd logs the 101 too, with no note.
        my $port = (split /:/, $w->{base})[-1];
        my @lines = log_lines($key, $way eq 'upgrade' && $c->{up} ? 2 : 1);
        my @noted = grep { $_->[5] ne '-' } @lines;
        is(scalar @noted, 1, "$name: one response noted by mod_cors")
            or diag explain \@lines;
        is(($noted[0] // [])->[5] // '', $c->{decision}, "$name: noted $c->{decision}");
        $want_count{"localhost:$port $c->{decision}"}++;
        if (defined $c->{ran}) {
            is(side_ran($key), $c->{ran}, "$name: the CGI " . ($c->{ran} ? 'ran' : 'did not run'));
        }
        else {
            is(($noted[0] // [])->[4] // '', $proto eq '2' ? 'HTTP/2.0' : 'HTTP/1.1',
               "$name: logged with the protocol used");
        }
    }
}

# One count per request, over every way.
my $after = metrics();
my %grown;
for my $server (keys %$after) {
    for my $d (keys %{ $after->{$server} }) {
        next if $d eq 'report-differs';
        my $g = $after->{$server}{$d} - ($before->{$server}{$d} // 0);
        $grown{"$server $d"} = $g if $g;
    }
}
is_deeply(\%grown, \%want_count, 'the counters grew by one decision per request')
    or diag explain { grown => \%grown, want => \%want_count };
# Report-only: ro-get is the one case whose response (no CORS headers)
# gives another verdict than mod_cors would (allowed): one difference per
# way, also after an Upgrade (its 101 is not judged).
for my $port ($clear_port, $tls_port) {
    is(($after->{"localhost:$port"}{'report-differs'} // 0)
       - ($before->{"localhost:$port"}{'report-differs'} // 0),
       scalar(grep { $WAY{$_}{base} =~ /:$port$/ } @WAYS),
       "report-only: one difference counted per ro-get request on port $port");
}

# ------------------------------------------- CorsProtect, concurrent streams
# nghttp opens one connection and sends every URI at once, each on its own
# stream, all POST with the same 200 kB body (more than the 64 kB window):
# the refused write to /protect/, two allowed writes to /open/ that take
# 300 ms and answer 300 kB, and a refused write again.
sub nghttp_streams {
    my ($base, $tag) = @_;
    my $dfile = catfile($tmp, "ng-$tag.data");
    open my $fh, '>', $dfile or die "$dfile: $!";
    print $fh 'b' x 200_000;
    close $fh;
    my %uri = (
        refused1 => "$base/http2/protect/cgi/x?t=ng-r1-$tag-$run&k=ng-r1-$tag-$run",
        open1    => "$base/http2/open/cgi/x?t=ng-o1-$tag-$run&k=ng-o1-$tag-$run&sleep=300&big=300000",
        open2    => "$base/http2/open/cgi/x?t=ng-o2-$tag-$run&k=ng-o2-$tag-$run&sleep=300&big=300000",
        refused2 => "$base/http2/protect/cgi/x?t=ng-r2-$tag-$run&k=ng-r2-$tag-$run",
    );
    my @order = qw(refused1 open1 open2 refused2);
    my ($rc, $out) = run_cmd('timeout', '30', 'nghttp', '-nv', '-d', $dfile,
        '-H', "Origin: $EVIL", '-H', 'Sec-Fetch-Site: cross-site',
        map { $uri{$_} } @order);
    # Streams by path; per stream: status, DATA bytes, RST_STREAM codes.
    my (%by_id, %st, @goaway, $cur);
    for my $line (split /\n/, $out) {
        if ($line =~ /send HEADERS frame <.*stream_id=(\d+)>/) { $cur = $1; next }
        if (defined $cur && $line =~ /^\s+:path: (\S+)/) {
            my ($name) = grep { $uri{$_} =~ /\Q$1\E$/ } @order;
            $by_id{$cur} = $name if $name;
            undef $cur;
            next;
        }
        if ($line =~ /recv \(stream_id=(\d+)\) :status: (\d+)/) {
            $st{$1}{status} = $2;
        }
        elsif ($line =~ /recv DATA frame <length=(\d+), .*stream_id=(\d+)>/) {
            $st{$2}{bytes} += $1;
        }
        elsif ($line =~ /recv RST_STREAM frame <.*stream_id=(\d+)>/) {
            $cur = "rst$1";
        }
        elsif (defined $cur && $cur =~ /^rst(\d+)$/) {
            my $id = $1;
            push @{ $st{$id}{rst} }, $line =~ /error_code=(\w+)/ ? $1 : '?';
            undef $cur;
        }
        elsif ($line =~ /recv GOAWAY/) {
            push @goaway, $line;
        }
    }
    my %res = map { $by_id{$_} => $st{$_} } keys %by_id;
    return ($rc, $out, \%res, \@goaway);
}

for my $base ($CLEAR, $TLS) {
    my $tag = $base eq $CLEAR ? 'h2c' : 'h2';
    my ($rc, $out, $res, $goaway) = nghttp_streams($base, $tag);
    is($rc, 0, "$tag: nghttp finished every stream") or diag $out;
    is(scalar(@$goaway), 0, "$tag: the server sent no GOAWAY") or diag "@$goaway";
    for my $s (qw(refused1 refused2)) {
        is($res->{$s}{status}, 403, "$tag: $s answered 403");
        ok($res->{$s}{bytes}, "$tag: $s got the 403 page");
        my $rst = join ',', @{ $res->{$s}{rst} || [] };
        like($rst, qr/^(?:NO_ERROR)?$/,
             "$tag: $s reset with NO_ERROR, if at all (unread body)");
        is(side_ran("ng-" . ($s eq 'refused1' ? 'r1' : 'r2') . "-$tag-$run"), 0,
           "$tag: $s: the CGI did not run");
    }
    for my $s (qw(open1 open2)) {
        is($res->{$s}{status}, 200, "$tag: $s answered 200 next to the refusals");
        is($res->{$s}{bytes}, 300_000, "$tag: $s got its whole body");
        ok(!$res->{$s}{rst}, "$tag: $s not reset");
        is(side_ran("ng-" . ($s eq 'open1' ? 'o1' : 'o2') . "-$tag-$run"), 1,
           "$tag: $s: the CGI ran");
    }
}

# The connection after a refusal: HTTP/1.1 closes it (mod_cors's
# Connection: close, so that the unread body is never taken for a request);
# over HTTP/2 the next request reuses it (curl --next: one process, one
# connection if it is still open). Not h2c: curl 7.88 cannot reuse a
# prior-knowledge connection at all (two plain GETs with --next fail with
# exit 16), while nghttp above multiplexes on one without trouble.
for my $way (qw(h1 tls2)) {
    my $w = $WAY{$way};
    my $key = "after-$way-$run";
    # curl() puts its URL last: after the --next, the second transfer's.
    my $r = curl($way, 'POST', "$w->{base}/http2/api/data.txt?t=$key-2",
                 [Origin => $EVIL, 'Sec-Fetch-Site' => 'cross-site'], undef,
                 "$w->{base}/http2/protect/cgi/x?t=$key-1&k=$key-1",
                 '--next', @{ $w->{opts} }, '-s', '-o', '/dev/null',
                 '-w', ' %{http_code} %{num_connects}');
    my (undef, $st1, undef, $st2, $conn2) = split ' ', $r->{out};
    is("$st1 $st2", '403 200', "$way: a refused write, then a GET");
    is($conn2, $way eq 'h1' ? 1 : 0,
       $way eq 'h1' ? "$way: the GET needed a new connection"
                    : "$way: the GET reused the HTTP/2 connection");
}
