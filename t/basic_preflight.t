# Preflights and the per-response extras: CorsMethods, CorsAllowHeaders(Match),
# Access-Control-Request-Headers parsing, CorsExposeHeaders, CorsMaxAge,
# CorsPreflightStatus, CorsAutomaticOptions, CorsAllowPrivateNetwork, and
# OPTIONS without Access-Control-Request-Method. Config: t/conf/basic.conf.in.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use Time::HiRes ();

plan tests => 170, need_module(qw(cors proxy proxy_http headers));

my $O    = 'https://example.com';
my $DEFAULT_METHODS = 'GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE';

sub pf { preflight("/basic/$_[0]/data.txt", @_[1 .. $#_]) }

# A preflight refused: status as configured, no Access-Control-Allow-* at all.
sub pf_refused {
    my ($res, $name, $status) = @_;
    is $res->code, $status // 204, "$name: status " . ($status // 204);
    is_deeply [cors_lines($res, 'Access-Control-Allow-')], [], "$name: no Access-Control-Allow-* headers";
}

# A preflight granted with this ACAH (undef: no ACAH line).
sub pf_headers {
    my ($res, $acah, $name) = @_;
    is_deeply [header_values($res, $ACAO)], [$O], "$name: granted";
    is_deeply [header_values($res, $ACAH)], [defined $acah ? $acah : ()],
        "$name: ACAH " . ($acah // '(none)');
}

my $res;

# --- Granted preflight: 204, empty body, ACAM default list, never the handler --
$res = pf(default => $O, 'PUT');
is $res->code, 204, 'preflight: 204 by default';
is $res->content, '', 'preflight: empty body';
is_deeply [header_values($res, $ACAO)], [$O], 'preflight: ACAO echoed';
is_deeply [header_values($res, $ACAM)], [$DEFAULT_METHODS], 'preflight: default ACAM';
is_deeply [header_values($res, $ACAH)], [], 'preflight without ACRH: no ACAH';
is_deeply [header_values($res, $ACEH)], [], 'preflight: no ACEH';
is_deeply [header_values($res, $ACAC)], [], 'preflight: no ACAC without credentials';
is_deeply [header_values($res, $ACMA)], [], 'preflight: no Max-Age unless set';
is_deeply [header_values($res, 'Allow')], [], 'preflight: no Allow (default handler not run)';
is_deeply [header_values($res, 'Vary')], ['Origin'], 'preflight: Vary: Origin';

# --- Default methods: exact, case-sensitive token match ------------------------
for my $m (qw(GET HEAD POST OPTIONS PUT PATCH DELETE)) {
    is_deeply [header_values(pf(default => $O, $m), $ACAM)], [$DEFAULT_METHODS],
        "default methods: $m granted";
}
pf_refused(pf(default => $O, 'patch'), 'default methods: patch');
pf_refused(pf(default => $O, 'OST'), 'default methods: OST (no substring match)');
pf_refused(pf(default => $O, 'PROPFIND'), 'default methods: PROPFIND');

# --- CorsMethods GET PATCH POST ------------------------------------------------
$res = pf(methods => $O, 'PATCH');
is_deeply [header_values($res, $ACAM)], ['GET, PATCH, POST'], 'CorsMethods: ACAM is the list';
is_deeply [header_values($res, $ACAO)], [$O], 'CorsMethods: PATCH granted';
pf_refused(pf(methods => $O, 'patch'), 'CorsMethods: patch when PATCH listed');
pf_refused(pf(methods => $O, 'OST'), 'CorsMethods: OST');
pf_refused(pf(methods => $O, 'PAT'), 'CorsMethods: PAT (prefix)');
pf_refused(pf(methods => $O, 'PUT'), 'CorsMethods: PUT not listed');
pf_refused(pf(methods => $O, 'GET, PATCH'), 'CorsMethods: a list in ACRM');

# --- CorsMethods *: echo the requested method ------------------------------------
is_deeply [header_values(pf(anymethod => $O, 'PROPFIND'), $ACAM)], ['PROPFIND'],
    'CorsMethods *: PROPFIND echoed';
is_deeply [header_values(pf(anymethod => $O, 'patch'), $ACAM)], ['patch'],
    'CorsMethods *: patch echoed as sent';
pf_refused(pf(anymethod => $O, 'GE(T'), 'CorsMethods *: a non-token method');
pf_refused(pf(anymethod => $O, 'TRACE'), 'CorsMethods *: never the forbidden TRACE');
pf_refused(pf(anymethod => $O, 'track'), 'CorsMethods *: never the forbidden track');

# --- ACAH with the default '*': requested headers, lower-cased, ", " list --------
pf_headers(pf(default => $O, 'PUT', 'X-B, x-a'), 'x-b, x-a', 'ACRH X-B, x-a');
pf_headers(pf(default => $O, 'PUT', 'x-a,content-type,X-Requested-With'),
           'x-a, content-type, x-requested-with', 'ACRH without spaces');
pf_headers(pf(default => $O, 'PUT', 'x-a ,  x-b'."\t".',x-c'), 'x-a, x-b, x-c',
           'ACRH with spaces and tabs around commas');
pf_headers(pf(default => $O, 'PUT', 'a,,b'), 'a, b', 'ACRH a,,b: empty token ignored');
pf_headers(pf(default => $O, 'PUT', ',x-a,'), 'x-a', 'ACRH ,x-a,: empty tokens ignored');
pf_headers(pf(default => $O, 'PUT', ', ,'), undef, 'ACRH of commas only: no ACAH');
# Authorization needs to be listed by name; one refused header refuses all.
pf_refused(pf(default => $O, 'PUT', 'Authorization'), "'*' and Authorization");
pf_refused(pf(default => $O, 'PUT', 'x-a, authorization'), "'*' and x-a, authorization");
# A non-token byte anywhere refuses the whole preflight.
for my $h ('x-a, x(b', 'x-a;x-b', 'x a', 'x-a, "x-b"', "x-\xe9", 'x-a/x-b', 'x-a, x-b:') {
    pf_refused(pf(default => $O, 'PUT', $h), "ACRH '$h'");
}

# --- CorsAllowHeaders list + CorsAllowHeadersMatch -------------------------------
pf_headers(pf(hdrs => $O, 'PUT', 'X-Foo'), 'x-foo', 'allow-list: X-Foo');
pf_headers(pf(hdrs => $O, 'PUT', 'x-foo, Content-Type'), 'x-foo, content-type',
           'allow-list: x-foo, Content-Type');
pf_headers(pf(hdrs => $O, 'PUT', 'X-Custom-12'), 'x-custom-12', 'allow-match: X-Custom-12');
pf_headers(pf(hdrs => $O, 'PUT', 'x-custom-1,X-FOO'), 'x-custom-1, x-foo', 'allow-list+match');
for my $h ('X-Bar', 'X-Foo, X-Bar', 'x-custom-', 'x-custom-12x', 'xx-custom-1',
           'Authorization', 'x-foox') {
    pf_refused(pf(hdrs => $O, 'PUT', $h), "allow-list: $h refused");
}
# CorsAllowHeaders * Authorization: Authorization admitted by name.
pf_headers(pf(authz => $O, 'PUT', 'Authorization'), 'authorization', "'* Authorization': Authorization");
pf_headers(pf(authz => $O, 'PUT', 'authorization, X-Any'), 'authorization, x-any',
           "'* Authorization': with another header");

# --- Long ACRH: 8000 bytes of commas answered quickly and correctly --------------
my $t0 = Time::HiRes::time();
$res = pf(default => $O, 'PUT', ',' x 8000);
my $took = Time::HiRes::time() - $t0;
pf_headers($res, undef, '8000 commas');
cmp_ok $took, '<', 2, '8000 commas: answered in under 2 s';
pf_headers(pf(default => $O, 'PUT', 'x-a' . ' ,' x 3000), 'x-a', 'x-a and 3000 empty tokens');

# Over 8192 bytes refused; exactly 8192 still parsed (a vhost that accepts
# request header lines up to 20000 bytes).
my $big = 'http://' . Apache::Test::config()->{vhosts}{basic_big}{hostport}
        . '/basic/default/data.txt';
# (Mostly commas, so that the answer stays short: LWP refuses response header
# lines over 8 KiB.)
my $acrh8192 = 'x-a' . ',' x 8189;
is length $acrh8192, 8192, 'ACRH of 8192 bytes';
$res = preflight($big, $O, 'PUT', $acrh8192);
is $res->code, 204, 'ACRH of 8192 bytes: 204';
is_deeply [header_values($res, $ACAO)], [$O], 'ACRH of 8192 bytes: granted';
is_deeply [header_values($res, $ACAH)], ['x-a'], 'ACRH of 8192 bytes: ACAH x-a';
pf_refused(preflight($big, $O, 'PUT', $acrh8192 . ','), 'ACRH of 8193 bytes');
pf_refused(preflight($big, $O, 'PUT', 'x-a,' x 3000), 'ACRH of 12000 bytes');
pf_refused(preflight($big, $O, 'PUT', ',' x 15000), 'ACRH of 15000 commas');

# --- Credentials, Max-Age, expose headers ---------------------------------------
$res = pf(cred => $O, 'GET');
is_deeply [header_values($res, $ACAC)], ['true'], 'credentials preflight: ACAC true';
is_deeply [header_values($res, $ACMA)], ['600'], 'CorsMaxAge 600 on granted preflight';
is_deeply [header_values($res, $ACEH)], [], 'expose headers: none on a preflight';
$res = cors_request(GET => '/basic/cred/data.txt', $O);
is_deeply [header_values($res, $ACEH)], ['X-One, X-Two'], 'expose headers: on actual response';
is_deeply [header_values($res, $ACMA)], [], 'Max-Age: not on actual response';
pf_refused(pf(cred => 'https://x.example', 'GET'), 'credentials preflight, unlisted origin');
is_deeply [header_values(pf(cred => 'https://x.example', 'GET'), $ACMA)], [],
    'Max-Age: not on a refused preflight';
is_deeply [header_values(pf(maxage0 => $O, 'GET'), $ACMA)], ['0'], 'CorsMaxAge 0 is sent';
is_deeply [header_values(pf(maxage0 => $O, 'GET', 'Authorization'), $ACMA)], [],
    'CorsMaxAge 0: not on a refused preflight';

$res = cors_request(GET => '/basic/expose/data.txt', $O);
is_deeply [header_values($res, $ACEH)], ['X-Total, X-Page, Content-Encoding'],
    'CorsExposeHeaders: one joined line';
is_deeply [header_values(pf(expose => $O, 'GET'), $ACEH)], [], 'CorsExposeHeaders: not on preflight';
$res = cors_request(GET => '/basic/expose/data.txt', 'https://x.example');
is_deeply [header_values($res, $ACEH)], [], 'CorsExposeHeaders: not for a refused origin';
is_deeply [header_values($res, $ACAO)], [], 'CorsExposeHeaders: refused origin has no ACAO';

# --- CorsPreflightStatus 200: granted and refused, empty body, no Allow -----------
$res = pf(status200 => $O, 'PUT', 'X-A');
is $res->code, 200, 'CorsPreflightStatus 200: granted 200';
is $res->content, '', 'CorsPreflightStatus 200: empty body';
is_deeply [header_values($res, $ACAH)], ['x-a'], 'CorsPreflightStatus 200: ACAH';
is_deeply [header_values($res, 'Allow')], [], 'CorsPreflightStatus 200: no Allow (not the handler)';
$res = pf(status200 => $O, 'PUT', 'Authorization');
pf_refused($res, 'CorsPreflightStatus 200, refused', 200);
is $res->content, '', 'CorsPreflightStatus 200, refused: empty body';
$res = pf(default => 'https://x.example', 'TRACE');
pf_refused($res, 'refused preflight (method)');
is $res->content, '', 'refused preflight: empty body';

# --- The preflight never reaches the handler (a proxied backend marks its answers) --
$res = pf(proxied => $O, 'PUT');
is $res->code, 204, 'proxied preflight: 204 from mod_cors';
is_deeply [header_values($res, 'X-Basic-Backend')], [], 'proxied preflight: backend not reached';
is_deeply [header_values($res, 'Allow')], [], 'proxied preflight: no Allow';
is_deeply [header_values($res, $ACAM)], [$DEFAULT_METHODS], 'proxied preflight: ACAM';
$res = cors_request(GET => '/basic/proxied/data.txt', $O);
is_deeply [header_values($res, 'X-Basic-Backend')], ['reached'], 'proxied GET: reaches backend';
is_deeply [header_values($res, $ACAO)], [$O], 'proxied GET: ACAO';

# --- CorsAutomaticOptions Off: handler answers, filter adds preflight headers ------
$res = pf(noauto => $O, 'PUT', 'X-A');
is $res->code, 200, 'automatic options off: handler 200';
ok scalar(header_values($res, 'Allow')), 'automatic options off: Allow from default handler';
is_deeply [header_values($res, $ACAO)], [$O], 'automatic options off: ACAO';
is_deeply [header_values($res, $ACAM)], [$DEFAULT_METHODS], 'automatic options off: ACAM';
is_deeply [header_values($res, $ACAH)], ['x-a'], 'automatic options off: ACAH';
is_deeply [header_values($res, $ACMA)], ['30'], 'automatic options off: Max-Age';
$res = pf(noauto => 'https://x.example', 'PUT');
is $res->code, 200, 'automatic options off, refused origin: handler 200';
ok scalar(header_values($res, 'Allow')), 'automatic options off, refused: Allow';
is_deeply [cors_lines($res, 'Access-Control-Allow-')], [], 'automatic options off, refused: no Access-Control-Allow-*';
$res = pf(proxiednoauto => $O, 'PUT');
is_deeply [header_values($res, 'X-Basic-Backend')], ['reached'],
    'automatic options off, proxied: backend reached';
is_deeply [header_values($res, $ACAO)], [$O], 'automatic options off, proxied: ACAO';
is_deeply [header_values($res, $ACAM)], [$DEFAULT_METHODS], 'automatic options off, proxied: ACAM';

# --- OPTIONS with Origin but no ACRM is an actual request -----------------------
$res = cors_request(OPTIONS => '/basic/default/data.txt', $O);
is $res->code, 200, 'OPTIONS without ACRM: handler 200';
ok scalar(header_values($res, 'Allow')), 'OPTIONS without ACRM: Allow from the handler';
is_deeply [header_values($res, $ACAO)], [$O], 'OPTIONS without ACRM: ACAO';
is_deeply [header_values($res, $ACAM)], [], 'OPTIONS without ACRM: no ACAM';
$res = cors_request(OPTIONS => '/basic/proxied/data.txt', $O);
is_deeply [header_values($res, 'X-Basic-Backend')], ['reached'], 'OPTIONS without ACRM, proxied: backend';
is_deeply [header_values($res, $ACAO)], [$O], 'OPTIONS without ACRM, proxied: ACAO';
$res = cors_request(OPTIONS => '/basic/expose/data.txt', $O);
is_deeply [header_values($res, $ACEH)], ['X-Total, X-Page, Content-Encoding'],
    'OPTIONS without ACRM: ACEH as an actual response';

# --- CorsAllowPrivateNetwork ------------------------------------------------------
my @pn = ('Access-Control-Request-Private-Network' => 'true');
is_deeply [header_values(pf(pna => $O, 'GET', undef, @pn), $ACAPN)], ['true'], 'private network On: true';
is_deeply [header_values(pf(pna => $O, 'GET'), $ACAPN)], [], 'private network On, not asked: nothing';
is_deeply [header_values(pf(pna => $O, 'GET', undef,
    'Access-Control-Request-Private-Network' => 'false'), $ACAPN)], [], 'private network On, asked false';
is_deeply [header_values(pf(pna => $O, 'GET', 'Authorization', @pn), $ACAPN)], [],
    'private network On, refused preflight: nothing';
is_deeply [header_values(pf(pnaoff => $O, 'GET', undef, @pn), $ACAPN)], [], 'private network Off: nothing';
is_deeply [header_values(pf(default => $O, 'GET', undef, @pn), $ACAPN)], [], 'private network default: nothing';
is_deeply [header_values(cors_request(GET => '/basic/pna/data.txt', $O, @pn), $ACAPN)], [],
    'private network On, actual request: nothing';
