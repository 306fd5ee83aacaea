use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

# The seven main directives (Cors, CorsOrigins, CorsMethods,
# CorsAllowHeaders, CorsExposeHeaders, CorsSupportsCredentials, CorsMaxAge)
# work in every kind of section and in .htaccess. Config: t/conf/scope.conf.in,
# t/htdocs/scope/ht/.htaccess. Each context has its own values, so a value
# leaking from another section shows.

my @contexts = (
    # name, url, origin, preflight method, CorsMethods answer, header, expose, max age
    [ '<Location>',      '/scope/loc/f.txt',               'https://loc.example',   'PUT',    'GET, PUT',          'X-Loc',   'X-Loc-Out',   101 ],
    [ '<LocationMatch>', '/scope/lm7/f.txt',               'https://lm.example',    'PATCH',  'GET, PATCH',        'X-Lm',    'X-Lm-Out',    102 ],
    [ '<Directory>',     '/scope/dir/f.txt',               'https://dir.example',   'DELETE', 'GET, POST, DELETE', 'X-Dir',   'X-Dir-Out',   103 ],
    [ '<Files>',         '/scope/files/scope-files.txt',   'https://files.example', 'PUT',    'GET, PUT',          'X-Files', 'X-Files-Out', 104 ],
    [ '<If>',            '/scope/if/f.txt',                'https://if.example',    'PUT',    'GET, PUT',          'X-If',    'X-If-Out',    105 ],
    [ '.htaccess',       '/scope/ht/f.txt',                'https://ht.example',    'PUT',    'GET, PUT',          'X-Ht',    'X-Ht-Out',    106 ],
);

# Requests outside the section (same server, same origin): no CORS at all.
my @outside = (
    [ '<LocationMatch> regex not matching', '/scope/lmx/f.txt',      'https://lm.example' ],
    [ '<Files> other file, same directory', '/scope/files/other.txt', 'https://files.example' ],
    [ '<If> condition false',               '/scope/ifnot/f.txt',     'https://if.example' ],
);

plan tests => 14 * @contexts + 3 * @outside, need_module('cors');

for my $c (@contexts) {
    my ($name, $url, $origin, $method, $acam, $header, $expose, $max_age) = @$c;

    # Actual request from the allowed origin: echo, credentials, expose, Vary.
    my $res = cors_request(GET => $url, $origin);
    is $res->code, 200, "$name: GET 200";
    is_deeply [header_values($res, 'Access-Control-Allow-Origin')], [$origin],
        "$name: ACAO echoes the allowed origin once";
    is_deeply [header_values($res, 'Access-Control-Allow-Credentials')], ['true'],
        "$name: CorsSupportsCredentials On";
    is_deeply [header_values($res, 'Access-Control-Expose-Headers')], [$expose],
        "$name: CorsExposeHeaders";
    is vary_origin($res), 1, "$name: Vary: Origin once";

    # Another origin: nothing.
    $res = cors_request(GET => $url, 'https://other.example');
    is_deeply [cors_lines($res)], [], "$name: other origin gets no Access-Control-* header";

    # Granted preflight: methods, headers, max age, credentials.
    $res = preflight($url, $origin, $method, $header);
    is $res->code, 204, "$name: preflight answered 204";
    is_deeply [header_values($res, 'Access-Control-Allow-Origin')], [$origin],
        "$name: preflight ACAO";
    is_deeply [header_values($res, 'Access-Control-Allow-Methods')], [$acam],
        "$name: preflight ACAM is the section's CorsMethods";
    is_deeply [header_values($res, 'Access-Control-Allow-Headers')], [lc $header],
        "$name: preflight ACAH";
    is_deeply [header_values($res, 'Access-Control-Max-Age')], [$max_age],
        "$name: preflight CorsMaxAge";
    is_deeply [header_values($res, 'Access-Control-Allow-Credentials')], ['true'],
        "$name: preflight ACAC";

    # Refused preflights: method not in CorsMethods, header not in CorsAllowHeaders.
    $res = preflight($url, $origin, 'PROPFIND', $header);
    is_deeply [cors_lines($res)], [], "$name: preflight with an unlisted method refused";
    $res = preflight($url, $origin, $method, "$header, X-Other");
    is_deeply [cors_lines($res)], [], "$name: preflight with an unlisted header refused";
}

for my $o (@outside) {
    my ($name, $url, $origin) = @$o;
    my $res = cors_request(GET => $url, $origin);
    is $res->code, 200, "$name: GET 200";
    is_deeply [cors_lines($res)], [], "$name: no Access-Control-* header";
    is vary_origin($res), 0, "$name: no Vary: Origin";
}
