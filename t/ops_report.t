# Area "ops": Cors ReportOnly next to CORS headers that something else sets
# (config: t/conf/ops.conf.in). Every case is sent, as the same request, to
# three virtual hosts that serve the same files with the same recipe, CGI
# script, proxy and authentication and differ only in mod_cors:
#   ops_plain  no mod_cors directive   ops_ro  Cors ReportOnly   ops_on  Cors On
# and checks:
#   - ops_ro's response is byte for byte ops_plain's (status line, every
#     header line in order, body; only the Date value is masked), and has no
#     CORS-Decision header although its recipe section says CorsDebugHeader On;
#   - the browser's verdict (t/lib/CorsOpsReport.pm fetch_verdict, written from the
#     Fetch standard) on ops_plain's response and on ops_on's is the one the
#     case expects: the table below is checked against real responses, not
#     copied from what mod_cors notes;
#   - ops_ro's notes (%{cors}n %{cors-report}n %{cors-origin}n in its own
#     access log): the decision, "same" or "differs", the origin;
#   - the "report-only: ..." debug line for each difference (which side lets
#     the origin read it or send the request, why the other does not, and
#     whether it was judged credentialed), and none where nothing differs;
#   - CorsReportDiffers in server-status?auto and
#     mod_cors_report_differs_total{server="<ops_ro>"} grow by one for each
#     difference and by nothing otherwise (the plain and On requests included).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsOpsReport;
use MIME::Base64 qw(encode_base64);

my $A    = 'https://a.example';
my $B    = 'https://b.example';
my $C    = 'https://c.example';
my $EVIL = 'https://evil.example';
my $AUTH = 'Authorization: Basic ' . encode_base64('ops:opspass', '');

# Each case: id (the query string, which finds its log lines), path,
# method, origin, extra request lines, preflight (method, headers), cred
# (the request carries Cookie or Authorization), theirs/on (does the
# browser accept ops_plain's / ops_on's response), decision (note cors),
# and for differences the debug line's two halves.
my $RECIPE = '/ops/recipe/data.json';
my $CGI    = '/ops/cgi/ops_api.cgi';
my $KEEP   = '/ops/cgi-keep/ops_api.cgi';
my $PROXY  = '/ops/proxy/data.json';
my $AUTHP  = '/ops/auth/data.txt';

my $NO_ACAO  = 'there is no Access-Control-Allow-Origin';
my $NO_ACAC  = q{Access-Control-Allow-Credentials is not 'true'};
my $NO_METH  = 'the method is not in Access-Control-Allow-Methods';
my $OTHER    = 'Access-Control-Allow-Origin names another origin';
my $NOT_2XX  = q{the preflight's status is not 2xx};

my @CASES = (
    # --- the mod_headers + SetEnvIf + RewriteRule recipe: allows a and b,
    # no credentials; Cors On would allow a and c, with credentials.
    { id => 'r-a',      path => $RECIPE, origin => $A, theirs => 1, on => 1,
      decision => 'allowed' },
    { id => 'r-b',      path => $RECIPE, origin => $B, theirs => 1, on => 0,
      decision => 'refused-origin', why_on => $NO_ACAO },
    { id => 'r-c',      path => $RECIPE, origin => $C, theirs => 0, on => 1,
      decision => 'allowed', why_theirs => $NO_ACAO },
    { id => 'r-evil',   path => $RECIPE, origin => $EVIL, theirs => 0, on => 0,
      decision => 'refused-origin' },
    { id => 'r-a-cookie', path => $RECIPE, origin => $A, cred => 1,
      lines => ['Cookie: session=1'], theirs => 0, on => 1,
      decision => 'allowed', why_theirs => $NO_ACAC },
    { id => 'r-b-auth', path => $RECIPE, origin => $B, cred => 1,
      lines => [$AUTH], theirs => 0, on => 0, decision => 'refused-origin' },
    { id => 'r-none',   path => $RECIPE, origin => undef, decision => 'no-origin' },
    { id => 'r-malformed', path => $RECIPE, origin => "$A/", theirs => 0, on => 0,
      decision => 'malformed' },
    { id => 'r-b-404',  path => '/ops/recipe/missing.json', origin => $B,
      status => 404, theirs => 1, on => 0, decision => 'refused-origin',
      why_on => $NO_ACAO },
    { id => 'r-pf-a',   path => $RECIPE, origin => $A, pf => ['PUT', ['X-Requested-With']],
      status => 204, theirs => 1, on => 1, decision => 'preflight-allowed' },
    { id => 'r-pf-a-patch', path => $RECIPE, origin => $A, pf => ['PATCH'],
      status => 204, theirs => 0, on => 1, decision => 'preflight-allowed',
      why_theirs => $NO_METH },
    { id => 'r-pf-a-delete', path => $RECIPE, origin => $A, pf => ['DELETE'],
      status => 204, theirs => 0, on => 0, decision => 'refused-method' },
    { id => 'r-pf-a-hdr', path => $RECIPE, origin => $A, pf => ['PUT', ['X-Custom']],
      status => 204, theirs => 0, on => 0, decision => 'refused-headers' },
    { id => 'r-pf-b',   path => $RECIPE, origin => $B, pf => ['PUT'],
      status => 204, theirs => 1, on => 0, decision => 'refused-origin',
      why_on => $NO_ACAO },
    { id => 'r-pf-c',   path => $RECIPE, origin => $C, pf => ['PUT'],
      status => 204, theirs => 0, on => 1, decision => 'preflight-allowed',
      why_theirs => $NO_ACAO },

    # --- a CGI script that echoes a and b and answers OPTIONS itself;
    # Cors On would allow a only.
    { id => 'c-a',      path => $CGI, origin => $A, theirs => 1, on => 1,
      decision => 'allowed', marker => 'get' },
    { id => 'c-b',      path => $CGI, origin => $B, theirs => 1, on => 0,
      decision => 'refused-origin', why_on => $NO_ACAO, marker => 'get' },
    { id => 'c-pf-a',   path => $CGI, origin => $A, pf => ['PUT', ['X-Token']],
      theirs => 1, on => 1, decision => 'preflight-allowed', marker => 'options' },
    { id => 'c-pf-b',   path => $CGI, origin => $B, pf => ['PUT'],
      theirs => 1, on => 0, decision => 'refused-origin', why_on => $NO_ACAO,
      marker => 'options' },
    { id => 'c-pf-a-delete', path => $CGI, origin => $A, pf => ['DELETE'],
      theirs => 0, on => 0, decision => 'refused-method', marker => 'options' },
    # mode=star: "*" for methods and headers, with credentials. "*" never
    # covers Authorization, nor anything for a credentialed request.
    { id => 'c-star-pf-a-delete', path => $CGI, query => 'mode=star', origin => $A,
      pf => ['DELETE'], theirs => 1, on => 0, decision => 'refused-method',
      why_on => $NO_ACAO, marker => 'options' },
    { id => 'c-star-pf-a-xfoo', path => $CGI, query => 'mode=star', origin => $A,
      pf => ['PUT', ['X-Foo']], theirs => 1, on => 0, decision => 'refused-headers',
      why_on => $NO_ACAO, marker => 'options' },
    { id => 'c-star-pf-a-authz', path => $CGI, query => 'mode=star', origin => $A,
      pf => ['PUT', ['Authorization']], theirs => 0, on => 0,
      decision => 'refused-headers', marker => 'options' },
    # Browsers never send Cookie on a preflight; a client that does is judged
    # credentialed all the same, which pins the rule for "*" in
    # Access-Control-Allow-Methods.
    { id => 'c-star-pf-a-delete-cookie', path => $CGI, query => 'mode=star',
      origin => $A, pf => ['DELETE'], cred => 1, lines => ['Cookie: session=1'],
      theirs => 0, on => 0, decision => 'refused-method', marker => 'options' },
    # mode=any: "Access-Control-Allow-Origin: *" with
    # "Access-Control-Allow-Credentials: true": no credentialed request
    # accepts "*", whatever the credentials header says.
    { id => 'c-any-b', path => $CGI, query => 'mode=any', origin => $B,
      theirs => 1, on => 0, decision => 'refused-origin', why_on => $NO_ACAO,
      marker => 'get' },
    { id => 'c-any-a-cookie', path => $CGI, query => 'mode=any', origin => $A,
      cred => 1, lines => ['Cookie: session=1'], theirs => 0, on => 0,
      decision => 'allowed', marker => 'get' },
    # /ops/cgi-keep/: the same script, CorsOrigins a and
    # CorsPreserveBackendHeaders On, so Cors On keeps the script's
    # Access-Control-Allow-Origin where it sends one: nothing differs but
    # the preflights, which Cors On answers itself.
    { id => 'k-a',      path => $KEEP, origin => $A, theirs => 1, on => 1,
      decision => 'allowed', marker => 'get' },
    { id => 'k-b',      path => $KEEP, origin => $B, theirs => 1, on => 1,
      decision => 'refused-origin', marker => 'get' },
    { id => 'k-any-c',  path => $KEEP, query => 'mode=any', origin => $C,
      theirs => 1, on => 1, decision => 'refused-origin', marker => 'get' },
    { id => 'k-c',      path => $KEEP, origin => $C, theirs => 0, on => 0,
      decision => 'refused-origin', marker => 'get' },
    { id => 'k-pf-b',   path => $KEEP, origin => $B, pf => ['PUT'],
      theirs => 1, on => 0, decision => 'refused-origin', why_on => $NO_ACAO,
      marker => 'options' },

    # --- a proxied backend whose Header directives send a fixed origin (a)
    # with credentials and GET, PUT; Cors On would allow a and c, GET PUT
    # DELETE, without credentials.
    { id => 'p-a',      path => $PROXY, origin => $A, theirs => 1, on => 1,
      decision => 'allowed', backend => 1 },
    { id => 'p-a-cookie', path => $PROXY, origin => $A, cred => 1,
      lines => ['Cookie: session=1'], theirs => 1, on => 0, decision => 'allowed',
      why_on => $NO_ACAC, backend => 1 },
    { id => 'p-c',      path => $PROXY, origin => $C, theirs => 0, on => 1,
      decision => 'allowed', why_theirs => $OTHER, backend => 1 },
    { id => 'p-evil',   path => $PROXY, origin => $EVIL, theirs => 0, on => 0,
      decision => 'refused-origin', backend => 1 },
    { id => 'p-pf-a',   path => $PROXY, origin => $A, pf => ['PUT'],
      theirs => 1, on => 1, decision => 'preflight-allowed', backend => 1 },
    { id => 'p-pf-a-delete', path => $PROXY, origin => $A, pf => ['DELETE'],
      theirs => 0, on => 1, decision => 'preflight-allowed', why_theirs => $NO_METH,
      backend => 1 },
    { id => 'p-pf-c',   path => $PROXY, origin => $C, pf => ['PUT'],
      theirs => 0, on => 1, decision => 'preflight-allowed', why_theirs => $OTHER,
      backend => 1 },

    # --- Require valid-user: in report-only the preflight is not let
    # through (401, as without mod_cors); Cors On answers it with 204.
    { id => 'a-pf-a',   path => $AUTHP, origin => $A, pf => ['PUT'],
      status => 401, on_status => 204, theirs => 0, on => 1,
      decision => 'preflight-allowed', why_theirs => $NOT_2XX },
    { id => 'a-a',      path => $AUTHP, origin => $A, status => 401,
      theirs => 0, on => 1, decision => 'allowed', why_theirs => $NO_ACAO },
    { id => 'a-a-auth', path => $AUTHP, origin => $A, cred => 1, lines => [$AUTH],
      status => 200, theirs => 0, on => 0, decision => 'allowed' },
    # With CorsAutomaticOptions Off, Cors On leaves the preflight to httpd
    # too: 401 either way, nothing differs.
    { id => 'a-pf-a-manual', path => '/ops/auth/manual/data.txt', origin => $A,
      pf => ['PUT'], status => 401, on_status => 401, theirs => 0, on => 0,
      decision => 'preflight-allowed' },
);

# Assertions per case: 8, +1 status, +1 On status, +1 marker (2 for
# preflights: ops_on never runs the script), +2 backend.
my $tests = 0;
for my $c (@CASES) {
    $tests += 9;
    $tests += 2 if $c->{marker};
    $tests += 3 if $c->{backend};
}
plan tests => $tests + 3, need_module('cors', 'headers', 'rewrite', 'setenvif',
                                      'proxy', 'proxy_http', 'status', 'buffer');

# Every request's query string: the case and this run, so that the logs of
# an earlier run against the same server never match.
my $RUN = "$$-" . time;

my %HP = map { $_ => vhost_hostport($_) } qw(ops_plain ops_ro ops_on);
my ($ro_port) = $HP{ops_ro} =~ /:(\d+)$/;
my $RO_LABEL = "localhost:$ro_port";

# The counters before anything ran: the label of ops_ro must be there.
ok defined metric_value('mod_cors_report_differs_total', server => $RO_LABEL),
    "cors-metrics has mod_cors_report_differs_total{server=\"$RO_LABEL\"}";
ok defined status_auto()->{CorsReportDiffers}, 'server-status?auto has CorsReportDiffers';

sub request_lines {
    my ($c) = @_;
    my @l;
    push @l, "Origin: $c->{origin}" if defined $c->{origin};
    if ($c->{pf}) {
        push @l, "Access-Control-Request-Method: $c->{pf}[0]";
        push @l, 'Access-Control-Request-Headers: ' . join(', ', @{ $c->{pf}[1] })
            if $c->{pf}[1];
    }
    push @l, @{ $c->{lines} || [] };
    return @l;
}

my $backend_seen = sub {
    my ($id) = @_;
    return scalar log_lines_matching('ops_backend_log', qr/^\S+ \S+[?&]\Q$id\E /);
};

for my $c (@CASES) {
    my $t      = $c->{id};
    my $method = $c->{pf} ? 'OPTIONS' : 'GET';
    my $key    = "$c->{id}-$RUN";
    my $url    = "$c->{path}?" . ($c->{query} ? "$c->{query}&" : '') . $key;
    my @lines  = request_lines($c);
    my %verdict_req = (origin => $c->{origin}, cred => $c->{cred} ? 1 : 0,
                       preflight => $c->{pf} ? 1 : 0,
                       method => $c->{pf} ? $c->{pf}[0] : $method,
                       headers => $c->{pf} ? $c->{pf}[1] : []);
    my $differs = defined $c->{origin} && $c->{theirs} != $c->{on};

    my $auto0 = status_auto()->{CorsReportDiffers};
    my $prom0 = metric_value('mod_cors_report_differs_total', server => $RO_LABEL);
    my $mark  = error_log_mark();
    my $ro    = raw_exchange($HP{ops_ro}, $method, $url, @lines);
    my $log   = error_log_since($mark);
    my $plain = raw_exchange($HP{ops_plain}, $method, $url, @lines);
    my $on    = raw_exchange($HP{ops_on}, $method, $url, @lines);
    my $auto1 = status_auto()->{CorsReportDiffers};
    my $prom1 = metric_value('mod_cors_report_differs_total', server => $RO_LABEL);
    my ($rr, $pr, $or) = map { parse_raw($_) } $ro, $plain, $on;

    is normalise_date($ro), normalise_date($plain),
        "$t: report-only response is byte for byte the one without mod_cors";
    ok !grep({ lc $_->[0] eq 'cors-decision' } @{ $rr->{headers} }),
        "$t: no CORS-Decision in report-only";
    is $pr->{status}, $c->{status} // 200, "$t: status without mod_cors";
    is $or->{status}, $c->{on_status} // ($c->{pf} ? 204 : $pr->{status}),
        "$t: status with Cors On";
    SKIP: {
        skip "$t: no Origin, no verdict", 2 unless defined $c->{origin};
        is fetch_verdict($pr, %verdict_req), $c->{theirs},
            "$t: the browser " . ($c->{theirs} ? 'accepts' : 'refuses')
            . ' the response without mod_cors';
        is fetch_verdict($or, %verdict_req), $c->{on},
            "$t: the browser " . ($c->{on} ? 'accepts' : 'refuses')
            . ' the response of Cors On';
    }

    my $n = notes_line('ops_ro_log', $key);
    is_deeply $n ? [@$n{qw(cors report origin)}] : 'no log line',
        [$c->{decision}, $differs ? 'differs' : 'same', $c->{origin} // '-'],
        "$t: notes cors, cors-report, cors-origin";

    my @rep = grep { /report-only: / } split /\n/, $log;
    if ($differs) {
        my $judged = $c->{cred}
            ? 'judged credentialed: the request has Cookie or Authorization'
            : 'judged without credentials';
        my $what = $c->{pf} ? 'send the request' : 'read it';
        my $theirs = $c->{theirs} ? "lets it $what"
                   : "fails the browser's check: $c->{why_theirs}";
        my $ours = $c->{on} ? "let it $what" : "not: $c->{why_on}";
        my $want = "report-only: for origin $c->{origin} ($judged), this response "
                 . "$theirs; Cors On would $ours ($c->{decision})";
        ok @rep == 1 && $rep[0] =~ /\Q$want\E$/,
            "$t: debug line: $want" or diag "logged:\n", join "\n", @rep;
    }
    else {
        is scalar(@rep), 0, "$t: no report-only line when nothing differs"
            or diag join "\n", @rep;
    }
    is_deeply [$auto1 - $auto0, $prom1 - $prom0], $differs ? [1, 1] : [0, 0],
        "$t: CorsReportDiffers and mod_cors_report_differs_total grow by "
        . ($differs ? 1 : 0);

    if ($c->{marker}) {
        my ($mk) = map { $_->[1] } grep { lc $_->[0] eq 'x-ops-cgi' } @{ $rr->{headers} };
        ok defined $mk && $mk eq $c->{marker}
            && $rr->{body} eq "ops cgi answered \U$c->{marker}\E\n",
            "$t: the CGI script answered the " . ($c->{pf} ? 'preflight' : 'request')
            . ' in report-only';
        my $on_ran = grep { lc $_->[0] eq 'x-ops-cgi' } @{ $or->{headers} };
        ok $c->{pf} ? !$on_ran : $on_ran,
            "$t: with Cors On the script " . ($c->{pf} ? 'never ran' : 'ran');
    }
    if ($c->{backend}) {
        ok scalar(grep { lc $_->[0] eq 'x-ops-backend' } @{ $rr->{headers} }),
            "$t: the response comes from the backend";
        # ops_ro, then ops_plain reached the backend; ops_on only for an
        # actual request.
        is $backend_seen->($key), $c->{pf} ? 2 : 3,
            "$t: the backend saw the " . ($c->{pf} ? 'preflight from ops_ro and ops_plain, not ops_on'
                                                  : 'request from each host');
        ok !$c->{pf} || !grep({ lc $_->[0] eq 'x-ops-backend' } @{ $or->{headers} }),
            "$t: Cors On answers the preflight itself";
    }
}

# The whole run: every difference counted once, the ops_on and ops_plain
# requests never.
my @differs = grep { defined $_->{origin} && $_->{theirs} != $_->{on} } @CASES;
is scalar(log_lines_matching('ops_ro_log', qr/-\Q$RUN\E \S+ \S+ differs /)),
    scalar(@differs),
    'as many "differs" lines in the notes log as cases that differ';
