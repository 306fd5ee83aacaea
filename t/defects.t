# Issue 9: wrong verdicts and messages found by review, each pinned here
# where no other area covers it (fast redirects: t/redirect_*.t; hook
# order: t/order_rewrite.t; startup checks: t/config.t and
# t/defects_startup.t).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

plan tests => 45, need_module('cors', 'headers', 'alias');

my $APP = 'https://app.example';
my $res;

# The one mod_cors decision line logged while $code runs.
sub decision_line {
    my ($code) = @_;
    my $mark = error_log_mark();
    my $r = $code->();
    my @l = grep { /\[cors:debug\].* (?:allowed by|refused in) / }
            split /\n/, error_log_since($mark);
    return ($r, @l);
}

# ---- item 3: a preflight for GET, HEAD or POST is never refused for its
# method: browsers send one for custom headers or a JSON body.
for my $m (qw(GET HEAD POST)) {
    $res = preflight('/defects/methods/f.txt', $APP, $m, 'x-requested-with');
    is $res->code, 204, "CorsMethods PUT DELETE, preflight for $m: 204";
    is_deeply [header_values($res, $ACAO)], [$APP], "preflight for $m: ACAO";
    is_deeply [header_values($res, $ACAH)], ['x-requested-with'], "preflight for $m: ACAH";
}
$res = preflight('/defects/methods/f.txt', $APP, 'POST', 'content-type');
is_deeply [header_values($res, $ACAO)], [$APP], 'preflight for a JSON POST: ACAO';
$res = preflight('/defects/methods/f.txt', $APP, 'PATCH');
is_deeply [cors_lines($res)], [], 'preflight for PATCH (not listed): refused';
# Safelisted means byte for byte: "get" is not GET.
$res = preflight('/defects/methods/f.txt', $APP, 'get');
is_deeply [cors_lines($res)], [], 'preflight for "get": refused';
$res = preflight('/defects/methods/f.txt', $APP, 'PUT', 'x-requested-with');
is_deeply [header_values($res, $ACAM)], ['PUT, DELETE'], 'preflight for PUT: the listed methods';

# ---- item 4: "put delete patch" is PUT, DELETE and patch.
$res = preflight('/defects/lower/f.txt', $APP, 'PUT');
is_deeply [header_values($res, $ACAO)], [$APP], 'CorsMethods put: PUT granted';
is_deeply [header_values($res, $ACAM)], ['PUT, DELETE, patch'], 'CorsMethods put delete patch: ACAM';
$res = preflight('/defects/lower/f.txt', $APP, 'DELETE');
is_deeply [header_values($res, $ACAO)], [$APP], 'CorsMethods delete: DELETE granted';
$res = preflight('/defects/lower/f.txt', $APP, 'patch');
is_deeply [header_values($res, $ACAO)], [$APP], 'CorsMethods patch: "patch" granted';
$res = preflight('/defects/lower/f.txt', $APP, 'PATCH');
is_deeply [cors_lines($res)], [], 'CorsMethods patch: "PATCH" refused';
$res = preflight('/defects/lower/f.txt', $APP, 'put');
is_deeply [cors_lines($res)], [], 'CorsMethods put: "put" (never sent by browsers) refused';

# ---- item 5 at request time: null with credentials from .htaccess.
my $mark = error_log_mark();
$res = cors_request(GET => '/defects/htnull/f.txt', 'null');
is $res->code, 200, '.htaccess null + credentials: the file is served';
is_deeply [cors_lines($res)], [], '.htaccess null + credentials: Origin null gets nothing';
$res = cors_request(GET => '/defects/htnull/f.txt', $APP);
is_deeply [cors_lines($res)], [], '.htaccess null + credentials: CORS off for the listed origin too';
like error_log_since($mark), qr{\[cors:error\].*CORS disabled for /defects/htnull/f\.txt.*'null'},
    '.htaccess null + credentials: the error log says why';
# A regex never admits null; only CorsOrigins null does.
$res = cors_request(GET => '/defects/regexnull/f.txt', 'null');
is_deeply [cors_lines($res)], [], 'CorsOriginsMatch ".*": Origin null refused';
$res = cors_request(GET => '/defects/regexnull/f.txt', $APP);
is_deeply [header_values($res, $ACAO)], [$APP], 'CorsOriginsMatch ".*": an origin allowed';

# ---- item 8: the debug line names the section whose directive decided.
my @l;
($res, @l) = decision_line(sub { cors_request(GET => '/defects/parent/public/f.txt', 'https://any.example') });
is_deeply [header_values($res, $ACAO)], ['https://any.example'], 'child CorsOrigins *: allowed';
is scalar(@l), 1, 'child CorsOrigins *: one decision line';
like $l[0] // '', qr{allowed by '\*' in <Location /defects/parent/public/> at \S+defects\.conf:\d+$},
    'child CorsOrigins *: the line names the child section';
($res, @l) = decision_line(sub { preflight('/defects/parent/public/f.txt', 'https://any.example', 'DELETE') });
like $l[0] // '', qr{refused in <Location /defects/parent/> at \S+defects\.conf:\d+: method not allowed by CorsMethods \('DELETE'\)},
    'inherited CorsMethods: the line names the parent section';
($res, @l) = decision_line(sub { cors_request(GET => '/defects/parent/f.txt', 'https://evil.example') });
like $l[0] // '', qr{refused in <Location /defects/parent/> at \S+: it matches no CorsOrigins},
    'refused origin in the parent: the parent section';
($res, @l) = decision_line(sub { preflight('/defects/methods/f.txt', $APP, 'PUT', 'x-other') });
like $l[0] // '', qr{refused in <Location /defects/methods/> at \S+: header not allowed .*\('x-other'\)},
    'refused header: the section of CorsAllowHeaders';
($res, @l) = decision_line(sub { preflight('/defects/regexnull/f.txt', $APP, 'PUT', 'x-other') });
like $l[0] // '', qr{allowed by '\.\*' in <Location /defects/regexnull/> at },
    'default allowed headers: the section of the origin policy that allowed';

# ---- IPv6 origins: the config's form does not matter, browsers' does.
for my $o ('http://[::1]', 'http://[::ffff:102:304]:8080', 'https://[2001:db8::1:0:0:1]') {
    $res = cors_request(GET => '/defects/v6/f.txt', $o);
    is_deeply [header_values($res, $ACAO)], [$o], "IPv6 origin $o allowed";
}
for my $o ('http://[::2]', 'http://[::ffff:102:304]', 'http://[::ffff:1.2.3.5]:8080') {
    $res = cors_request(GET => '/defects/v6/f.txt', $o);
    is_deeply [cors_lines($res)], [], "IPv6 origin $o refused";
}
# The same addresses, written otherwise, compare equal (never echoed other
# than as sent).
$res = cors_request(GET => '/defects/v6/f.txt', 'http://[0::1]');
is_deeply [header_values($res, $ACAO)], ['http://[0::1]'], 'IPv6 origin http://[0::1]: same address';

# ---- RequestHeader unset Origin: judged on the Origin the client sent,
# for the preflight and for the actual request alike; the handler does not
# see it.
$res = preflight('/defects/unset/f.txt', $APP, 'PUT');
is_deeply [header_values($res, $ACAO)], [$APP], 'RequestHeader unset Origin: preflight granted';
$res = cors_request(GET => '/defects/unset/f.txt', $APP);
is_deeply [header_values($res, $ACAO)], [$APP], 'RequestHeader unset Origin: actual request granted';
is vary_origin($res), 1, 'RequestHeader unset Origin: Vary: Origin';
$res = cors_request(GET => '/cgi-bin/defects_origin.cgi', $APP);
like $res->content, qr/^origin=none$/m, 'RequestHeader unset Origin: the CGI sees no Origin';
is_deeply [header_values($res, $ACAO)], [$APP], 'RequestHeader unset Origin: the CGI answer granted';
$res = cors_request(GET => '/cgi-bin/defects_origin.cgi', 'https://evil.example');
is_deeply [cors_lines($res)], [], 'RequestHeader unset Origin: a refused origin stays refused';
