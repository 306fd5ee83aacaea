package CorsProtect;
# Helpers of the "protect" area (t/protect_*.t, t/conf/protect.conf.in):
# raw requests to the virtual host "protect" with every header line under
# the test's control (Host included), the side effect of
# t/cgi-bin/protect_write.cgi (did the handler run?), the access log's
# notes, the CorsProtect debug lines and the counters.
use strict;
use warnings;

use Apache::Test ();
use IO::Socket::INET ();
use IO::Select ();
use File::Path ();
use Time::HiRes qw(sleep time);
use CorsTest;
use CorsOps qw(parse_prometheus metrics_counts);
use Exporter 'import';

our @EXPORT = qw(
    protect_hostport new_key px side_reset ran notes_of
    protect_lines counts lines_of_header ac_lines
);

# localhost:PORT of the virtual host "protect".
sub protect_hostport {
    my $hp = Apache::Test::config()->{vhosts}{protect}{hostport}
        or die "no vhost protect in the test config\n";
    return $hp;
}

# A key for the query word k=: unique in this run, readable in logs.
my $seq = 0;
sub new_key {
    my ($tag) = @_;
    $tag = defined $tag ? substr($tag =~ s/[^A-Za-z0-9_.-]+/_/gr, 0, 50) : 'x';
    return sprintf '%d-%d-%s', $$, ++$seq, $tag;
}

# px(%o) -> { status, status_line, headers => [[name, value], ...], body,
# key, url }, the body de-chunked: one request on a fresh connection to the vhost "protect",
# read to EOF.
#   method   default POST (sent as given: 'post', 'PROPFIND' ...)
#   path     e.g. '/protect/on/w'; with key, '?k=KEY' (or '&k=KEY') is added
#   key      see new_key
#   target   the request target instead of the path (absolute form); the
#            key is added to it too
#   host     the Host line's value; default protect_hostport(); undef: none
#   version  default 'HTTP/1.1'
#   lines    further header lines, verbatim, without CRLF
#   body     sent with Content-Length; default 'a=1' for every method but
#            GET, HEAD and OPTIONS, none for those
sub px {
    my (%o) = @_;
    my $method = $o{method} // 'POST';
    my $url = $o{path} // '/';
    $url .= ($url =~ /\?/ ? '&' : '?') . "k=$o{key}" if defined $o{key};
    my $target = $o{target} // $url;
    $target .= ($target =~ /\?/ ? '&' : '?') . "k=$o{key}" if defined $o{target} && defined $o{key};
    my @lines;
    my $host = exists $o{host} ? $o{host} : protect_hostport();
    push @lines, "Host: $host" if defined $host;
    push @lines, @{ $o{lines} || [] };
    my $body = exists $o{body} ? $o{body}
             : $method =~ /\A(?:GET|HEAD|OPTIONS)\z/ ? undef : 'a=1';
    push @lines, 'Content-Length: ' . length $body if defined $body;
    my $bytes = join '', "$method $target " . ($o{version} // 'HTTP/1.1') . "\r\n",
        map({ "$_\r\n" } @lines, 'Connection: close'), "\r\n", $body // '';
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1:'
                                     . (split /:/, protect_hostport())[-1],
                                     Timeout => 10)
        or die "connect protect: $!";
    binmode $sock;
    print $sock $bytes;
    my ($buf, $sel) = ('', IO::Select->new($sock));
    while ($sel->can_read(10)) {
        my $n = sysread $sock, $buf, 65536, length $buf;
        last unless $n;
    }
    close $sock;
    my ($head, $rbody) = split /\r\n\r\n/, $buf, 2;
    $head //= '';
    my ($line, @rest) = split /\r\n/, $head;
    my ($status) = ($line // '') =~ m{^HTTP/1\.\d (\d{3})};
    my @headers = map { /^([^:]+):[ \t]*(.*)$/ ? [$1, $2] : () } @rest;
    $rbody = dechunk($rbody // '')
        if grep { lc $_->[0] eq 'transfer-encoding' && $_->[1] =~ /chunked/i } @headers;
    return {
        status      => $status || 0,
        status_line => $line // '',
        headers     => \@headers,
        body        => $rbody // '',
        key         => $o{key},
        url         => $url,
    };
}

# A chunked body, decoded (extensions and trailers dropped).
sub dechunk {
    my ($in) = @_;
    my $out = '';
    while ($in =~ s/\A([0-9a-fA-F]+)[^\r\n]*\r\n//) {
        my $n = hex $1;
        last unless $n;
        $out .= substr $in, 0, $n, '';
        $in =~ s/\A\r\n//;
    }
    return $out;
}

# Every value of a header in a px() response, one per line received.
sub lines_of_header {
    my ($r, $name) = @_;
    return map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $r->{headers} };
}

# The Access-Control-* and Timing-Allow-Origin lines of a px() response,
# as "Name: value".
sub ac_lines {
    my ($r) = @_;
    return map { "$_->[0]: $_->[1]" }
           grep { $_->[0] =~ /^(?:access-control-|timing-allow-origin$)/i }
           @{ $r->{headers} };
}

# The directory where the CGI leaves its side effect: made (mode 1777: the
# CGI runs as nobody when the suite runs as root) and emptied.
sub side_dir { Apache::Test::vars('t_logs') . '/protect_side' }

sub side_reset {
    my $d = side_dir();
    File::Path::remove_tree($d);
    mkdir $d or die "mkdir $d: $!\n";
    chmod 01777, $d or die "chmod $d: $!\n";
}

# ran($key) -> the methods the CGI recorded for $key (empty: it never ran).
sub ran {
    my ($key) = @_;
    open my $fh, '<', side_dir() . "/$key" or return ();
    chomp(my @m = <$fh>);
    return @m;
}

# notes_of(@keys) -> { key => { method, url, status, cors, origin } } from
# t/logs/protect_log ("%m %<U%<q %>s %{cors}n %{cors-origin}n"), waiting up
# to 5 s for every key's line (httpd logs after it has answered). A key
# with several lines gets the string 'several'.
sub notes_of {
    my (@keys) = @_;
    my %want = map { $_ => 1 } @keys;
    my $path = Apache::Test::vars('t_logs') . '/protect_log';
    my $deadline = time + 5;
    my %got;
    while (1) {
        %got = ();
        if (open my $fh, '<', $path) {
            while (my $l = <$fh>) {
                chomp $l;
                my @f = split / /, $l, 5;
                next unless @f >= 5 && $f[1] =~ /[?&]k=([^&]+)/ && $want{$1};
                my $k = $1;
                $got{$k} = exists $got{$k} ? 'several'
                    : { method => $f[0], url => $f[1], status => $f[2],
                        cors => $f[3], origin => $f[4] };
            }
        }
        last if keys %got == keys %want || time > $deadline;
        sleep 0.05;
    }
    return \%got;
}

# The "CorsProtect..." debug lines in an error_log excerpt.
sub protect_lines {
    my ($text) = @_;
    return grep { /\[cors:debug\].* CorsProtect[ :(]/ } split /\n/, $text;
}

# counts() -> { auto => { CorsRefusedCrossOrigin => N, ... } (all servers),
# metrics => { decision => N } (the vhost "protect" only) }.
sub counts {
    my $st = px(method => 'GET', path => '/server-status?auto');
    die "server-status: $st->{status_line}\n" unless $st->{status} == 200;
    my %auto = map { /^(Cors\w+): (\d+)$/ ? ($1, $2) : () } split /\n/, $st->{body};
    my $m = px(method => 'GET', path => '/protect/metrics');
    die "metrics: $m->{status_line}\n" unless $m->{status} == 200;
    my $label = protect_hostport();
    my $per = metrics_counts(parse_prometheus($m->{body}));
    return { auto => \%auto, metrics => $per->{$label} || {} };
}

1;
