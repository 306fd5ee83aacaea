# Attack corpus, preflight request values: Access-Control-Request-Headers
# of 64 KiB, of 10,000 commas, with non-token bytes, Authorization behind
# '*', near-miss names; hostile Access-Control-Request-Method values. The
# Origin is allowed each time, so only the method or the header list can
# refuse: every case must get its 204 with no Access-Control-* header at
# all (the whole preflight is refused), and the server must stay up.
# Config: t/conf/attack.conf.in; requests go to attack_big (Unsafe, 200000-
# byte lines) so the values reach mod_cors; the last part sends the same
# 64 KiB to attack_plain, where httpd's own 400 answers first.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsAttack;

my $big = vhost_url('attack_big');
my $origin = 'https://example.com';

# Policies: exact (CorsAllowHeaders X-Requested-With Content-Type,
# CorsMethods GET POST PUT), star (any header but Authorization, the
# default methods), anymethod (CorsMethods *, CorsAllowHeadersMatch
# x-app-[a-z]+).
my $k64_list = join ', ', ('x-requested-with') x 3641;    # 65,534 bytes
my @acrh = (
    # [name, Access-Control-Request-Headers, policies]
    [ '64 KiB list of allowed names',     $k64_list,              [qw(exact star)] ],
    [ '64 KiB single name',               'x-' . ('a' x 65534),   [qw(exact star)] ],
    [ '10,000 commas',                    ',' x 10000,            [qw(exact star)] ],
    [ '8193 bytes, one over the limit',   'x' x 8193,             [qw(exact star)] ],
    [ '64 KiB of spaces and commas',      ' ,' x 32768,           [qw(exact star)] ],
    [ 'parenthesis',                      'x-a, x(b',             [qw(exact star)] ],
    [ 'semicolon list',                   'x-a; x-b',             [qw(exact star)] ],
    [ 'colon',                            'x-a:b',                [qw(exact star)] ],
    [ 'slash',                            'x-a/b',                [qw(exact star)] ],
    [ 'equals sign',                      'x-a=b',                [qw(exact star)] ],
    [ 'double quote',                     'x-a"b',                [qw(exact star)] ],
    [ 'backslash',                        'x-a\\b',               [qw(exact star)] ],
    [ 'braces',                           '{x-a}',                [qw(exact star)] ],
    [ 'brackets',                         'x-a, [b]',             [qw(exact star)] ],
    [ 'question mark',                    'x-a?',                 [qw(exact star)] ],
    [ 'at-sign',                          'x-a@b',                [qw(exact star)] ],
    [ 'space inside a name',              'x a',                  [qw(exact star)] ],
    [ 'tab between two names',            "x-a\tx-b",             [qw(exact star)] ],
    [ 'SOH byte',                         "x-a\x01",              [qw(exact star)] ],
    [ 'DEL byte',                         "x-a\x7f",              [qw(exact star)] ],
    [ 'byte 0xff',                        "x-\xff",               [qw(exact star)] ],
    [ 'UTF-8 letter',                     "x-\xc3\xa9",           [qw(exact star)] ],
    [ 'ANSI escape sequence',             "x-a\x1b[2J",           [qw(exact star)] ],
    [ 'encoded CR LF and a header line',  'x-a%0d%0aSet-Cookie: a=b', [qw(exact star)] ],
    [ 'Authorization behind *',           'authorization',        [qw(star)] ],
    [ 'AUTHORIZATION behind *',           'AUTHORIZATION',        [qw(star)] ],
    [ 'Authorization after an allowed name', 'x-a, Authorization', [qw(star)] ],
    [ 'Authorization with white space',   ' authorization ',      [qw(star)] ],
    [ 'Authorization twice',              'authorization,authorization', [qw(star)] ],
    [ 'Authorization after empty items',  'x-a,,authorization',   [qw(star)] ],
    [ 'an allowed and an unlisted name',  'x-requested-with, x-evil', [qw(exact)] ],
    [ 'allowed name plus a suffix',       'x-requested-with-evil', [qw(exact)] ],
    [ 'allowed name minus a letter',      'x-requested-wit',      [qw(exact)] ],
    [ 'allowed name plus a prefix',       'xx-requested-with',    [qw(exact)] ],
    [ 'Cookie',                           'cookie',               [qw(exact)] ],
    [ 'Origin',                           'origin',               [qw(exact)] ],
    [ 'regex name plus a suffix',         'x-app-foo-evil',       [qw(anymethod)] ],
    [ 'regex name plus a prefix',         'xx-app-foo',           [qw(anymethod)] ],
    [ 'regex prefix alone',               'x-app-',               [qw(anymethod)] ],
);

my @acrm = (
    # [name, Access-Control-Request-Method, policies]
    [ 'lower-case put',                   'put',                  [qw(exact star)] ],
    [ 'two methods, comma',               'PUT, DELETE',          [qw(exact star anymethod)] ],
    [ 'two methods, space',               'PUT DELETE',           [qw(exact star anymethod)] ],
    [ 'CONNECT',                          'CONNECT',              [qw(exact star anymethod)] ],
    [ 'TRACE',                            'TRACE',                [qw(exact star anymethod)] ],
    [ 'TRACK',                            'TRACK',                [qw(exact star anymethod)] ],
    [ 'trace, lower case',                'trace',                [qw(anymethod)] ],
    [ 'empty',                            '',                     [qw(exact star anymethod)] ],
    [ 'a star',                           '*',                    [qw(exact star)] ],
    [ 'SOH byte',                         "PU\x01T",              [qw(exact star anymethod)] ],
    [ 'byte 0xff',                        "PU\xffT",              [qw(exact star anymethod)] ],
    [ 'tab inside',                       "GET\tPOST",            [qw(exact star anymethod)] ],
    [ 'method of 64 KiB',                 'P' x 65536,            [qw(exact star)] ],
    [ 'unlisted DELETE',                  'DELETE',               [qw(exact)] ],
    [ 'unlisted PROPFIND',                'PROPFIND',             [qw(exact star)] ],
);

# Grants that must still happen (so the file fails if everything is
# refused), and what the answer is for the odd but harmless lists.
my @controls = (
    # [name, policy, method, ACRH, expected ACAH or undef for none]
    [ 'two allowed names', 'exact', 'PUT', 'x-requested-with, content-type',
      'x-requested-with, content-type' ],
    [ 'allowed names, other case, no space', 'exact', 'PUT',
      'X-Requested-With,Content-Type', 'x-requested-with, content-type' ],
    [ '8,000 commas (under the 8192-byte limit): an empty list', 'star', 'PUT',
      ',' x 8000, undef ],
    [ '1,365 names of 5 bytes (8189 bytes): echoed', 'star', 'PUT',
      join(',', ('x-a-b') x 1365), join(', ', ('x-a-b') x 1365) ],
    [ 'encoded CR LF inside a token: echoed verbatim, never decoded', 'star', 'PUT',
      'x-a%0d%0aset-cookie', 'x-a%0d%0aset-cookie' ],
    [ 'any method: PROPFIND', 'anymethod', 'PROPFIND', 'x-app-foo', 'x-app-foo' ],
);

my $n_acrh = 0;
$n_acrh += @{ $_->[2] } for @acrh, @acrm;

plan tests => 3 * $n_acrh + 5 * @controls + 10 + 3, need_module('cors');

my $mark = error_log_mark();

sub pre {
    my ($pol, $method, $acrh) = @_;
    return preflight("$big/attack/$pol/data.txt", $origin, $method, $acrh);
}

for my $c (@acrh) {
    my ($name, $acrh, $pols) = @$c;
    for my $pol (@$pols) {
        my $n = "$pol: Access-Control-Request-Headers: $name (" . show($acrh) . ')';
        my $res = pre($pol, 'PUT', $acrh);
        is $res->code, 204, "$n: 204";
        no_grant($res, $acrh, $n);
    }
}
for my $c (@acrm) {
    my ($name, $acrm, $pols) = @$c;
    for my $pol (@$pols) {
        my $n = "$pol: Access-Control-Request-Method: $name (" . show($acrm) . ')';
        my $res = pre($pol, $acrm, undef);
        is $res->code, 204, "$n: 204";
        no_grant($res, $acrm, $n);
    }
}

# Raw requests: the 1,365-name answer is a 9553-byte header line, longer
# than LWP accepts (8192); browsers and curl take it.
for my $c (@controls) {
    my ($name, $pol, $method, $acrh, $want) = @$c;
    my $n = "control $pol: $name";
    my $r = raw_get(vhost_hostport('attack_big'), "OPTIONS /attack/$pol/data.txt",
                    "Origin: $origin", "Access-Control-Request-Method: $method",
                    "Access-Control-Request-Headers: $acrh");
    my %h;
    push @{ $h{lc $_->[0]} }, $_->[1] for @{ $r->{headers} };
    is $r->{status}, 204, "$n: 204";
    is_deeply $h{lc $ACAO}, [$origin], "$n: granted";
    is_deeply $h{lc $ACAH}, defined $want ? [$want] : undef,
        "$n: Access-Control-Allow-Headers";
    is scalar @{ $h{lc $ACAM} || [] }, 1, "$n: Access-Control-Allow-Methods";
    is $h{'set-cookie'}, undef, "$n: no Set-Cookie";
}

# The same 64 KiB values where httpd's default 8190-byte limit answers 400
# before any module runs (attack_plain: Cors On for the whole virtual host,
# CorsOrigins https://example.com, credentials). The Origin line is kept
# when another line follows it before the oversized one; httpd drops the
# line just before the failing one. Hostile origin: nothing granted, or,
# when httpd dropped the Origin, CorsAlwaysSend's configured origin
# (readable by https://example.com only).
my $plain = vhost_hostport('attack_plain');
my @big_values = ([ '64 KiB header list', 'Access-Control-Request-Headers', $k64_list ],
                  [ '10,000 commas', 'Access-Control-Request-Headers', ',' x 10000 ]);
for my $v (@big_values) {
    my ($name, $hdr, $val) = @$v;
    my $r = raw_get($plain, 'OPTIONS /attack/plain.txt', 'Origin: https://evil.net',
                    'Access-Control-Request-Method: PUT', "$hdr: $val");
    is $r->{status}, 400, "plain: $name, evil Origin kept: httpd's 400";
    no_grant_raw($r, "plain: $name, evil Origin kept");
    $r = raw_get($plain, 'OPTIONS /attack/plain.txt', 'Access-Control-Request-Method: PUT',
                 'Origin: https://evil.net', "$hdr: $val");
    is $r->{status}, 400, "plain: $name, evil Origin dropped: httpd's 400";
    is_deeply [ map { "$_->[0]: $_->[1]" } grep { $_->[0] =~ /^access-control-/i }
                @{ $r->{headers} } ],
        ['Access-Control-Allow-Origin: https://example.com'],
        "plain: $name, evil Origin dropped: only the configured origin, no preflight grant";
}
# The allowed origin on that 400: the answer of an actual request (a
# browser reads the error), never a preflight grant (no Allow-Methods).
my $r = raw_get($plain, 'OPTIONS /attack/plain.txt', "Origin: $origin",
                'Access-Control-Request-Method: PUT', "Access-Control-Request-Headers: $k64_list");
is $r->{status}, 400, "plain: 64 KiB list, allowed origin: httpd's 400";
is_deeply [ grep { $_->[0] =~ /^access-control-allow-(methods|headers)/i } @{ $r->{headers} } ],
    [], 'plain: 64 KiB list, allowed origin: no Allow-Methods or Allow-Headers on the 400';

alive_ok($mark);
