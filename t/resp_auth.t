# Area "resp": Cors On scopes protected by Basic auth and by Require ip
# (config: t/conf/resp.conf.in). Preflights never need credentials; the
# 401/403 of actual requests carries the CORS answer.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use MIME::Base64 qw(encode_base64);

plan tests => 44, need_module('cors');

my $A    = 'https://a.example';
my $EVIL = 'https://evil.example';
my @AUTH = (Authorization => 'Basic ' . encode_base64('resp:secret', ''));
my @BAD  = (Authorization => 'Basic ' . encode_base64('resp:wrong', ''));

my $res;

# Preflight to a Basic-auth location (no credentials): answered 204 with the
# grant, never 401.
$res = preflight('/resp/auth/', $A, 'PUT', 'X-Custom');
is $res->code, 204, 'auth preflight: 204, not 401';
is_deeply [header_values($res, $ACAO)], [$A], 'auth preflight: one ACAO, echoed';
is_deeply [header_values($res, $ACAC)], ['true'], 'auth preflight: ACAC true';
ok scalar(grep { $_ eq 'PUT' } header_tokens($res, 'Access-Control-Allow-Methods')),
    'auth preflight: ACAM lists PUT';
is_deeply [header_tokens($res, 'Access-Control-Allow-Headers')], ['x-custom'],
    'auth preflight: ACAH';
is scalar(header_values($res, 'WWW-Authenticate')), 0, 'auth preflight: no challenge';
is $res->content, '', 'auth preflight: empty body';

# Refused origin on the same location: still 204, no Access-Control-Allow-*.
$res = preflight('/resp/auth/', $EVIL, 'PUT');
is $res->code, 204, 'auth preflight, refused origin: 204, not 401';
is_deeply [cors_lines($res, 'Access-Control-Allow-')], [], 'auth preflight, refused origin: no Access-Control-Allow-*';
is vary_origin($res), 1, 'auth preflight, refused origin: Vary: Origin';

# Actual GET without credentials: 401 with the challenge and the CORS answer.
$res = cors_request(GET => '/resp/auth/', $A);
is $res->code, 401, 'auth GET without credentials: 401';
is_deeply [header_values($res, $ACAO)], [$A], 'auth 401: exactly one ACAO';
is_deeply [header_values($res, $ACAC)], ['true'], 'auth 401: ACAC true';
like $res->header('WWW-Authenticate'), qr/^Basic realm="resp area"/, 'auth 401: WWW-Authenticate';
is vary_origin($res), 1, 'auth 401: Vary: Origin once';

# Wrong password: also 401 with the CORS answer.
$res = cors_request(GET => '/resp/auth/', $A, @BAD);
is $res->code, 401, 'auth GET with a wrong password: 401';
is_deeply [header_values($res, $ACAO)], [$A], 'auth 401 (wrong password): one ACAO';

# Refused origin on the 401: no CORS headers, Vary still there.
$res = cors_request(GET => '/resp/auth/', $EVIL);
is $res->code, 401, 'auth GET, refused origin: 401';
is scalar(header_values($res, $ACAO)), 0, 'auth 401, refused origin: no ACAO';
is scalar(header_values($res, $ACAC)), 0, 'auth 401, refused origin: no ACAC';
is vary_origin($res), 1, 'auth 401, refused origin: Vary: Origin';

# With credentials: 200 with the CORS answer.
$res = cors_request(GET => '/resp/auth/', $A, @AUTH);
is $res->code, 200, 'auth GET with credentials: 200';
like $res->content, qr/resp auth page/, 'auth 200: the page';
is_deeply [header_values($res, $ACAO)], [$A], 'auth 200: one ACAO';
is_deeply [header_values($res, $ACAC)], ['true'], 'auth 200: ACAC true';

# HEAD without credentials: the same headers as GET.
$res = cors_request(HEAD => '/resp/auth/', $A);
is $res->code, 401, 'auth HEAD without credentials: 401';
is_deeply [header_values($res, $ACAO)], [$A], 'auth HEAD 401: one ACAO';
is_deeply [header_values($res, $ACAC)], ['true'], 'auth HEAD 401: ACAC true';

# Without CorsSupportsCredentials: the 401 has ACAO but no ACAC.
$res = cors_request(GET => '/resp/auth-nocred/', $A);
is $res->code, 401, 'auth (no credentials flag) GET: 401';
is_deeply [header_values($res, $ACAO)], [$A], 'auth (no credentials flag) 401: one ACAO';
is scalar(header_values($res, $ACAC)), 0, 'auth (no credentials flag) 401: no ACAC';
ok defined $res->header('WWW-Authenticate'), 'auth (no credentials flag) 401: WWW-Authenticate';

# Require ip (never satisfied): preflight 204 granted, actual requests 403 with ACAO.
$res = preflight('/resp/ip/', $A, 'DELETE');
is $res->code, 204, 'ip preflight: 204, not 403';
is_deeply [header_values($res, $ACAO)], [$A], 'ip preflight: one ACAO';
ok scalar(grep { $_ eq 'DELETE' } header_tokens($res, 'Access-Control-Allow-Methods')),
    'ip preflight: ACAM lists DELETE';

$res = preflight('/resp/ip/', $EVIL, 'DELETE');
is $res->code, 204, 'ip preflight, refused origin: 204';
is_deeply [cors_lines($res, 'Access-Control-Allow-')], [], 'ip preflight, refused origin: no Access-Control-Allow-*';

$res = cors_request(GET => '/resp/ip/', $A);
is $res->code, 403, 'ip GET: 403';
is_deeply [header_values($res, $ACAO)], [$A], 'ip 403: exactly one ACAO';
is vary_origin($res), 1, 'ip 403: Vary: Origin once';

$res = cors_request(GET => '/resp/ip/', $EVIL);
is $res->code, 403, 'ip GET, refused origin: 403';
is scalar(header_values($res, $ACAO)), 0, 'ip 403, refused origin: no ACAO';
is vary_origin($res), 1, 'ip 403, refused origin: Vary: Origin';

# OPTIONS without Access-Control-Request-Method is an actual request: access control applies.
$res = cors_request(OPTIONS => '/resp/ip/', $A);
is $res->code, 403, 'ip OPTIONS without ACRM: 403 (not a preflight)';
