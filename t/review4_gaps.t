# Review 4 (issue 12): behaviour the manual promises that no test pinned:
# each block names the mutation of the module that the whole suite let
# through before this file. Private server (t/lib/CorsHttpd.pm), so that
# each case has exactly the config it describes.
#
# 1. "`*` in CorsAllowHeaders never admits Authorization" (docs/directives.md,
#    CorsAllowHeaders; Fetch: a `*` in Access-Control-Allow-Headers never
#    covers Authorization). The suite checked it only for `*` alone, which
#    takes a fast path; `*` next to names (a sub-section that narrows the
#    documented `CorsAllowHeaders * Authorization` to `* X-Tenant`) or
#    next to CorsAllowHeadersMatch takes the general path.
#    Mutation: cors_header_allowed() lets `*` cover authorization: the
#    preflight is granted with "authorization" echoed in
#    Access-Control-Allow-Headers, which the browser accepts (a listed name,
#    not the `*`), so it sends the bearer token the policy refuses.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;

plan tests => 12, need_module('cors');

my $APP = 'https://app.example.com';

my $h = CorsHttpd->new(name => 'review4_gaps', config => <<'CONF');
<Location "/api/">
    Cors On
    CorsOrigins https://app.example.com
    CorsSupportsCredentials On
    CorsAllowHeaders * Authorization
</Location>
# Narrowed below /api/tenant/: any header but Authorization.
<Location "/api/tenant/">
    CorsAllowHeaders * X-Tenant
</Location>
<Location "/api/match/">
    CorsAllowHeaders *
    CorsAllowHeadersMatch "x-app-.*"
</Location>
CONF
$h->start;

my $res = CorsTest::preflight($h->url('/api/x'), $APP, 'PUT', 'authorization');
is_deeply [header_values($res, $ACAH)], ['authorization'],
    'control: * Authorization admits authorization by name';

for my $c (['/api/tenant/x', '* X-Tenant'],
           ['/api/match/x', '* with CorsAllowHeadersMatch']) {
    my ($path, $what) = @$c;
    $res = CorsTest::preflight($h->url($path), $APP, 'PUT', 'authorization');
    is $res->code, 204, "$what: preflight asking for authorization answered 204";
    is_deeply [cors_lines($res)], [], "$what: authorization refused (no Access-Control-*)";
    $res = CorsTest::preflight($h->url($path), $APP, 'PUT', 'content-type, authorization, x-app-id');
    is_deeply [cors_lines($res)], [], "$what: authorization among others: refused";
    $res = CorsTest::preflight($h->url($path), $APP, 'PUT', 'content-type, x-app-id, x-tenant');
    is_deeply [header_values($res, $ACAO)], [$APP], "$what: other headers: allowed";
    is_deeply [header_values($res, $ACAH)], ['content-type, x-app-id, x-tenant'],
        "$what: other headers: echoed";
}
like $h->error_log, qr/never covers Authorization: list it by name\) \('authorization'\)/,
    'the debug log says why (CorsAllowHeaders * never covers Authorization)';
$h->stop;
