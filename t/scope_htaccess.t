use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

# .htaccess: the remaining directives work there (the seven main ones are in
# scope_contexts.t), .htaccess overrides httpd.conf and a parent .htaccess,
# AllowOverride decides whether Cors directives are allowed, and bad values
# give a 500 with an error_log line naming directive and value.
# Files: t/htdocs/scope/ht*/.htaccess, t/htdocs/scope/noover, none, htpol.

plan tests => 47, need_module('cors', 'headers');

my $res;

# CorsOriginsMatch, CorsAllowHeadersMatch, CorsPreflightStatus,
# CorsAllowPrivateNetwork, CorsVaryHeader in .htaccess (htflags).
$res = cors_request(GET => '/scope/htflags/f.txt', 'https://x.m.example');
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://x.m.example'],
    'htflags: origin matched by CorsOriginsMatch';
is_deeply [header_values($res, 'Vary')], [], 'htflags: CorsVaryHeader Off, no Vary';
$res = cors_request(GET => '/scope/htflags/f.txt', 'https://a.example');
is_deeply [cors_lines($res)], [], 'htflags: origin not matching the regex refused';
$res = preflight('/scope/htflags/f.txt', 'https://x.m.example', 'PUT', 'x-m-foo',
                 'Access-Control-Request-Private-Network' => 'true');
is $res->code, 200, 'htflags: CorsPreflightStatus 200';
is_deeply [header_values($res, 'Access-Control-Allow-Headers')], ['x-m-foo'],
    'htflags: header matched by CorsAllowHeadersMatch';
is_deeply [header_values($res, 'Access-Control-Allow-Private-Network')], ['true'],
    'htflags: CorsAllowPrivateNetwork On';
$res = preflight('/scope/htflags/f.txt', 'https://x.m.example', 'PUT', 'x-other');
is $res->code, 200, 'htflags: refused preflight also 200';
is_deeply [cors_lines($res)], [], 'htflags: header not matching the regex refused';

# CorsSendWildcard in .htaccess (htwild): "*" to any origin and to none.
$res = cors_request(GET => '/scope/htwild/f.txt', 'https://any.example');
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['*'],
    'htwild: CorsSendWildcard On sends *';
is vary_origin($res), 0, 'htwild: static *, no Vary: Origin';
$res = cors_request(GET => '/scope/htwild/f.txt', undef);
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['*'],
    'htwild: * without Origin too';

# CorsAutomaticOptions Off and CorsAlwaysSend Off in .htaccess (htauto).
$res = preflight('/scope/htauto/f.txt', 'https://a.example', 'PUT', undef);
is $res->code, 200, 'htauto: preflight went to the default handler (200)';
ok defined $res->header('Allow'), 'htauto: default handler answered with Allow';
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://a.example'],
    'htauto: filter added ACAO to the handler answer';
is_deeply [header_values($res, 'Access-Control-Allow-Methods')], ['GET, PUT'],
    'htauto: filter added ACAM (CorsMethods from .htaccess)';
$res = cors_request(GET => '/scope/htauto/f.txt', undef);
is_deeply [cors_lines($res)], [], 'htauto: CorsAlwaysSend Off, no ACAO without Origin';
is vary_origin($res), 1, 'htauto: but Vary: Origin';

# CorsPreserveBackendHeaders in .htaccess (htpreserve): the ACAO set by
# `Header set` in the same .htaccess is kept, one line.
$res = cors_request(GET => '/scope/htpreserve/f.txt', 'https://a.example');
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://backend.example'],
    'htpreserve: CorsPreserveBackendHeaders On keeps the existing ACAO';

# .htaccess overrides the <Directory> policy of httpd.conf: origin policy
# replaced, max age and expose headers inherited.
$res = cors_request(GET => '/scope/htpol/f.txt', 'https://conf.example');
is_deeply [cors_lines($res)], [], 'htpol: httpd.conf origin replaced by the .htaccess one';
$res = cors_request(GET => '/scope/htpol/f.txt', 'https://ht.example');
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://ht.example'],
    'htpol: .htaccess origin allowed';
is_deeply [header_values($res, 'Access-Control-Expose-Headers')], ['X-Conf'],
    'htpol: CorsExposeHeaders inherited from httpd.conf';
$res = preflight('/scope/htpol/f.txt', 'https://ht.example', 'PUT', undef);
is_deeply [header_values($res, 'Access-Control-Max-Age')], ['50'],
    'htpol: CorsMaxAge inherited from httpd.conf';

# A subdirectory's .htaccess overrides the parent's .htaccess.
$res = cors_request(GET => '/scope/htpol/sub/f.txt', 'https://ht.example');
is_deeply [cors_lines($res)], [], 'htpol/sub: parent .htaccess origin replaced';
$res = cors_request(GET => '/scope/htpol/sub/f.txt', 'https://conf.example');
is_deeply [cors_lines($res)], [], 'htpol/sub: httpd.conf origin not back either';
$res = cors_request(GET => '/scope/htpol/sub/f.txt', 'https://sub.example');
is_deeply [header_values($res, 'Access-Control-Allow-Origin')], ['https://sub.example'],
    'htpol/sub: own origin allowed';
is_deeply [header_values($res, 'Access-Control-Expose-Headers')], ['X-Conf'],
    'htpol/sub: CorsExposeHeaders still from httpd.conf';
$res = preflight('/scope/htpol/sub/f.txt', 'https://sub.example', 'PUT', undef);
is_deeply [header_values($res, 'Access-Control-Max-Age')], ['5'],
    'htpol/sub: own CorsMaxAge replaces httpd.conf value';

# Cors Off in a .htaccess below an httpd.conf Cors On.
$res = cors_request(GET => '/scope/htpol/off/f.txt', 'https://ht.example');
is_deeply [cors_lines($res)], [], 'htpol/off: Cors Off in .htaccess, no CORS headers';
is vary_origin($res), 0, 'htpol/off: no Vary: Origin';
$res = preflight('/scope/htpol/off/f.txt', 'https://ht.example', 'PUT', undef);
is $res->code, 200, 'htpol/off: preflight reaches the default handler';
is_deeply [cors_lines($res)], [], 'htpol/off: preflight gets no CORS headers';

# AllowOverride without FileInfo: Cors in .htaccess is an error (500),
# httpd's own "not allowed here".
my $mark = error_log_mark();
$res = cors_request(GET => '/scope/noover/f.txt', 'https://a.example');
is $res->code, 500, 'noover: .htaccess Cors without AllowOverride FileInfo: 500';
like error_log_since($mark), qr{scope/noover/\.htaccess: Cors not allowed here},
    'noover: error_log says Cors is not allowed here';

# AllowOverride None: .htaccess not read at all.
$res = cors_request(GET => '/scope/none/f.txt', 'https://a.example');
is $res->code, 200, 'none: AllowOverride None, .htaccess ignored (200)';
is_deeply [cors_lines($res)], [], 'none: no CORS headers';

# Bad values and the unsafe directive in .htaccess: 500 and an error_log line
# naming the file, directive and value.
my @bad = (
    [ maxage => qr{htbad/maxage/\.htaccess: CorsMaxAge: 'soon' is not a number} ],
    [ flag   => qr{htbad/flag/\.htaccess: Cors: 'maybe' is not On, Off or ReportOnly} ],
    [ origin => qr{htbad/origin/\.htaccess: CorsOrigins: 'https://a\.example/path' is not an origin} ],
    [ regex  => qr{htbad/regex/\.htaccess: CorsOriginsMatch: 'https://\(a' is not a valid regular expression} ],
    [ unsafe => qr{htbad/unsafe/\.htaccess: CorsUnsafeAllowAnyOriginWithCredentials (?:cannot occur within htaccess files|not allowed)} ],
);
for my $b (@bad) {
    my ($dir, $re) = @$b;
    $mark = error_log_mark();
    $res = cors_request(GET => "/scope/htbad/$dir/f.txt", 'https://a.example');
    is $res->code, 500, "htbad/$dir: 500";
    like error_log_since($mark), $re, "htbad/$dir: error_log names directive and value";
}

# The same bad .htaccess also breaks a preflight (500, no CORS answer).
$res = preflight('/scope/htbad/unsafe/f.txt', 'https://a.example', 'PUT', undef);
is $res->code, 500, 'htbad/unsafe: preflight 500 too';
is_deeply [header_values($res, 'Access-Control-Allow-Methods')], [],
    'htbad/unsafe: no ACAM';
