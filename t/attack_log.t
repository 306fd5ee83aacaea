# Attack corpus, log injection: hostile request values that mod_cors logs
# (LogLevel cors:trace8 from extra.conf, so every decision is logged) must
# stay one line per event, with the hostile bytes escaped (\x0a, \x1b,
# \", \\), never raw: no forged lines, no terminal escape sequences, no
# bytes above 127 (CVE-2024-1681 was this bug in Flask-CORS). Requests go
# raw to the attack_big vhost (HttpProtocolOptions Unsafe), so control
# bytes reach mod_cors; a raw LF cannot be inside a header value, so the
# LF attempts are obs-fold (httpd turns it into a space), percent-encoding
# and a backslash-n. Config: t/conf/attack.conf.in, /attack/exact/.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsAttack;

my $hp = vhost_hostport('attack_big');
my $ok = 'https://example.com';
my $forged = '[Wed Nov 25 00:00:00.000000 2026] [cors:debug] [pid 1] allowed';

# [name, header lines, regex the cors line must match, method]. The
# regexes take one or more backslashes before an escape: mod_cors escapes
# the value (ap_escape_logitem: \x1b), and httpd's error log escapes the
# backslash once more on the way out (\\x1b), as in t/scope_log.t.
my @cases = (
    [ 'Origin, LF by obs-fold',
      [ 'Origin: https://evil.net', " $forged" ],
      qr{request from origin https://evil\.net \Q$forged\E refused} ],
    [ 'Origin, CR LF by obs-fold with a tab',
      [ 'Origin: https://evil.net', "\t$forged" ],
      qr{request from origin https://evil\.net \Q$forged\E refused} ],
    [ 'Origin, percent-encoded CR LF and a forged line',
      [ "Origin: https://evil.net%0d%0a$forged" ],
      qr{request from origin https://evil\.net%0d%0a\Q$forged\E refused} ],
    [ 'Origin, backslash-n',
      [ 'Origin: https://evil.net\\n[cors:debug] forged' ],
      qr{request from origin https://evil\.net\\+n\[cors:debug\] forged refused} ],
    [ 'Origin, ANSI clear screen',
      [ "Origin: https://evil.net\x1b[2J\x1b[H" ],
      qr{request from origin https://evil\.net\\+x1b\[2J\\+x1b\[H refused} ],
    [ 'Origin, terminal title sequence',
      [ "Origin: https://evil.net\x1b]0;pwned\x07" ],
      qr{request from origin https://evil\.net\\+x1b\]0;pwned\\+x07 refused} ],
    [ 'Origin, backspaces over the text',
      [ "Origin: https://evil.net\x08\x08\x08\x08\x08\x08\x08\x08example.com" ],
      qr{request from origin https://evil\.net(?:\\+b){8}example\.com refused} ],
    [ 'Origin, DEL byte',
      [ "Origin: https://evil.net\x7f" ],
      qr{request from origin https://evil\.net\\+x7f refused} ],
    [ 'Origin, byte 0xff',
      [ "Origin: https://evil.net\xff" ],
      qr{request from origin https://evil\.net\\+xff refused} ],
    [ 'Origin, right-to-left override (UTF-8)',
      [ "Origin: https://evil.net\xe2\x80\xaemoc.elpmaxe" ],
      qr{request from origin https://evil\.net\\+xe2\\+x80\\+xaemoc\.elpmaxe refused} ],
    [ 'Origin, double quotes',
      [ 'Origin: https://evil.net" allowed by "https://example.com' ],
      qr{request from origin https://evil\.net\\+" allowed by \\+"https://example\.com refused} ],
    [ 'Origin, single quotes',
      [ "Origin: https://evil.net' allowed by 'https://example.com" ],
      qr{request from origin https://evil\.net' allowed by 'https://example\.com refused} ],
    [ 'Origin, tab',
      [ "Origin: https://evil.net\tx" ],
      qr{request from origin https://evil\.net\\+tx refused} ],
    [ 'Origin, SOH and a forged line after it',
      [ "Origin: https://evil.net\x01$forged" ],
      qr{request from origin https://evil\.net\\+x01\Q$forged\E refused} ],
    [ 'Access-Control-Request-Headers, ESC and quote',
      [ "Origin: $ok", 'Access-Control-Request-Method: PUT',
        "Access-Control-Request-Headers: x-requested-with, \x1b[31m\"x" ],
      qr{preflight from origin https://example\.com refused in <Location /attack/exact/> at \S+: .*\('\\+x1b\[31m\\+"x'\)},
      'OPTIONS' ],
    [ 'Access-Control-Request-Headers, SOH',
      [ "Origin: $ok", 'Access-Control-Request-Method: PUT',
        "Access-Control-Request-Headers: x-a\x01$forged" ],
      qr{preflight from origin https://example\.com refused in <Location /attack/exact/> at \S+: .*\('\\+x01\Q$forged\E'\)},
      'OPTIONS' ],
    [ 'Access-Control-Request-Headers, percent-encoded LF',
      [ "Origin: $ok", 'Access-Control-Request-Method: PUT',
        'Access-Control-Request-Headers: x-a%0a[cors:debug]' ],
      qr{preflight from origin https://example\.com refused in <Location /attack/exact/> at \S+: .*\('\[cors:debug\]'\)},
      'OPTIONS' ],
    [ 'Access-Control-Request-Headers, 8 KiB of ESC bytes: cut to 256',
      [ "Origin: $ok", 'Access-Control-Request-Method: PUT',
        'Access-Control-Request-Headers: ' . ("\x1b" x 8000) ],
      qr{preflight from origin https://example\.com refused in <Location /attack/exact/> at \S+: .*\('(?:\\+x1b){256}'\)$},
      'OPTIONS' ],
    [ 'Access-Control-Request-Method, backspaces',
      [ "Origin: $ok", "Access-Control-Request-Method: PU\x08\x08GET" ],
      qr{preflight from origin https://example\.com refused in <Location /attack/exact/> at \S+: method not allowed by CorsMethods \('PU\\+b\\+bGET'\)},
      'OPTIONS' ],
    [ 'Access-Control-Request-Method, quote and ESC',
      [ "Origin: $ok", "Access-Control-Request-Method: P'UT\x1b" ],
      qr{method not allowed by CorsMethods \('P'UT\\+x1b'\)}, 'OPTIONS' ],
    [ 'Origin of 64 KiB of ESC bytes: httpd cuts the line, still one line',
      [ 'Origin: ' . ("\x1b" x 65536) ],
      qr{request from origin (?:\\+x1b)+} ],
);

plan tests => 5 * @cases + 3, need_module('cors');

my $start = error_log_mark();
my $stamp = qr/^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] \[[a-z_]+:[a-z0-9]+\] /;

for my $c (@cases) {
    my ($name, $lines, $re, $method) = @$c;
    my $mark = error_log_mark();
    my $r = raw_get($hp, ($method || 'GET') . ' /attack/exact/data.txt', @$lines);
    my $text = error_log_since($mark);
    my @lines = split /\n/, $text;
    my @cors = grep { /\[cors:debug\]/ } @lines;
    ok $r->{status} == 200 || $r->{status} == 204, "$name: answered ($r->{status})";
    is scalar @cors, 1, "$name: exactly one decision line";
    like $cors[0] // '', $re, "$name: the value logged escaped";
    is_deeply [ grep { !/$stamp/ } @lines ], [],
        "$name: every new error_log line is a whole log line (no forged line)";
    ok $text !~ /[^\x20-\x7e\n]/, "$name: no raw control byte or byte above 127";
}

alive_ok($start);
