package CorsAttack;
# Helpers for the attack corpus (t/attack_*.t): the assertions every hostile
# case makes (nothing granted, a sane status, the server still alive) and
# raw-socket requests for what LWP will not send (repeated headers, bare
# CR, obs-fold, NUL and other control bytes, broken header lines).
use strict;
use warnings;

use Apache::Test ();
use Test::More ();
use IO::Socket::INET ();
use IO::Select ();
use CorsTest;
use Exporter 'import';

our @EXPORT = qw(
    vhost_url vhost_hostport show no_grant no_grant_raw alive_ok
    raw_request raw_get crash_lines
);

# 'http://localhost:PORT' of an Apache::Test vhost (attack_big, ...).
sub vhost_hostport { Apache::Test::config()->{vhosts}{$_[0]}{hostport} }
sub vhost_url { 'http://' . vhost_hostport($_[0]) }

# A printable, short form of a hostile value for test names.
sub show {
    my ($s) = @_;
    return 'value of ' . length($s) . ' bytes' if length $s > 70;
    $s =~ s/([^\x21-\x7e])/sprintf '\\x%02x', ord $1/ge;
    return $s;
}

# No Access-Control-* header at all, and the origin not reflected anywhere
# in the response headers (a custom layer could echo it in another name).
# Always two assertions.
sub no_grant {
    my ($res, $origin, $name) = @_;
    my @lines = cors_lines($res);
    my $ok = Test::More::is_deeply(\@lines, [], "$name: no Access-Control-* header");
    # Values of three bytes or less ('*', '') could occur by chance.
    my $echo = defined $origin && length $origin > 3
               && index($res->headers->as_string, $origin) >= 0;
    return Test::More::ok(!$echo, "$name: origin not echoed") && $ok;
}

# The same for a raw response (see raw_request).
sub no_grant_raw {
    my ($r, $name) = @_;
    my @lines = map { "$_->[0]: $_->[1]" }
                grep { $_->[0] =~ /^access-control-/i } @{ $r->{headers} };
    return Test::More::is_deeply(\@lines, [], "$name: no Access-Control-* header");
}

# Lines in an error_log excerpt that say a child died.
sub crash_lines {
    my ($text) = @_;
    return grep { /exit signal|Segmentation fault|AH00052|Aborted|core dumped|AH00051/i }
           split /\n/, $text;
}

# The end of every attack file: an allowed request still gets its grant (so
# the server is up and the policy still works), and nothing crashed since
# the file started ($mark from error_log_mark()).
sub alive_ok {
    my ($mark) = @_;
    my $res = cors_request(GET => '/attack/exact/data.txt', 'https://example.com');
    Test::More::is($res->code, 200, 'still alive: allowed request served');
    Test::More::is_deeply([header_values($res, $ACAO)], ['https://example.com'],
                          'still alive: allowed origin still granted');
    Test::More::is_deeply([crash_lines(error_log_since($mark))], [],
                          'no child crashed (error_log since the start of the file)');
}

# raw_request($hostport, $bytes) -> { status => N, headers => [[name,
# value], ...], head => text } for the first response on a fresh
# connection; status 0 when the server closed without answering.
sub raw_request {
    my ($hostport, $bytes) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 10)
        or die "connect $hostport: $!";
    binmode $sock;
    print $sock $bytes;
    my ($buf, $sel) = ('', IO::Select->new($sock));
    while ($sel->can_read(10)) {
        my $n = sysread $sock, $buf, 65536, length $buf;
        last if !$n || $buf =~ /\r\n\r\n/;
    }
    close $sock;
    my ($head) = split /\r\n\r\n/, $buf, 2;
    $head //= '';
    my ($line, @rest) = split /\r\n/, $head;
    my ($status) = ($line // '') =~ m{^HTTP/1\.\d (\d{3})};
    return {
        status  => $status || 0,
        head    => $head,
        headers => [ map { /^([^:]+):[ \t]*(.*)$/ ? [$1, $2] : () } @rest ],
    };
}

# raw_get($hostport, $path, @header_lines): one GET (or "OPTIONS path" when
# $path starts with "OPTIONS ") with Host, the given lines verbatim (each
# without its CRLF) and Connection: close.
sub raw_get {
    my ($hostport, $path, @lines) = @_;
    my $method = $path =~ s/^(OPTIONS|GET|POST) // ? $1 : 'GET';
    return raw_request($hostport, join '', "$method $path HTTP/1.1\r\n",
                       "Host: $hostport\r\n", map({ "$_\r\n" } @lines),
                       "Connection: close\r\n\r\n");
}

1;
