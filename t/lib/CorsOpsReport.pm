package CorsOpsReport;
# Helpers of the "ops" area (t/ops_report.t, t/ops_debug.t): raw exchanges
# whose bytes can be compared, the notes log of t/conf/ops.conf.in, the
# counters (server-status?auto, the cors-metrics handler), and the browser's
# verdict on a response per the Fetch standard, as the tests' own oracle.
use strict;
use warnings;

use Apache::Test ();
use IO::Socket::INET ();
use IO::Select ();
use Time::HiRes qw(sleep time);
use Exporter 'import';

our @EXPORT = qw(
    vhost_hostport main_hostport raw_exchange parse_raw normalise_date
    notes_line log_lines_matching status_auto metric_value
    fetch_verdict tchar_sanitise
);

# localhost:PORT of an Apache::Test vhost, and of the main server.
sub vhost_hostport {
    my ($name) = @_;
    my $hp = Apache::Test::config()->{vhosts}{$name}{hostport}
        or die "no vhost $name in the test config\n";
    return $hp;
}

sub main_hostport {
    my $cfg = Apache::Test::config();
    return "$cfg->{vars}{servername}:$cfg->{vars}{port}";
}

# raw_exchange($hostport, $method, $path, @lines): one HTTP/1.1 request
# with Host, the given header lines verbatim (each without its CRLF) and
# Connection: close; returns every byte of the response, read to EOF.
sub raw_exchange {
    my ($hostport, $method, $path, @lines) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 10)
        or die "connect $hostport: $!";
    binmode $sock;
    print $sock join '', "$method $path HTTP/1.1\r\n", "Host: $hostport\r\n",
        map({ "$_\r\n" } @lines), "Connection: close\r\n\r\n";
    my ($buf, $sel) = ('', IO::Select->new($sock));
    while ($sel->can_read(10)) {
        my $n = sysread $sock, $buf, 65536, length $buf;
        last unless $n;
    }
    close $sock;
    return $buf;
}

# parse_raw($bytes) -> { status, status_line, headers => [[name, value]...],
# body }: the header lines in the order received.
sub parse_raw {
    my ($bytes) = @_;
    my ($head, $body) = split /\r\n\r\n/, $bytes, 2;
    $head //= '';
    my ($line, @rest) = split /\r\n/, $head;
    my ($status) = ($line // '') =~ m{^HTTP/1\.\d (\d{3})};
    return {
        status      => $status || 0,
        status_line => $line // '',
        headers     => [ map { /^([^:]+):[ \t]*(.*)$/ ? [$1, $2] : () } @rest ],
        body        => $body // '',
    };
}

# The response with its Date value replaced: two responses a second apart
# differ there and nowhere else.
sub normalise_date {
    my ($bytes) = @_;
    $bytes =~ s/^(Date:) [^\r\n]*\r$/$1 (date)\r/mi;
    return $bytes;
}

# notes_line($file, $key): the fields of the line of the notes log (format
# ops_notes: "%m %U%q %>s %{cors}n %{cors-report}n %{cors-origin}n") whose
# query string ends with the word $key, waiting up to 5 s for httpd to write it
# (it logs after sending the response). undef if there is none; dies if
# there are several.
sub notes_line {
    my ($file, $key) = @_;
    my $deadline = time + 5;
    while (1) {
        my @hits = log_lines_matching($file, qr/^\S+ \S+[?&]\Q$key\E /);
        die "several lines for $key in $file\n" if @hits > 1;
        if (@hits) {
            my @f = split / /, $hits[0];
            return { method => $f[0], url => $f[1], status => $f[2],
                     cors => $f[3], report => $f[4], origin => $f[5] };
        }
        return undef if time > $deadline;
        sleep 0.05;
    }
}

# Every line of a log file under t/logs that matches $re (no newline).
sub log_lines_matching {
    my ($file, $re) = @_;
    my $path = Apache::Test::vars('t_logs') . "/$file";
    open my $fh, '<', $path or return;
    my @out;
    while (my $l = <$fh>) {
        chomp $l;
        push @out, $l if $l =~ $re;
    }
    return @out;
}

# server-status?auto of the main server as a hash (key => value).
sub status_auto {
    my $r = parse_raw(raw_exchange(main_hostport(), GET => '/server-status?auto'));
    die "server-status: $r->{status_line}\n" unless $r->{status} == 200;
    my %h;
    for (split /\n/, $r->{body}) {
        $h{$1} = $2 if /^([^:]+): (.*)$/;
    }
    return \%h;
}

# metric_value($name, %labels): the value of one sample of the cors-metrics
# handler (/ops/metrics on the main server), undef if absent.
sub metric_value {
    my ($name, %labels) = @_;
    my $r = parse_raw(raw_exchange(main_hostport(), GET => '/ops/metrics'));
    die "metrics: $r->{status_line}\n" unless $r->{status} == 200;
    my $want = join ',', map { qq{$_="$labels{$_}"} } sort keys %labels;
    for (split /\n/, $r->{body}) {
        next unless /^\Q$name\E\{([^}]*)\} (\d+)$/;
        my ($l, $v) = ($1, $2);
        my $got = join ',', sort split /,/, $l;
        return $v if $got eq $want;
    }
    return undef;
}

# fetch_verdict($res, %req): does the browser let the script read the
# response (actual request) or send the actual request (preflight)? Written
# from the Fetch standard, independently of mod_cors: the CORS check
# (https://fetch.spec.whatwg.org/#cors-check) and, for a preflight, the
# status and the CORS-preflight fetch's method and header checks.
# $res: parse_raw() result; %req: origin, cred (0/1), preflight (0/1),
# method, headers (array ref of requested header names).
# Returns 1 (allowed) or 0.
sub fetch_verdict {
    my ($res, %req) = @_;
    my %h;
    for (@{ $res->{headers} }) {
        push @{ $h{lc $_->[0]} }, $_->[1];
    }
    # "get" a header: all lines combined with ", ", or undef.
    my $get = sub { my $v = $h{lc $_[0]}; $v ? join(', ', @$v) : undef };
    my $list = sub {
        my $v = $get->($_[0]);
        return defined $v ? grep { length } map { s/^[ \t]+|[ \t]+$//gr } split /,/, $v : ();
    };
    return 0 if $req{preflight} && ($res->{status} < 200 || $res->{status} > 299);
    my $acao = $get->('Access-Control-Allow-Origin');
    return 0 unless defined $acao;
    unless (!$req{cred} && $acao eq '*') {
        return 0 unless $acao eq $req{origin};
        if ($req{cred}) {
            my $acac = $get->('Access-Control-Allow-Credentials');
            return 0 unless defined $acac && $acac eq 'true';
        }
    }
    return 1 unless $req{preflight};
    my @methods = $list->('Access-Control-Allow-Methods');
    my $m = $req{method};
    if (!grep({ $_ eq $m } @methods) && $m !~ /^(?:GET|HEAD|POST)$/
        && ($req{cred} || !grep { $_ eq '*' } @methods)) {
        return 0;
    }
    my @names = $list->('Access-Control-Allow-Headers');
    my $star = !$req{cred} && grep { $_ eq '*' } @names;
    for my $n (@{ $req{headers} || [] }) {
        next if grep { lc $_ eq lc $n } @names;
        return 0 if !$star || lc $n eq 'authorization';
    }
    return 1;
}

# A request value as CorsDebugHeader shows it: the first 40 bytes, every
# byte that is not an RFC 9110 tchar replaced by '?'.
sub tchar_sanitise {
    my ($v) = @_;
    my $s = substr $v, 0, 40;
    $s =~ s/[^!#\$%&'*+\-.^_`|~0-9A-Za-z]/?/g;
    return $s;
}

1;
