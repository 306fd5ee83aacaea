use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;
use CorsOps;
use IO::Socket::INET ();
use Time::HiRes ();

# Area "ops", the counters under real concurrency (issue 10, part 2). For
# each MPM (event: the long run; worker and prefork: shorter ones), a
# private httpd with several children and a virtual host on a second
# port gets mixed traffic from two wrk runs at once (one per server, many
# connections, every kind of decision plus requests outside any Cors
# section), a graceful restart in the middle, and a few requests whose
# last header line is sent only after that restart, so that
# old-generation children answer them. Then every counter, read from
# server-status?auto (sum over the servers) and from the cors-metrics page
# (per server label), must equal EXACTLY the number of access-log lines
# with that %{cors}n value; the access log's %P shows which children
# served. wrk stops on a timer and drops what is in flight: its own count
# per kind may be lower than the server's, by no more than it dropped.
# Then `-k restart` sets every counter to zero, and one request counts 1.

my $WRK = (grep { -x } map { "$_/wrk" } split /:/, $ENV{PATH} // '')[0];
my @MODULES = qw(status headers mime);

# name => [method, path, header lines, expected %{cors}n]. The kind comes
# back in X-Kind (from the query string), so wrk can count per kind.
my $A = 'https://a.example';
my @KINDS = (
    [allowed     => GET => '/ops/api/f.txt', ["Origin: $A"], 'allowed'],
    [allowed404  => GET => '/ops/api/missing', ["Origin: $A"], 'allowed'],
    [evil        => GET => '/ops/api/f.txt', ['Origin: https://evil.example'],
     'refused-origin'],
    [null        => GET => '/ops/api/f.txt', ['Origin: null'], 'refused-origin'],
    [malformed   => GET => '/ops/api/f.txt', ["Origin: $A/path"], 'malformed'],
    [noorigin    => GET => '/ops/api/f.txt', [], 'no-origin'],
    [pre_ok      => OPTIONS => '/ops/api/f.txt',
     ["Origin: $A", 'Access-Control-Request-Method: PUT',
      'Access-Control-Request-Headers: content-type'], 'preflight-allowed'],
    [pre_method  => OPTIONS => '/ops/api/f.txt',
     ["Origin: $A", 'Access-Control-Request-Method: PATCH'], 'refused-method'],
    [pre_headers => OPTIONS => '/ops/api/f.txt',
     ["Origin: $A", 'Access-Control-Request-Method: PUT',
      'Access-Control-Request-Headers: content-type, x-evil'],
     'refused-headers'],
    [pre_pn      => OPTIONS => '/ops/api/f.txt',
     ["Origin: $A", 'Access-Control-Request-Method: PUT',
      'Access-Control-Request-Private-Network: true'],
     'refused-private-network'],
    [pre_badorigin => OPTIONS => '/ops/api/f.txt',
     ['Origin: https://a.example:99999', 'Access-Control-Request-Method: PUT'],
     'malformed'],
    [plain       => GET => '/ops/plain/f.txt', ["Origin: $A"], '-'],
);
my %EXPECT = map { $_->[0] => $_->[4] } @KINDS;
$EXPECT{slow} = 'allowed';

# Per MPM: seconds of load, wrk connections per server, sizing.
my @RUNS = (
    { mpm => 'event', seconds => 8, connections => 16, threads => 2,
      start_servers => 3, threads_per_child => 4, min_requests => 20000,
      hot => 6 },
    { mpm => 'worker', seconds => 4, connections => 6, threads => 1,
      start_servers => 2, threads_per_child => 10, min_requests => 4000 },
    { mpm => 'prefork', seconds => 4, connections => 6, threads => 1,
      min_requests => 4000,
      # More processes than connections (2 x 6 + the slow ones): each
      # connection has its own child, none waits in the listen queue.
      mpm_config => "StartServers 24\nMinSpareServers 8\nMaxSpareServers 48\n"
                  . "ServerLimit 64\nMaxRequestWorkers 64" },
);
my $SLOW = 3;              # requests per server finished after the graceful
my $PER_RUN = 16;       # + 1 with a hot phase

plan tests => 2 + $PER_RUN * @RUNS + grep { $_->{hot} } @RUNS;

ok $WRK, 'wrk is installed (make deps installs it)';
# (Not grep: Apache::Test's module search clobbers $_.)
my @missing;
for my $m (@MODULES) { push @missing, $m unless CorsHttpd::have_module($m) }
is_deeply \@missing, [], 'the modules the test needs exist';

for my $run (@RUNS) {
    SKIP: {
        skip "no wrk or modules", $PER_RUN + ($run->{hot} ? 1 : 0)
            if !$WRK || @missing;
        run_mpm($run);
    }
}

sub run_mpm {
    my ($run) = @_;
    my $mpm = $run->{mpm};
    my $p2 = CorsHttpd::free_port();
    my $h = CorsHttpd->new(
        name    => "ops_counters_$mpm",
        mpm     => $mpm,
        modules => ['cors', @MODULES],
        log_level => 'warn',
        (map { exists $run->{$_} ? ($_ => $run->{$_}) : () }
             qw(start_servers threads_per_child mpm_config)),
        config  => <<"EOF");
# The main server's label is ServerName:port; with the port written here
# it is the port of the main server's Listen whatever the other Listens.
ServerName localhost:\@Port\@
Listen 127.0.0.1:$p2
LogFormat "%P %v %{local}p %{cors}n %>s %m %U%q" opscount
CustomLog "\@LogDir\@/ops_log" opscount
Header always set X-Kind "expr=%{QUERY_STRING}" early
MaxKeepAliveRequests 1000
<Location /ops/api/>
    Cors On
    CorsOrigins https://a.example
    CorsMethods GET POST PUT
    CorsAllowHeaders Content-Type X-Requested-With
</Location>
<Location /server-status>
    SetHandler server-status
</Location>
<Location /metrics>
    SetHandler cors-metrics
</Location>
# Inherits the main server's sections; its own label and counters.
<VirtualHost 127.0.0.1:$p2>
    ServerName vh.example
</VirtualHost>
EOF
    $h->start;
    my %label = ($h->port => 'localhost:' . $h->port, $p2 => "vh.example:$p2");
    my @urls = ($h->base_url, "http://127.0.0.1:$p2");
    my $mark = $h->error_log_mark;

    my $lua = write_lua($h);
    my @wrk = map {
        start_wrk($h, $lua, $urls[$_], $run, "wrk_$_.out")
    } 0 .. 1;
    Time::HiRes::sleep($run->{seconds} * 0.4);

    # Requests accepted by the old generation, finished after the graceful.
    my @slow = map { slow_start($_) } (($h->hostport) x $SLOW,
                                       ("127.0.0.1:$p2") x $SLOW);
    Time::HiRes::sleep(0.3);
    my %old = map { $_ => 1 } $h->children;
    $h->graceful;
    my @slow_res = map { slow_finish($_) } @slow;

    my @wrk_out = map { finish_wrk($_) } @wrk;
    my $log = settle($h, 'ops_log');

    # --- what the server logged --------------------------------------
    my (%pids, %logged, %by_kind, @wrong);
    my ($lines, $old_lines, $new_lines, @slow_pids) = (0, 0, 0);
    for my $line (split /\n/, $log) {
        my ($pid, $name, $port, $cors, $status, $method, $uri) =
            split / /, $line;
        $lines++;
        my ($kind) = ($uri // '') =~ /[?&]k=(\w+)/;
        next unless defined $kind;       # probes, status and metrics pages
        $pids{$pid}++;
        $old{$pid} ? $old_lines++ : $new_lines++;
        push @slow_pids, $pid if $kind eq 'slow';
        $by_kind{$kind}++;
        push @wrong, "$kind: $cors" unless ($EXPECT{$kind} // '?') eq $cors;
        # The counters' label is ServerName:port, as here.
        $logged{"$name:$port"}{$cors}++ if $cors ne '-';
    }
    my ($sum_client, $dropped, %client) = (0, 0);
    my $wrk_ok = @wrk_out == 2 && !grep { !$_->{ok} } @wrk_out;
    for my $w (@wrk_out) {
        $client{$_} += $w->{kinds}{$_} for keys %{ $w->{kinds} };
        $sum_client += $w->{responses};
        $dropped += $run->{connections} + $w->{errors};
    }
    my $slow_ok = grep { $_->{ok} } @slow_res;
    $client{slow} = $slow_ok;
    $sum_client += $slow_ok;

    ok $wrk_ok, "$mpm: both wrk runs finished and reported"
        or diag map { "$_->{text}\n" } @wrk_out;
    cmp_ok $sum_client, '>=', $run->{min_requests},
        "$mpm: load: $sum_client responses to the client "
        . "($run->{seconds} s, 2 x $run->{connections} connections)";
    cmp_ok scalar(keys %pids), '>=', 2,
        "$mpm: requests served by several children (%P: "
        . join(' ', map { "$_ x$pids{$_}" } sort keys %pids) . ')';
    ok $old_lines && $new_lines,
        "$mpm: both generations served ($old_lines lines by old children, "
        . "$new_lines by new ones)";
    is $slow_ok, 2 * $SLOW,
        "$mpm: the requests finished after the graceful restart were "
        . 'answered and granted';
    is scalar(grep { !$old{$_} } @slow_pids), 0,
        "$mpm: ... by old-generation children (%P: @slow_pids)";
    is_deeply \@wrong, [], "$mpm: every logged %{cors}n is its kind's decision"
        or diag join "\n", @wrong[0 .. ($#wrong > 9 ? 9 : $#wrong)];

    # --- the counters --------------------------------------------------
    my %want_metrics;
    # (overflow) is listed only once something is counted there.
    for my $l (values %label) {
        $want_metrics{$l} = { 'report-differs' => 0,
                              map { $_ => $logged{$l}{$_} // 0 } @DECISIONS };
    }
    my %want_auto = (CorsReportDiffers => 0);
    for my $d (@DECISIONS) {
        $want_auto{ auto_key($d) } = 0;
        $want_auto{ auto_key($d) } += $logged{$_}{$d} // 0 for values %label;
    }
    my $auto = auto_counts($h->url('/server-status?auto'));
    my (undef, $text) = get_text($h->url('/metrics'));
    my $prom = parse_prometheus($text);
    is_deeply $auto, \%want_auto,
        "$mpm: every ?auto counter equals its access-log lines";
    is_deeply metrics_counts($prom), \%want_metrics,
        "$mpm: every metrics counter, per server label, equals its "
        . 'access-log lines';
    is_deeply $prom->{errors}, [], "$mpm: the metrics page parses";
    my $logged_total = 0;
    $logged_total += $by_kind{$_} for keys %by_kind;
    my @under = grep { ($client{$_} // 0) > ($by_kind{$_} // 0) }
                     sort keys %client;
    is_deeply \@under, [], "$mpm: no kind got more answers than the server "
        . 'logged' or diag explain { client => \%client, logged => \%by_kind };
    cmp_ok $logged_total - $sum_client, '<=', $dropped,
        "$mpm: client count $sum_client, server $logged_total: the "
        . "difference is within what wrk dropped (at most $dropped)";
    is_deeply [crash_lines($h->error_log_since($mark))], [],
        "$mpm: no child crashed";

    # --- one hot counter ------------------------------------------------
    # Spread over 20 counters, two threads almost never increment the same
    # one at the same instant; on one counter, an increment that is not
    # atomic loses a few in seconds (2 to 10 per 10 s on 2 CPUs), which
    # the exact comparison sees.
    if ($run->{hot}) {
        my $lmark = -s $h->log_file('ops_log');
        my $w = start_wrk($h, write_lua($h, 'ops_hot.lua', 'allowed'),
                          $urls[0], { %$run, seconds => $run->{hot},
                                      connections => 32 }, 'wrk_hot.out');
        my $hot = finish_wrk($w);
        my $n = () = substr(settle($h, 'ops_log'), $lmark) =~ / allowed /g;
        my $m = metrics_counts(parse_prometheus((get_text($h->url('/metrics')))[1]));
        is $m->{ $label{ $h->port } }{allowed},
            ($logged{ $label{ $h->port } }{allowed} // 0) + $n,
            "$mpm: one hot counter ($hot->{responses} requests in "
            . "$run->{hot} s over 32 connections): still exact";
    }

    # --- a full restart clears them ------------------------------------
    $h->restart;
    my %zero = map { $_ => 0 } @AUTO_KEYS;
    is_deeply auto_counts($h->url('/server-status?auto')), \%zero,
        "$mpm: after -k restart every ?auto counter is 0";
    (undef, $text) = get_text($h->url('/metrics'));
    my @nonzero = map { "$_->{labels}{server} $_->{labels}{decision}" }
        grep { $_->{value} != 0 } @{ parse_prometheus($text)->{samples} };
    is_deeply \@nonzero, [], "$mpm: ... and every metrics counter";
    my $res = cors_request(GET => $h->url('/ops/api/f.txt'), $A);
    (undef, $text) = get_text($h->url('/metrics'));
    my $after = metrics_counts(parse_prometheus($text));
    is_deeply [auto_counts($h->url('/server-status?auto'))->{CorsAllowed},
               $after->{ $label{ $h->port } }{allowed},
               $after->{ $label{$p2} }{allowed}],
        [1, 1, 0], "$mpm: then one allowed request counts 1, for its server";
    $h->stop;
}

# ---------------------------------------------------------------- helpers

# The wrk script: rotates through the kinds (all, or those named), counts
# answers by X-Kind.
sub write_lua {
    my ($h, $name, @only) = @_;
    my %only = map { $_ => 1 } @only;
    my $q = sub { my $s = shift; $s =~ s/([\\"])/\\$1/g; $s =~ s/\r/\\r/g;
                  $s =~ s/\n/\\n/g; qq{"$s"} };
    my @raw = map {
        my ($name, $method, $path, $headers) = @$_;
        $q->(join("\r\n", "$method $path?k=$name HTTP/1.1", 'Host: @HOST@',
                  @$headers) . "\r\n\r\n")
    } grep { !@only || $only{ $_->[0] } } @KINDS;
    my $file = $h->log_file($name // 'ops.lua');
    CorsTest::write_file($file, <<"EOF");
-- written by t/ops_counters.t
local RAW = { @{[ join ",\n  ", @raw ]} }
local threads = {}
function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end
function init(args)
   local host = wrk.host .. ":" .. wrk.port
   list = {}
   for i, r in ipairs(RAW) do list[i] = (string.gsub(r, "\@HOST\@", host)) end
   idx = ((id or 1) * 5) % #list
   counts = {}
end
function request()
   idx = idx % #list + 1
   return list[idx]
end
function response(status, headers, body)
   local kind = "none"
   for name, value in pairs(headers) do
      if string.lower(name) == "x-kind" then
         kind = string.match(value, "k=([%w_]+)") or value
      end
   end
   counts[kind] = (counts[kind] or 0) + 1
end
function done(summary, latency, requests)
   local per = {}
   for _, t in ipairs(threads) do
      for k, n in pairs(t:get("counts") or {}) do per[k] = (per[k] or 0) + n end
   end
   local e = summary.errors
   io.write(string.format("OPS_SUMMARY %d %d %d %d %d\\n", summary.requests,
                          e.connect, e.read, e.write, e.timeout))
   for k, n in pairs(per) do io.write(string.format("OPS_KIND %s %d\\n", k, n)) end
end
EOF
    return $file;
}

sub start_wrk {
    my ($h, $lua, $url, $run, $out) = @_;
    my $file = $h->log_file($out);
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', $file or die "$file: $!";
        open STDERR, '>&', \*STDOUT or die;
        exec $WRK, '-t', $run->{threads}, '-c', $run->{connections},
            '-d', "$run->{seconds}s", '--timeout', '5s', '-s', $lua, "$url/"
            or die "exec $WRK: $!";
    }
    return { pid => $pid, file => $file };
}

# -> { ok, responses, errors, kinds => {kind => n}, text }
sub finish_wrk {
    my ($w) = @_;
    waitpid $w->{pid}, 0;
    my $rc = $?;
    open my $fh, '<', $w->{file} or return { ok => 0, text => "$w->{file}: $!" };
    my $text = do { local $/; <$fh> } // '';
    my %r = (ok => 0, text => $text, kinds => {}, responses => 0, errors => 0);
    if ($rc == 0 && $text =~ /^OPS_SUMMARY (\d+) (\d+) (\d+) (\d+) (\d+)$/m) {
        @r{qw(ok responses errors)} = (1, $1, $2 + $3 + $4 + $5);
    }
    $r{kinds}{$1} = $2 while $text =~ /^OPS_KIND (\S+) (\d+)$/mg;
    return \%r;
}

# A request whose last line (the empty one) comes later.
sub slow_start {
    my ($hostport) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 5)
        or die "connect $hostport: $!";
    $s->autoflush(1);
    print $s "GET /ops/api/f.txt?k=slow HTTP/1.1\r\nHost: $hostport\r\n"
           . "Origin: $A\r\nConnection: close\r\n";
    return $s;
}

sub slow_finish {
    my ($s) = @_;
    print $s "\r\n";
    my $resp = do { local $/; <$s> } // '';
    close $s;
    my $ok = $resp =~ m{^HTTP/1\.1 200 }
          && $resp =~ /^Access-Control-Allow-Origin: \Q$A\E\r$/mi;
    return { ok => $ok, text => $resp };
}

# The access log once nothing is in flight: its size and the counters
# stay the same for a while.
sub settle {
    my ($h, $name) = @_;
    my $file = $h->log_file($name);
    my ($last, $same) = (-1, 0);
    my $until = Time::HiRes::time() + 15;
    while (Time::HiRes::time() < $until && $same < 4) {
        my $size = -s $file // 0;
        $same = $size == $last ? $same + 1 : 0;
        $last = $size;
        Time::HiRes::sleep(0.25);
    }
    open my $fh, '<', $file or die "$file: $!";
    local $/;
    return scalar <$fh>;
}

sub crash_lines {
    my ($text) = @_;
    return grep { /exit signal|AH00052|AH00060|segfault|double free/i }
           split /\n/, $text;
}
