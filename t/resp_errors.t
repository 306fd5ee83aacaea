# Area "resp": error responses (404, 403, 405, 501, 500, 304, ErrorDocument)
# carry the CORS answer, exactly one ACAO line, and Vary: Origin for refused
# origins too (config: t/conf/resp.conf.in).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

plan tests => 84, need_module('cors');

my $A    = 'https://a.example';
my $B    = 'https://b.example';
my $EVIL = 'https://evil.example';

# An error in /resp/err/ (credentials on, expose X-Resp): status, one ACAO
# echoing the origin, ACAC, ACEH, Vary: Origin once. 5 assertions.
sub granted_error {
    my ($res, $code, $origin, $what) = @_;
    is $res->code, $code, "$what: $code";
    is_deeply [header_values($res, $ACAO)], [$origin], "$what: exactly one ACAO, echoed";
    is_deeply [header_values($res, $ACAC)], ['true'], "$what: ACAC true";
    is_deeply [header_values($res, $ACEH)], ['X-Resp'], "$what: ACEH";
    is vary_origin($res), 1, "$what: Vary: Origin once";
}

# The same error for a refused origin: no Access-Control-* at all, Vary: Origin. 3 assertions.
sub refused_error {
    my ($res, $code, $what) = @_;
    is $res->code, $code, "$what: $code";
    is_deeply [cors_lines($res)], [], "$what: no Access-Control-* header";
    is vary_origin($res), 1, "$what: Vary: Origin";
}

my $res;

# 404 for a missing file.
granted_error(cors_request(GET => '/resp/err/missing.txt', $A), 404, $A, '404');
granted_error(cors_request(GET => '/resp/err/missing.txt', $B), 404, $B, '404 (second origin)');
refused_error(cors_request(GET => '/resp/err/missing.txt', $EVIL), 404, '404, refused origin');

# 403 from Require all denied.
granted_error(cors_request(GET => '/resp/err/denied/file.txt', $A), 403, $A, '403');
refused_error(cors_request(GET => '/resp/err/denied/file.txt', $EVIL), 403, '403, refused origin');

# 405: the default handler refuses PUT/DELETE on a static file.
# (A POST to a static file is served with 200 by httpd 2.4.71, so not used.)
$res = cors_request(PUT => '/resp/err/file.txt', $A, Content => 'x=1');
granted_error($res, 405, $A, '405 (PUT)');
ok defined $res->header('Allow'), '405: Allow header kept';
granted_error(cors_request(DELETE => '/resp/err/file.txt', $A), 405, $A, '405 (DELETE)');
refused_error(cors_request(PUT => '/resp/err/file.txt', $EVIL, Content => 'x=1'), 405,
              '405, refused origin');

# 501 for an unknown method.
granted_error(cors_request(BREW => '/resp/err/file.txt', $A), 501, $A, '501');

# 304 Not Modified (If-None-Match with the ETag) keeps ACAO and Vary.
$res = cors_request(GET => '/resp/err/file.txt', $A);
my $etag = $res->header('ETag');
ok defined $etag, '200 has an ETag';
granted_error(cors_request(GET => '/resp/err/file.txt', $A, 'If-None-Match' => $etag // '"x"'),
              304, $A, '304');
refused_error(cors_request(GET => '/resp/err/file.txt', $EVIL, 'If-None-Match' => $etag // '"x"'),
              304, '304, refused origin');

# 500 from CGI scripts that fail: no headers at all, or a malformed header.
for my $cgi (qw(resp_noheaders.cgi resp_broken.cgi)) {
    $res = cors_request(GET => "/resp/cgi/$cgi", $A);
    is $res->code, 500, "$cgi: 500";
    is_deeply [header_values($res, $ACAO)], [$A], "$cgi 500: exactly one ACAO";
    is vary_origin($res), 1, "$cgi 500: Vary: Origin once";
}
$res = cors_request(GET => '/resp/cgi/resp_noheaders.cgi', $EVIL);
is $res->code, 500, 'resp_noheaders.cgi, refused origin: 500';
is_deeply [cors_lines($res)], [], 'CGI 500, refused origin: no Access-Control-*';

# 500 produced by a CGI that prints Status: 500 (its body is passed through).
$res = cors_request(GET => '/resp/cgi/resp_echo.cgi?status500', $A);
is $res->code, 500, 'CGI Status: 500: 500';
like $res->content, qr/resp cgi body/, 'CGI Status: 500: the script body';
is_deeply [header_values($res, $ACAO)], [$A], 'CGI Status: 500: exactly one ACAO';

# ErrorDocument whose page is OUTSIDE the Cors On scope: the 404 for a URL
# inside the scope still carries the CORS answer, once.
$res = cors_request(GET => '/resp/edoc/missing.txt', $A);
is $res->code, 404, 'ErrorDocument (outside scope): 404';
like $res->content, qr/resp custom 404 page/, 'ErrorDocument (outside scope): the custom page';
is_deeply [header_values($res, $ACAO)], [$A], 'ErrorDocument (outside scope): exactly one ACAO';
is vary_origin($res), 1, 'ErrorDocument (outside scope): Vary: Origin once';
$res = cors_request(GET => '/resp/edoc/missing.txt', $EVIL);
is_deeply [cors_lines($res)], [], 'ErrorDocument (outside scope), refused origin: no Access-Control-*';
is vary_origin($res), 1, 'ErrorDocument (outside scope), refused origin: Vary: Origin';
# ...while the error page itself, requested directly, is outside the scope.
$res = cors_request(GET => '/resp/errors/404.html', $A);
is_deeply [cors_lines($res)], [], 'error page requested directly: no CORS (outside scope)';

# ErrorDocument whose page is inside the same Cors On scope.
$res = cors_request(GET => '/resp/edoc-local/missing.txt', $A);
is $res->code, 404, 'ErrorDocument (inside scope): 404';
like $res->content, qr/resp local 404 page/, 'ErrorDocument (inside scope): the custom page';
is_deeply [header_values($res, $ACAO)], [$A], 'ErrorDocument (inside scope): exactly one ACAO';
is vary_origin($res), 1, 'ErrorDocument (inside scope): Vary: Origin once';

# ErrorDocument page in a Cors Off section: the requested URL decides.
$res = cors_request(GET => '/resp/edoc-off/missing.txt', $A);
is $res->code, 404, 'ErrorDocument (page in Cors Off): 404';
like $res->content, qr/resp off 404 page/, 'ErrorDocument (page in Cors Off): the custom page';
is_deeply [header_values($res, $ACAO)], [$A], 'ErrorDocument (page in Cors Off): exactly one ACAO';
is vary_origin($res), 1, 'ErrorDocument (page in Cors Off): Vary: Origin once';

# ErrorDocument under a broad "*" policy for a URL whose child section
# narrows it: the child's list decides.
$res = cors_request(GET => '/resp/edoc-wide/narrow/missing.txt', $EVIL);
is $res->code, 404, 'ErrorDocument (narrowed child): 404';
like $res->content, qr/resp wide 404 page/, 'ErrorDocument (narrowed child): the custom page';
is_deeply [cors_lines($res)], [], 'ErrorDocument (narrowed child), other origin: no Access-Control-*';
$res = cors_request(GET => '/resp/edoc-wide/narrow/missing.txt', $A);
is_deeply [header_values($res, $ACAO)], [$A], 'ErrorDocument (narrowed child), listed origin: one ACAO';

# SetOutputFilter CORS: inside a scope the usual answer, outside none.
$res = cors_request(GET => '/resp/named/f.txt', $A);
is $res->code, 200, 'SetOutputFilter CORS: 200';
is_deeply [header_values($res, $ACAO)], [$A], 'SetOutputFilter CORS: exactly one ACAO';
$res = cors_request(GET => '/resp/named/f.txt', $EVIL);
is_deeply [cors_lines($res)], [], 'SetOutputFilter CORS, other origin: none';
$res = cors_request(GET => '/resp/named-off/f.txt', $A);
is $res->code, 200, 'SetOutputFilter CORS outside any scope: 200, no crash';
is_deeply [cors_lines($res)], [], 'SetOutputFilter CORS outside any scope: no Access-Control-*';
