use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;
use CorsOps;

# Area "ops", the counters as pages (issue 10, parts 1 and 2), on a private
# httpd so that every count is known exactly:
#   - server-status?auto: the 11 Cors* lines, in order, zeros included,
#     after mod_status's own lines; each grows by exactly one per request
#     of its kind (and the cors-metrics counter of that server with it);
#   - server-status: the CORS table, server labels HTML-escaped;
#   - cors-metrics: Content-Type, HELP/TYPE, every server x every decision,
#     label escaping, two virtual hosts with the same ServerName:port told
#     apart by ':2' (in configuration order), parseable; HEAD 200, POST 405
#     (Allow: GET); never a CORS header, even in a Cors On section and for
#     a preflight; never served where an .htaccess file set the handler;
#   - what is not counted: requests outside every Cors section (%{cors}n
#     logs '-'), SSI subrequests, responses served by mod_cache (hits skip
#     the CORS filter, whatever CacheQuickHandler says);
#   - an ErrorDocument chain is counted once, its note on the final request.
# Files: t/htdocs/ops/ (tenant/.htaccess: SetHandler cors-metrics).

my @MODULES = qw(status headers include mime cache cache_socache socache_shmcb);
my @missing;
for my $m (@MODULES) { push @missing, $m unless CorsHttpd::have_module($m) }
die "t/ops_status.t: missing modules: @missing\n" if @missing;

my $A    = 'https://a.example';
my $EVIL = 'https://evil.example';
my %P    = map { $_ => CorsHttpd::free_port() } qw(P2 P3 P4 P5);
# A ServerName with what HTML and the Prometheus format must escape.
my $ODD  = q{q"<b>&\\x.example};

my $config = <<'EOF';
# The main server's label is ServerName:port: written here, so that it does
# not depend on which Listen httpd takes for a ServerName without port.
ServerName localhost:@Port@
Listen 127.0.0.1:@P2@
Listen 127.0.0.1:@P3@
Listen 127.0.0.1:@P4@
Listen 127.0.0.1:@P5@
# %<q: the query of the request the client sent (the token the test
# looks for), also after an ErrorDocument's internal redirect.
LogFormat "%v:%{local}p %{cors}n \"%{cors-origin}n\" %{cors-report}n %>s %m %U%<q" opsstatus
CustomLog "@LogDir@/ops_log" opsstatus
CacheSocache shmcb
CacheHeader on
CacheEnable socache /ops/cached/
# Each request of the test has its own ?t=N.
CacheIgnoreQueryString On
<Location /server-status>
    SetHandler server-status
</Location>
<Location /metrics>
    SetHandler cors-metrics
</Location>
<Location /ops/api/>
    Cors On
    CorsOrigins https://a.example
    CorsMethods GET POST PUT
    CorsAllowHeaders Content-Type
    Options +Includes
    AddOutputFilter INCLUDES .shtml
</Location>
# The metrics page inside a Cors On section.
<Location /ops/api/metrics>
    SetHandler cors-metrics
</Location>
<Location /ops/plain/>
    Options +Includes
    AddOutputFilter INCLUDES .shtml
</Location>
<Location /ops/err/>
    Cors On
    CorsOrigins https://a.example
    ErrorDocument 404 /ops/errdoc/404.html
</Location>
# The error document's own section: the requested URL's decides.
<Location /ops/errdoc/>
    Cors On
    CorsOrigins https://e.example
</Location>
# A recipe that lets any origin read, checked by report-only.
<Location /ops/report/>
    Cors ReportOnly
    CorsOrigins https://a.example
    Header set Access-Control-Allow-Origin "*"
</Location>
<Location /ops/cached/>
    Cors On
    CorsOrigins https://a.example
    Header set Cache-Control "max-age=600"
</Location>
<Directory "@DocumentRoot@/ops/tenant">
    AllowOverride FileInfo
</Directory>
# Virtual hosts without any Cors directive: the main server's sections
# apply, each counts under its own label.
<VirtualHost 127.0.0.1:@P2@>
    ServerName "q\"<b>&\x.example"
</VirtualHost>
<VirtualHost 127.0.0.1:@P3@>
    ServerName same.example:8080
</VirtualHost>
<VirtualHost 127.0.0.1:@P4@>
    ServerName same.example:8080
</VirtualHost>
# The cache as a normal handler: its hits still skip the CORS filter.
<VirtualHost 127.0.0.1:@P5@>
    ServerName nq.example
    CacheQuickHandler Off
</VirtualHost>
EOF
$config =~ s/\@(P\d)\@/$P{$1}/g;

plan tests => 91;

my $h = CorsHttpd->new(name => 'ops_status', modules => ['cors', @MODULES],
                       config => $config);
$h->start;

my $MAIN = 'localhost:' . $h->port;
my %LABEL = (
    main => $MAIN,
    odd  => "$ODD:$P{P2}",
    same => 'same.example:8080',
    same2 => 'same.example:8080:2',
    nq   => "nq.example:$P{P5}",
);
my %URL = (main => $h->base_url, odd => "http://127.0.0.1:$P{P2}",
           same => "http://127.0.0.1:$P{P3}", same2 => "http://127.0.0.1:$P{P4}",
           nq => "http://127.0.0.1:$P{P5}");
my $AUTO = $h->url('/server-status?auto');
my $METRICS = $h->url('/metrics');

# --- ?auto on a fresh server ------------------------------------------
# Other modules' status hooks (mod_cache_socache's here) may add lines
# before or after the block.
my @auto = status_auto($AUTO);
my @keys = map { $_->[0] } @auto;
my @at = grep { $keys[$_] =~ /^Cors/ } 0 .. $#keys;
is_deeply [@keys[@at]], \@AUTO_KEYS, '?auto: the 11 Cors lines, in order';
is $at[-1] - $at[0], $#AUTO_KEYS, '?auto: ... one block';
is_deeply [map { $_->[1] } @auto[@at]], [(0) x @AUTO_KEYS],
    '?auto: all zero on a fresh server, zeros listed';
my ($scoreboard) = grep { $keys[$_] eq 'Scoreboard' } 0 .. $#keys;
ok defined $scoreboard && $scoreboard < $at[0]
    && !grep({ $_ eq 'Total Accesses' || $_ eq 'ServerMPM' } @keys[$at[0] .. $#keys]),
    "?auto: after mod_status's own lines (Scoreboard is its last)";

# --- one request of each kind: one more on its line -------------------
my $seq = 0;
my @CASES = (
    ['no Origin', 'no-origin', sub { get("/ops/api/f.txt", undef) }],
    ['allowed', 'allowed', sub { get("/ops/api/f.txt", $A) }],
    ['preflight allowed', 'preflight-allowed',
     sub { pf('/ops/api/f.txt', $A, 'PUT', 'content-type') }],
    ['other origin', 'refused-origin', sub { get('/ops/api/f.txt', $EVIL) }],
    ['preflight, method not allowed', 'refused-method',
     sub { pf('/ops/api/f.txt', $A, 'PATCH') }],
    ['preflight, header not allowed', 'refused-headers',
     sub { pf('/ops/api/f.txt', $A, 'PUT', 'content-type, x-evil') }],
    ['preflight, private network', 'refused-private-network',
     sub { pf('/ops/api/f.txt', $A, 'PUT', undef,
              'Access-Control-Request-Private-Network' => 'true') }],
    ['Origin with a path', 'malformed',
     sub { get('/ops/api/f.txt', "$A/path") }],
    ['Access-Control-Request-Headers not a list', 'malformed',
     sub { pf('/ops/api/f.txt', $A, 'PUT', 'content-type; x') }],
);
for my $c (@CASES) {
    my ($name, $decision, $code) = @$c;
    my ($d_auto, $d_metrics, $tok) = delta($code);
    is_deeply $d_auto, { auto_key($decision) => 1 },
        "$name: ?auto " . auto_key($decision) . ' +1, nothing else';
    is_deeply $d_metrics, { $MAIN => { $decision => 1 } },
        "$name: metrics $MAIN $decision +1, nothing else";
    is logged($tok)->{cors}, $decision, "$name: %{cors}n is $decision";
}

# Report-only: decided and counted as with Cors On; the recipe's '*' lets
# the other origin read, Cors On would not: CorsReportDiffers.
{
    my ($d_auto, $d_metrics, $tok, $res) =
        delta(sub { get('/ops/report/f.txt', $EVIL) });
    is_deeply $d_auto, { CorsRefusedOrigin => 1, CorsReportDiffers => 1 },
        'report-only, differs: CorsRefusedOrigin and CorsReportDiffers +1';
    is_deeply $d_metrics, { $MAIN => { 'refused-origin' => 1,
                                       'report-differs' => 1 } },
        'report-only, differs: the metrics of its server, both +1';
    is_deeply [@{ logged($tok) }{qw(cors report)}], ['refused-origin', 'differs'],
        'report-only: %{cors}n refused-origin, %{cors-report}n differs';
}

# Virtual hosts: each its own label; same ServerName:port -> ':2' for the
# second in the configuration.
for my $v (qw(odd same same2)) {
    my ($d_auto, $d_metrics) = delta(sub { get("$URL{$v}/ops/api/f.txt", $A) });
    is_deeply [$d_auto, $d_metrics],
        [{ CorsAllowed => 1 }, { $LABEL{$v} => { allowed => 1 } }],
        "virtual host $LABEL{$v}: counted under its own label";
}

# --- not counted -------------------------------------------------------
{
    my ($d_auto, $d_metrics, $tok) = delta(sub { get('/ops/plain/f.txt', $A) });
    is_deeply [$d_auto, $d_metrics], [{}, {}],
        'outside every Cors section: not counted';
    is_deeply [@{ logged($tok) }{qw(cors origin)}], ['-', '-'],
        'outside every Cors section: %{cors}n and %{cors-origin}n log -';
}
{
    my ($d_auto, $d_metrics, $tok, $res) =
        delta(sub { get('/ops/plain/page.shtml', $A) });
    like $res->content, qr/before ops api file\s* after/,
        'SSI page outside Cors, including a Cors On file: the include ran';
    is_deeply [$d_auto, $d_metrics], [{}, {}],
        '... the subrequest is not counted';
    is logged($tok)->{cors}, '-', '... and the page logs -';
}
{
    my ($d_auto, $d_metrics, $tok, $res) =
        delta(sub { get('/ops/api/page.shtml', $A) });
    like $res->content, qr/before ops api file\s* after/,
        'SSI page in Cors On including a Cors On file: the include ran';
    is_deeply [$d_auto, $d_metrics],
        [{ CorsAllowed => 1 }, { $MAIN => { allowed => 1 } }],
        '... counted once (the page), not for the subrequest';
    is logged($tok)->{cors}, 'allowed', '... %{cors}n allowed';
}

# --- ErrorDocument: one client request, one count, on the final request
for my $c ([$A, 'allowed', [$A]], [$EVIL, 'refused-origin', []]) {
    my ($origin, $decision, $acao) = @$c;
    my ($d_auto, $d_metrics, $tok, $res) =
        delta(sub { get('/ops/err/missing', $origin) });
    is $res->code, 404, "ErrorDocument, $decision: 404";
    like $res->content, qr/ops error document/,
        "ErrorDocument, $decision: the error document's body";
    is_deeply [header_values($res, $ACAO)], $acao,
        "ErrorDocument, $decision: decided by the requested URL's section";
    is_deeply [$d_auto, $d_metrics],
        [{ auto_key($decision) => 1 }, { $MAIN => { $decision => 1 } }],
        "ErrorDocument, $decision: counted once";
    is_deeply [@{ logged($tok) }{qw(cors status)}], [$decision, 404],
        "ErrorDocument, $decision: %{cors}n (final request) logs it";
}

# --- mod_cache: the miss is counted; hits are neither counted nor noted
for my $v (qw(main nq)) {
    my $url = "$URL{$v}/ops/cached/f.txt";
    my ($d_auto, $d_metrics, $tok, $res) = delta(sub { get($url, $A) });
    is_deeply [cache_verdict($res), [header_values($res, $ACAO)], $d_metrics],
        ['MISS', [$A], { $LABEL{$v} => { allowed => 1 } }],
        "mod_cache ($LABEL{$v}), first request: a miss, granted, counted";
    is logged($tok)->{cors}, 'allowed', '... %{cors}n allowed';
    ($d_auto, $d_metrics, $tok, $res) = delta(sub { get($url, $A) });
    is_deeply [cache_verdict($res), [header_values($res, $ACAO)]], ['HIT', [$A]],
        "mod_cache ($LABEL{$v}), again: a hit, with the stored grant";
    is_deeply [$d_auto, $d_metrics], [{}, {}], '... not counted';
    is logged($tok)->{cors}, '-', '... %{cors}n logs -';
}

# --- server-status: the table -----------------------------------------
{
    my (undef, $html) = get_text($h->url('/server-status'));
    like $html, qr{<h2>CORS decisions \(mod_cors\)</h2>},
        'server-status: the CORS heading';
    my $head = join '', '<tr><th>Server</th>',
        (map { "<th>$_</th>" } @DECISIONS, 'report-differs'), '</tr>';
    ok index($html, $head) >= 0,
        'server-status: a column per decision, and report-differs';
    my %rows;
    while ($html =~ m{<tr><td>([^<]*)</td>((?:<td>\d+</td>)+)</tr>}g) {
        my ($label, $cells) = ($1, $2);
        $rows{$label} = [$cells =~ /(\d+)/g];
    }
    my $m = metrics_counts(parse_prometheus((get_text($METRICS))[1]));
    my %want;
    for my $l (values %LABEL) {
        $want{ html($l) } = [map { $m->{$l}{$_} } @DECISIONS, 'report-differs'];
    }
    is_deeply \%rows, \%want,
        'server-status: a row per server, labels HTML-escaped, the metrics '
        . 'counts ((overflow) hidden while 0)';
    unlike $html, qr/<b>&/, 'server-status: the raw label never appears';
}

# --- cors-metrics: format ---------------------------------------------
{
    my ($res, $text) = get_text($METRICS);
    is $res->header('Content-Type'), 'text/plain; version=0.0.4',
        'metrics: Content-Type text/plain; version=0.0.4';
    my $p = parse_prometheus($text);
    is_deeply $p->{errors}, [], 'metrics: every line parses';
    is_deeply $p->{type}, { mod_cors_decisions_total => 'counter',
                            mod_cors_report_differs_total => 'counter' },
        'metrics: TYPE counter for both families';
    is_deeply [sort keys %{ $p->{help} }],
        [qw(mod_cors_decisions_total mod_cors_report_differs_total)],
        'metrics: HELP for both families';
    my $m = metrics_counts($p);
    is_deeply { map { $_ => [sort keys %{ $m->{$_} }] } keys %$m },
        { map { $_ => [sort @DECISIONS, 'report-differs'] }
              values(%LABEL) },
        'metrics: every server with every decision ((overflow) only once used)';
    my @labels = map { $_->{labels}{server} }
                 grep { $_->{labels}{decision} && $_->{labels}{decision} eq 'allowed' }
                 @{ $p->{samples} };
    is_deeply \@labels, [@LABEL{qw(main odd same same2 nq)}],
        'metrics: servers listed in configuration order';
    ok index($text, qq{server="q\\"<b>&\\\\x.example:$P{P2}"}) >= 0,
        'metrics: quote and backslash of a label escaped';
    ok !grep({ $_->{labels}{server} =~ /evil|a\.example/ } @{ $p->{samples} }),
        'metrics: no Origin ever becomes a label';

    $res = cors_request(HEAD => $METRICS, undef);
    is_deeply [$res->code, $res->header('Content-Type'), $res->content],
        [200, 'text/plain; version=0.0.4', ''], 'metrics: HEAD 200, no body';
    $res = cors_request(POST => $METRICS, undef, Content => 'x=1');
    is $res->code, 405, 'metrics: POST 405';
    like $res->header('Allow') // '', qr/\bGET\b/, 'metrics: ... Allow: GET';
}

# --- cors-metrics: never CORS headers, never counted -------------------
{
    my ($d_auto, $d_metrics, $tok, $res) =
        delta(sub { get('/ops/api/metrics', $A) });
    is $res->code, 200, 'metrics in a Cors On section: served';
    is_deeply [cors_lines($res)], [], '... without any Access-Control-* header';
    is_deeply [$d_auto, $d_metrics], [{}, {}], '... not counted';
    is logged($tok)->{cors}, '-', '... %{cors}n logs -';
    ($d_auto, $d_metrics, $tok, $res) =
        delta(sub { pf('/ops/api/metrics', $A, 'GET', 'content-type') });
    is $res->code, 405, 'a preflight to the metrics URL: 405, not answered';
    is_deeply [cors_lines($res)], [], '... without any Access-Control-* header';
    is_deeply [$d_auto, $d_metrics], [{}, {}], '... not counted';
}

# --- cors-metrics from an .htaccess file: refused ----------------------
{
    my $mark = $h->error_log_mark;
    my $res = get('/ops/tenant/x', undef);
    is $res->code, 403, '.htaccess SetHandler cors-metrics: 403';
    unlike $res->content, qr/mod_cors_decisions_total/, '... no counters';
    like $h->error_log_since($mark),
        qr/cors-metrics handler does not answer where an \.htaccess file applies/,
        '... and the error log says why';
}

# --- a graceful restart keeps them --------------------------------------
{
    my $auto = auto_counts($AUTO);
    my $m = metrics_counts(parse_prometheus((get_text($METRICS))[1]));
    $h->graceful;
    is_deeply [auto_counts($AUTO), metrics_counts(parse_prometheus(
        (get_text($METRICS))[1]))], [$auto, $m],
        'a graceful restart keeps every counter';
}

$h->stop;

# ---------------------------------------------------------------- helpers

# One request; the URL gets ?t=N, so that logged() finds its line.
sub get {
    my ($path, $origin, @headers) = @_;
    return cors_request(GET => tagged($path), $origin, @headers);
}

sub pf {
    my ($path, $origin, $method, $acrh, @headers) = @_;
    return preflight(tagged($path), $origin, $method, $acrh, @headers);
}

sub tagged {
    my ($path) = @_;
    $seq++;
    my $url = $path =~ m{^http} ? $path : $h->url($path);
    return $url . ($url =~ /\?/ ? '&' : '?') . "t=$seq";
}

# delta(sub { request }) -> (?auto changes, metrics changes, tag, response):
# only what changed, { key => difference } and { server => { decision =>
# difference } }.
sub delta {
    my ($code) = @_;
    my $a0 = auto_counts($AUTO);
    my $m0 = metrics_counts(parse_prometheus((get_text($METRICS))[1]));
    my $res = $code->();
    my $tok = $seq;
    my $a1 = auto_counts($AUTO);
    my $m1 = metrics_counts(parse_prometheus((get_text($METRICS))[1]));
    my (%da, %dm);
    for (keys %$a1) {
        my $d = $a1->{$_} - ($a0->{$_} // 0);
        $da{$_} = $d if $d;
    }
    for my $s (keys %$m1) {
        for (keys %{ $m1->{$s} }) {
            my $d = $m1->{$s}{$_} - ($m0->{$s}{$_} // 0);
            $dm{$s}{$_} = $d if $d;
        }
    }
    return (\%da, \%dm, $tok, $res);
}

# The access-log line of request ?t=N: { server, cors, origin, report, status }.
sub logged {
    my ($tok) = @_;
    for (split /\n/, read_ops_log()) {
        next unless m{[?&]t=\Q$tok\E(?:&|$)};
        my ($server, $cors, $origin, $report, $status) =
            /^(\S+) (\S+) "(.*)" (\S+) (\d+) /;
        return { server => $server, cors => $cors, origin => $origin,
                 report => $report, status => $status };
    }
    return {};
}

sub read_ops_log {
    open my $fh, '<', $h->log_file('ops_log') or return '';
    local $/;
    return scalar <$fh>;
}

sub cache_verdict {
    my ($res) = @_;
    my ($v) = (($res->header('X-Cache') // '') =~ /^(HIT|MISS|REVALIDATE)/);
    return $v // 'none';
}

sub html {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g;
    return $s;
}
