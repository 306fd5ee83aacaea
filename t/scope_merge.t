use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

# Merging between sections (t/conf/scope.conf.in): nested <Location>s,
# repeated list directives in one section, Cors On at virtual-host level,
# and credentials meeting an any-origin policy only in the merged config.

plan tests => 75, need_module('cors');

sub acao { [ header_values($_[0], 'Access-Control-Allow-Origin') ] }

my ($res, $mark);
my $A = 'https://a.example';
my $B = 'https://b.example';
my $C = 'https://c.example';

# Parent /scope/a: origins A and B, GET PUT, X-Parent, expose X-Parent-Out, max age 600.
$res = cors_request(GET => '/scope/a/f.txt', $A);
is_deeply acao($res), [$A], 'parent: A allowed';
is_deeply [header_values($res, 'Access-Control-Expose-Headers')], ['X-Parent-Out'],
    'parent: expose headers';
$res = cors_request(GET => '/scope/a/f.txt', $B);
is_deeply acao($res), [$B], 'parent: B allowed';
$res = cors_request(GET => '/scope/a/f.txt', $C);
is_deeply [cors_lines($res)], [], 'parent: C refused';

# Child /scope/a/b sets only CorsExposeHeaders: origins, methods, headers,
# max age come from the parent; the expose list is replaced, not appended.
$res = cors_request(GET => '/scope/a/b/f.txt', $A);
is_deeply acao($res), [$A], 'child expose-only: parent origin A kept';
is_deeply [header_values($res, 'Access-Control-Expose-Headers')], ['X-Child'],
    'child expose-only: its CorsExposeHeaders replaces the parent list';
$res = cors_request(GET => '/scope/a/b/f.txt', $B);
is_deeply acao($res), [$B], 'child expose-only: parent origin B kept';
$res = cors_request(GET => '/scope/a/b/f.txt', $C);
is_deeply [cors_lines($res)], [], 'child expose-only: C still refused';
$res = preflight('/scope/a/b/f.txt', $A, 'PUT', 'X-Parent');
is $res->code, 204, 'child expose-only: preflight 204';
is_deeply acao($res), [$A], 'child expose-only: preflight granted';
is_deeply [header_values($res, 'Access-Control-Allow-Methods')], ['GET, PUT'],
    'child expose-only: parent CorsMethods kept';
is_deeply [header_values($res, 'Access-Control-Allow-Headers')], ['x-parent'],
    'child expose-only: parent CorsAllowHeaders kept';
is_deeply [header_values($res, 'Access-Control-Max-Age')], ['600'],
    'child expose-only: parent CorsMaxAge kept';
is_deeply [header_values($res, 'Access-Control-Expose-Headers')], [],
    'child expose-only: no expose headers on a preflight';
$res = preflight('/scope/a/b/f.txt', $A, 'DELETE', undef);
is_deeply [cors_lines($res)], [], 'child expose-only: method outside parent CorsMethods refused';

# Child CorsOrigins replaces the parent's origin policy (narrowing to B).
$res = cors_request(GET => '/scope/a/narrow/f.txt', $A);
is_deeply [cors_lines($res)], [], 'narrow: A (parent only) refused';
is vary_origin($res), 1, 'narrow: refused still has Vary: Origin';
$res = cors_request(GET => '/scope/a/narrow/f.txt', $B);
is_deeply acao($res), [$B], 'narrow: B allowed';
$res = preflight('/scope/a/narrow/f.txt', $B, 'PUT', undef);
is_deeply [header_values($res, 'Access-Control-Max-Age')], ['600'],
    'narrow: max age still from the parent';
$res = preflight('/scope/a/narrow/f.txt', $A, 'PUT', undef);
is_deeply [cors_lines($res)], [], 'narrow: preflight from A refused';

# Child CorsOriginsMatch replaces the parent's CorsOrigins list.
$res = cors_request(GET => '/scope/a/rx/f.txt', $A);
is_deeply [cors_lines($res)], [], 'rx: parent list origin A refused';
$res = cors_request(GET => '/scope/a/rx/f.txt', $B);
is_deeply [cors_lines($res)], [], 'rx: parent list origin B refused';
$res = cors_request(GET => '/scope/a/rx/f.txt', 'https://x.rx.example');
is_deeply acao($res), ['https://x.rx.example'], 'rx: regex origin allowed';
$res = preflight('/scope/a/rx/f.txt', 'https://x.rx.example', 'PUT', 'X-Parent');
is_deeply [header_values($res, 'Access-Control-Max-Age')], ['600'],
    'rx: preflight keeps parent max age';
is_deeply [header_values($res, 'Access-Control-Allow-Headers')], ['x-parent'],
    'rx: preflight keeps parent CorsAllowHeaders';

# Grandchild CorsOrigins replaces the child's CorsOriginsMatch.
$res = cors_request(GET => '/scope/a/rx/list/f.txt', 'https://x.rx.example');
is_deeply [cors_lines($res)], [], 'rx/list: regex origin no longer allowed';
$res = cors_request(GET => '/scope/a/rx/list/f.txt', $A);
is_deeply [cors_lines($res)], [], 'rx/list: grandparent origin A not back';
$res = cors_request(GET => '/scope/a/rx/list/f.txt', $C);
is_deeply acao($res), [$C], 'rx/list: own origin C allowed';

# Child CorsAllowHeadersMatch replaces the parent's CorsAllowHeaders.
$res = preflight('/scope/a/hrx/f.txt', $A, 'PUT', 'X-Parent');
is_deeply [cors_lines($res)], [], 'hrx: parent header X-Parent refused';
$res = preflight('/scope/a/hrx/f.txt', $A, 'PUT', 'X-Rx-Foo');
is_deeply acao($res), [$A], 'hrx: regex header granted';
is_deeply [header_values($res, 'Access-Control-Allow-Headers')], ['x-rx-foo'],
    'hrx: ACAH lists the regex-matched header';
$res = cors_request(GET => '/scope/a/hrx/f.txt', $B);
is_deeply acao($res), [$B], 'hrx: origins still from the parent';

# Grandchild CorsAllowHeaders replaces the child's CorsAllowHeadersMatch.
$res = preflight('/scope/a/hrx/list/f.txt', $A, 'PUT', 'X-Rx-Foo');
is_deeply [cors_lines($res)], [], 'hrx/list: regex header refused';
$res = preflight('/scope/a/hrx/list/f.txt', $A, 'PUT', 'X-Parent');
is_deeply [cors_lines($res)], [], 'hrx/list: grandparent header refused';
$res = preflight('/scope/a/hrx/list/f.txt', $A, 'PUT', 'X-List');
is_deeply [header_values($res, 'Access-Control-Allow-Headers')], ['x-list'],
    'hrx/list: own header granted';

# Cors Off in a child: no CORS headers, no Vary, preflight to the handler.
$res = cors_request(GET => '/scope/a/off/f.txt', $A);
is $res->code, 200, 'off: GET 200';
is_deeply [cors_lines($res)], [], 'off: no Access-Control-* header';
is vary_origin($res), 0, 'off: no Vary: Origin';
$res = preflight('/scope/a/off/f.txt', $A, 'PUT', 'X-Parent');
is $res->code, 200, 'off: preflight answered by the default handler (200)';
ok defined $res->header('Allow'), 'off: default handler Allow header';
is_deeply [cors_lines($res)], [], 'off: preflight gets no Access-Control-* header';

# Cors On again below a Cors Off: the policy set above is still there.
$res = cors_request(GET => '/scope/a/off/on/f.txt', $A);
is_deeply acao($res), [$A], 'off/on: Cors On again, parent origins';
$res = cors_request(GET => '/scope/a/off/on/f.txt', $C);
is_deeply [cors_lines($res)], [], 'off/on: C refused';
$res = preflight('/scope/a/off/on/f.txt', $B, 'PUT', undef);
is_deeply [header_values($res, 'Access-Control-Max-Age')], ['600'],
    'off/on: parent max age';

# Two lines of the same list directive in one section append.
$res = cors_request(GET => '/scope/twice/f.txt', $A);
is_deeply acao($res), [$A], 'twice: first CorsOrigins line allowed';
is_deeply [header_values($res, 'Access-Control-Expose-Headers')], ['X-One, X-Two'],
    'twice: both CorsExposeHeaders lines';
$res = cors_request(GET => '/scope/twice/f.txt', $B);
is_deeply acao($res), [$B], 'twice: second CorsOrigins line allowed';
$res = cors_request(GET => '/scope/twice/f.txt', $C);
is_deeply [cors_lines($res)], [], 'twice: unlisted origin refused';
$res = preflight('/scope/twice/f.txt', $A, 'PUT', 'X-One, X-Two, X-M1-A, X-M2-B');
is_deeply [header_values($res, 'Access-Control-Allow-Methods')], ['GET, PUT'],
    'twice: both CorsMethods lines';
is_deeply [header_values($res, 'Access-Control-Allow-Headers')], ['x-one, x-two, x-m1-a, x-m2-b'],
    'twice: both CorsAllowHeaders and both CorsAllowHeadersMatch lines';
$res = preflight('/scope/twice/f.txt', $A, 'GET', undef);
is_deeply acao($res), [$A], 'twice: first CorsMethods line still allowed';

# Cors On at virtual-host level (outside any section), Cors Off in a
# <Location> of that vhost; the main server is not affected.
my $vh = 'http://' . Apache::Test::config()->{vhosts}{scope_vhost}{hostport};
my $VH = 'https://vh.example';
$res = cors_request(GET => "$vh/scope/vh/f.txt", $VH);
is $res->code, 200, 'vhost: GET 200';
is_deeply acao($res), [$VH], 'vhost: vhost-level CorsOrigins allowed';
is vary_origin($res), 1, 'vhost: Vary: Origin';
$res = cors_request(GET => "$vh/scope/vh/f.txt", $A);
is_deeply [cors_lines($res)], [], 'vhost: other origin refused';
$res = cors_request(GET => "$vh/index.html", undef);
is_deeply acao($res), [$VH], 'vhost: any URL, no Origin: the single origin (CorsAlwaysSend)';
$res = preflight("$vh/scope/vh/f.txt", $VH, 'PUT', undef);
is $res->code, 204, 'vhost: preflight 204';
is_deeply [header_values($res, 'Access-Control-Allow-Methods')], ['GET, PUT'],
    'vhost: vhost-level CorsMethods';
is_deeply [header_values($res, 'Access-Control-Max-Age')], ['77'],
    'vhost: vhost-level CorsMaxAge';
$res = cors_request(GET => "$vh/scope/vhoff/f.txt", $VH);
is_deeply [cors_lines($res)], [], 'vhost: Cors Off in a <Location>';
is vary_origin($res), 0, 'vhost: Cors Off, no Vary: Origin';
$res = preflight("$vh/scope/vhoff/f.txt", $VH, 'PUT', undef);
is $res->code, 200, 'vhost: Cors Off, preflight to the default handler';
is_deeply [cors_lines($res)], [], 'vhost: Cors Off, preflight gets no CORS headers';
$res = cors_request(GET => '/scope/vh/f.txt', $VH);
is_deeply [cors_lines($res)], [], 'main server: vhost-level Cors On does not apply';
# A main-server <Location> inherited by the vhost replaces its origin policy.
$res = cors_request(GET => "$vh/scope/loc/f.txt", $VH);
is_deeply [cors_lines($res)], [], 'vhost + main <Location>: vhost origin replaced';
$res = cors_request(GET => "$vh/scope/loc/f.txt", 'https://loc.example');
is_deeply acao($res), ['https://loc.example'], 'vhost + main <Location>: its origin allowed';

# Credentials On (parent) + CorsOrigins * (child): no CORS headers in the
# child for any origin, and an error naming the location in the error_log.
$res = cors_request(GET => '/scope/cred/f.txt', $A);
is_deeply [header_values($res, 'Access-Control-Allow-Credentials')], ['true'],
    'cred: parent grants A with credentials';
for my $child (qw(any rxall)) {
    $mark = error_log_mark();
    my @got;
    for my $o ($A, 'https://evil.example') {
        push @got, cors_lines(cors_request(GET => "/scope/cred/$child/f.txt", $o));
    }
    push @got, cors_lines(preflight("/scope/cred/$child/f.txt", $A, 'PUT', undef));
    is_deeply \@got, [], "cred/$child: no CORS header for any origin, nor a preflight";
    like error_log_since($mark),
        qr{\[cors:error\].*CORS disabled for /scope/cred/$child/f\.txt \(Cors On in /scope/cred\b.*CorsSupportsCredentials},
        "cred/$child: error_log names the location";
}

# CorsUnsafeAllowAnyOriginWithCredentials On (httpd.conf) lifts it.
$mark = error_log_mark();
$res = cors_request(GET => '/scope/cred/unsafe/f.txt', 'https://zz.example');
is_deeply acao($res), ['https://zz.example'], 'cred/unsafe: any origin reflected';
is_deeply [header_values($res, 'Access-Control-Allow-Credentials')], ['true'],
    'cred/unsafe: with credentials';
$res = preflight('/scope/cred/unsafe/f.txt', 'https://zz.example', 'PUT', undef);
is_deeply [header_values($res, 'Access-Control-Allow-Credentials')], ['true'],
    'cred/unsafe: preflight granted with credentials';
unlike error_log_since($mark), qr{CORS disabled}, 'cred/unsafe: no error logged';
