# CorsProtect's rule (issue 11; Go's http.CrossOriginProtection, plus
# WebSocket handshakes), row by row, at the header level: every method with
# and without Sec-Fetch-Site, each kind of Origin, Host with and without a
# port, IPv6 hosts, default ports, null, trusted exact / wildcard / regex
# origins, WebSocket handshakes, hostile values over raw sockets; Cors
# ReportOnly; the sections where nothing is judged. Every request goes to
# t/cgi-bin/protect_write.cgi in the vhost "protect" (t/conf/protect.conf.in),
# which leaves a file behind when it runs.
#
# For each request: the status (403 when refused), whether the CGI ran, the
# note %{cors}n, the "CorsProtect" debug line (one, naming the rule, when
# refused; none otherwise), no Access-Control-* header for an origin the
# policy does not allow; at the end the counters (server-status?auto and
# the cors-metrics page of the vhost) have grown by exactly the refusals.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsAttack qw(crash_lines);
use CorsProtect;

plan tests => 2, need_module(qw(cors rewrite include status));

my $H = protect_hostport();                    # localhost:PORT
my ($PORT) = $H =~ /:(\d+)$/;

# The origins of the rule's rows: [name, value, trusted by the policy of
# /protect/on/ (t/conf/protect.conf.in)]. "same" is the Host header as a
# string after the scheme.
my @ORIGINS = (
    [ none          => undef,                          0 ],
    [ untrusted     => 'https://evil.example',         0 ],
    [ same          => "http://$H",                    0 ],
    [ exact         => 'https://trusted.example',      1 ],
    [ wildcard      => 'https://api.wild.example',     1 ],
    [ regex         => 'https://re-abc.example',       1 ],
    [ null          => 'null',                         0 ],
);
my %TRUSTED = map { defined $_->[1] ? ($_->[1] => $_->[2]) : () } @ORIGINS;

# The rule as issue 11 states it, written here independently of the module:
# 'pass', or the decision of the refusal.
sub rule {
    my (%r) = @_;    # method, upgrade, fetch, origin, host, trusted
    my $ws = $r{method} eq 'GET' && defined $r{upgrade}
             && grep { lc $_ eq 'websocket' } split /[\s,]+/, $r{upgrade};
    return 'pass' if !$ws && $r{method} =~ /\A(?:GET|HEAD|OPTIONS)\z/;
    my $refused = $ws ? 'refused-websocket' : 'refused-cross-origin';
    my $trusted = defined $r{origin} && $r{origin} ne 'null'
                  && ($r{trusted} // $TRUSTED{ $r{origin} });
    if (defined $r{fetch}) {
        return 'pass' if $r{fetch} eq 'same-origin' || $r{fetch} eq 'none';
        return $trusted ? 'pass' : $refused;
    }
    return 'pass' unless defined $r{origin};
    my $host = $r{host} // $H;
    return 'pass' if $r{origin} =~ m{://(.*)\z}s && $1 eq $host;
    return $trusted ? 'pass' : $refused;
}

# The reason the debug line must give for a refusal.
sub why {
    my (%r) = @_;
    return defined $r{fetch}
        ? (defined $r{origin}
           ? qr/refused: Sec-Fetch-Site is not same-origin, and the Origin is not one the policy allows/
           : qr/refused: Sec-Fetch-Site is not same-origin, and there is no Origin/)
        : qr/refused: no Sec-Fetch-Site, and the Origin is neither the Host header nor one the policy allows/;
}

my @done;      # every request checked: [name, key, expect, %r]
my %refusals;  # decision => how many, in /protect/on/ and /protect/ro/

# one(name => ..., method, path, origin, fetch, upgrade, host, lines,
# expect, why, ...): one request and its per-request assertions (in a
# subtest). expect: 'pass', 'refused-cross-origin', 'refused-websocket',
# 'report:<decision>' (ReportOnly: let through, noted), 'bad' (httpd's
# 400), 'either' (hostile: refused or passed, consistently).
sub one {
    my (%r) = @_;
    my $name = $r{name};
    my $key = new_key($name);
    my @lines = @{ $r{lines} || [] };
    unshift @lines, "Upgrade: $r{upgrade}", 'Connection: Upgrade' if defined $r{upgrade};
    unshift @lines, "Sec-Fetch-Site: $r{fetch}" if defined $r{fetch} && !$r{raw_fetch};
    unshift @lines, "Origin: $r{origin}" if defined $r{origin} && !$r{raw_origin};
    my $mark = error_log_mark();
    my $res = px(method => $r{method} // 'POST', path => $r{path} // '/protect/on/w',
                 key => $key, lines => \@lines,
                 (exists $r{host} ? (host => $r{host}) : ()),
                 (map { exists $r{$_} ? ($_ => $r{$_}) : () } qw(target version)));
    my $debug = error_log_since($mark);
    my @pl = protect_lines($debug);
    my @ran = ran($key);
    my $expect = $r{expect};
    my $trusted = defined $r{origin} && ($r{trusted} // $TRUSTED{ $r{origin} } // 0);
    my $ok = 1;
    # (every condition in scalar context: a failed match in a list is no
    # argument at all)
    my $t = sub { my ($c, $n) = @_; my $r = Test::More::ok($c, "$name: $n"); $ok &&= $r; $r };
    if ($expect eq 'either') {
        $expect = $res->{status} != 403 ? 'pass'
                : ($r{method} // '') eq 'GET' && defined $r{upgrade} ? 'refused-websocket'
                : 'refused-cross-origin';
        $t->(scalar($res->{status} =~ /\A(?:200|403)\z/), "status 200 or 403 (got $res->{status})");
        $r{why} //= qr/refused: /;
    }
    if ($expect eq 'pass') {
        $t->($res->{status} == 200, "passes: 200 (got $res->{status_line})");
        $t->("@ran" eq ($r{method} // 'POST'), 'the CGI ran once (' . join(',', @ran) . ')');
        $t->(!@pl, 'no CorsProtect debug line') or Test::More::diag(join "\n", @pl);
    }
    elsif ($expect eq 'bad') {
        $t->($res->{status} == 400, "httpd refuses it: 400 (got $res->{status_line})");
        $t->(!@ran, 'the CGI did not run');
        $t->(!@pl, 'no CorsProtect debug line');
    }
    elsif ($expect =~ /\A(?:report:)?(refused-(?:cross-origin|websocket))\z/) {
        my $decision = $1;
        my $report = $expect =~ /^report:/;
        $refusals{$decision}++;
        if ($report) {
            $t->($res->{status} == 200, "report-only: let through, 200 (got $res->{status_line})");
            $t->("@ran" eq ($r{method} // 'POST'), 'report-only: the CGI ran');
        }
        else {
            $t->($res->{status} == 403, "refused: 403 (got $res->{status_line})");
            $t->(!@ran, 'refused: the CGI did not run (' . join(',', @ran) . ')');
            $t->($res->{body} !~ /protect cgi ran/, 'refused: not the CGI\'s body');
        }
        $t->(@pl == 1, 'one CorsProtect debug line (' . scalar(@pl) . ')');
        my $what = $decision eq 'refused-websocket' ? 'WebSocket handshake'
                 : quotemeta($r{method} // 'POST');
        my $ro = $report ? quotemeta(' (report only, let through)') : '';
        $t->(scalar(($pl[0] // '') =~ /CorsProtect$ro: $what \S+ from origin /),
             'the debug line names the method or WebSocket') or Test::More::diag($pl[0] // '(none)');
        my $why = $r{why} // why(%r);
        $t->(scalar(($pl[0] // '') =~ $why), "the debug line says which rule: $why")
            or Test::More::diag($pl[0] // '(none)');
        $expect = $decision;
    }
    else {
        die "bad expectation $expect";
    }
    # Never a grant to an origin the policy does not allow (a refused
    # request included; /protect/null/ grants null to the 403, see there).
    if (!$trusted && !$r{grant_ok}) {
        my @ac = grep { /^access-control-/i } ac_lines($res);
        $t->(!@ac, 'no Access-Control-* header') or Test::More::diag("@ac");
    }
    push @done, [ $name, $key, $expect, \%r ] unless $expect eq 'bad';
    return $ok;
}

my $mark0 = error_log_mark();
side_reset();
my $before = counts();

subtest 'the rule, row by row' => sub {
    # ------------------------------------------------- the whole matrix
    # Every method x Sec-Fetch-Site (none, each value, an unknown one and
    # the wrong case) x Origin, Host "localhost:PORT".
    my @methods = qw(GET HEAD OPTIONS POST PUT PATCH DELETE PROPFIND post);
    my @fetch = (undef, 'same-origin', 'none', 'same-site', 'cross-site',
                 'bogus-value', 'Same-Origin');
    for my $m (@methods) {
        for my $f (@fetch) {
            for my $o (@ORIGINS) {
                my %r = (method => $m, fetch => $f, origin => $o->[1]);
                one(%r, name => "$m sfs=" . ($f // '-') . " origin=$o->[0]",
                    expect => rule(%r));
            }
        }
    }

    # ------------------------------------------------ more origins, POST
    # near misses of the policy, other forms of trusted ones, and the
    # scheme-blind Host comparison.
    my @more = (
        [ 'https same host (scheme ignored, as Go)' => "https://$H",                 0 ],
        [ 'trusted with port'                       => 'http://trusted.example:8080', 1 ],
        [ 'trusted upper case (normalised)'         => 'https://TRUSTED.example',     1 ],
        [ 'trusted with default port'               => 'https://trusted.example:443', 1 ],
        [ 'trusted, other scheme'                   => 'http://trusted.example',      0 ],
        [ 'trusted, other port'                     => 'https://trusted.example:8443', 0 ],
        [ 'wildcard parent itself'                  => 'https://wild.example',        0 ],
        [ 'wildcard, deeper subdomain'              => 'https://a.b.wild.example',    1 ],
        [ 'wildcard, other scheme'                  => 'http://api.wild.example',     0 ],
        [ 'regex miss (digit)'                      => 'https://re-abc1.example',     0 ],
        [ 'suffix of a trusted one'                 => 'https://trusted.example.evil.example', 0 ],
        [ 'same host, other port'                   => "http://localhost:1",          0 ],
        [ 'same host, no port'                      => 'http://localhost',            0 ],
        [ 'same host, upper case (string compare)'  => "http://LOCALHOST:$PORT",      0 ],
    );
    for my $x (@more) {
        for my $f (undef, 'same-site', 'cross-site', 'same-origin') {
            my %r = (method => 'POST', fetch => $f, origin => $x->[1], trusted => $x->[2]);
            one(%r, name => "POST sfs=" . ($f // '-') . " $x->[0]", expect => rule(%r));
        }
    }

    # ---------------------------------------------------- Host headers
    # Without Sec-Fetch-Site the Origin's host[:port] must equal the Host
    # header as a string: no default-port arithmetic, no case folding.
    my @hosts = (
        [ 'h.example',          'http://h.example',          'pass' ],
        [ 'h.example',          'https://h.example',         'pass' ],
        [ 'h.example',          'http://h.example:80',       'refused-cross-origin' ],
        [ 'h.example:80',       'http://h.example',          'refused-cross-origin' ],
        [ 'h.example:80',       'http://h.example:80',       'pass' ],
        [ 'h.example:443',      'https://h.example',         'refused-cross-origin' ],
        [ 'h.example:8080',     'http://h.example:8080',     'pass' ],
        [ 'h.example:8080',     'http://h.example:8081',     'refused-cross-origin' ],
        [ "[::1]:$PORT",        "http://[::1]:$PORT",        'pass' ],
        [ "[::1]:$PORT",        "http://[0:0:0:0:0:0:0:1]:$PORT", 'refused-cross-origin' ],
        [ "[::1]:$PORT",        "http://localhost:$PORT",    'refused-cross-origin' ],
        [ "[::1]:$PORT",        "http://[::1]",              'refused-cross-origin' ],
        [ '[::1]',              'http://[::1]',              'pass' ],
        [ '[::1]:80',           'http://[::1]',              'refused-cross-origin' ],
        [ "127.0.0.1:$PORT",    "http://127.0.0.1:$PORT",    'pass' ],
        [ "127.0.0.1:$PORT",    "http://localhost:$PORT",    'refused-cross-origin' ],
        [ "LOCALHOST:$PORT",    "http://localhost:$PORT",    'refused-cross-origin' ],
        [ 'H.Example',          'http://H.Example',          'pass' ],
        [ 'h.example.',         'http://h.example.',         'pass' ],
        [ 'h.example.',         'http://h.example',          'refused-cross-origin' ],
    );
    for my $h (@hosts) {
        my ($host, $origin, $expect) = @$h;
        is rule(method => 'POST', origin => $origin, host => $host, trusted => 0), $expect,
            "the oracle agrees: Host $host, Origin $origin";
        one(name => "POST Host $host Origin $origin", origin => $origin, host => $host,
            trusted => 0, expect => $expect);
        # Sec-Fetch-Site decides when present, whatever the Host.
        one(name => "POST cross-site Host $host Origin $origin", origin => $origin,
            host => $host, fetch => 'cross-site', trusted => 0,
            expect => 'refused-cross-origin');
        one(name => "POST same-origin Host $host Origin $origin", origin => $origin,
            host => $host, fetch => 'same-origin', trusted => 0, expect => 'pass');
    }
    # HTTP/1.0 without Host: nothing to compare with.
    one(name => 'HTTP/1.0 no Host, same origin', version => 'HTTP/1.0', host => undef,
        origin => "http://$H", trusted => 0, expect => 'refused-cross-origin');
    one(name => 'HTTP/1.0 no Host, no Origin', version => 'HTTP/1.0', host => undef,
        expect => 'pass');
    one(name => 'HTTP/1.0 no Host, trusted', version => 'HTTP/1.0', host => undef,
        origin => 'https://trusted.example', expect => 'pass');
    # An absolute request target: httpd replaces the Host header by its
    # authority (RFC 9112 3.2.2), which is also what Go compares (req.Host).
    one(name => 'absolute target = Origin, other Host header',
        target => "http://$H/protect/on/w", host => 'other.example',
        origin => "http://$H", trusted => 0, expect => 'pass');
    one(name => 'absolute target other, Host header = Origin',
        target => "http://other.example/protect/on/w", host => $H,
        origin => "http://$H", trusted => 0, expect => 'refused-cross-origin');

    # ----------------------------------------------- WebSocket handshakes
    # A GET whose Upgrade lists websocket is judged like a write; other
    # upgrades, and other methods with Upgrade, are not handshakes.
    my @upgrades = ('websocket', 'WebSocket', 'WEBSOCKET', 'h2c', 'h2c, websocket',
                    'websocket, h2c', 'websocketx', 'foo/1, websocket');
    for my $u (@upgrades) {
        for my $f (undef, 'same-origin', 'none', 'same-site', 'cross-site') {
            for my $o (@ORIGINS) {
                my %r = (method => 'GET', upgrade => $u, fetch => $f, origin => $o->[1]);
                one(%r, name => "GET Upgrade '$u' sfs=" . ($f // '-') . " origin=$o->[0]",
                    expect => rule(%r));
            }
        }
    }
    for my $m (qw(HEAD OPTIONS)) {
        for my $o (@ORIGINS) {
            my %r = (method => $m, upgrade => 'websocket', fetch => 'cross-site',
                     origin => $o->[1]);
            one(%r, name => "$m Upgrade websocket cross-site origin=$o->[0] (not a handshake)",
                expect => 'pass');
        }
    }
    # A write with Upgrade: websocket is a write, noted as such.
    one(name => 'POST Upgrade websocket untrusted', method => 'POST',
        upgrade => 'websocket', origin => 'https://evil.example',
        expect => 'refused-cross-origin');
    # A lower-case "get" is an extension method, not GET: a write.
    one(name => 'lower-case get, untrusted', method => 'get',
        origin => 'https://evil.example', expect => 'refused-cross-origin');
    one(name => 'lower-case get with Upgrade websocket, untrusted', method => 'get',
        upgrade => 'websocket', origin => 'https://evil.example',
        expect => 'refused-cross-origin');

    # ------------------------------------------------ null, CorsOrigins null
    # null is never trusted here, even where CorsOrigins lists it (CORS
    # still grants it a read of the 403 page there: the write is refused).
    for my $m (qw(POST DELETE)) {
        for my $f (undef, 'same-site', 'cross-site', 'bogus') {
            one(name => "null listed: $m sfs=" . ($f // '-'), path => '/protect/null/w',
                method => $m, fetch => $f, origin => 'null', trusted => 0,
                grant_ok => 1, expect => 'refused-cross-origin');
        }
        one(name => "null listed: $m same-origin", path => '/protect/null/w',
            method => $m, fetch => 'same-origin', origin => 'null', trusted => 0,
            grant_ok => 1, expect => 'pass');
        one(name => "null listed: $m trusted cross-site", path => '/protect/null/w',
            method => $m, fetch => 'cross-site', origin => 'https://trusted.example',
            expect => 'pass');
    }
    one(name => 'null listed: WebSocket', path => '/protect/null/w', method => 'GET',
        upgrade => 'websocket', origin => 'null', trusted => 0, grant_ok => 1,
        expect => 'refused-websocket');
    my $nul = px(path => '/protect/null/w', lines => ['Origin: null'], key => new_key('null-acao'));
    is $nul->{status}, 403, 'null listed: refused';
    $refusals{'refused-cross-origin'}++;
    is_deeply [lines_of_header($nul, 'Access-Control-Allow-Origin')], ['null'],
        'null listed: the 403 page itself is readable by null (CORS answers it, CorsOrigins null)';

    # ------------------------------------------------------ hostile input
    # Refused or passed by the rule, never a 5xx, never a crash, never a
    # grant. Repeated header lines reach the module merged by httpd
    # ("a, b"): an Origin list is no origin, a Sec-Fetch-Site list is not
    # "same-origin" (Go reads the first line instead: there both pass).
    my $big = 'a' x 5000;
    my @hostile = (
        [ 'Origin with a trailing slash'  => ["Origin: http://$H/"], 'refused-cross-origin' ],
        [ 'Origin with a path'            => ["Origin: http://$H/protect"], 'refused-cross-origin' ],
        [ 'Origin with userinfo'          => ["Origin: http://u\@$H"], 'refused-cross-origin' ],
        [ 'Origin without scheme'         => ["Origin: $H"], 'refused-cross-origin' ],
        # No scheme: not an origin, never the Host's (Go cannot parse it).
        [ 'Origin with an empty scheme'   => ["Origin: ://$H"], 'refused-cross-origin' ],
        [ 'Origin with another scheme'    => ["Origin: ftp://$H"], 'pass' ],
        [ 'Origin list'                   => ["Origin: https://trusted.example, https://evil.example"], 'refused-cross-origin' ],
        [ 'repeated Origin (same)'        => ["Origin: http://$H", "Origin: http://$H"], 'refused-cross-origin' ],
        [ 'repeated Origin (trusted)'     => ['Origin: https://trusted.example', 'Origin: https://trusted.example'], 'refused-cross-origin' ],
        [ 'trusted with trailing slash'   => ['Origin: https://trusted.example/'], 'refused-cross-origin' ],
        [ 'trusted with a space inside'   => ['Origin: https://trusted.example x'], 'refused-cross-origin' ],
        [ 'UTF-8 look-alike of trusted'   => ["Origin: https://tr\xc3\xbcsted.example"], 'refused-cross-origin' ],
        [ 'percent-encoded trusted'       => ['Origin: https://trusted%2eexample'], 'refused-cross-origin' ],
        [ 'Origin of 5000 bytes'          => ["Origin: https://$big.wild.example"], 'refused-cross-origin' ],
        [ 'Origin of 5000 bytes, Sec-Fetch-Site cross-site' => ["Origin: https://$big.wild.example", 'Sec-Fetch-Site: cross-site'], 'refused-cross-origin' ],
        [ 'empty Origin'                  => ['Origin:'], 'refused-cross-origin' ],
        [ 'repeated Sec-Fetch-Site same-origin, no Origin' => ['Sec-Fetch-Site: same-origin', 'Sec-Fetch-Site: same-origin'], 'refused-cross-origin' ],
        [ 'repeated Sec-Fetch-Site, trusted Origin' => ['Origin: https://trusted.example', 'Sec-Fetch-Site: same-origin', 'Sec-Fetch-Site: cross-site'], 'pass' ],
        [ 'Sec-Fetch-Site list'           => ['Origin: https://evil.example', 'Sec-Fetch-Site: same-origin, cross-site'], 'refused-cross-origin' ],
        # Empty is absent, as for Go's Header.Get(): the Origin rules decide.
        [ 'empty Sec-Fetch-Site, no Origin' => ['Sec-Fetch-Site:'], 'pass' ],
        [ 'empty Sec-Fetch-Site, same Origin' => ["Origin: http://$H", 'Sec-Fetch-Site:'], 'pass' ],
        [ 'Sec-Fetch-Site with spaces'    => ['Sec-Fetch-Site:   same-origin   '], 'pass' ],
        [ 'Sec-Fetch-Site of 5000 bytes'  => ["Sec-Fetch-Site: $big"], 'refused-cross-origin' ],
        [ 'Upgrade of 5000 bytes'         => ["Upgrade: $big", 'Origin: https://evil.example'], 'refused-cross-origin' ],
    );
    for my $h (@hostile) {
        my ($name, $lines, $expect) = @$h;
        my ($origin) = map { /^Origin: ?(.*)$/ ? $1 : () } @$lines;
        my @fetch = map { /^Sec-Fetch-Site:/ ? 1 : () } @$lines;
        one(name => "hostile: $name", lines => $lines, origin => $origin,
            raw_origin => 1, fetch => (@fetch ? 'x' : undef), raw_fetch => 1,
            trusted => ($expect eq 'pass' && defined $origin && $origin =~ /trusted/ ? 1 : 0),
            expect => $expect);
    }
    # WebSocket handshakes with hostile Upgrade values: ap_find_token
    # compares a prefix of each token, so "web" counts as websocket here
    # (refused: fail closed); judged or not, never a grant or a crash.
    for my $u ('web', 'websocket/13', "websocket\t", ', ,websocket', 'x' x 5000 . ', websocket') {
        one(name => 'hostile Upgrade ' . CorsAttack::show($u), method => 'GET',
            upgrade => $u, origin => 'https://evil.example', trusted => 0,
            expect => 'either');
    }
    # What httpd itself refuses (400) never reaches the rule.
    one(name => 'hostile: NUL in Origin', lines => ["Origin: http://evil\0.example"],
        expect => 'bad');
    one(name => 'hostile: two Host lines', host => undef,
        lines => ["Host: $H", "Host: $H", "Origin: http://$H"], expect => 'bad');
    one(name => 'hostile: Host of 9000 bytes', host => ('h' x 9000) . '.example',
        lines => ['Origin: http://' . ('h' x 9000) . '.example'], expect => 'bad');
    one(name => 'hostile: Origin of 9000 bytes', lines => ['Origin: https://' . ('a' x 9000)],
        expect => 'bad');
    # A long Host that httpd accepts, and the same Origin: equal strings.
    my $long = join('.', ('abcdefgh' x 7) x 60) . '.example';
    one(name => 'hostile: Host of ' . length($long) . ' bytes = Origin', host => $long,
        origin => "http://$long", trusted => 0, expect => 'pass');
    one(name => 'hostile: Host of ' . length($long) . ' bytes, Origin differs by a byte',
        host => $long, origin => "http://${long}x", trusted => 0,
        expect => 'refused-cross-origin');

    # --------------------------------------------------- Cors ReportOnly
    # The same rule; refusals noted, counted and logged, the request goes
    # on; nothing CORS in the response (report-only never changes one).
    for my $r (
        [ POST => undef,        'https://evil.example',    'report:refused-cross-origin' ],
        [ PUT  => 'cross-site', 'https://evil.example',    'report:refused-cross-origin' ],
        [ DELETE => 'same-site', undef,                    'report:refused-cross-origin' ],
        [ POST => 'cross-site', 'null',                    'report:refused-cross-origin' ],
        [ GET  => 'cross-site', 'https://evil.example',    'report:refused-websocket', 'websocket' ],
        [ POST => 'same-origin', 'https://evil.example',   'pass' ],
        [ POST => undef,        "http://$H",               'pass' ],
        [ POST => 'cross-site', 'https://trusted.example', 'pass' ],
        [ POST => 'cross-site', 'https://x.wild.example',  'pass' ],
        [ GET  => 'cross-site', 'https://re-ok.example',   'pass', 'websocket' ],
        [ GET  => 'cross-site', 'https://evil.example',    'pass' ],
    ) {
        my ($m, $f, $o, $e, $u) = @$r;
        my $res_name = "report-only: $m" . ($u ? ' WebSocket' : '') . ' sfs=' . ($f // '-')
                     . ' origin=' . ($o // '-');
        one(name => $res_name, path => '/protect/ro/w', method => $m, fetch => $f,
            origin => $o, upgrade => $u, expect => $e);
    }
    my $ro = px(path => '/protect/ro/w', key => new_key('ro-trusted'),
                lines => ['Origin: https://trusted.example', 'Sec-Fetch-Site: cross-site']);
    is_deeply [ac_lines($ro)], [], 'report-only: no CORS header even for a trusted origin';

    # ------------------------------------- where nothing is judged at all
    for my $s (
        [ '/protect/plain/w',         'Cors On, CorsProtect unset (default Off)' ],
        [ '/protect/nocors/w',        'CorsProtect On without any Cors directive' ],
        [ '/protect/corsoff/w',       'CorsProtect On with Cors Off' ],
        [ '/protect/on/child-off/w',  'a child section with CorsProtect Off' ],
    ) {
        my ($path, $what) = @$s;
        one(name => "$what: POST cross-site", path => $path, fetch => 'cross-site',
            origin => 'https://evil.example', expect => 'pass', trusted => 0);
        one(name => "$what: WebSocket", path => $path, method => 'GET', upgrade => 'websocket',
            fetch => 'cross-site', origin => 'https://evil.example', expect => 'pass',
            trusted => 0);
    }
    done_testing();
};

subtest 'notes, counters, the server still alive' => sub {
    # The note of every request: the refusal, or the CORS decision.
    my $notes = notes_of(map { $_->[1] } @done);
    for my $d (@done) {
        my ($name, $key, $expect, $r) = @$d;
        my $n = $notes->{$key};
        if (!ref $n) {
            fail("$name: one access-log line (" . ($n // 'none') . ')');
            next;
        }
        if ($expect =~ /^refused-/) {
            is $n->{cors}, $expect, "$name: note cors=$expect";
            my $o = defined $r->{origin} && !$r->{raw_origin} ? $r->{origin} : undef;
            is $n->{origin}, $o, "$name: note cors-origin" if defined $o && length $o < 200;
        }
        else {
            unlike $n->{cors}, qr/^refused-(?:cross-origin|websocket)$/,
                "$name: note is not a CorsProtect refusal ($n->{cors})";
        }
    }
    # The counters: exactly one more per refusal, of its kind.
    my $after = counts();
    for my $d ([ 'refused-cross-origin', 'CorsRefusedCrossOrigin' ],
               [ 'refused-websocket', 'CorsRefusedWebsocket' ]) {
        my ($dec, $auto) = @$d;
        ok $refusals{$dec}, "some requests were refused as $dec";
        is $after->{auto}{$auto} - $before->{auto}{$auto}, $refusals{$dec},
            "server-status?auto $auto grew by the $dec refusals ($refusals{$dec})";
        is $after->{metrics}{$dec} - $before->{metrics}{$dec}, $refusals{$dec},
            "cors-metrics decision=$dec of the vhost grew by as many";
    }
    is_deeply [crash_lines(error_log_since($mark0))], [], 'no child crashed';
    my $res = px(path => '/protect/on/w', key => new_key('alive'),
                 lines => ['Origin: https://trusted.example', 'Sec-Fetch-Site: cross-site']);
    is $res->{status}, 200, 'still alive: a trusted write is served';
    is_deeply [lines_of_header($res, 'Access-Control-Allow-Origin')],
        ['https://trusted.example'], 'still alive: and granted';
    done_testing();
};
