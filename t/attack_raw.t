# Attack corpus, raw requests: what a browser never sends and LWP will not
# send either: repeated Origin lines, obs-fold, bare CR and LF, NUL and
# other control bytes, broken header lines, oversized lines, pipelining
# and a preflight whose body is a whole second request. Each goes to three
# servers: the main one (httpd's Strict parser, default limits), attack_big
# (Unsafe, 200000-byte lines: the bytes reach mod_cors) and attack_plain
# (Strict, default limits, Cors On for the whole virtual host with one
# exact origin and credentials). Policy under test: /attack/sub/
# (https://*.example.com, credentials), where https://www.example.com is
# allowed. Config: t/conf/attack.conf.in.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsAttack;

my %hp = (
    main  => Apache::Test::config()->{vars}{remote_addr} . ':'
             . Apache::Test::config()->{vars}{port},
    big   => vhost_hostport('attack_big'),
    plain => vhost_hostport('attack_plain'),
);
my @targets = qw(main big plain);
my $ok_origin = 'https://www.example.com';

# [name, header lines (joined by CRLF), status on Strict, status on Unsafe]
my @cases = (
    [ 'two Origin lines, allowed then evil',
      "Origin: $ok_origin\r\nOrigin: https://evil.net", 200, 200 ],
    [ 'two Origin lines, evil then allowed',
      "Origin: https://evil.net\r\nOrigin: $ok_origin", 200, 200 ],
    [ 'two Origin lines, allowed twice',
      "Origin: $ok_origin\r\nOrigin: $ok_origin", 200, 200 ],
    [ 'two Origin lines, the second empty',
      "Origin: $ok_origin\r\nOrigin:", 200, 200 ],
    [ 'two Origin lines in other cases',
      "origin: $ok_origin\r\nORIGIN: https://evil.net", 200, 200 ],
    [ 'obs-fold, space',
      "Origin: $ok_origin\r\n .evil.net", 200, 200 ],
    [ 'obs-fold, tab',
      "Origin: $ok_origin\r\n\t.evil.net", 200, 200 ],
    [ 'obs-fold, value on the next line',
      "Origin:\r\n $ok_origin.evil.net", 200, 200 ],
    [ 'bare CR inside the value',
      "Origin: $ok_origin\r.evil.net", 400, 400 ],
    [ 'bare LF inside the value',
      "Origin: $ok_origin\n.evil.net", 400, 400 ],
    [ 'percent-encoded CR LF and a second Origin',
      "Origin: https://evil.net%0d%0aOrigin: $ok_origin", 200, 200 ],
    [ 'NUL at the end',
      "Origin: $ok_origin\0", 400, 400 ],
    [ 'NUL inside',
      "Origin: $ok_origin\0.evil.net", 400, 400 ],
    [ 'byte 0xff',
      "Origin: $ok_origin\xff", 200, 200 ],
    [ 'UTF-8 bytes',
      "Origin: $ok_origin\xc3\xa9.evil.net", 200, 200 ],
    [ 'tabs around the value',
      "Origin:\thttps://www.example.com.evil.net\t", 200, 200 ],
    [ 'DEL byte',
      "Origin: $ok_origin\x7f", 400, 200 ],
    [ 'ANSI escape sequence',
      "Origin: $ok_origin\x1b[2J", 400, 200 ],
    [ 'space before the colon',
      "Origin : $ok_origin", 400, 400 ],
    [ 'tab before the colon',
      "Origin\t: $ok_origin", 400, 400 ],
    [ 'no colon',
      "Origin $ok_origin", 400, 400 ],
    [ 'empty Origin',
      'Origin:', 200, 200 ],
    [ 'the request sends Access-Control-Allow-* itself',
      "Origin: https://evil.net\r\nAccess-Control-Allow-Origin: https://evil.net\r\n"
      . "Access-Control-Allow-Credentials: true", 200, 200 ],
    [ 'evil Origin and a 9000-byte header line',
      "Origin: $ok_origin.evil.net\r\nX-Long: " . ('a' x 9000), 400, 200 ],
    [ 'evil Origin followed by a 9000-byte header line',
      "Origin: https://evil.net\r\nX-Long: " . ('a' x 9000), 400, 200 ],
    [ 'Origin of 10 KB',
      'Origin: https://' . ('a.' x 5000) . 'example.com', 400, 200 ],
    [ 'Origin of 64 KiB',
      'Origin: https://' . ('a' x 65536) . '.example.com', 400, 200 ],
    [ 'two Access-Control-Request-Method lines',
      "Origin: $ok_origin\r\nAccess-Control-Request-Method: PUT\r\n"
      . 'Access-Control-Request-Method: DELETE', 204, 204, 'OPTIONS' ],
    [ 'two Access-Control-Request-Headers lines, Authorization in the second',
      "Origin: $ok_origin\r\nAccess-Control-Request-Method: PUT\r\n"
      . "Access-Control-Request-Headers: x-a\r\nAccess-Control-Request-Headers: authorization",
      204, 204, 'OPTIONS' ],
    [ 'preflight, Origin repeated',
      "Origin: $ok_origin\r\nOrigin: https://evil.net\r\nAccess-Control-Request-Method: PUT",
      204, 204, 'OPTIONS' ],
    [ 'preflight, obs-folded method',
      "Origin: https://evil.net\r\nAccess-Control-Request-Method: PUT\r\n DELETE",
      204, 204, 'OPTIONS' ],
);

# Whole requests: odd line ends, no Host, broken bodies. [name, bytes,
# status on Strict, status on Unsafe, set when httpd's 400 comes after
# the headers were read (so the Origin is there on attack_plain too)].
my @whole = (
    [ 'LF line endings only', "GET /attack/sub/data.txt HTTP/1.1\nHost: x\n"
      . "Origin: https://evil.net\nConnection: close\n\n", 400, 200 ],
    [ 'HTTP/1.0 without Host', "GET /attack/sub/data.txt HTTP/1.0\r\n"
      . "Origin: https://evil.net\r\n\r\n", 200, 200 ],
    [ 'preflight with a malformed chunked body',
      "OPTIONS /attack/sub/data.txt HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.net\r\n"
      . "Access-Control-Request-Method: PUT\r\nTransfer-Encoding: chunked\r\n"
      . "Connection: close\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n", 400, 400, 'body' ],
    [ 'preflight with a 20-digit Content-Length',
      "OPTIONS /attack/sub/data.txt HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.net\r\n"
      . "Access-Control-Request-Method: PUT\r\nContent-Length: 99999999999999999999\r\n"
      . "Connection: close\r\n\r\nhello", 400, 400, 'after the headers' ],
);

plan tests => 2 * @targets * (@cases + @whole) + 10 * @targets + 3,
    need_module('cors');

my $mark = error_log_mark();

# On attack_plain, a 400 from httpd's own parser is answered with the
# virtual host's config, and the Origin line is not in the request's
# headers (httpd drops it with the line that failed): mod_cors sees a
# request without Origin and, with CorsAlwaysSend and one exact origin,
# names that origin. Only https://example.com can read that 400; the
# hostile page gets nothing. Everywhere else: no Access-Control-* at all.
# $parse_error: the 400 comes from httpd's header parser (not from reading
# the body later), so on attack_plain the Origin may be gone.
sub check {
    my ($t, $r, $status, $n, $parse_error) = @_;
    $parse_error //= 1;
    is $r->{status}, $status, "$n: status $status";
    my @lines = map { "$_->[0]: $_->[1]" }
                grep { $_->[0] =~ /^access-control-/i } @{ $r->{headers} };
    my @want = $t eq 'plain' && $status == 400 && $parse_error
        ? ('Access-Control-Allow-Origin: https://example.com')
        : ();
    is_deeply \@lines, \@want, "$n: " . (@want ? 'only the configured origin (no Origin seen)'
                                               : 'no Access-Control-* header');
}

for my $c (@cases) {
    my ($name, $lines, $strict, $unsafe, $method) = @$c;
    $method ||= 'GET';
    for my $t (@targets) {
        my $r = raw_get($hp{$t}, "$method /attack/sub/data.txt", $lines);
        check($t, $r, $t eq 'big' ? $unsafe : $strict, "$t: $name");
    }
}
for my $c (@whole) {
    my ($name, $bytes, $strict, $unsafe, $later) = @$c;
    for my $t (@targets) {
        check($t, raw_request($hp{$t}, $bytes), $t eq 'big' ? $unsafe : $strict,
              "$t: $name", !$later);
    }
}

# Read every response of a keep-alive connection (bodies by Content-Length).
sub responses {
    my ($hostport, $bytes) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 10) or die $!;
    binmode $sock;
    print $sock $bytes;
    local $/;
    my $buf = <$sock> // '';
    my @out;
    while ($buf =~ s/^(HTTP\/1\.1 (\d{3})[^\r]*\r\n(.*?)\r\n\r\n)//s) {
        my ($status, $head) = ($2, $3);
        my ($len) = $head =~ /^Content-Length: (\d+)/mi;
        substr($buf, 0, $len || 0, '');
        push @out, { status => $status,
                     cors => [ grep { /^access-control-/i } split /\r\n/, $head ] };
    }
    return @out;
}

sub req {
    my ($origin, %h) = @_;
    my $m = delete $h{method} || 'GET';
    my $extra = join '', map { "$_: $h{$_}\r\n" } sort keys %h;
    return "$m /attack/sub/data.txt HTTP/1.1\r\nHost: x\r\n"
         . (defined $origin ? "Origin: $origin\r\n" : '') . $extra;
}

# Pipelining: an allowed request, then hostile ones on the same connection.
# Nothing of the first answer may stick to the next.
for my $t (@targets) {
    my @r = responses($hp{$t}, req($ok_origin) . "\r\n"
                      . req('https://www.example.com.evil.net') . "\r\n"
                      . req('https://evil.net', method => 'OPTIONS',
                            'Access-Control-Request-Method' => 'PUT') . "\r\n"
                      . req(undef, Connection => 'close') . "\r\n");
    is scalar @r, 4, "$t: pipelined: four answers";
    is_deeply $r[0]{cors}, ["Access-Control-Allow-Origin: $ok_origin",
                            'Access-Control-Allow-Credentials: true'],
        "$t: pipelined: the allowed origin granted";
    is_deeply [ map { @{ $_->{cors} } } @r[1 .. 3] ], [],
        "$t: pipelined: nothing for the hostile and the Origin-less ones";
}

# A preflight with a body that is a whole request with a hostile Origin:
# mod_cors discards the body, so it is never read as a second request.
my $smuggled = req('https://www.example.com.evil.net') . "\r\n";
for my $t (@targets) {
    my @r = responses($hp{$t}, req($ok_origin, method => 'OPTIONS',
                                   'Access-Control-Request-Method' => 'PUT',
                                   'Content-Length' => length $smuggled)
                               . "\r\n" . $smuggled
                               . req(undef, Connection => 'close') . "\r\n");
    is scalar @r, 2, "$t: preflight with a request as body: two answers, not three";
    is $r[0]{status}, 204, "$t: preflight with a request as body: 204";
    is_deeply $r[1]{cors}, [], "$t: the request after it: no grant";
}

# Content-Length and Transfer-Encoding together, the classic smuggling
# pair: httpd reads the chunked body and closes the connection after the
# answer, so the hostile request behind it is never answered.
for my $t (@targets) {
    my @r = responses($hp{$t}, req($ok_origin, method => 'OPTIONS',
                                   'Access-Control-Request-Method' => 'PUT',
                                   'Content-Length' => 5,
                                   'Transfer-Encoding' => 'chunked')
                               . "\r\n0\r\n\r\n"
                               . req('https://www.example.com.evil.net',
                                     Connection => 'close') . "\r\n");
    is scalar @r, 1, "$t: preflight with Content-Length and chunked: one answer";
    is $r[0]{status}, 204, "$t: preflight with Content-Length and chunked: 204";
}

# An allowed preflight with a malformed chunked body: mod_cors reads the
# body before it sets 204, so httpd's 400 page is a plain 400, not one
# that reports "a 204 No Content error" on top.
for my $t (@targets) {
    my $sock = IO::Socket::INET->new(PeerAddr => $hp{$t}, Timeout => 10) or die $!;
    binmode $sock;
    print $sock req($ok_origin, method => 'OPTIONS',
                    'Access-Control-Request-Method' => 'PUT',
                    'Transfer-Encoding' => 'chunked', Connection => 'close')
              . "\r\nzz\r\n";
    local $/;
    my $answer = <$sock> // '';
    like $answer, qr{^HTTP/1\.1 400 }, "$t: allowed preflight, malformed body: 400";
    unlike $answer, qr/204|Additionally/,
        "$t: allowed preflight, malformed body: the 400 page reports no 204";
}

alive_ok($mark);
